/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of the zcopy module.
 */
#ifndef _ZCOPY_H
#define _ZCOPY_H

#include <linux/types.h>
#include <linux/zcopy.h>

struct dentry;

/* Most descriptors in one transfer: bounds the work one call can demand. */
#define ZCOPY_MAX_DESCS		1024
/* Most bytes all buffer descriptors of one transfer may carry together. */
#define ZCOPY_MAX_BUF_BYTES	(64 * 1024)

/* the transfer flags this module implements */
#define ZCOPY_F_ALL	(ZCOPY_F_SYNC | ZCOPY_F_MORE | ZCOPY_F_NONBLOCK | \
			 ZCOPY_F_NOSIGNAL | ZCOPY_F_DIRECT_FALLBACK)

/* params.c */
extern unsigned long zcopy_direct_threshold;

/* device.c */
int zcopy_device_init(void);
void zcopy_device_uninit(void);

/* debugfs.c */
extern struct dentry *zcopy_debugfs_root;
void zcopy_debugfs_init(void);
void zcopy_debugfs_uninit(void);

/* args.c */
int zcopy_copy_args_in(void *karg, size_t ksize, size_t minsize,
		       const void __user *uarg, u32 *usize);
int zcopy_copy_args_out(void __user *uarg, const void *karg, size_t ksize,
			u32 usize);

/* info.c */
long zcopy_ioctl_info(void __user *uarg);

/* xfer.c */
long zcopy_ioctl_xfer(void __user *uarg);

#endif /* _ZCOPY_H */
