// SPDX-License-Identifier: GPL-2.0
/*
 * dma_in_bytes for page-cache reads: which pages of a file range were
 * already in the page cache (and up to date) when the transfer started.
 *
 * The scan happens once, before the first byte is read, because reading
 * starts readahead: pages that this transfer's own readahead brings in
 * later were still read from the device for this transfer.  A page that
 * was missing and is sent afterwards had to be read: the device moved it
 * into memory.
 */
#include <linux/bitmap.h>
#include <linux/dcache.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/slab.h>

#include "live.h"
#include "xfer.h"

struct zcopy_residency {
	pgoff_t first;
	pgoff_t count;
	unsigned long resident[];	/* bit i: page first + i was resident */
};

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
 * zcopy_residency_applies - can a page missing from the cache mean a read
 *	from a storage device?
 * @file: the file
 *
 * Only when the data's filesystem sits on a block device: procfs, sysfs
 * and tmpfs pages come from no device (tmpfs pages in swap are not
 * counted).  Overlayfs is judged by the layer that holds the data.
 */
bool zcopy_residency_applies(struct file *file)
{
	return !!d_real_inode(file->f_path.dentry)->i_sb->s_bdev;
}

/**
 * zcopy_residency_scan - record which pages of [@pos, @pos + @len) are cached
 * @file: the file
 * @pos: first byte
 * @len: bytes (non-zero)
 *
 * Return: the record, or NULL when out of memory.
 */
struct zcopy_residency *zcopy_residency_scan(struct file *file, loff_t pos,
					     size_t len)
{
	struct address_space *mapping = zcopy_data_mapping(file);
	pgoff_t first = pos >> PAGE_SHIFT;
	pgoff_t last = (pos + len - 1) >> PAGE_SHIFT;
	struct zcopy_residency *res;
	struct folio_batch fbatch;
	pgoff_t index = first;
	unsigned int i;

	res = kvzalloc(struct_size(res, resident, BITS_TO_LONGS(last - first + 1)),
		       GFP_KERNEL);
	if (!res)
		return NULL;
	zcopy_live_inc(ZCOPY_LIVE_RESIDENCY);
	res->first = first;
	res->count = last - first + 1;

	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &index, last, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];
			pgoff_t start = max(folio->index, first);
			pgoff_t end = min(folio->index + folio_nr_pages(folio) - 1, last);

			if (folio_test_uptodate(folio))
				bitmap_set(res->resident, start - first, end - start + 1);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	return res;
}

/**
 * zcopy_residency_missing - bytes the device read for [@from, @to)
 * @res: the record taken before reading
 * @from: first byte sent
 * @to: end of the bytes sent
 *
 * Return: PAGE_SIZE for every page of the range that was not resident and
 * not counted before: the device reads whole pages, including the tail
 * page of a file.
 */
u64 zcopy_residency_missing(struct zcopy_residency *res, loff_t from, loff_t to)
{
	pgoff_t a, b, i;
	u64 missing = 0;

	if (!res || to <= from)
		return 0;
	a = (from >> PAGE_SHIFT) - res->first;
	b = ((to - 1) >> PAGE_SHIFT) - res->first;
	/* setting the bit counts a page shared by two ranges only once */
	for (i = a; i <= b && i < res->count; i++)
		if (!__test_and_set_bit(i, res->resident))
			missing += PAGE_SIZE;
	return missing;
}

void zcopy_residency_free(struct zcopy_residency *res)
{
	if (res)
		zcopy_live_dec(ZCOPY_LIVE_RESIDENCY);
	kvfree(res);
}
