// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_F_SYNC: return only when the network stack holds no reference to
 * the page-cache pages of this transfer, so the file can be modified
 * afterwards without changing what the peer receives (FreeBSD's SF_SYNC).
 *
 * Only page-cache pages need this: COPY, DIRECT and buffer descriptors
 * send pages the module owns.  For TCP, page-cache pages go out with a
 * zero-copy notification (struct ubuf_info, io_uring's SEND_ZC mechanism):
 * every skb holding them holds a reference, dropped when the skb is freed.
 * An skb delivered to a local socket (loopback, veth) has its fragments
 * copied first (skb_orphan_frags_rx()), reported as zerocopy_success ==
 * false: those bytes count as CPU copies.  UNIX sockets have no such
 * notification, so under SYNC their page-cache data is sent by copy.
 */
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "live.h"
#include "xfer.h"

struct zcopy_sync {
	struct ubuf_info ubuf;
	struct completion released;
	atomic64_t copied_bytes;
	atomic64_t copied_ops;
	/* the waiter and the notification side: whoever is last frees */
	refcount_t users;
	struct rcu_head rcu;
};

/*
 * The module reference goes in an RCU callback, never in the last skb's
 * release: code of the module still runs after module_put() returns (at
 * least the return into it), and the release may run preemptible (a
 * socket's queue purged at close).  zcopy_sync_uninit()'s rcu_barrier()
 * in module exit waits for this callback to have returned.
 */
static void zcopy_sync_free(struct rcu_head *rcu)
{
	struct zcopy_sync *s = container_of(rcu, struct zcopy_sync, rcu);

	kfree(s);
	zcopy_live_dec(ZCOPY_LIVE_SYNC);
	/* last: the counter is the module's */
	module_put(THIS_MODULE);
}

static void zcopy_sync_put(struct zcopy_sync *s)
{
	if (refcount_dec_and_test(&s->users))
		call_rcu(&s->rcu, zcopy_sync_free);
}

void zcopy_sync_uninit(void)
{
	rcu_barrier();
}

/* called for every skb release, and once for our own reference */
void zcopy_sync_complete(struct sk_buff *skb, struct ubuf_info *uarg,
			 bool zerocopy_success)
{
	struct zcopy_sync *s = container_of(uarg, struct zcopy_sync, ubuf);

	if (!zerocopy_success && skb) {
		/* skb_copy_ubufs() replaced the fragments with copies */
		atomic64_add(skb->data_len, &s->copied_bytes);
		atomic64_inc(&s->copied_ops);
	}
	if (refcount_dec_and_test(&uarg->refcnt)) {
		complete(&s->released);
		zcopy_sync_put(s);
	}
}

struct zcopy_sync *zcopy_sync_new(void)
{
	struct zcopy_sync *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	zcopy_live_inc(ZCOPY_LIVE_SYNC);
	/*
	 * The stack may call zcopy_sync_complete() after the ioctl returned
	 * (a fatal signal ended the wait): the module stays until then.
	 */
	__module_get(THIS_MODULE);
	init_completion(&s->released);
	refcount_set(&s->users, 2);
	refcount_set(&s->ubuf.refcnt, 1);
	/* like MSG_ZEROCOPY: copy on local delivery, not on other orphaning */
	s->ubuf.flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;
	zcopy_compat_ubuf_init(&s->ubuf);
	return s;
}

/* page fragments under notification; same contract as zcopy_compat_send_pages() */
ssize_t zcopy_sync_send_pages(struct zcopy_sync *s, struct socket *sock,
			      struct bio_vec *bv, unsigned int n, size_t len,
			      int flags)
{
	struct msghdr msg = {
		.msg_flags = flags | MSG_ZEROCOPY,
		.msg_ubuf = &s->ubuf,
	};

	/*
	 * Through sock_sendmsg(), the security hook included, as every other
	 * send; TCP takes @msg_ubuf without SO_ZEROCOPY being set.
	 */
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	return sock_sendmsg(sock, &msg);
}

/**
 * zcopy_sync_wait - drop our reference and wait for the stack's
 * @s: the notification; freed here or by the last skb
 * @c: counters: the copies the stack reported are added
 * @timeo: how long to wait: the socket's send timeout, 0 when non-blocking
 *
 * Data queued behind a peer that does not read is never released, so the
 * wait keeps the socket's blocking rules rather than sleeping forever.
 *
 * Return: 0; -EAGAIN when @timeo passed, -EINTR when a signal came first:
 * then pages of the file may still be referenced.
 */
int zcopy_sync_wait(struct zcopy_sync *s, struct zcopy_counters *c, long timeo)
{
	long left;
	int ret = 0;

	zcopy_sync_complete(NULL, &s->ubuf, true);
	left = wait_for_completion_interruptible_timeout(&s->released, timeo);
	if (left > 0 || completion_done(&s->released)) {
		c->cpu_copy_bytes += atomic64_read(&s->copied_bytes);
		c->cpu_copy_ops += atomic64_read(&s->copied_ops);
	} else {
		ret = left < 0 ? -EINTR : -EAGAIN;
	}
	zcopy_sync_put(s);
	return ret;
}
