// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_IOC_XFER through io_uring: filling the SQE, reading the CQE.
 *
 * Only the kernel's SQE and CQE layouts are used, no liburing function:
 * the library links nothing new, and the SQEs may come from liburing's
 * io_uring_get_sqe() or from a program's own ring.  liburing 2.3 (Debian
 * 12) has no io_uring_prep_cmd(), so the SQE is filled by hand.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/io_uring.h>

#include "zcopy.h"

void zcopy_uring_prep_xfer(struct io_uring_sqe *sqe, int dev, struct zcopy_xfer *x)
{
	struct zcopy_uring_cmd *cmd = (struct zcopy_uring_cmd *)sqe->cmd;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = dev;
	sqe->cmd_op = ZCOPY_IOC_XFER;
	cmd->xfer = (uintptr_t)x;
	cmd->__reserved = 0;
	/* the struct itself: what zcopy_uring_result() hands back */
	sqe->user_data = (uintptr_t)x;
}

void zcopy_uring_prep_send(struct io_uring_sqe *sqe, int dev, int sock,
			   const struct zcopy_desc *descs, unsigned int n, unsigned int mode,
			   unsigned int flags, struct zcopy_xfer *x)
{
	memset(x, 0, sizeof(*x));
	x->size = sizeof(*x);
	x->flags = flags;
	x->sock_fd = sock;
	x->mode = mode;
	x->descs = (uintptr_t)descs;
	x->ndescs = n;
	zcopy_uring_prep_xfer(sqe, dev, x);
}

ssize_t zcopy_uring_result(const struct io_uring_cqe *cqe, struct zcopy_xfer **x)
{
	if (x)
		*x = (struct zcopy_xfer *)(uintptr_t)cqe->user_data;
	if (cqe->res < 0) {
		errno = -cqe->res;
		return -1;
	}
	return cqe->res;
}

int zcopy_uring_supported(int dev)
{
	struct zcopy_info info;

	if (zcopy_get_info(dev, &info))
		return -1;
	/* ABI version 2 added the io_uring command */
	return info.abi_version >= 2;
}
