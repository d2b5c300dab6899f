// SPDX-License-Identifier: GPL-2.0
/*
 * DIRECT mode: the device reads the file straight into pages the module
 * allocated (direct I/O, as the loop driver's lo_rw_aio() does), and those
 * pages go to the socket by reference.  The page cache is not filled, so a
 * large file streamed once does not evict what small hot files keep there.
 *
 * Reads and sends overlap: each chunk is read asynchronously (a kiocb with
 * ->ki_complete), and on a blocking socket the read of the next chunk is
 * issued before the pages of the current one go to the batch, whose sends
 * then run while the device reads.  Throughput approaches min(disk,
 * network) instead of their harmonic mean.  On a non-blocking socket
 * nothing is read ahead, and a read asks for no more than the socket has
 * room for: what it could not take would be read for nothing.  A read cut
 * so tells the socket that the sender wanted more, or TCP would never
 * grow its send buffer (zcopy_sock_cut()).
 *
 * Every chunk gets fresh pages: the socket may still hold the previous
 * ones (for retransmission) after the send returns.  Dropping our
 * reference after the send leaves them to the socket, which frees them.
 */
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "live.h"
#include "xfer.h"

/* most pages one direct read fills: large reads keep the device busy */
#define ZCOPY_DIRECT_PAGES	256

/**
 * struct zcopy_dread - one direct read of a chunk, possibly in flight
 * @kiocb: the read; ->ki_complete makes it asynchronous
 * @done: completed by zcopy_dread_complete()
 * @ret: what the read returned, once done
 * @align: what @start and the read's length are multiples of
 * @start: its file offset, @align aligned
 * @skip: bytes before the piece's next byte
 * @want: bytes of the piece it is for, from @start + @skip
 * @n: pages in @bv, each ours
 * @bv: the pages the device reads into; the block layer uses this array
 *	itself while the read is in flight
 */
struct zcopy_dread {
	struct kiocb kiocb;
	struct completion done;
	long ret;
	unsigned int align;
	loff_t start;
	size_t skip;
	size_t want;
	unsigned int n;
	struct bio_vec bv[ZCOPY_DIRECT_PAGES];
};

/*
 * The file offset alignment the file's direct reads need, 0 when its
 * filesystem would read it through the page cache instead (ext4 with
 * data=journal, fs-verity, inline data, encryption without inline
 * crypto): statx's STATX_DIOALIGN where the filesystem reports it, else
 * the device's logical block size.  Never below a page: the reads fill
 * whole pages anyway.
 */
static unsigned int zcopy_direct_align(struct file *file)
{
	struct kstat st;
	unsigned int align;

	if (!vfs_getattr_nosec(&file->f_path, &st, STATX_DIOALIGN, AT_STATX_DONT_SYNC) &&
	    (st.result_mask & STATX_DIOALIGN))
		align = st.dio_offset_align;
	else
		align = bdev_logical_block_size(file_inode(file)->i_sb->s_bdev);
	/* a read of ZCOPY_DIRECT_PAGES must be a multiple of it */
	if (!is_power_of_2(align) || align > ZCOPY_DIRECT_PAGES * PAGE_SIZE)
		return 0;
	return max_t(unsigned int, align, PAGE_SIZE);
}

/**
 * zcopy_file_can_direct - can this file be read with direct I/O into our pages
 * @file: the file
 *
 * Needs a filesystem on a block device that supports O_DIRECT, and reads
 * it directly for this file: tmpfs takes O_DIRECT on newer kernels but
 * still reads through its page cache, and ext4 does so for some files
 * (zcopy_direct_align()), which is not what DIRECT mode promises.
 */
bool zcopy_file_can_direct(struct file *file)
{
	return (file->f_mode & FMODE_CAN_ODIRECT) &&
	       file_inode(file)->i_sb->s_bdev && file->f_op->read_iter &&
	       zcopy_direct_align(file);
}

