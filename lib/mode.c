// SPDX-License-Identifier: GPL-2.0
/* Transfer modes by name: what ZCOPY_MODE= and the tool's -m take. */
#include <errno.h>
#include <string.h>

#include "zcopy.h"

static const char *const modes[ZCOPY_MODE_COUNT] = {
	[ZCOPY_MODE_AUTO] = "auto",
	[ZCOPY_MODE_COPY] = "copy",
	[ZCOPY_MODE_SG] = "sg",
	[ZCOPY_MODE_DIRECT] = "direct",
};

int zcopy_mode_parse(const char *name)
{
	for (unsigned int i = 0; name && i < ZCOPY_MODE_COUNT; i++)
		if (!strcmp(name, modes[i]))
			return i;
	errno = EINVAL;
	return -1;
}

const char *zcopy_mode_name(unsigned int mode)
{
	return mode < ZCOPY_MODE_COUNT ? modes[mode] : "?";
}
