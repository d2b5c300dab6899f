// SPDX-License-Identifier: GPL-2.0
/*
 * Handing pages to a socket: the one place where kernels differ.
 *
 * Up to 6.4, sockets have ->sendpage(): TCP's ->sendpage_locked()
 * (tcp_sendpage_locked()) attaches each page as a fragment, and one
 * lock_sock() can cover a whole batch.  From 6.5 ->sendpage() is gone:
 * sendmsg() with MSG_SPLICE_PAGES and a bvec iterator attaches the pages;
 * one sock_sendmsg() takes a whole batch under one lock.  UNIX stream
 * sockets take page references on both (unix_stream_sendpage(), or
 * MSG_SPLICE_PAGES in unix_stream_sendmsg()).
 *
 * zcopy_compat_send_pages() returns bytes sent (possibly short) or -errno
 * when nothing was sent.
 *
 * The zero-copy notification used by ZCOPY_F_SYNC (sync.c) is attached to
 * struct ubuf_info differently too.
 */
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xfer.h"

/* set by Kbuild from the kernel's headers */
#ifdef ZCOPY_HAVE_SENDPAGE

ssize_t zcopy_compat_send_pages(struct socket *sock, struct bio_vec *bv,
				unsigned int n, size_t len, int flags)
{
	struct sock *sk = sock->sk;
	bool locked = sock->ops->sendpage_locked;
	ssize_t done = 0;
	unsigned int i;
	int ret = -EOPNOTSUPP;

	if (locked) {
		lock_sock(sk);
		if (!zcopy_sock_plain_tcp(sk))
			goto out;
	}
	for (i = 0; i < n; i++) {
		int f = flags;

		/* more fragments of this batch follow */
		if (i + 1 < n)
			f |= MSG_MORE | MSG_SENDPAGE_NOTLAST;
		if (locked)
			ret = kernel_sendpage_locked(sk, bv[i].bv_page, bv[i].bv_offset,
						     bv[i].bv_len, f);
		else
			ret = kernel_sendpage(sock, bv[i].bv_page, bv[i].bv_offset,
					      bv[i].bv_len, f);
		if (ret <= 0)
			break;
		done += ret;
		if (ret < bv[i].bv_len)
			break;
	}
out:
	if (locked)
		release_sock(sk);
	return done ? done : ret;
}

#else /* !ZCOPY_HAVE_SENDPAGE */

ssize_t zcopy_compat_send_pages(struct socket *sock, struct bio_vec *bv,
				unsigned int n, size_t len, int flags)
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
