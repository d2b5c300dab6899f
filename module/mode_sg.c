// SPDX-License-Identifier: GPL-2.0
/*
 * SG mode: page-cache pages handed to the socket by reference.
 *
 * On filesystems whose ->splice_read is a plain read of the page cache
 * (ext4, tmpfs, btrfs; not DAX, not O_DIRECT opens) the pages are
 * taken from the page cache directly, without sendfile's pipe: the folios
 * of the range, in order, with filemap_get_folios_contig(), each used only
 * when it is up to date, with i_size read after that test (the rules
 * filemap_read() and filemap_splice_read() follow), readahead started at a
 * PG_readahead folio, and folio_mark_accessed() and file_accessed() as
 * sendfile does.  One reference per folio, ours, dropped after the socket
 * call; TCP takes its own.  Before each lookup, what the splice route asks
 * before each chunk: rw_verify_area() (the security module, fanotify's
 * permission events) on kernels whose splice loop asks it per chunk, and,
 * on ext4, whether the filesystem still allows reads at all.
 *
 * Whatever is not ready there - a hole, a folio being read or that failed
 * to, a swapped-out or poisoned page, a truncation - is not judged here:
 * the next chunk of up to ZCOPY_SG_SPLICE bytes goes through sendfile's own
 * route, splice_direct_to_actor() and the file's ->splice_read, which
 * reads ahead, waits, reports errors and sends holes exactly as sendfile
 * does, and then the direct lookup goes on.  Every other file (overlayfs,
 * XFS, network and cluster filesystems, procfs, sysfs) goes that route
 * whole.  Both routes add their pages to the transfer's batch (batch.c).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/pipe_fs_i.h>
#include <linux/splice.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/uio.h>

#include "live.h"
#include "xfer.h"

/* the splice route's chunk, after which the direct lookup is tried again */
#define ZCOPY_SG_SPLICE		(64 * PAGE_SIZE)

/**
 * struct zcopy_sg_fs - a filesystem whose ->splice_read only reads the page cache
 * @name: its type name
 * @probe: it refuses reads in a state the page cache does not show (ext4
 *	after a forced shutdown: -EIO from ->read_iter and ->splice_read); a
 *	->read_iter() of nothing asks it, for the cost of two tests
 *
 * Not xfs: its reads hold XFS_IOLOCK_SHARED against reflink and hole
 * punching, which a lookup outside that lock would race with.
 */
struct zcopy_sg_fs {
	const char *name;
	bool probe;
};

static const struct zcopy_sg_fs zcopy_sg_cache_fs[] = {
	{ "ext4", true },
	{ "tmpfs", false },
	{ "btrfs", false },
};

struct zcopy_sg {
	struct zcopy_xfer_ctx *x;
	struct file *file;
	bool probe;		/* see struct zcopy_sg_fs */
	loff_t pos;		/* file offset of the next byte to gather */
	bool eof;		/* the direct lookup reached i_size */
	bool cached;		/* the direct lookup gathered something */
};

/* the file's filesystem if its page cache can be read directly, else NULL */
static const struct zcopy_sg_fs *zcopy_sg_from_cache(struct file *file)
{
	struct inode *inode = file_inode(file);
	unsigned int i;

	if (IS_DAX(inode) || (file->f_flags & O_DIRECT))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(zcopy_sg_cache_fs); i++)
		if (!strcmp(inode->i_sb->s_type->name, zcopy_sg_cache_fs[i].name))
			return &zcopy_sg_cache_fs[i];
	return NULL;
}

/*
 * May [sg->pos, @end) be read?  What sendfile's splice route asks before
 * each chunk it reads: up to 6.7, rw_verify_area() (compat.c); and what
 * ext4's ->read_iter and ->splice_read test first, whether the filesystem
 * still reads at all.
 * Return: 0, or -errno when the transfer stopped.
 */
static int zcopy_sg_may_read(struct zcopy_sg *sg, loff_t end)
{
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	ret = zcopy_compat_verify_chunk(sg->file, sg->pos, end - sg->pos);
	if (!ret && sg->probe) {
		/* ext4_file_read_iter(): the shutdown test, then 0 for no bytes */
		init_sync_kiocb(&kiocb, sg->file);
		kiocb.ki_pos = sg->pos;
		iov_iter_kvec(&iter, ITER_DEST, NULL, 0, 0);
		ret = sg->file->f_op->read_iter(&kiocb, &iter);
	}
	return ret < 0 ? zcopy_stop(sg->x, ret) : 0;
}

