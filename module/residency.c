// SPDX-License-Identifier: GPL-2.0
/*
 * dma_in_bytes for page-cache reads: the pages of a FILE piece that were
 * not in the page cache (up to date) before this transfer read them, i.e.
 * the pages the device had to move into memory for it.
 *
 * Nothing is scanned up front.  A page this transfer finds in the cache,
 * up to date, where none of its own reads could have brought it, was
 * resident: the lookup that sends it is the proof.  Only before this
 * transfer does something that may start I/O - the splice route's read
 * (which reads ahead), an asynchronous readahead at a PG_readahead folio,
 * COPY's read - is the window that I/O can reach looked up: which of its
 * pages are cached now.  Those pages are judged by that record afterwards,
 * whether sent through the cache or through the splice route.  A warm
 * file costs nothing; a cold one a lookup of each readahead window next to
 * the I/O.  The window lives in the transfer's context (ZCOPY_RES_INLINE
 * pages, 4 MiB of file); a larger readahead gets an allocation once per
 * transfer.
 *
 * How far a read may reach: the page cache reads ahead at most
 * 2 * max(ra_pages, the current window, the request) pages beyond the page
 * it starts at (page_cache_sync_ra(), page_cache_async_ra() and, on 6.1,
 * ondemand_readahead(): the initial window plus the next one at most); the
 * requests here are at most PIPE_DEF_BUFFERS pages (sendfile's pipe, and
 * COPY's 64 KiB).  A stacked filesystem reads through a file of its own,
 * whose readahead state is not visible: there the bound is the device's
 * (twice its read_ahead_kb, for POSIX_FADV_SEQUENTIAL, or its largest I/O).
 */
#include <linux/backing-dev.h>
#include <linux/bitmap.h>
#include <linux/dcache.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>

#include "live.h"
#include "xfer.h"

/*
 * Where the file's data is cached.  A stacked filesystem (overlayfs, in
 * every container) reads through the inode below: its own mapping stays
 * empty, and would make every warm file look cold.
 */
static struct address_space *zcopy_data_mapping(struct file *file)
{
	struct inode *real = d_real_inode(file->f_path.dentry);

	return real != file_inode(file) ? real->i_mapping : file->f_mapping;
}

/**
 * zcopy_residency_start - a FILE piece begins: nothing looked up yet
 * @res: the transfer's record
 * @file: the piece's file
 * @pos: first byte
 * @len: bytes the file reported for the piece; 0: nothing to count
 *
 * Counted only when the data's filesystem sits on a block device: procfs,
 * sysfs and tmpfs pages come from no device (tmpfs pages in swap are not
 * counted).  Overlayfs is judged by the layer that holds the data.
 */
void zcopy_residency_start(struct zcopy_residency *res, struct file *file,
			   loff_t pos, size_t len)
{
	struct address_space *mapping = zcopy_data_mapping(file);

	res->file = file;
	res->mapping = len && mapping->host->i_sb->s_bdev ? mapping : NULL;
	res->stacked = mapping != file->f_mapping;
	res->ws = pos >> PAGE_SHIFT;
	res->we = res->ws;
	res->last = len ? (pos + len - 1) >> PAGE_SHIFT : 0;
	if (!res->map) {
		res->map = res->map_inline;
		res->cap = ZCOPY_RES_INLINE;
	}
}

/* pages past the page a read starts at that its readahead may reach */
static pgoff_t zcopy_residency_reach(struct zcopy_residency *res)
{
	unsigned long m = PIPE_DEF_BUFFERS;

	if (res->stacked) {
		struct backing_dev_info *bdi = inode_to_bdi(res->mapping->host);

		m = max3(m, 2 * READ_ONCE(bdi->ra_pages), READ_ONCE(bdi->io_pages));
	} else {
		struct file_ra_state *ra = &res->file->f_ra;

		m = max3(m, (unsigned long)READ_ONCE(ra->ra_pages),
			 (unsigned long)READ_ONCE(ra->size));
	}
	return 2 * m + 2;
}

/*
 * Room for pages [@keep, @end): what is before @keep is counted already and
 * goes, what is still ahead stays; the map grows if needed.
 */
