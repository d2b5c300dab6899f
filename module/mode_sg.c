// SPDX-License-Identifier: GPL-2.0
/*
 * SG mode: page-cache pages handed to the socket by reference.
 *
 * The pages come from the file's own ->splice_read through
 * splice_direct_to_actor(), sendfile's route, so every filesystem that
 * sendfile(2) can read from works here too (tmpfs has no ->read_folio, so
 * the page cache cannot be read directly).  The actor hands the whole pipe,
 * up to ZCOPY_BATCH fragments, to the socket in one call under one socket
 * lock, where sendfile sends page by page.
 */
#include <linux/sched/signal.h>
#include <linux/splice.h>

#include "xfer.h"

struct zcopy_sg {
	struct zcopy_xfer_ctx *x;
	loff_t pos;		/* file offset of the next byte in the pipe */
};

static int zcopy_sg_actor(struct pipe_inode_info *pipe, struct splice_desc *sd)
{
	struct zcopy_sg *sg = sd->u.data;
	struct zcopy_xfer_ctx *x = sg->x;
	unsigned int mask = pipe->ring_size - 1;
	unsigned int tail = pipe->tail, n = 0;
	size_t len = 0, want = sd->total_len;
	ssize_t sent;
	int ret;

	/* the pipe's buffers, in order, as one batch of fragments */
	while (!pipe_empty(pipe->head, tail) && n < ZCOPY_BATCH && len < want) {
		struct pipe_buffer *buf = &pipe->bufs[tail & mask];
		unsigned int part = min_t(size_t, buf->len, want - len);

		ret = pipe_buf_confirm(pipe, buf);
		if (ret)
			return zcopy_stop(x, ret);
		bvec_set_page(&x->bv[n++], buf->page, part, buf->offset);
		len += part;
		tail++;
	}
	if (!len)
		return 0;

	sent = zcopy_send_pages(x, x->bv, n, len);
	if (sent <= 0)
		return sent;
	x->c.dma_in_bytes += zcopy_residency_missing(x->res, sg->pos, sg->pos + sent);
	sg->pos += sent;

	/* release what the socket took; a partly sent buffer stays */
	len = sent;
	while (len) {
		struct pipe_buffer *buf = &pipe->bufs[pipe->tail & mask];

		if (len < buf->len) {
			buf->offset += len;
			buf->len -= len;
			break;
		}
		len -= buf->len;
		pipe_buf_release(pipe, buf);
		pipe->tail++;
	}
	cond_resched();
	return sent;
}

ssize_t zcopy_send_file_sg(struct zcopy_xfer_ctx *x, struct zcopy_piece *p)
{
	struct zcopy_sg sg = { .x = x, .pos = p->pos };
	struct splice_desc sd = {
		.total_len = p->len,
		.pos = p->pos,
		.u.data = &sg,
	};

	return splice_direct_to_actor(p->file, &sd, zcopy_sg_actor);
}
