// SPDX-License-Identifier: GPL-2.0
/*
 * DIRECT mode: the device reads the file straight into pages the module
 * allocated (direct I/O, as the loop driver's lo_rw_aio() does), and those
 * pages go to the socket by reference.  The page cache is not filled, so a
 * large file streamed once does not evict what small hot files keep there.
 *
 * Every chunk gets fresh pages: the socket may still hold the previous
 * ones (for retransmission) after the send returns.  Dropping our
 * reference after the send leaves them to the socket, which frees them.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "live.h"
#include "xfer.h"

/* large reads keep the device busy; ZCOPY_BATCH fragments per socket call */
#define ZCOPY_DIRECT_PAGES	256

/**
 * zcopy_file_can_direct - can this file be read with direct I/O into our pages
 * @file: the file
 *
 * Needs a filesystem on a block device that supports O_DIRECT: tmpfs takes
 * O_DIRECT on newer kernels but still reads through its page cache, which
 * is not what DIRECT mode promises.
 */
bool zcopy_file_can_direct(struct file *file)
{
	return (file->f_mode & FMODE_CAN_ODIRECT) &&
	       file_inode(file)->i_sb->s_bdev && file->f_op->read_iter;
}

static unsigned int zcopy_direct_align(struct file *file)
{
	return bdev_logical_block_size(file_inode(file)->i_sb->s_bdev);
}

struct zcopy_direct {
	struct page *pages[ZCOPY_DIRECT_PAGES];
	struct bio_vec bv[ZCOPY_DIRECT_PAGES];
};

/* One direct read of @n whole pages at @start, which is block aligned. */
static ssize_t zcopy_direct_read(struct zcopy_xfer_ctx *x, struct file *file,
				 struct zcopy_direct *d, unsigned int n, loff_t start)
{
	struct iov_iter iter;
	struct kiocb kiocb;
	unsigned int i;
	ssize_t ret;

	for (i = 0; i < n; i++)
		bvec_set_page(&d->bv[i], d->pages[i], PAGE_SIZE, 0);
	/* whole pages: a multiple of any logical block size */
	iov_iter_bvec(&iter, ITER_DEST, d->bv, n, (size_t)n * PAGE_SIZE);

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = start;
	kiocb.ki_flags |= IOCB_DIRECT;
	ret = file->f_op->read_iter(&kiocb, &iter);
	if (ret > 0) {
		/* observed: the bytes this read moved from the device */
		x->c.dma_in_bytes += ret;
		x->c.direct_bytes += ret;
	}
	return ret;
}

/*
 * Read and send up to one chunk from @pos: bytes sent, 0 at end of file,
 * or -errno.
 */
static ssize_t zcopy_direct_chunk(struct zcopy_xfer_ctx *x, struct zcopy_piece *p,
				  struct zcopy_direct *d, loff_t pos, size_t left)
{
	loff_t start = round_down(pos, zcopy_direct_align(p->file));
	size_t skip = pos - start;
	size_t want = min_t(size_t, left, ARRAY_SIZE(d->pages) *
			    PAGE_SIZE - skip);
	unsigned int i, n = DIV_ROUND_UP(skip + want, PAGE_SIZE);
	ssize_t ret;

	for (i = 0; i < n; i++) {
		d->pages[i] = alloc_page(GFP_KERNEL);
		if (!d->pages[i]) {
			ret = -ENOMEM;
			goto put_pages;
		}
		zcopy_live_inc(ZCOPY_LIVE_DIRECT_PAGES);
	}
	ret = zcopy_direct_read(x, p->file, d, n, start);
	if (ret < 0)
		zcopy_stop(x, ret);
	if (ret <= (ssize_t)skip) {
		ret = min_t(ssize_t, ret, 0);	/* nothing past @pos: end of file */
		goto put_pages;
	}
	ret = zcopy_send_page_array(x, d->pages, skip, min_t(size_t, want, ret - skip));

put_pages:
	/* the socket holds references of its own to what it sent */
	while (i--) {
		put_page(d->pages[i]);
		zcopy_live_dec(ZCOPY_LIVE_DIRECT_PAGES);
	}
	return ret;
}

ssize_t zcopy_send_file_direct(struct zcopy_xfer_ctx *x, struct zcopy_piece *p)
{
	struct zcopy_direct *d;
	ssize_t total = 0, ret = 0;

	d = kvmalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	zcopy_live_inc(ZCOPY_LIVE_DIRECT_BUFS);
	while (total < p->len) {
		/* before reading a chunk that could not be sent */
		ret = zcopy_check_signal(x);
		if (ret)
			break;
		ret = zcopy_direct_chunk(x, p, d, p->pos + total, p->len - total);
		if (ret <= 0)
			break;
		total += ret;
		/* the socket took less than the chunk: no second read, no second wait */
		if (x->stop_err)
			break;
		cond_resched();
	}
	kvfree(d);
	zcopy_live_dec(ZCOPY_LIVE_DIRECT_BUFS);
	return total ? total : ret;
}
