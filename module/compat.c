// SPDX-License-Identifier: GPL-2.0
/*
 * Handing pages to a socket: the one place where kernels differ.
 *
 * Up to 6.4, sockets have ->sendpage(), one (page, offset, length) per
 * call.  For TCP a whole batch goes under one lock_sock(): what
 * tcp_sendpage_locked() decides per page (scatter-gather on the route,
 * tcp_rate_check_app_limited()) is decided once, then do_tcp_sendpages()
 * attaches each fragment, with MSG_MORE | MSG_SENDPAGE_NOTLAST on all but
 * the last, so that TCP pushes once per batch (under Nagle also where a
 * descriptor ends, MSG_MORE kept: see below); the ACKs that arrived
 * meanwhile are processed every 16 fragments, as tcp_sendmsg_locked() does
 * every 16 skbs (do_tcp_sendpages() never does it itself).  From 6.5
 * ->sendpage() is gone: one sock_sendmsg() with MSG_SPLICE_PAGES and a bvec
 * iterator takes the whole batch under one lock.  UNIX stream sockets take
 * page references on both (unix_stream_sendpage(), or MSG_SPLICE_PAGES in
 * unix_stream_sendmsg()).
 *
 * zcopy_compat_send_pages() returns bytes sent (possibly short) or -errno
 * when nothing was sent.
 *
 * The zero-copy notification used by ZCOPY_F_SYNC (sync.c) is attached to
 * struct ubuf_info differently too, and sendfile asks the security module
 * and fanotify about each chunk it reads, or once.  io_uring's command
 * (uring.c) moved to <linux/io_uring/cmd.h> in 6.5, where its command area
 * is read through io_uring_sqe_cmd().
 */
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>
/* set by Kbuild: struct io_uring_cmd and IO_URING_F_* left io_uring.h in 6.5 */
#ifdef ZCOPY_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

#include "xfer.h"

/* set by Kbuild from the kernel's headers */
#ifdef ZCOPY_HAVE_SENDPAGE

/* fragments between two looks at the socket's backlog */
#define ZCOPY_BACKLOG_EVERY	16

/*
 * The flags of fragment @i of @n.  All but the batch's last carry MSG_MORE
 * (the last one's come from the caller: MSG_MORE while the transfer goes
 * on) and MSG_SENDPAGE_NOTLAST, which skips TCP's push at the end of the
 * call; with @ends, not where a descriptor ends (ZCOPY_FRAG_END).
 */
static int zcopy_compat_page_flags(const struct zcopy_frag *frag, unsigned int i,
				   unsigned int n, int flags, bool ends)
{
	if (i + 1 == n)
		return flags;
	flags |= MSG_MORE;
	if (!ends || !(frag[i].flags & ZCOPY_FRAG_END))
		flags |= MSG_SENDPAGE_NOTLAST;
	return flags;
}

/* ->sendpage() locks the socket itself: UNIX, kTLS, a sockmap; page by page */
static ssize_t zcopy_compat_sendpage_each(struct socket *sock, struct bio_vec *bv,
					  const struct zcopy_frag *frag, unsigned int n,
					  int flags)
{
	ssize_t done = 0;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		int f = zcopy_compat_page_flags(frag, i, n, flags, false);

		ret = kernel_sendpage(sock, bv[i].bv_page, bv[i].bv_offset, bv[i].bv_len, f);
		if (ret <= 0)
			break;
		done += ret;
		if (ret < bv[i].bv_len)
			break;
	}
	return done ? done : ret;
}

ssize_t zcopy_compat_send_pages(struct socket *sock, struct bio_vec *bv,
				const struct zcopy_frag *frag, unsigned int n,
				size_t len, int flags)
{
	struct sock *sk = sock->sk;
	ssize_t done = 0;
	unsigned int i;
	int ret = 0;
	bool sg, ends;

	if (!sock->ops->sendpage_locked)
		return zcopy_compat_sendpage_each(sock, bv, frag, n, flags);

	lock_sock(sk);
	/* kTLS, a sockmap: their ->sendpage(), which locks the socket itself */
	if (!zcopy_sock_plain_tcp(sk)) {
		release_sock(sk);
		return zcopy_compat_sendpage_each(sock, bv, frag, n, flags);
	}
	/* tcp_sendpage_locked()'s per-page decisions, once for the batch */
	sg = sk->sk_route_caps & NETIF_F_SG;
	/*
	 * Under Nagle, TCP pushes (corked: MSG_MORE) at the end of each
	 * descriptor, as sendfile() does each time its pipe drains (MSG_MORE
	 * without MSG_SENDPAGE_NOTLAST): full segments leave, the tail waits.
	 * Pipelined 16 KiB responses on 6.1 then went out at 0.56 packets
	 * each under icount, against 0.90 with one push per response and
	 * sendfile's 0.64 (performance.rst).  Not with TCP_NODELAY: there
	 * that push sends the full segments, and the tail goes as a second
	 * packet (2.00 per request/response against 1.00).  Nor under
	 * TCP_CORK, whose user asked for the most coalescing and was not
	 * measured with it.  6.12's one sock_sendmsg() per batch, and SYNC's
	 * sends, push once per batch.
	 */
	ends = !(tcp_sk(sk)->nonagle & (TCP_NAGLE_OFF | TCP_NAGLE_CORK));
	if (sg)
		tcp_rate_check_app_limited(sk);
	for (i = 0; i < n; i++) {
		struct bio_vec *v = &bv[i];
		int f = zcopy_compat_page_flags(frag, i, n, flags, ends);

		if (i && !(i % ZCOPY_BACKLOG_EVERY))
			sk_flush_backlog(sk);
		/* without scatter-gather, TCP's own copying fallback */
		if (sg)
			ret = do_tcp_sendpages(sk, v->bv_page, v->bv_offset, v->bv_len, f);
		else
			ret = sock_no_sendpage_locked(sk, v->bv_page, v->bv_offset, v->bv_len, f);
		if (ret <= 0)
			break;
		done += ret;
		if (ret < v->bv_len)
			break;
	}
	release_sock(sk);
	return done ? done : ret;
}