/* the device finished an asynchronous read (may run in interrupt context) */
static void zcopy_dread_complete(struct kiocb *kiocb, long ret)
{
	struct zcopy_dread *r = container_of(kiocb, struct zcopy_dread, kiocb);

	WRITE_ONCE(r->ret, ret);
	complete(&r->done);
}

static void zcopy_dread_put(struct zcopy_dread *r, unsigned int from)
{
	unsigned int i;

	for (i = from; i < r->n; i++)
		put_page(r->bv[i].bv_page);
	zcopy_live_sub(ZCOPY_LIVE_DIRECT_PAGES, r->n - from);
	r->n = 0;
}

/*
 * Start the read of up to @left bytes of the piece at @pos into fresh
 * pages: 0 with the read issued (or already done), or -errno (the
 * transfer is stopped; nothing is in flight).
 */
static int zcopy_dread_start(struct zcopy_xfer_ctx *x, struct file *file,
			     struct zcopy_dread *r, loff_t pos, size_t left)
{
	struct iov_iter iter;
	unsigned int i;
	ssize_t ret;

	r->start = round_down(pos, r->align);
	r->skip = pos - r->start;
	r->want = min_t(size_t, left, ZCOPY_DIRECT_PAGES * PAGE_SIZE - r->skip);
	if (x->msg_flags & MSG_DONTWAIT) {
		/* no room past what the batch holds: that goes first */
		if (!zcopy_sock_room(x) && x->batch.n) {
			int err = zcopy_batch_flush(x);

			if (err)
				return err;
		}
		r->want = zcopy_sock_cut(x, r->want);
	}
	r->n = round_up(DIV_ROUND_UP(r->skip + r->want, PAGE_SIZE), r->align / PAGE_SIZE);
	for (i = 0; i < r->n; i++) {
		struct page *page = alloc_page(GFP_KERNEL);

		if (!page) {
			r->n = i;
			zcopy_dread_put(r, 0);
			return zcopy_stop(x, -ENOMEM);
		}
		zcopy_live_inc(ZCOPY_LIVE_DIRECT_PAGES);
		bvec_set_page(&r->bv[i], page, PAGE_SIZE, 0);
	}

	/* whole pages, as many as a multiple of @align takes */
	iov_iter_bvec(&iter, ITER_DEST, r->bv, r->n, (size_t)r->n * PAGE_SIZE);
	init_sync_kiocb(&r->kiocb, file);
	r->kiocb.ki_pos = r->start;
	r->kiocb.ki_flags |= IOCB_DIRECT;
	r->kiocb.ki_complete = zcopy_dread_complete;
	reinit_completion(&r->done);
	ret = file->f_op->read_iter(&r->kiocb, &iter);
	/* the filesystem read through its page cache after all (ext4 clears the flag) */
	if (ret >= 0 && !(r->kiocb.ki_flags & IOCB_DIRECT))
		ret = -EOPNOTSUPP;
	/* anything else: done already, and ->ki_complete will not be called */
	if (ret != -EIOCBQUEUED)
		zcopy_dread_complete(&r->kiocb, ret);
	return 0;
}

/* wait for the read, count what the device moved: what the read returned */
static long zcopy_dread_reap(struct zcopy_xfer_ctx *x, struct zcopy_dread *r)
{
	long ret;

	/* the device writes into our pages: this wait cannot be cut short */
	wait_for_completion_io(&r->done);
	ret = READ_ONCE(r->ret);
	if (ret > 0) {
		/* observed: the bytes this read moved from the device */
		x->c.dma_in_bytes += ret;
		x->c.direct_bytes += ret;
	}
	return ret;
}

/*
 * Wait for the read: bytes of the piece it holds (0 at end of file), or
 * -errno (the transfer is stopped).  The pages stay in @r.
 */
