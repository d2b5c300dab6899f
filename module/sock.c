// SPDX-License-Identifier: GPL-2.0
/*
 * The socket side of a transfer: which sockets are accepted, where their
 * bytes leave, and the counting around every send.
 */
#include <linux/file.h>
#include <linux/in.h>
#include <linux/netdevice.h>
#include <linux/sched/signal.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/dst.h>
#include <net/sock.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "live.h"
#include "xfer.h"

static bool zcopy_sock_is_tcp(const struct sock *sk)
{
	return (sk->sk_family == AF_INET || sk->sk_family == AF_INET6) &&
	       sk->sk_protocol == IPPROTO_TCP;
}

/**
 * zcopy_sock_plain_tcp - is TCP itself behind this socket?
 * @sk: a TCP socket
 *
 * Not so when a ULP (kTLS) or a BPF sockmap replaced sk_prot: handing
 * pages to do_tcp_sendpages() directly would bypass them, and send TLS
 * plaintext.  6.1 asks under the socket lock before every batch (a ULP can
 * be set while a transfer runs) and sends through ->sendpage() instead,
 * which reaches the socket's protocol (compat.c); 6.12 always sends through
 * sock_sendmsg().  Either way kTLS encrypts from the pages into its own
 * records and a sockmap copies: stack copies (zcopy_sock_path()), and no
 * zero-copy notification for ZCOPY_F_SYNC, which kTLS refuses.
 */
bool zcopy_sock_plain_tcp(const struct sock *sk)
{
	return READ_ONCE(sk->sk_prot)->sendmsg == tcp_sendmsg &&
	       !inet_csk(sk)->icsk_ulp_ops;
}

/*
 * A socket that was never connected gives ENOTCONN.  One whose connection
 * has ended is let through, so that the send reports EPIPE/ECONNRESET
 * exactly as sendfile(2) would.  tcp_done() sets sk_shutdown on every
 * connection that ended; a socket that never had one still has it clear.
 */
static bool zcopy_sock_never_connected(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (sk->sk_family == AF_UNIX)
		return sock->state != SS_CONNECTED;
	if (sk->sk_state == TCP_LISTEN)
		return true;
	return sk->sk_state == TCP_CLOSE && !READ_ONCE(sk->sk_shutdown);
}

/* the network protocol of a TCP socket's packets: IPv4 also for v4-mapped */
static __be16 zcopy_sock_l3_proto(const struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 && !ipv6_addr_v4mapped(&sk->sk_v6_daddr))
		return htons(ETH_P_IPV6);
#endif
	return htons(ETH_P_IP);
}

/* what the devices a batch leaves through do with it */
struct zcopy_egress {
	__be16 proto;		/* the packets' network protocol */
	bool no_sg;		/* one of them has no scatter-gather */
	bool no_csum;		/* one of them cannot checksum @proto */
	bool hw;		/* every one at the bottom is hardware (DMA) */
};

static void zcopy_egress_dev(struct zcopy_egress *e, struct net_device *dev)
{
	netdev_features_t f = READ_ONCE(dev->features);
	struct list_head *iter = &dev->adj_list.lower;

	e->no_sg |= !(f & NETIF_F_SG);
	e->no_csum |= !can_checksum_protocol(f, e->proto);
	/* at the bottom of the stack: the device that transmits */
	if (!netdev_next_lower_dev_rcu(dev, &iter))
		e->hw &= !!dev->dev.parent;
}

static int zcopy_egress_lower(struct net_device *dev, struct netdev_nested_priv *priv)
{
	zcopy_egress_dev(priv->data, dev);
	return 0;
}

/*
 * Where the next batch leaves, and whether the stack will copy it.
 *
 * TCP sockets get NETIF_F_SG in sk_route_caps whenever GSO is possible
 * (sk_setup_caps()), so for plain TCP the send-time copy fallbacks (6.1's
 * sock_no_sendpage_locked(), 6.12's copy branch of tcp_sendmsg_locked())
 * are reached only on routes without it (IPsec).  The copy for a device
 * without scatter-gather happens at transmit instead: validate_xmit_skb()
 * segments the skb without NETIF_F_SG, and skb_segment() then copies every
 * byte into linear skbs (or __skb_linearize() does, for a single segment).
 * A device with scatter-gather but no TX checksum offload for the socket's
 * protocol (tun/tap by default, `ethtool -K dev tx off`) has the checksum
 * computed in software at transmit, and the stack first linearizes an skb
 * whose fragments are shared page-cache pages (skb_segment()'s checksum
 * check for GSO skbs, skb_checksum_help() for the others): a copy of every
 * byte again; SYNC's fragments too, which its notification marks shared
 * as MSG_ZEROCOPY's (SKBFL_ZEROCOPY_FRAG).  All of this is read here,
 * before every
 * batch.  Software devices (loopback, veth) have no parent device and do
 * no DMA.  A stacked device (VLAN, macvlan, bridge, bond) hands the skb to
 * the devices below it, each of which validates it again: a copy when one
 * on the way lacks scatter-gather or checksum offload, DMA when the
 * devices at the bottom are hardware.  A bridge or a bond picks one of
 * several only at transmit: copies if any of them would make one, DMA
 * only if all of them do it.
 */
