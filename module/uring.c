// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_IOC_XFER through io_uring: IORING_OP_URING_CMD on /dev/zcopy, whose
 * command area (struct zcopy_uring_cmd) points at the ioctl's struct.
 *
 * io_uring first issues a request inline, in the submitting task, with
 * IO_URING_F_NONBLOCK: a transfer that cannot wait (a non-blocking call,
 * or one whose socket has room for all of it) runs there to its end.  One
 * that would wait is refused with -EAGAIN before anything is sent, and
 * io_uring issues it again from an io-wq worker, where it follows its
 * socket's blocking rules as the ioctl does.  io-wq ends a worker's wait
 * for cancellation and ring exit with TIF_NOTIFY_SIGNAL, which the
 * transfer takes as a signal: a short count, or -EINTR.
 *
 * Every result is posted with io_uring_cmd_done() and -EIOCBQUEUED is
 * returned, also for errors: on 6.1 a handler that returns a positive
 * count itself loses its completion (inline, a linked request then gets
 * -ECANCELED; from io-wq no CQE is posted at all).
 *
 * No IORING_SETUP_IOPOLL: there is no ->uring_cmd_iopoll, so io_uring
 * fails such requests with -EOPNOTSUPP before they get here.
 */
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "zcopy.h"

static long zcopy_uring_xfer(struct io_uring_cmd *cmd, unsigned int issue_flags,
			     bool *punt)
{
	struct zcopy_uring_cmd area;
	unsigned int run = ZCOPY_RUN_URING;

	if (ZCOPY_CMD(zcopy_compat_uring_op(cmd)) != ZCOPY_CMD(ZCOPY_IOC_XFER))
		return -ENOTTY;
	zcopy_compat_uring_area(cmd, issue_flags, &area);
	if (area.__reserved)
		return -EINVAL;
	if (zcopy_compat_uring_nowait(issue_flags))
		run |= ZCOPY_RUN_NOWAIT;
	return zcopy_xfer(u64_to_user_ptr(area.xfer), run, punt);
}

int zcopy_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	bool punt = false;
	long ret;

	ret = zcopy_uring_xfer(cmd, issue_flags, &punt);
	/* nothing started: io_uring copies the SQE and goes to io-wq */
	if (punt)
		return -EAGAIN;
	zcopy_compat_uring_done(cmd, ret, issue_flags);
	return -EIOCBQUEUED;
}