/* what filemap_readahead() does at a PG_readahead folio */
static int zcopy_sg_readahead(struct zcopy_sg *sg, struct folio *folio, loff_t end)
{
	struct address_space *mapping = sg->file->f_mapping;
	DEFINE_READAHEAD(ractl, sg->file, &sg->file->f_ra, mapping, folio->index);
	/* the request sendfile would make: what is left, at most a pipe */
	unsigned long req = min_t(loff_t, DIV_ROUND_UP(end - folio_pos(folio), PAGE_SIZE),
				  PIPE_DEF_BUFFERS);
	int ret;

	/* the pages it may bring in must not pass for resident later */
	ret = zcopy_residency_before_read(&sg->x->res, sg->pos, folio_pos(folio), 0);
	if (ret)
		return zcopy_stop(sg->x, ret);
	page_cache_async_ra(&ractl, folio, req);
	return 0;
}

/* can the folio's bytes be sent as they are? (the rules of filemap_read()) */
static bool zcopy_sg_ready(struct folio *folio)
{
	/* the uptodate test has the barrier that orders the reads after it */
	return folio_test_uptodate(folio) && !folio_test_hwpoison(folio) &&
	       !(folio_test_large(folio) && folio_test_has_hwpoisoned(folio));
}

/* the first folio of a lookup holds the next byte (the others follow it) */
static bool zcopy_sg_holds(struct zcopy_sg *sg, struct folio *folio)
{
	loff_t fpos = folio_pos(folio);

	return sg->pos >= fpos && sg->pos < fpos + (loff_t)folio_size(folio);
}

/* drop our references of @folios[@from, @nr) */
static void zcopy_sg_put(struct folio **folios, unsigned int from, unsigned int nr)
{
	unsigned int i;

	for (i = from; i < nr; i++)
		folio_put(folios[i]);
	zcopy_live_sub(ZCOPY_LIVE_CACHE_REFS, nr - from);
}

/*
 * Gather @folios[0, @nr), all ready, up to @end and @isize; @used: how many
 * folios' references went to the batch (the batch drops them).  Return: 0,
 * the end of the file noted in @sg; or -errno when the transfer stopped.
 */
static int zcopy_sg_gather(struct zcopy_sg *sg, struct folio **folios, unsigned int nr,
			   loff_t end, loff_t isize, unsigned int *used)
{
	struct zcopy_xfer_ctx *x = sg->x;
	bool flush = mapping_writably_mapped(sg->file->f_mapping);
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		struct folio *folio = folios[i];
		loff_t fpos = folio_pos(folio);
		loff_t to = min3(fpos + (loff_t)folio_size(folio), end, isize);

		/* the file ends before this folio (shrunk since the lookup) */
		if (sg->pos >= to)
			break;
		if (flush)
			flush_dcache_folio(folio);
		folio_mark_accessed(folio);
		x->c.dma_in_bytes += zcopy_residency_count(&x->res, sg->pos, to);
		ret = zcopy_batch_add(x, &folio->page, sg->pos - fpos, to - sg->pos,
				      &folio->page, ZCOPY_FRAG_CACHE);
		if (ret) {
			i++;
			break;
		}
		sg->pos = to;
		sg->cached = true;
	}
	*used = i;
	if (sg->pos >= isize && sg->pos < end)
		sg->eof = true;
	sg->file->f_ra.prev_pos = sg->pos;
	return ret;
}

/*
 * Gather the folios of [sg->pos, @end) that the page cache holds up to
 * date, in order, up to the first that is not (or the end of the file),
 * as filemap_splice_read() takes them: a batch of folios, readahead
 * started at a marked one, then i_size read once after the uptodate tests.
 * Return: 0, or -errno when the transfer stopped.
 */