static ssize_t zcopy_dread_wait(struct zcopy_xfer_ctx *x, struct zcopy_dread *r)
{
	long ret = zcopy_dread_reap(x, r);

	if (ret < 0)
		return zcopy_stop(x, ret);
	if (ret <= r->skip)
		return 0;	/* nothing past the next byte: end of file */
	return min_t(size_t, r->want, ret - r->skip);
}

/*
 * The pages of [skip, skip + @got) join the batch, in order (a full batch
 * is sent on the way); the others are put now.  0, or -errno when the
 * transfer is halted (every page is let go either way).
 */
static int zcopy_dread_gather(struct zcopy_xfer_ctx *x, struct zcopy_dread *r, size_t got)
{
	size_t end = r->skip + got;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < r->n && !ret; i++) {
		size_t from = max_t(size_t, (size_t)i * PAGE_SIZE, r->skip);
		size_t to = min_t(size_t, (size_t)(i + 1) * PAGE_SIZE, end);
		struct page *page = r->bv[i].bv_page;

		if (from >= to) {
			put_page(page);
			zcopy_live_dec(ZCOPY_LIVE_DIRECT_PAGES);
			continue;
		}
		/* our reference goes to the batch, which drops it after the send */
		ret = zcopy_batch_add(x, page, offset_in_page(from), to - from, page,
				      ZCOPY_FRAG_DIRECT);
	}
	zcopy_dread_put(r, i);
	return ret;
}

ssize_t zcopy_send_file_direct(struct zcopy_xfer_ctx *x, struct zcopy_piece *p)
{
	bool ahead = !(x->msg_flags & MSG_DONTWAIT);
	struct zcopy_dread *r, *cur, *next;
	size_t total = 0, issued;
	ssize_t ret;

	if (!p->len)
		return 0;
	r = kmalloc_array(2, sizeof(*r), GFP_KERNEL);
	if (!r)
		return zcopy_stop(x, -ENOMEM);
	zcopy_live_inc(ZCOPY_LIVE_DIRECT_READS);
	init_completion(&r[0].done);
	init_completion(&r[1].done);
	r[0].align = zcopy_direct_align(p->file);
	r[1].align = r[0].align;
	cur = &r[0];
	next = &r[1];

	/* before reading a chunk that could not be sent */
	ret = zcopy_check_signal(x);
	/* no longer readable directly since the call's checks (chattr +j) */
	if (!ret && !cur->align)
		ret = zcopy_stop(x, -EOPNOTSUPP);
	if (!ret)
		ret = zcopy_dread_start(x, p->file, cur, p->pos, p->len);
	issued = ret ? 0 : cur->want;
	while (!ret) {
		bool more, inflight = false;
		ssize_t got = zcopy_dread_wait(x, cur);

		if (got <= 0) {
			zcopy_dread_put(cur, 0);
			ret = got;
			break;
		}
		/* a short read is the end of the file: nothing follows it */
		more = got == cur->want && issued < p->len;
		if (more && ahead && !x->halted && !zcopy_check_signal(x)) {
			ret = zcopy_dread_start(x, p->file, next, p->pos + issued,
						p->len - issued);
			inflight = !ret;
		}
		total += got;
		/* the sends of this chunk run while the next one is read */
		if (zcopy_dread_gather(x, cur, got) || ret || !more) {
			if (inflight) {
				/* halted with a read in flight: its pages are ours */
				zcopy_dread_reap(x, next);
				zcopy_dread_put(next, 0);
			}
			break;
		}
		cond_resched();
		if (!inflight) {
			/* non-blocking: the next chunk once this one is gathered */
			ret = zcopy_check_signal(x);
			if (!ret)
				ret = zcopy_dread_start(x, p->file, next, p->pos + issued,
							p->len - issued);
		}
		if (!ret)
			issued += next->want;
		swap(cur, next);
	}
	kfree(r);
	zcopy_live_dec(ZCOPY_LIVE_DIRECT_READS);
	return total ? total : ret;
}
