/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcopy: in-kernel file-to-socket transfers with truthful copy counters.
 *
 * This header is the stable ABI of /dev/zcopy.  debugfs is not ABI.
 */
#ifndef _UAPI_LINUX_ZCOPY_H
#define _UAPI_LINUX_ZCOPY_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: General ioctl format
 *
 * Every command takes one struct whose first two members are ``__u32 size``
 * and ``__u32 flags``.  User space sets @size to sizeof() of the struct it
 * was compiled with; the kernel reads that many bytes, so structs can grow at
 * their end without new command numbers.  The size encoded in the command
 * number is the size of the first version and is not used by the kernel:
 * commands are matched on type, number and direction only.
 *
 * Every member named ``__reserved*`` must be zero, every unknown bit of
 * @flags must be clear.  The kernel writes back at most @size bytes.
 *
 * Errors common to every command:
 *
 * - ENOTTY: unknown command.
 * - EFAULT: the argument or a pointer in it is not readable/writable memory.
 * - EINVAL: @size is smaller than the first version of the struct, a
 *   reserved member is not zero, or @flags has an unknown bit.
 * - E2BIG: @size is larger than the struct this kernel knows and the extra
 *   bytes are not all zero (a newer program asks for something this module
 *   cannot do).
 */

#define ZCOPY_IOC_TYPE		0xBC

/* ABI version reported by ZCOPY_IOC_INFO; bumped on compatible additions. */
#define ZCOPY_ABI_VERSION	1

/**
 * struct zcopy_info - ZCOPY_IOC_INFO: what this module supports
 * @size: in: sizeof(struct zcopy_info) as known by the caller
 * @flags: in: must be zero (no flags defined)
 * @abi_version: out: ZCOPY_ABI_VERSION of the running module
 * @modes: out: bit (1 << mode) set for each supported transfer mode
 * @xfer_flags: out: mask of the transfer flags this module accepts
 * @max_descs: out: most descriptors one transfer may carry
 * @max_buf_bytes: out: most bytes all buffer descriptors of one transfer
 *	may carry together
 * @max_xfer_bytes: out: most bytes one transfer sends (MAX_RW_COUNT, the
 *	same clamp as sendfile(2)); longer requests are short transfers
 * @direct_threshold: out: size at or above which automatic mode uses direct
 *	I/O (module parameter ``direct_threshold``)
 * @__reserved: must be zero
 */
struct zcopy_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 modes;
	__u32 xfer_flags;
	__u32 max_descs;
	__u64 max_buf_bytes;
	__u64 max_xfer_bytes;
	__u64 direct_threshold;
	__u64 __reserved[4];
};

#define ZCOPY_IOC_INFO		_IOWR(ZCOPY_IOC_TYPE, 0x00, struct zcopy_info)

#endif /* _UAPI_LINUX_ZCOPY_H */