static void zcopy_sock_path(struct zcopy_xfer_ctx *x)
{
	struct sock *sk = x->sock->sk;
	struct net_device *dev = NULL;
	struct dst_entry *dst;

	x->stack_copies = false;
	x->csum_copies = false;
	x->egress_hw = false;
	if (!zcopy_sock_is_tcp(sk))
		return;
	rcu_read_lock();
	dst = __sk_dst_get(sk);
	if (dst)
		dev = dst->dev;
	/* a ULP set since the start (kTLS encrypts, a sockmap copies) */
	x->stack_copies = !(READ_ONCE(sk->sk_route_caps) & NETIF_F_SG) ||
			  !zcopy_sock_plain_tcp(sk);
	if (dev) {
		struct zcopy_egress e = { .proto = zcopy_sock_l3_proto(sk), .hw = true };
		struct netdev_nested_priv priv = { .data = &e };

		zcopy_egress_dev(&e, dev);
		netdev_walk_all_lower_dev_rcu(dev, zcopy_egress_lower, &priv);
		x->stack_copies |= e.no_sg;
		x->csum_copies = e.no_csum;
		x->egress_hw = e.hw;
		if (!x->ifname[0])
			strscpy(x->ifname, dev->name, sizeof(x->ifname));
	}
	rcu_read_unlock();
}

/**
 * zcopy_sock_get - take the transfer's socket from a file descriptor
 * @fd: the caller's socket descriptor
 * @x: the transfer; sets @sock, @sock_file and @family
 *
 * Return: 0; -EBADF (not open, or not open for writing), -EACCES or -EPERM
 * (refused by a security module, as write(2) would be), -ENOTSOCK,
 * -EOPNOTSUPP (not a TCP or UNIX stream socket), -ENOTCONN.
 */
int zcopy_sock_get(int fd, struct zcopy_xfer_ctx *x)
{
	struct socket *sock;
	struct file *file;
	int ret;

	file = fget(fd);
	if (!file)
		return -EBADF;
	zcopy_live_inc(ZCOPY_LIVE_SOCK_REFS);
	ret = -ENOTSOCK;
	sock = sock_from_file(file);
	if (!sock)
		goto err_fput;
	ret = -EBADF;
	if (!(file->f_mode & FMODE_WRITE))
		goto err_fput;
	/* what write(2) and sendfile(2) ask first: the security module's word */
	ret = rw_verify_area(WRITE, file, NULL, x->c.bytes_requested);
	if (ret)
		goto err_fput;
	ret = -EOPNOTSUPP;
	if (sock->type != SOCK_STREAM ||
	    !(zcopy_sock_is_tcp(sock->sk) || sock->sk->sk_family == AF_UNIX))
		goto err_fput;
	ret = -ENOTCONN;
	if (zcopy_sock_never_connected(sock))
		goto err_fput;

	/* the egress is read before each send (zcopy_sock_path()), not here */
	x->sock = sock;
	x->sock_file = file;
	x->family = sock->sk->sk_family;
	return 0;

err_fput:
	fput(file);
	zcopy_live_dec(ZCOPY_LIVE_SOCK_REFS);
	return ret;
}

void zcopy_sock_put(struct zcopy_xfer_ctx *x)
{
	fput(x->sock_file);
	zcopy_live_dec(ZCOPY_LIVE_SOCK_REFS);
}

/*
 * MSG_MORE while more of this transfer follows, or when the caller asks;
 * but not on the last send once pages are under SYNC's notification (this
 * send's, @notified, or an earlier one's): the call waits for their
 * release, which a tail held back for more data would put off until TCP's
 * probe timer (200 ms) sent it.
 */
static int zcopy_msg_flags(struct zcopy_xfer_ctx *x, size_t len, bool notified)
{
	int flags = x->msg_flags;

	if (len < x->left ||
	    ((x->flags & ZCOPY_F_MORE) && !notified && !x->sync_sent))
		flags |= MSG_MORE;
	x->more_sent = flags & MSG_MORE;
	return flags;
}

/*
 * The socket took less than it was offered and returned a count, as TCP
 * does for sendfile(2): the reason is gone with the count, so it is read
 * back from the socket and the task.  A non-blocking socket, or
 * SO_SNDTIMEO, is EAGAIN (a non-blocking call never waited for a signal).
 */
