// SPDX-License-Identifier: GPL-2.0
/*
 * BUF descriptors: small user buffers such as HTTP headers and trailers.
 * They are copied (counted as a CPU copy) into pages of our own when the
 * transfer is set up, so a bad address fails before anything is sent, and
 * the pages then go to the socket by reference like file pages.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xfer.h"

int zcopy_buf_load(struct zcopy_piece *p, u64 uaddr, size_t len)
{
	const char __user *src = u64_to_user_ptr(uaddr);
	unsigned int i;

	p->npages = DIV_ROUND_UP(len, PAGE_SIZE);
	p->pages = kcalloc(p->npages, sizeof(*p->pages), GFP_KERNEL);
	if (!p->pages)
		return -ENOMEM;
	for (i = 0; i < p->npages; i++) {
		size_t part = min_t(size_t, PAGE_SIZE, len - i * PAGE_SIZE);

		p->pages[i] = alloc_page(GFP_KERNEL);
		if (!p->pages[i])
			return -ENOMEM;
		if (copy_from_user(page_address(p->pages[i]), src + i * PAGE_SIZE, part))
			return -EFAULT;
	}
	p->len = len;
	return 0;
}

ssize_t zcopy_send_buf(struct zcopy_xfer_ctx *x, struct zcopy_piece *p)
{
	ssize_t sent = zcopy_send_page_array(x, p->pages, 0, p->len);

	/* the copy from user memory made at load time, for the bytes sent */
	if (sent > 0) {
		x->c.cpu_copy_bytes += sent;
		x->c.cpu_copy_ops++;
	}
	return sent;
}

void zcopy_buf_free(struct zcopy_piece *p)
{
	unsigned int i;

	for (i = 0; p->pages && i < p->npages; i++)
		if (p->pages[i])
			put_page(p->pages[i]);
	kfree(p->pages);
	p->pages = NULL;
}
