// SPDX-License-Identifier: GPL-2.0
/* Opening /dev/zcopy with a message that says what to do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "zcopy.h"

int zcopy_open_device(void)
{
	const char *path = getenv("ZCOPY_DEVICE");
	int fd;

	if (!path)
		path = "/dev/zcopy";
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err_errno(path, errno);
		if (errno == ENOENT)
			fputs("zcopy: is the module loaded? (zcopy load)\n", stderr);
	}
	return fd;
}