static int zcopy_sock_short_reason(struct zcopy_xfer_ctx *x)
{
	struct sock *sk = x->sock->sk;
	int err = READ_ONCE(sk->sk_err);

	if (err)
		return -err;
	if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
		return -EPIPE;
	if (!(x->msg_flags & MSG_DONTWAIT) && signal_pending(current))
		return -ERESTARTSYS;
	return -EAGAIN;
}

/* what one send returned: a failure or a short count halts the transfer */
static ssize_t zcopy_sent(struct zcopy_xfer_ctx *x, ssize_t ret, size_t len)
{
	if (ret < 0)
		zcopy_stop(x, ret);
	else if (ret < len)
		zcopy_stop(x, zcopy_sock_short_reason(x));
	if (ret < (ssize_t)len)
		x->halted = true;
	return ret;
}

static void zcopy_count_sent(struct zcopy_xfer_ctx *x, size_t sent)
{
	/* a piece read to its end of file may send more than it reported */
	x->left -= min(sent, x->left);
	x->c.bytes_sent += sent;
	if (x->egress_hw)
		x->c.dma_out_bytes += sent;
}

/* sendmsg() without MSG_SPLICE_PAGES: the socket copies from the pages */
static ssize_t zcopy_send_pages_by_copy(struct zcopy_xfer_ctx *x, struct bio_vec *bv,
					unsigned int n, size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = flags };
	ssize_t ret;

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	ret = sock_sendmsg(x->sock, &msg);
	if (ret > 0) {
		x->c.cpu_copy_bytes += ret;
		x->c.cpu_copy_ops++;
	}
	return ret;
}

/**
 * zcopy_send_pages - hand page fragments to the socket by reference
 * @x: the transfer
 * @bv: the fragments; the socket takes references of its own
 * @frag: what each is (ZCOPY_FRAG_END: where a descriptor ends)
 * @n: number of fragments
 * @len: their total length
 * @pages: pages they span, each fragment's counted apart
 * @sync: the fragments are page-cache pages under ZCOPY_F_SYNC
 *
 * Counts the fragments the socket consumed: by reference (sg_entries,
 * pages_referenced) or, when the path makes the stack copy them (see
 * zcopy_sock_path()), as CPU copies, one operation per fragment.  Under
 * ZCOPY_F_SYNC, page-cache pages go with a release notification (TCP),
 * which tells at the end which of them the stack kept by reference, or
 * by copy (UNIX, which has none): see sync.c.  Anything but a complete
 * send halts the transfer.
 *
 * Return: bytes sent (possibly short), or -errno when nothing was sent.
 */
ssize_t zcopy_send_pages(struct zcopy_xfer_ctx *x, struct bio_vec *bv,
			 const struct zcopy_frag *frag, unsigned int n, size_t len,
			 size_t pages, bool sync)
{
	int flags = zcopy_msg_flags(x, len, sync && x->sync);
	struct zcopy_sync_pos pos;
	bool by_ref;
	size_t done = 0;
	ssize_t ret;
	unsigned int i;

	ret = zcopy_check_signal(x);
	if (ret)
		return ret;
	zcopy_sock_path(x);
	if (sync && !x->sync) {
		ret = zcopy_sent(x, zcopy_send_pages_by_copy(x, bv, n, len, flags), len);
		if (ret > 0)
			zcopy_count_sent(x, ret);
		return ret;
	}
	by_ref = !x->stack_copies && !x->csum_copies;
	/* under SYNC, zcopy_sync_wait() counts what the stack kept by reference */
	if (x->sync)
		zcopy_sync_note(x->sync, x->sock->sk, bv, n,
				by_ref ? ZCOPY_SYNC_BY_REF : ZCOPY_SYNC_COUNTED, &pos);
	if (sync)
		ret = zcopy_sync_send_pages(x->sync, x->sock, bv, n, len, flags);
	else
		ret = zcopy_compat_send_pages(x->sock, bv, frag, n, len, flags);
	if (x->sync)
		zcopy_sync_keep(x->sync, x->sock->sk, &pos, ret);
	if (zcopy_sent(x, ret, len) <= 0)
		return ret;
	x->sync_sent |= sync;

	/* all of it (the usual case): what the batch summed as it gathered */
	if (ret == len) {
		if (!by_ref) {
			x->c.cpu_copy_bytes += len;
			x->c.cpu_copy_ops += n;
		} else if (!x->sync) {
			x->c.sg_entries += n;
			x->c.pages_referenced += pages;
		}
		zcopy_count_sent(x, ret);
		return ret;
	}
	for (i = 0; i < n && done < ret; i++) {
		size_t part = min_t(size_t, bv[i].bv_len, ret - done);

		if (!by_ref) {
			x->c.cpu_copy_bytes += part;
			x->c.cpu_copy_ops++;
		} else if (!x->sync) {
			x->c.sg_entries++;
			x->c.pages_referenced += zcopy_frag_pages(bv[i].bv_offset, part);
		}
		done += part;
	}
	zcopy_count_sent(x, ret);
	return ret;
}