static int zcopy_sg_cached(struct zcopy_sg *sg, loff_t end)
{
	struct address_space *mapping = sg->file->f_mapping;
	pgoff_t index = sg->pos >> PAGE_SHIFT, last = (end - 1) >> PAGE_SHIFT;
	struct folio_batch fbatch;
	unsigned int nr, ready, used;
	int ret = 0;

	folio_batch_init(&fbatch);
	while (!ret && sg->pos < end) {
		ret = zcopy_sg_may_read(sg, end);
		if (ret)
			break;
		/* contiguous from @index, stops at a hole; one reference each */
		nr = filemap_get_folios_contig(mapping, &index, last, &fbatch);
		if (!nr)
			break;
		zcopy_live_add(ZCOPY_LIVE_CACHE_REFS, nr);
		for (ready = 0; ready < nr; ready++) {
			struct folio *folio = fbatch.folios[ready];

			if (folio_test_readahead(folio)) {
				ret = zcopy_sg_readahead(sg, folio, end);
				if (ret)
					break;
			}
			if (!zcopy_sg_ready(folio) || (!ready && !zcopy_sg_holds(sg, folio)))
				break;
		}
		used = 0;
		/* after the uptodate tests: the folios hold valid bytes up to i_size */
		if (ready && !ret)
			ret = zcopy_sg_gather(sg, fbatch.folios, ready, end,
					      i_size_read(mapping->host), &used);
		zcopy_sg_put(fbatch.folios, used, nr);
		folio_batch_init(&fbatch);
		if (used < nr || sg->eof)
			break;
	}
	return ret;
}

/* the splice route's actor: the pipe's buffers join the batch, in order */
static int zcopy_sg_actor(struct pipe_inode_info *pipe, struct splice_desc *sd)
{
	struct zcopy_sg *sg = sd->u.data;
	struct zcopy_xfer_ctx *x = sg->x;
	unsigned int mask = pipe->ring_size - 1;
	size_t len = 0, want = sd->total_len;
	int ret = 0;

	while (!pipe_empty(pipe->head, pipe->tail) && len < want) {
		struct pipe_buffer *buf = &pipe->bufs[pipe->tail & mask];
		unsigned int part = min_t(size_t, buf->len, want - len);

		ret = pipe_buf_confirm(pipe, buf);
		if (ret) {
			zcopy_stop(x, ret);
			break;
		}
		/*
		 * The pipe's reference goes with the buffer: the batch holds
		 * one of its own, a plain page reference as TCP takes.  Not
		 * pipe_buf_get(): the ZERO_PAGE that shmem puts in the pipe
		 * for a hole (zero_pipe_buf_ops on 6.12) would get none, and
		 * our put_page() would then free it.
		 */
		get_page(buf->page);
		zcopy_live_inc(ZCOPY_LIVE_CACHE_REFS);
		x->c.dma_in_bytes += zcopy_residency_count(&x->res, sg->pos, sg->pos + part);
		ret = zcopy_batch_add(x, buf->page, buf->offset, part, buf->page,
				      ZCOPY_FRAG_CACHE);
		if (ret)
			break;
		len += part;
		sg->pos += part;
		if (part < buf->len) {
			buf->offset += part;
			buf->len -= part;
			break;
		}
		pipe_buf_release(pipe, buf);
		pipe->tail++;
	}
	return len ? len : ret;
}

/* up to @len bytes at sg->pos through sendfile's route; as its return */
static ssize_t zcopy_sg_splice(struct zcopy_sg *sg, size_t len)
{
	struct splice_desc sd = {
		.total_len = len,
		.pos = sg->pos,
		.u.data = sg,
	};
	int ret;

	/* it reads ahead: the window it may fill, looked up first */
	ret = zcopy_residency_before_read(&sg->x->res, sg->pos, sg->pos, len);
	if (ret)
		return zcopy_stop(sg->x, ret);
	return splice_direct_to_actor(sg->file, &sd, zcopy_sg_actor);
}

ssize_t zcopy_send_file_sg(struct zcopy_xfer_ctx *x, struct zcopy_piece *p)
{
	const struct zcopy_sg_fs *fs = zcopy_sg_from_cache(p->file);
	struct zcopy_sg sg = { .x = x, .file = p->file, .pos = p->pos, .probe = fs && fs->probe };
	bool cache = fs;
	loff_t end = p->pos + p->len;
	ssize_t ret = 0;

	while (sg.pos < end && !x->halted) {
		size_t chunk = end - sg.pos;

		if (cache) {
			ret = zcopy_sg_cached(&sg, end);
			if (ret || sg.eof || sg.pos >= end)
				break;
			/* to a page boundary: the lookup goes on from there */
			chunk = min_t(size_t, chunk, ZCOPY_SG_SPLICE - offset_in_page(sg.pos));
		} else if (x->res.mapping) {
			/* in windows, each looked up before it is read */
			chunk = min_t(size_t, chunk, ZCOPY_SG_SPLICE);
		}
		ret = zcopy_sg_splice(&sg, chunk);
		/* the end of the file, an error, or the socket stopped */
		if (ret < (ssize_t)chunk)
			break;
	}
	if (sg.cached)
		file_accessed(p->file);
	return sg.pos > p->pos ? sg.pos - p->pos : ret;
}
