// SPDX-License-Identifier: GPL-2.0
/*
 * COPY mode: read+write inside the kernel, the baseline.  The CPU copies
 * file data from the page cache into a module buffer (->read_iter), and the
 * socket copies it again into its own buffers (sendmsg without zero-copy):
 * two CPU copies of every byte, as with read(2) and write(2), minus the two
 * system calls per chunk.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "live.h"
#include "xfer.h"

/* the classic user-space buffer size of read+write loops */
#define ZCOPY_COPY_CHUNK	(64 * 1024)

ssize_t zcopy_send_file_copy(struct zcopy_xfer_ctx *x, struct zcopy_piece *p)
{
	size_t chunk = min_t(size_t, p->len, ZCOPY_COPY_CHUNK);
	ssize_t total = 0, ret = 0;
	void *buf;

	/* what earlier descriptors gathered goes first: the bytes stay in order */
	ret = zcopy_batch_flush(x);
	if (ret)
		return ret;
	buf = kvmalloc(chunk, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	zcopy_live_inc(ZCOPY_LIVE_COPY_BUFS);

	while (total < p->len) {
		loff_t pos = p->pos + total;
		size_t want = min_t(size_t, chunk, p->len - total);
		ssize_t got, sent;

		/* non-blocking: no more than the socket can take */
		if (x->msg_flags & MSG_DONTWAIT)
			want = zcopy_sock_cut(x, want);

		/* before reading a chunk that could not be sent */
		ret = zcopy_check_signal(x);
		if (ret)
			break;
		/* the read reads ahead: what it may fill, looked up first */
		ret = zcopy_residency_before_read(&x->res, pos, pos, want);
		if (ret) {
			zcopy_stop(x, ret);
			break;
		}
		got = zcopy_kernel_read(p->file, buf, want, &pos);
		if (got <= 0) {
			/* 0: end of file */
			ret = got < 0 ? zcopy_stop(x, got) : 0;
			break;
		}
		x->c.dma_in_bytes += zcopy_residency_count(&x->res, p->pos + total,
							   p->pos + total + got);
		sent = zcopy_send_kvec(x, buf, got);
		if (sent <= 0) {
			ret = sent;
			break;
		}
		/* the read's copy, of the bytes that went on to the wire */
		x->c.cpu_copy_bytes += sent;
		x->c.cpu_copy_ops++;
		total += sent;
		if (sent < got)
			break;
		cond_resched();
	}
	kvfree(buf);
	zcopy_live_dec(ZCOPY_LIVE_COPY_BUFS);
	return total ? total : ret;
}