static int zcopy_residency_room(struct zcopy_residency *res, pgoff_t keep, pgoff_t end)
{
	unsigned long *map;
	unsigned long cap;

	if (keep >= res->we) {
		/* nothing of the old window is ahead any more */
		res->ws = keep;
		res->we = keep;
	} else if (keep > res->ws) {
		bitmap_shift_right(res->map, res->map, keep - res->ws, res->we - res->ws);
		res->ws = keep;
	}
	if (end - res->ws <= res->cap)
		return 0;

	cap = round_up(end - res->ws, BITS_PER_LONG);
	map = kvmalloc_array(BITS_TO_LONGS(cap), sizeof(long), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	bitmap_copy(map, res->map, res->we - res->ws);
	if (res->map != res->map_inline)
		kvfree(res->map);
	else
		zcopy_live_inc(ZCOPY_LIVE_RESIDENCY);
	res->map = map;
	res->cap = cap;
	return 0;
}

/**
 * zcopy_residency_before_read - this transfer may start I/O at @pos
 * @res: the piece's record
 * @next: the next byte to be counted (at most @pos): pages before it are
 *	done with
 * @pos: first byte the read wants
 * @len: bytes it wants (0: a readahead from @pos only)
 *
 * Looks up, before the read, which pages of the window it may fill are
 * cached and up to date now (and of those between @next and the window,
 * which the lookup found ready before).
 *
 * Return: 0, or -ENOMEM.
 */
int zcopy_residency_before_read(struct zcopy_residency *res, loff_t next, loff_t pos,
				size_t len)
{
	pgoff_t first = pos >> PAGE_SHIFT, keep, end, index;
	struct folio_batch fbatch;
	unsigned int i;
	int ret;

	if (!res->mapping || first > res->last)
		return 0;
	end = first + DIV_ROUND_UP(offset_in_page(pos) + len, PAGE_SIZE) +
	      zcopy_residency_reach(res);
	end = min(end, res->last + 1);
	if (end <= res->we)
		return 0;
	keep = max_t(pgoff_t, min_t(loff_t, next, pos) >> PAGE_SHIFT, res->ws);
	ret = zcopy_residency_room(res, keep, end);
	if (ret)
		return ret;

	index = res->we;
	bitmap_clear(res->map, res->we - res->ws, end - res->we);
	folio_batch_init(&fbatch);
	while (index < end && filemap_get_folios(res->mapping, &index, end - 1, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];
			pgoff_t s = max(folio->index, res->we);
			pgoff_t e = min(folio_next_index(folio), end);

			if (s < e && folio_test_uptodate(folio))
				bitmap_set(res->map, s - res->ws, e - s);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	res->we = end;
	return 0;
}

/* zcopy_residency_count() where a window was looked up */
u64 __zcopy_residency_count(struct zcopy_residency *res, loff_t from, loff_t to)
{
	pgoff_t a, b, i;
	u64 missing = 0;

	if (to <= from)
		return 0;
	a = max_t(pgoff_t, from >> PAGE_SHIFT, res->ws);
	b = min3((pgoff_t)((to - 1) >> PAGE_SHIFT), res->we - 1, res->last);
	/* setting the bit counts a page shared by two ranges only once */
	for (i = a; i <= b; i++)
		if (!__test_and_set_bit(i - res->ws, res->map))
			missing += PAGE_SIZE;
	return missing;
}

/* the end of the transfer */
void zcopy_residency_free(struct zcopy_residency *res)
{
	if (res->map && res->map != res->map_inline) {
		kvfree(res->map);
		zcopy_live_dec(ZCOPY_LIVE_RESIDENCY);
	}
	res->map = NULL;
}

/* pages AUTO looks up to judge a range */
#define ZCOPY_AUTO_SAMPLES	8

/**
 * zcopy_residency_mostly_cached - does the page cache hold most of a range?
 * @file: the file
 * @pos: first byte
 * @len: bytes (non-zero)
 *
 * What AUTO decides by: ZCOPY_AUTO_SAMPLES pages spread evenly over the
 * range (the first and the last included), each looked up as the SG path
 * would: present and up to date counts.
 *
 * Return: true when at least half of them are.
 */
bool zcopy_residency_mostly_cached(struct file *file, loff_t pos, size_t len)
{
	struct address_space *mapping = file->f_mapping;
	pgoff_t first = pos >> PAGE_SHIFT, last = (pos + len - 1) >> PAGE_SHIFT;
	unsigned int i, n = min_t(pgoff_t, ZCOPY_AUTO_SAMPLES, last - first + 1);
	unsigned int hits = 0;
	struct folio_batch fbatch;

	folio_batch_init(&fbatch);
	for (i = 0; i < n; i++) {
		pgoff_t index = n > 1 ? first + (last - first) * i / (n - 1) : first;

		if (!filemap_get_folios_contig(mapping, &index, index, &fbatch))
			continue;
		hits += folio_test_uptodate(fbatch.folios[0]);
		folio_put(fbatch.folios[0]);
		folio_batch_init(&fbatch);
	}
	return 2 * hits >= n;
}
