// SPDX-License-Identifier: GPL-2.0
/* Opening /dev/zcopy and asking what the loaded module supports. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "zcopy.h"

int zcopy_open(const char *path)
{
	/* not getenv(): a set-user-ID program must not open a file it is told to */
	if (!path)
		path = secure_getenv("ZCOPY_DEVICE");
	if (!path || !*path)
		path = "/dev/zcopy";
	return open(path, O_RDWR | O_CLOEXEC);
}

int zcopy_get_info(int dev, struct zcopy_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(dev, ZCOPY_IOC_INFO, info) < 0 ? -1 : 0;
}
