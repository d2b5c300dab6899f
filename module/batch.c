// SPDX-License-Identifier: GPL-2.0
/*
 * Gather, don't stream: every descriptor of a transfer adds its fragments,
 * in order, to one batch - a BUF's bytes in the task's page fragment or its
 * pages, page-cache folios, the pages DIRECT read into - and the batch goes
 * to the socket in one call when it is full and once at the end.  A
 * response of a header, a file and a trailer is one socket call (one lock,
 * one TCP prologue, one push) instead of three, and a large file goes out
 * up to ZCOPY_BATCH_MAX fragments per call where sendfile's pipe gives 16.
 *
 * The batch is sized to the transfer (fragments it can need, plus one per
 * descriptor, at most ZCOPY_BATCH_MAX): up to ZCOPY_BATCH_INLINE it lives in
 * the transfer's context.  Fragments holding a reference of ours (page
 * cache, DIRECT pages) drop it as soon as the socket call returned: the
 * socket took its own for what it kept.  What a send did not take is never
 * sent: a short or failed send, or a pending signal, ends the transfer
 * there, and the rest of the batch is dropped.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "live.h"
#include "xfer.h"

/**
 * zcopy_batch_init - room for @want fragments
 * @x: the transfer
 * @want: fragments the transfer can gather, clamped to [1, ZCOPY_BATCH_MAX]
 *
 * Return: 0, or -ENOMEM.
 */
int zcopy_batch_init(struct zcopy_xfer_ctx *x, unsigned int want)
{
	struct zcopy_batch *b = &x->batch;

	want = clamp_t(unsigned int, want, 1, ZCOPY_BATCH_MAX);
	if (want <= ZCOPY_BATCH_INLINE) {
		b->bv = x->bv_inline;
		b->frag = x->frag_inline;
		b->cap = ZCOPY_BATCH_INLINE;
		return 0;
	}
	/* one allocation; both element sizes keep the second array aligned */
	b->bv = kvmalloc_array(want, sizeof(*b->bv) + sizeof(*b->frag), GFP_KERNEL);
	if (!b->bv)
		return -ENOMEM;
	zcopy_live_inc(ZCOPY_LIVE_BATCHES);
	b->frag = (struct zcopy_frag *)(b->bv + want);
	b->cap = want;
	return 0;
}

/* drop our references of every fragment gathered, sent or not */
static void zcopy_batch_release(struct zcopy_batch *b)
{
	long cache = 0, direct = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		struct zcopy_frag *f = &b->frag[i];

		if (!f->put)
			continue;
		put_page(f->put);
		if (f->flags & ZCOPY_FRAG_DIRECT)
			direct++;
		else
			cache++;
	}
	zcopy_live_sub(ZCOPY_LIVE_CACHE_REFS, cache);
	zcopy_live_sub(ZCOPY_LIVE_DIRECT_PAGES, direct);
	b->n = 0;
	b->len = 0;
	b->pages = 0;
	b->buf_bytes = 0;
	b->buf_ops = 0;
}

void zcopy_batch_free(struct zcopy_xfer_ctx *x)
{
	struct zcopy_batch *b = &x->batch;

	zcopy_batch_release(b);
	if (b->bv && b->bv != x->bv_inline) {
		kvfree(b->bv);
		zcopy_live_dec(ZCOPY_LIVE_BATCHES);
	}
	b->bv = NULL;
	b->cap = 0;
}

/**
 * zcopy_batch_flush - send what is gathered, in one socket call
 * @x: the transfer
 *
 * Counts, for the bytes the socket took, the copies from user memory that
 * BUF fragments stand for (one operation per BUF); zcopy_send_pages()
 * counts the rest.
 *
 * Return: 0 when the socket took everything; -errno (the transfer's
 * stop_err) when the transfer is halted, now or before.
 */
int zcopy_batch_flush(struct zcopy_xfer_ctx *x)
{
	struct zcopy_batch *b = &x->batch;
	size_t done = 0;
	unsigned int i;
	ssize_t sent;

	if (x->halted) {
		zcopy_batch_release(b);
		return x->stop_err;
	}
	if (!b->n)
		return 0;
	sent = zcopy_send_pages(x, b->bv, b->frag, b->n, b->len, b->pages, b->sync);
	/* all of it: the sums gathered with the fragments */
	if (sent == b->len) {
		x->c.cpu_copy_bytes += b->buf_bytes;
		x->c.cpu_copy_ops += b->buf_ops;
	}
	/* nothing sent (sent < 0): no copy of a BUF went out */
	for (i = 0; sent > 0 && sent < b->len && b->buf_bytes && i < b->n && done < sent; i++) {
		size_t part = min_t(size_t, b->bv[i].bv_len, sent - done);

		if (b->frag[i].flags & ZCOPY_FRAG_BUF) {
			x->c.cpu_copy_bytes += part;
			if (b->frag[i].flags & ZCOPY_FRAG_BUF_FIRST)
				x->c.cpu_copy_ops++;
		}
		done += part;
	}
	zcopy_batch_release(b);
	/* zcopy_send_pages() halted the transfer unless everything went */
	return x->halted ? x->stop_err : 0;
}

/* a fragment fits the batch: room, and the same SYNC kind */
static bool zcopy_batch_fits(struct zcopy_xfer_ctx *x, unsigned int flags)
{
	struct zcopy_batch *b = &x->batch;

	return !b->n || (b->n < b->cap && b->sync == zcopy_frag_sync(x, flags));
}

/* zcopy_batch_add() when the batch must be sent first, or cannot be */
int zcopy_batch_add_slow(struct zcopy_xfer_ctx *x, struct page *page, unsigned int offset,
			 unsigned int len, struct page *put, unsigned int flags)
{
	int ret = 0;

	if (x->halted) {
		ret = x->stop_err;
	} else if (!zcopy_batch_fits(x, flags)) {
		ret = zcopy_batch_flush(x);
		/*
		 * Between the batches of a long transfer; none of ours after
		 * its last one: there the reader the send woke would run
		 * while the caller's response is still incomplete (its uncork
		 * still to come), and wake once more for the rest.
		 */
		if (!ret)
			cond_resched();
	}
	if (ret) {
		if (put) {
			put_page(put);
			zcopy_live_dec(flags & ZCOPY_FRAG_DIRECT ? ZCOPY_LIVE_DIRECT_PAGES :
				       ZCOPY_LIVE_CACHE_REFS);
		}
		return ret;
	}
	zcopy_batch_push(x, page, offset, len, put, flags);
	return 0;
}
