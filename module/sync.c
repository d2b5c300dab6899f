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
 *
 * The stack copies an skb under the notification for more than local
 * delivery: for a packet tap (dev_queue_xmit_nit()), a timestamp clone, a
 * tun device; each reports zerocopy_success == false.  It also reports the
 * skbs it linearizes (__pskb_pull_tail(), data_len 0 at the callback):
 * for a device without scatter-gather or TX checksum offload, whose copies
 * sock.c counted when it sent them (the notification marks its skbs shared,
 * SKBFL_ZEROCOPY_FRAG, as MSG_ZEROCOPY's), and in skb_segment() before the
 * segments have their sequence numbers: those are not counted again.
 *
 * An skb holding page-cache pages may hold other bytes too: what an
 * earlier send left in the socket's tail skb, the buffers of the same
 * call.  So every fragment the call sends is noted with where its bytes
 * sit in the TCP stream, and a copied skb is placed there by the sequence
 * number in its TCP header: only the bytes of this transfer's fragments
 * count, and the fragments it held are not counted as kept by reference
 * (sg_entries).  Where that cannot be done exactly - another writer on the
 * socket, an skb whose TCP header cannot be read, no memory for the table
 * - the notification is untracked: every copied skb counts whole, and no
 * fragment counts as kept.
 */
#include <linux/completion.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uio.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "live.h"
#include "xfer.h"

/**
 * struct zcopy_sync_frag - a fragment the transfer sent (page cache under
 *	the notification, a buffer's or DIRECT's page, COPY's bytes)
 * @off: where its first byte is in the stream, from the first fragment's
 * @len: its bytes
 * @offset: its offset in its first page (pages_referenced)
 * @copied: the stack copied an skb holding some of its bytes, or it was
 *	sent by copy: not kept by reference
 * @counted: the stack's copy of it was counted when it was sent
 */
struct zcopy_sync_frag {
	u32 off;
	u32 len;
	u16 offset;
	bool copied;
	bool counted;
};

/* fragments per chunk of the table: a full batch */
#define ZCOPY_SYNC_CHUNK	ZCOPY_BATCH_MAX

/**
 * struct zcopy_sync - the release notification of one transfer
 * @ubuf: what the skbs hold
 * @released: the last reference is gone
 * @lock: the notification side (softirq) against the sender: every member
 *	below, up to @users
 * @chunks: the fragments sent by reference, in stream order, in chunks of
 *	ZCOPY_SYNC_CHUNK: growing the table never copies it
 * @nchunks: chunks allocated
 * @dir_cap: room in @chunks
 * @nfrags: fragments noted
 * @base: TCP sequence number of the first fragment's first byte
 * @copied_bytes: bytes of the fragments in skbs the stack copied
 * @copied_ops: skbs copied that held some of them
 * @untracked: the fragments' place in the stream is not known for sure:
 *	copied skbs count whole, no fragment counts as kept by reference
 * @kept: fragments noted of which no byte was copied (yet)
 * @kept_pages: the pages they span
 * @users: the waiter and the notification side: whoever is last frees
 * @rcu: the free
 */
struct zcopy_sync {
	struct ubuf_info ubuf;
	struct completion released;
	spinlock_t lock;	/* see @lock above */
	struct zcopy_sync_frag **chunks;
	unsigned int nchunks;
	unsigned int dir_cap;
	unsigned int nfrags;
	u32 base;
	u64 copied_bytes;
	u64 copied_ops;
	bool untracked;
	u64 kept;
	u64 kept_pages;
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
	unsigned int i;

	for (i = 0; i < s->nchunks; i++)
		kfree(s->chunks[i]);
	/* in_interrupt() holds for RCU callbacks: a large vfree() is deferred */
	kvfree(s->chunks);
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

static struct zcopy_sync_frag *zcopy_sync_frag(struct zcopy_sync *s, unsigned int i)
{
	return &s->chunks[i / ZCOPY_SYNC_CHUNK][i % ZCOPY_SYNC_CHUNK];
}

/* a fragment noted (@sign 1) or no longer kept by reference (-1); under s->lock */
static void zcopy_sync_kept(struct zcopy_sync *s, const struct zcopy_sync_frag *f, int sign)
{
	s->kept += sign;
	s->kept_pages += sign * (s64)DIV_ROUND_UP(f->offset + f->len, PAGE_SIZE);
}

/*
 * The bytes of @skb the stack copied, where they are in its TCP stream:
 * its fragments (skb_copy_ubufs()), the last data_len bytes of the
 * payload.  The skb is in the network stack (sent, or being received), so
 * its IP and TCP headers are in place.  False when they cannot be read.
 */
static bool zcopy_skb_copied(struct sk_buff *skb, u32 *seq, u32 *len)
{
	int off = skb_network_offset(skb);
	const struct tcphdr *th;
	struct tcphdr thbuf;
	u32 payload;
	u8 proto;
	u8 vbuf;
	const u8 *v;

	v = off < 0 ? NULL : skb_header_pointer(skb, off, 1, &vbuf);
	if (!v)
		return false;
	if (*v >> 4 == 4) {
		const struct iphdr *iph;
		struct iphdr iphbuf;

		iph = skb_header_pointer(skb, off, sizeof(iphbuf), &iphbuf);
		if (!iph || iph->ihl < 5)
			return false;
		proto = iph->protocol;
		off += iph->ihl * 4;
	} else if (*v >> 4 == 6) {
		const struct ipv6hdr *ip6h;
		struct ipv6hdr ip6hbuf;
		__be16 frag_off;

		ip6h = skb_header_pointer(skb, off, sizeof(ip6hbuf), &ip6hbuf);
		if (!ip6h)
			return false;
		proto = ip6h->nexthdr;
		off = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &proto, &frag_off);
	} else {
		return false;
	}
	th = off < 0 || proto != IPPROTO_TCP ? NULL :
		skb_header_pointer(skb, off, sizeof(thbuf), &thbuf);
	if (!th || th->doff < 5)
		return false;
	off += th->doff * 4;
	if (off > skb->len || skb->len - off < skb->data_len)
		return false;
	payload = skb->len - off;
	*len = skb->data_len;
	*seq = ntohl(th->seq) + payload - *len;
	return true;
}

/*
 * An skb starts at most this far before the first fragment (one GSO skb,
 * BIG TCP's included); the fragments span less than 2^31 bytes beyond it.
 */
#define ZCOPY_SYNC_BEHIND	(16U << 20)

/* the stack copied @len bytes at @seq of the stream: which were ours; under s->lock */
static void zcopy_sync_copied(struct zcopy_sync *s, u32 seq, u32 len)
{
	unsigned int lo = 0, hi = s->nfrags;
	u32 rel = seq - s->base;
	u64 bytes = 0, end;

	if (!s->nfrags)
		return;
	/* from before the first fragment */
	if (rel > U32_MAX - ZCOPY_SYNC_BEHIND) {
		if (len <= -rel)
			return;
		len += rel;
		rel = 0;
	}
	end = (u64)rel + len;
	/* the first fragment that ends after @rel */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct zcopy_sync_frag *f = zcopy_sync_frag(s, mid);

		if ((u64)f->off + f->len > rel)
			hi = mid;
		else
			lo = mid + 1;
	}
	for (; lo < s->nfrags && zcopy_sync_frag(s, lo)->off < end; lo++) {
		struct zcopy_sync_frag *f = zcopy_sync_frag(s, lo);

		if (!f->counted)
			bytes += min_t(u64, (u64)f->off + f->len, end) -
				 max_t(u64, f->off, rel);
		if (!f->copied)
			zcopy_sync_kept(s, f, -1);
		f->copied = true;
	}
	if (bytes) {
		s->copied_bytes += bytes;
		s->copied_ops++;
	}
}

