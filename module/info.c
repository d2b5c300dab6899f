// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_IOC_INFO: what this module supports, so that programs can adapt
 * instead of guessing from errors.
 */
#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/stddef.h>

#include "zcopy.h"

#define ZCOPY_INFO_SIZE_V1	offsetofend(struct zcopy_info, direct_threshold)

long zcopy_ioctl_info(void __user *uarg)
{
	struct zcopy_info info;
	u32 usize;
	int ret;

	ret = zcopy_copy_args_in(&info, sizeof(info), ZCOPY_INFO_SIZE_V1,
				 uarg, &usize);
	if (ret)
		return ret;
	if (info.flags || memchr_inv(info.__reserved, 0, sizeof(info.__reserved)))
		return -EINVAL;

	info.abi_version = ZCOPY_ABI_VERSION;
	info.modes = BIT(ZCOPY_MODE_AUTO) | BIT(ZCOPY_MODE_COPY) |
		     BIT(ZCOPY_MODE_SG) | BIT(ZCOPY_MODE_DIRECT);
	info.xfer_flags = ZCOPY_F_ALL;
	info.max_descs = ZCOPY_MAX_DESCS;
	info.max_buf_bytes = ZCOPY_MAX_BUF_BYTES;
	info.max_xfer_bytes = MAX_RW_COUNT;
	info.direct_threshold = READ_ONCE(zcopy_direct_threshold);

	return zcopy_copy_args_out(uarg, &info, sizeof(info), usize);
}
