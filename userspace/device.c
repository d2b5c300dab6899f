// SPDX-License-Identifier: GPL-2.0
/* Opening /dev/zcopy (libzcopy) with a message that says what to do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <zcopy.h>

#include "tool.h"

int device_open(void)
{
	int fd = zcopy_open(NULL);

	if (fd < 0) {
		const char *path = getenv("ZCOPY_DEVICE");
		int err = errno;

		err_errno(path && *path ? path : "/dev/zcopy", err);
		if (err == ENOENT)
			fputs("zcopy: is the module loaded? (zcopy load)\n", stderr);
		errno = err;
	}
	return fd;
}
