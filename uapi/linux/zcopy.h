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
 *   cannot do), or @size is above 4096.
 */

#define ZCOPY_IOC_TYPE		0xBC

/*
 * ABI version reported by ZCOPY_IOC_INFO; bumped on compatible additions.
 * 2: ZCOPY_IOC_XFER through io_uring (struct zcopy_uring_cmd).
 */
#define ZCOPY_ABI_VERSION	2

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

/**
 * DOC: Transfer modes
 *
 * - ZCOPY_MODE_AUTO: per file descriptor, SG when the file is smaller than
 *   the direct-I/O threshold, DIRECT at or above it (nginx's ``directio``
 *   policy); SG where the file cannot do direct I/O.
 * - ZCOPY_MODE_COPY: read+write done in the kernel: the CPU copies file data
 *   into a module buffer, and the socket copies it again.  The baseline.
 * - ZCOPY_MODE_SG: page-cache pages are handed to the socket by reference.
 * - ZCOPY_MODE_DIRECT: the device reads the file straight into pages the
 *   module owns (direct I/O, the page cache is not filled), which are then
 *   handed to the socket by reference.
 */
#define ZCOPY_MODE_AUTO		0
#define ZCOPY_MODE_COPY		1
#define ZCOPY_MODE_SG		2
#define ZCOPY_MODE_DIRECT	3
#define ZCOPY_MODE_COUNT	4

/**
 * DOC: Transfer flags
 *
 * - ZCOPY_F_SYNC: return only when the network stack has released every
 *   reference to page-cache pages of this transfer, so the file may be
 *   modified afterwards without changing what the peer receives.
 * - ZCOPY_F_MORE: more data follows (MSG_MORE on the last send).
 * - ZCOPY_F_NONBLOCK: do not block, whatever the socket's O_NONBLOCK.
 * - ZCOPY_F_NOSIGNAL: a broken connection gives EPIPE without SIGPIPE.
 * - ZCOPY_F_DIRECT_FALLBACK: in DIRECT mode, use SG for a file that cannot
 *   do direct I/O instead of failing with EOPNOTSUPP.
 */
#define ZCOPY_F_SYNC		0x01U
#define ZCOPY_F_MORE		0x02U
#define ZCOPY_F_NONBLOCK	0x04U
#define ZCOPY_F_NOSIGNAL	0x08U
#define ZCOPY_F_DIRECT_FALLBACK	0x10U

#define ZCOPY_DESC_FILE		1
#define ZCOPY_DESC_BUF		2

/**
 * struct zcopy_desc - one piece of a transfer
 * @type: ZCOPY_DESC_FILE or ZCOPY_DESC_BUF
 * @fd: FILE: a regular file open for reading; BUF: must be zero
 * @offset: FILE: where to start, in bytes (>= 0); BUF: must be zero
 * @len: FILE: bytes to send, 0 = up to the end of the file as it is when
 *	the transfer starts; a range past the end is sent short, like
 *	sendfile(2).  BUF: bytes at @addr (copied).
 * @addr: BUF: user address of the bytes; FILE: must be zero
 *
 * The file position of @fd is never used nor changed (like sendfile(2)
 * with an offset pointer, or pread(2)).
 */
struct zcopy_desc {
	__u32 type;
	__s32 fd;
	__s64 offset;
	__u64 len;
	__aligned_u64 addr;
};

/**
 * struct zcopy_counters - how the bytes of one transfer moved
 *
 * Documentation/counters.rst defines each counter exactly and says how it
 * is measured; in short:
 *
 * @bytes_requested: bytes the descriptors asked for (FILE length 0 resolved
 *	to the end of the file, ranges past the end cut at it)
 * @bytes_sent: bytes the socket accepted
 * @cpu_copy_bytes: bytes the CPU copied on the sending side to get data onto
 *	the wire: the module's own copies and the network stack's
 * @cpu_copy_ops: number of such copy operations
 * @dma_in_bytes: bytes the storage device had to read into memory for this
 *	transfer (page-cache misses, direct reads)
 * @dma_out_bytes: bytes sent through an egress device backed by hardware
 *	(0 for loopback, veth and UNIX sockets)
 * @sg_entries: page fragments handed to the socket by reference
 * @pages_referenced: pages those fragments span
 * @direct_bytes: file bytes read with direct I/O
 * @duration_ns: time spent in the transfer
 * @__reserved: zero
 */
struct zcopy_counters {
	__u64 bytes_requested;
	__u64 bytes_sent;
	__u64 cpu_copy_bytes;
	__u64 cpu_copy_ops;
	__u64 dma_in_bytes;
	__u64 dma_out_bytes;
	__u64 sg_entries;
	__u64 pages_referenced;
	__u64 direct_bytes;
	__u64 duration_ns;
	__u64 __reserved[4];
};

/**
 * struct zcopy_xfer - ZCOPY_IOC_XFER: send descriptors to a socket
 * @size: in: sizeof(struct zcopy_xfer) as known by the caller
 * @flags: in: ZCOPY_F_* flags
 * @sock_fd: in: connected stream socket (TCP over IPv4/IPv6, or UNIX),
 *	open for writing
 * @mode: in: ZCOPY_MODE_*
 * @descs: in: user address of an array of @ndescs struct zcopy_desc
 * @ndescs: in: 1 to the info ioctl's max_descs
 * @__reserved0: must be zero
 * @bytes_sent: out: bytes sent (also the ioctl's return value)
 * @xfer_id: out: id of this transfer's record in debugfs (never 0)
 * @error: out: positive errno that ended the transfer early, 0 if every
 *	byte was sent
 * @__reserved1: must be zero
 * @counters: out: see struct zcopy_counters
 *
 * Returns the number of bytes sent, like sendfile(2): an error is returned
 * only when nothing was sent.  Whenever the descriptors were accepted (the
 * transfer got an id), the out members are written, also on error.
 */
struct zcopy_xfer {
	__u32 size;
	__u32 flags;
	__s32 sock_fd;
	__u32 mode;
	__aligned_u64 descs;
	__u32 ndescs;
	__u32 __reserved0;
	__u64 bytes_sent;
	__u64 xfer_id;
	__s32 error;
	__u32 __reserved1;
	struct zcopy_counters counters;
};

#define ZCOPY_IOC_XFER		_IOWR(ZCOPY_IOC_TYPE, 0x01, struct zcopy_xfer)

/**
 * struct zcopy_uring_cmd - the command area of an IORING_OP_URING_CMD SQE
 *	on /dev/zcopy whose ``cmd_op`` is ZCOPY_IOC_XFER
 * @xfer: user address of a struct zcopy_xfer, read when the request runs
 *	and written at its completion, exactly as the ioctl reads and writes
 *	it; it and its descriptors must stay valid until the completion
 * @__reserved: must be zero
 *
 * The CQE's ``res`` is what the ioctl would return: bytes sent, or -errno
 * when nothing was sent.  It fills the 16 bytes of a normal SQE's command
 * area (``addr3`` and the padding after it).
 */
struct zcopy_uring_cmd {
	__aligned_u64 xfer;
	__u64 __reserved;
};

#endif /* _UAPI_LINUX_ZCOPY_H */
