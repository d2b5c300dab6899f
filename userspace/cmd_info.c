// SPDX-License-Identifier: GPL-2.0
/* zcopy info: what the loaded module supports (ZCOPY_IOC_INFO). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "output.h"
#include "zcopy.h"

int cmd_info(int argc, char **argv)
{
	struct zcopy_info info;
	int fd, ret;

	(void)argv;
	if (argc > 1)
		return err_usage("info: unexpected argument '%s'", argv[1]);

	fd = zcopy_open_device();
	if (fd < 0)
		return EXIT_FAIL;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	ret = ioctl(fd, ZCOPY_IOC_INFO, &info);
	close(fd);
	if (ret < 0)
		return err_errno("ZCOPY_IOC_INFO", errno);

	out_open(stdout, opt_json);
	out_u64("abi_version", "ABI version:", info.abi_version);
	out_u64("modes", "modes (mask):", info.modes);
	out_u64("xfer_flags", "flags (mask):", info.xfer_flags);
	out_u64("max_descs", "max descriptors:", info.max_descs);
	out_u64("max_buf_bytes", "max buffer bytes:", info.max_buf_bytes);
	out_u64("max_xfer_bytes", "max transfer bytes:", info.max_xfer_bytes);
	out_u64("direct_threshold", "direct threshold:", info.direct_threshold);
	out_close();
	return EXIT_OK;
}
