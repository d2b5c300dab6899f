// SPDX-License-Identifier: GPL-2.0
/* zcopy info: what the loaded module supports (ZCOPY_IOC_INFO). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <zcopy.h>

#include "output.h"
#include "tool.h"

/* the module's parameters, as sysfs shows them (numbers) */
static void print_params(void)
{
	static const char *const names[] = { "direct_threshold", "ring_size" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[96], label[64];
		unsigned long long v;
		FILE *f;

		snprintf(path, sizeof(path), "/sys/module/zcopy/parameters/%s", names[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &v) == 1) {
			snprintf(label, sizeof(label), "param %s:", names[i]);
			snprintf(path, sizeof(path), "param_%s", names[i]);
			out_u64(path, label, v);
		}
		fclose(f);
	}
}

int cmd_info(int argc, char **argv)
{
	struct zcopy_info info;
	int fd, ret;

	(void)argv;
	if (argc > 1)
		return err_usage("info: unexpected argument '%s'", argv[1]);

	fd = device_open();
	if (fd < 0)
		return EXIT_FAIL;
	ret = zcopy_get_info(fd, &info);
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
	print_params();
	out_close();
	return EXIT_OK;
}