/**
 * zcopy_send_kvec - send from a kernel buffer; the socket copies the bytes
 * @x: the transfer
 * @buf: the bytes
 * @len: how many
 *
 * Return: bytes sent (possibly short), or -errno when nothing was sent.
 */
ssize_t zcopy_send_kvec(struct zcopy_xfer_ctx *x, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = zcopy_msg_flags(x, len, false) };
	/* a notified skb the bytes join is copied with them: their place */
	struct bio_vec bv = { .bv_len = len };
	struct zcopy_sync_pos pos;
	int ret;

	ret = zcopy_check_signal(x);
	if (ret)
		return ret;
	zcopy_sock_path(x);
	if (x->sync)
		zcopy_sync_note(x->sync, x->sock->sk, &bv, 1,
				x->stack_copies ? ZCOPY_SYNC_COUNTED : ZCOPY_SYNC_BY_COPY, &pos);
	ret = kernel_sendmsg(x->sock, &msg, &vec, 1, len);
	if (x->sync)
		zcopy_sync_keep(x->sync, x->sock->sk, &pos, ret);
	if (zcopy_sent(x, ret, len) <= 0)
		return ret;
	/* sendmsg without MSG_ZEROCOPY always copies into socket buffers... */
	x->c.cpu_copy_bytes += ret;
	x->c.cpu_copy_ops++;
	/* ...page fragments, which a device without SG has copied once more */
	if (x->stack_copies) {
		x->c.cpu_copy_bytes += ret;
		x->c.cpu_copy_ops++;
	}
	zcopy_count_sent(x, ret);
	return ret;
}

/*
 * The transfer ended before the bytes it announced with MSG_MORE: push what
 * is queued, as sendfile(2) does at an unexpected end of file.
 */
void zcopy_sock_flush(struct zcopy_xfer_ctx *x)
{
	/* with SYNC's pages queued, also under MORE: the wait needs them out */
	if ((!(x->flags & ZCOPY_F_MORE) || x->sync_sent) && x->sock->ops->splice_eof)
		x->sock->ops->splice_eof(x->sock);
}

/*
 * Bytes a read on a non-blocking socket may ask for: the room left in its
 * send buffer after what the batch already holds (0 when none).
 */
size_t zcopy_sock_room(struct zcopy_xfer_ctx *x)
{
	struct sock *sk = x->sock->sk;
	long used = max_t(long, READ_ONCE(sk->sk_wmem_queued),
			  refcount_read(&sk->sk_wmem_alloc));
	long room = READ_ONCE(sk->sk_sndbuf) - used - (long)x->batch.len;

	return max_t(long, room, 0);
}

/**
 * zcopy_sock_cut - what a read for a non-blocking socket may ask for
 * @x: the transfer
 * @want: bytes the caller would read
 *
 * At most the room left in the send buffer (zcopy_sock_room()): what the
 * socket could not take would be read for nothing.  At least a page: the
 * send says whether it has room.
 *
 * A cut read means the caller wanted to queue more than the buffer holds,
 * which a send never learns, since it is never asked for that much.  Say
 * so as a send that found the buffer full does (sk_stream_wait_memory(),
 * tcp_poll()): with SOCK_NOSPACE set, the next ACK has TCP grow the buffer
 * (tcp_check_space(), tcp_new_space()).  Without it, a buffer never full
 * at an ACK stays at its initial size (2 x TCP_INIT_CWND segments), and so
 * does every read cut to it.  What differs from sendfile(2): the flag is
 * also set by a call that then did not fill the buffer, so once the space
 * grows, sk_stream_write_space() gives one EPOLLOUT wakeup that sendfile
 * would not have caused (and clears the flag).
 *
 * Return: bytes to read, in [PAGE_SIZE, @want] (@want if below a page).
 */
size_t zcopy_sock_cut(struct zcopy_xfer_ctx *x, size_t want)
{
	size_t room = zcopy_sock_room(x);

	if (room >= want)
		return want;
	/* UNIX send buffers never grow: nothing there reads the flag */
	if (zcopy_sock_is_tcp(x->sock->sk) && !test_bit(SOCK_NOSPACE, &x->sock->flags)) {
		set_bit(SOCK_NOSPACE, &x->sock->flags);
		/*
		 * As tcp_poll(): the flag before a second look at the room,
		 * pairing with tcp_check_space(), so that an ACK that freed
		 * room meanwhile is either seen here or sees the flag.
		 */
		smp_mb__after_atomic();
		room = zcopy_sock_room(x);
	}
	return min_t(size_t, want, max_t(size_t, room, PAGE_SIZE));
}