#else /* !ZCOPY_HAVE_SENDPAGE */

ssize_t zcopy_compat_send_pages(struct socket *sock, struct bio_vec *bv,
				const struct zcopy_frag *frag, unsigned int n,
				size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };

	/*
	 * sock_sendmsg() as sendfile's splice_to_socket(): the security
	 * module's socket_sendmsg hook runs, and whatever sits on the socket
	 * (a ULP such as kTLS) gets the pages, never bypassed.
	 */
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	return sock_sendmsg(sock, &msg);
}

#endif /* ZCOPY_HAVE_SENDPAGE */

/* set by Kbuild: 6.7 moved the completion callback into struct ubuf_info_ops */
#ifdef ZCOPY_HAVE_UBUF_OPS

static const struct ubuf_info_ops zcopy_ubuf_ops = {
	.complete = zcopy_sync_complete,
};

void zcopy_compat_ubuf_init(struct ubuf_info *uarg)
{
	uarg->ops = &zcopy_ubuf_ops;
}

#else /* !ZCOPY_HAVE_UBUF_OPS */

void zcopy_compat_ubuf_init(struct ubuf_info *uarg)
{
	uarg->callback = zcopy_sync_complete;
}

#endif /* ZCOPY_HAVE_UBUF_OPS */

/*
 * Set by Kbuild: up to 6.7, sendfile's splice loop calls rw_verify_area()
 * (the security module's file_permission hook, fanotify's FAN_ACCESS_PERM)
 * before each chunk it reads (do_splice_to()); from 6.8 do_sendfile() asks
 * once for the whole range, which xfer.c does too.
 */
#ifdef ZCOPY_HAVE_SPLICE_CHUNK_VERIFY

int zcopy_compat_verify_chunk(struct file *file, loff_t pos, size_t len)
{
	return rw_verify_area(READ, file, &pos, min_t(size_t, len, MAX_RW_COUNT));
}

#else /* !ZCOPY_HAVE_SPLICE_CHUNK_VERIFY */

int zcopy_compat_verify_chunk(struct file *file, loff_t pos, size_t len)
{
	return 0;
}

#endif /* ZCOPY_HAVE_SPLICE_CHUNK_VERIFY */

/* io_uring's inline attempt, which must not wait (uring.c) */
bool zcopy_compat_uring_nowait(unsigned int issue_flags)
{
	return issue_flags & IO_URING_F_NONBLOCK;
}

u32 zcopy_compat_uring_op(const struct io_uring_cmd *cmd)
{
	return cmd->cmd_op;
}

#ifdef ZCOPY_HAVE_IO_URING_CMD_H

/*
 * What the inline attempt keeps in the request (cmd->pdu, the driver's):
 * 6.12's io_uring_cmd() copies the SQE when ->uring_cmd() returns -EAGAIN
 * but leaves cmd->sqe at the ring's slot, which user space may fill with
 * another SQE before io-wq issues the request again (6.1 switches cmd->cmd
 * to its copy).  io-wq takes the command area from here while cmd->sqe is
 * still the slot it was read from; a request io_uring copied at prep
 * (IOSQE_ASYNC, drain) points at its copy instead.
 */
struct zcopy_uring_pdu {
	const struct io_uring_sqe *sqe;
	u8 area[ZCOPY_URING_AREA];
};

void zcopy_compat_uring_area(struct io_uring_cmd *cmd, unsigned int issue_flags,
			     void *area)
{
	struct zcopy_uring_pdu *pdu = io_uring_cmd_to_pdu(cmd, struct zcopy_uring_pdu);

	if (!(issue_flags & IO_URING_F_NONBLOCK) && pdu->sqe == cmd->sqe) {
		memcpy(area, pdu->area, ZCOPY_URING_AREA);
		return;
	}
	/* inline, the SQE itself, in memory user space shares: read once */
	memcpy(area, io_uring_sqe_cmd(cmd->sqe), ZCOPY_URING_AREA);
	if (issue_flags & IO_URING_F_NONBLOCK) {
		pdu->sqe = cmd->sqe;
		memcpy(pdu->area, area, ZCOPY_URING_AREA);
	}
}

/* a recycled request must not find this one's slot */
static void zcopy_compat_uring_forget(struct io_uring_cmd *cmd)
{
	io_uring_cmd_to_pdu(cmd, struct zcopy_uring_pdu)->sqe = NULL;
}

#else /* !ZCOPY_HAVE_IO_URING_CMD_H */

/* cmd->cmd: the SQE inline, io_uring's copy once it went to io-wq */
void zcopy_compat_uring_area(struct io_uring_cmd *cmd, unsigned int issue_flags,
			     void *area)
{
	memcpy(area, cmd->cmd, ZCOPY_URING_AREA);
}

static void zcopy_compat_uring_forget(struct io_uring_cmd *cmd)
{
}

#endif /* ZCOPY_HAVE_IO_URING_CMD_H */

/* res2 is an ssize_t on 6.1, a u64 from 6.5; only CQE32 rings see it */
void zcopy_compat_uring_done(struct io_uring_cmd *cmd, ssize_t res,
			     unsigned int issue_flags)
{
	zcopy_compat_uring_forget(cmd);
	io_uring_cmd_done(cmd, res, 0, issue_flags);
}