/* called for every skb release, and once for our own reference */
void zcopy_sync_complete(struct sk_buff *skb, struct ubuf_info *uarg,
			 bool zerocopy_success)
{
	struct zcopy_sync *s = container_of(uarg, struct zcopy_sync, ubuf);
	unsigned long irqflags;
	u32 seq, len;

	/* a linearized skb (data_len 0): counted when sent, see above */
	if (!zerocopy_success && skb && skb->data_len) {
		spin_lock_irqsave(&s->lock, irqflags);
		if (!s->untracked && zcopy_skb_copied(skb, &seq, &len)) {
			zcopy_sync_copied(s, seq, len);
		} else {
			s->copied_bytes += skb->data_len;
			s->copied_ops++;
			s->untracked = true;
		}
		spin_unlock_irqrestore(&s->lock, irqflags);
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
	spin_lock_init(&s->lock);
	refcount_set(&s->users, 2);
	refcount_set(&s->ubuf.refcnt, 1);
	/* like MSG_ZEROCOPY: copy on local delivery, not on other orphaning */
	s->ubuf.flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;
	zcopy_compat_ubuf_init(&s->ubuf);
	return s;
}

/* a chunk more in the table; only the sender grows it */
static int zcopy_sync_grow(struct zcopy_sync *s)
{
	struct zcopy_sync_frag **dir = NULL, **old = NULL;
	struct zcopy_sync_frag *chunk;
	unsigned long irqflags;
	unsigned int cap = s->dir_cap;

	/* the caller's memory: it may live on after the call (EAGAIN, EINTR) */
	chunk = kmalloc_array(ZCOPY_SYNC_CHUNK, sizeof(*chunk), GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return -ENOMEM;
	if (s->nchunks == cap) {
		cap = max(2 * cap, 4U);
		dir = kvmalloc_array(cap, sizeof(*dir), GFP_KERNEL_ACCOUNT);
		if (!dir) {
			kfree(chunk);
			return -ENOMEM;
		}
	}
	spin_lock_irqsave(&s->lock, irqflags);
	if (dir) {
		/* pointers only: a few KiB for a transfer of a GiB */
		if (s->nchunks)
			memcpy(dir, s->chunks, s->nchunks * sizeof(*dir));
		old = s->chunks;
		s->chunks = dir;
		s->dir_cap = cap;
	}
	s->chunks[s->nchunks++] = chunk;
	spin_unlock_irqrestore(&s->lock, irqflags);
	kvfree(old);
	return 0;
}

/**
 * zcopy_sync_note - note fragments about to be sent
 * @s: the transfer's notification
 * @sk: its plain TCP socket
 * @bv: the fragments (only their lengths and offsets are read)
 * @n: how many
 * @how: ZCOPY_SYNC_BY_REF: kept by reference unless the stack copies
 *	them; ZCOPY_SYNC_BY_COPY: sent by copy, and a copy by the stack
 *	counts; ZCOPY_SYNC_COUNTED: the stack's copy is counted already
 * @pos: for zcopy_sync_keep(): where the first goes
 *
 * Before the send: the stack may copy an skb holding them before the send
 * returns (loopback delivers during it).  They go at the end of the
 * stream (write_seq), unless somebody else writes to the socket meanwhile,
 * which zcopy_sync_keep() finds out.  Without memory for the table the
 * notification goes untracked, and the send goes on.
 */
void zcopy_sync_note(struct zcopy_sync *s, struct sock *sk, const struct bio_vec *bv,
		     unsigned int n, enum zcopy_sync_how how, struct zcopy_sync_pos *pos)
{
	unsigned long irqflags;
	unsigned int i;
	u32 off;

	pos->seq = READ_ONCE(tcp_sk(sk)->write_seq);
	pos->first = s->nfrags;
	while (!s->untracked && s->nchunks * ZCOPY_SYNC_CHUNK < s->nfrags + n)
		if (zcopy_sync_grow(s))
			s->untracked = true;
	spin_lock_irqsave(&s->lock, irqflags);
	if (s->untracked)
		goto out;
	if (!s->nfrags)
		s->base = pos->seq;
	off = pos->seq - s->base;
	for (i = 0; i < n; i++) {
		struct zcopy_sync_frag *f = zcopy_sync_frag(s, s->nfrags + i);

		f->off = off;
		f->len = bv[i].bv_len;
		f->offset = offset_in_page(bv[i].bv_offset);
		f->copied = how != ZCOPY_SYNC_BY_REF;
		f->counted = how == ZCOPY_SYNC_COUNTED;
		if (!f->copied)
			zcopy_sync_kept(s, f, 1);
		off += f->len;
	}
	s->nfrags += n;
out:
	spin_unlock_irqrestore(&s->lock, irqflags);
}

/**
 * zcopy_sync_keep - after the send: keep the fragments of what went
 * @s: the notification
 * @sk: the socket
 * @pos: what zcopy_sync_note() said
 * @sent: what the send returned
 *
 * A stream that grew by other than @sent bytes had another writer (or a
 * SYN with data): the fragments are not where they were noted.
 */
void zcopy_sync_keep(struct zcopy_sync *s, struct sock *sk,
		     const struct zcopy_sync_pos *pos, ssize_t sent)
{
	size_t left = max_t(ssize_t, sent, 0);
	unsigned int i, kept = pos->first;
	unsigned long irqflags;

	spin_lock_irqsave(&s->lock, irqflags);
	if (READ_ONCE(tcp_sk(sk)->write_seq) - pos->seq != left)
		s->untracked = true;
	for (i = pos->first; i < s->nfrags; i++) {
		struct zcopy_sync_frag *f = zcopy_sync_frag(s, i);

		/* never sent, or sent in part: counted again as what went */
		if (!f->copied)
			zcopy_sync_kept(s, f, -1);
		if (!left)
			continue;
		f->len = min_t(size_t, f->len, left);
		left -= f->len;
		if (!f->copied)
			zcopy_sync_kept(s, f, 1);
		kept = i + 1;
	}
	s->nfrags = kept;
	spin_unlock_irqrestore(&s->lock, irqflags);
}

/* page-cache fragments under notification; same contract as zcopy_compat_send_pages() */
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

/* what the stack did with the fragments, so far; under s->lock */
static void zcopy_sync_count(struct zcopy_sync *s, struct zcopy_counters *c)
{
	c->cpu_copy_bytes += s->copied_bytes;
	c->cpu_copy_ops += s->copied_ops;
	if (s->untracked)
		return;
	c->sg_entries += s->kept;
	c->pages_referenced += s->kept_pages;
}

/**
 * zcopy_sync_wait - drop our reference and wait for the stack's
 * @s: the notification; freed here or by the last skb
 * @c: counters: the copies the stack reported, and the fragments it kept
 *	by reference, are added
 * @timeo: how long to wait: the socket's send timeout, 0 when non-blocking
 *
 * Data queued behind a peer that does not read is never released, so the
 * wait keeps the socket's blocking rules rather than sleeping forever.
 * The counters are what the stack had reported when the wait ended.
 *
 * Return: 0; -EAGAIN when @timeo passed, -EINTR when a signal came first:
 * then pages of the file may still be referenced.
 */
int zcopy_sync_wait(struct zcopy_sync *s, struct zcopy_counters *c, long timeo)
{
	unsigned long irqflags;
	long left;
	int ret = 0;

	zcopy_sync_complete(NULL, &s->ubuf, true);
	left = wait_for_completion_interruptible_timeout(&s->released, timeo);
	if (left <= 0 && !completion_done(&s->released))
		ret = left < 0 ? -EINTR : -EAGAIN;
	spin_lock_irqsave(&s->lock, irqflags);
	zcopy_sync_count(s, c);
	spin_unlock_irqrestore(&s->lock, irqflags);
	zcopy_sync_put(s);
	return ret;
}
