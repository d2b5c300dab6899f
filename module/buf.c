// SPDX-License-Identifier: GPL-2.0
/*
 * BUF descriptors: small user buffers such as HTTP headers and trailers.
 * They are copied (counted as a CPU copy) into pages of our own when the
 * transfer is set up, so a bad address fails before anything is sent, and
 * the pages then join the transfer's batch, by reference like file pages.
 *
 * A buffer of up to a page goes into the task's page fragment, the one
 * TCP's own sendmsg() copies into: a whole page per header would cost an
 * allocation, and with init_on_alloc (Debian's default) the zeroing of
 * 4 KiB, for every 200 bytes sent.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "live.h"
#include "xfer.h"

static int zcopy_buf_load_frag(struct zcopy_piece *p, const char __user *src, size_t len)
{
	struct page_frag *pfrag = &current->task_frag;

	/* at least @len contiguous bytes, in a page we may take a reference of */
	if (!skb_page_frag_refill(len, pfrag, GFP_KERNEL))
		return -ENOMEM;
	if (copy_from_user(page_address(pfrag->page) + pfrag->offset, src, len))
		return -EFAULT;
	get_page(pfrag->page);
	zcopy_live_inc(ZCOPY_LIVE_FRAG_REFS);
	p->frag_page = pfrag->page;
	p->frag_offset = pfrag->offset;
	pfrag->offset += len;
	p->len = len;
	return 0;
}

int zcopy_buf_load(struct zcopy_piece *p, u64 uaddr, size_t len)
{
	const char __user *src = u64_to_user_ptr(uaddr);
	unsigned int i;

	if (len <= PAGE_SIZE)
		return zcopy_buf_load_frag(p, src, len);

	p->npages = DIV_ROUND_UP(len, PAGE_SIZE);
	p->pages = kcalloc(p->npages, sizeof(*p->pages), GFP_KERNEL);
	if (!p->pages)
		return -ENOMEM;
	zcopy_live_inc(ZCOPY_LIVE_BUF_ARRAYS);
	for (i = 0; i < p->npages; i++) {
		size_t part = min_t(size_t, PAGE_SIZE, len - i * PAGE_SIZE);

		p->pages[i] = alloc_page(GFP_KERNEL);
		if (!p->pages[i])
			return -ENOMEM;
		zcopy_live_inc(ZCOPY_LIVE_BUF_PAGES);
		if (copy_from_user(page_address(p->pages[i]), src + i * PAGE_SIZE, part))
			return -EFAULT;
	}
	p->len = len;
	return 0;
}

/*
 * Gather the buffer's bytes (the piece keeps the pages until the call ends).
 * The copy from user memory made at load time is counted when the socket
 * takes them (batch.c).  Return: the piece's length, or -errno when the
 * transfer stopped.
 */
ssize_t zcopy_send_buf(struct zcopy_xfer_ctx *x, struct zcopy_piece *p)
{
	unsigned int flags = ZCOPY_FRAG_BUF | ZCOPY_FRAG_BUF_FIRST;
	size_t done = 0;
	unsigned int i;
	int ret;

	if (p->frag_page) {
		ret = zcopy_batch_add(x, p->frag_page, p->frag_offset, p->len, NULL, flags);
		return ret ? ret : p->len;
	}
	for (i = 0; i < p->npages; i++) {
		size_t part = min_t(size_t, PAGE_SIZE, p->len - done);

		ret = zcopy_batch_add(x, p->pages[i], 0, part, NULL, flags);
		if (ret)
			return ret;
		flags &= ~ZCOPY_FRAG_BUF_FIRST;
		done += part;
	}
	return p->len;
}

void zcopy_buf_free(struct zcopy_piece *p)
{
	unsigned int i;

	if (p->frag_page) {
		put_page(p->frag_page);
		zcopy_live_dec(ZCOPY_LIVE_FRAG_REFS);
		p->frag_page = NULL;
	}

	if (!p->pages)
		return;
	for (i = 0; i < p->npages; i++) {
		if (p->pages[i]) {
			put_page(p->pages[i]);
			zcopy_live_dec(ZCOPY_LIVE_BUF_PAGES);
		}
	}
	kfree(p->pages);
	zcopy_live_dec(ZCOPY_LIVE_BUF_ARRAYS);
	p->pages = NULL;
}
