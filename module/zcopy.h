/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of the zcopy module.
 */
#ifndef _ZCOPY_H
#define _ZCOPY_H

#include <linux/bits.h>
#include <linux/ioctl.h>
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

/*
 * Commands are matched on type, number and direction; the size bits of the
 * command number are ignored because the struct's own size field says how
 * much user space passed (see "General ioctl format" in the uapi header).
 */
#define ZCOPY_CMD(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/* xfer.c: how a transfer runs */
#define ZCOPY_RUN_URING		BIT(0)	/* from io_uring: no SIGPIPE, no restart codes */
#define ZCOPY_RUN_NOWAIT	BIT(1)	/* io_uring's inline attempt: never waits */
long zcopy_xfer(void __user *uarg, unsigned int run, bool *punt);

/* uring.c */
struct io_uring_cmd;
int zcopy_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);

/* compat.c: io_uring's command, whose definitions moved in 6.5 */
bool zcopy_compat_uring_nowait(unsigned int issue_flags);
u32 zcopy_compat_uring_op(const struct io_uring_cmd *cmd);
/* bytes of the SQE's command area the module reads: struct zcopy_uring_cmd */
#define ZCOPY_URING_AREA	sizeof(struct zcopy_uring_cmd)
void zcopy_compat_uring_area(struct io_uring_cmd *cmd, unsigned int issue_flags,
			     void *area);
void zcopy_compat_uring_done(struct io_uring_cmd *cmd, ssize_t res,
			     unsigned int issue_flags);

#endif /* _ZCOPY_H */
