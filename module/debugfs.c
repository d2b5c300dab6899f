// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/zcopy: counters and transfer records for people and
 * tests.  Not ABI: the ioctl results are.  As debugfs.rst asks, the
 * results of debugfs_create_*() are not checked.  Every file is root's.
 *
 *   totals            per-mode totals since load or the last reset
 *   transfers         the last ring_size transfers, oldest first (pid: in the
 *                     reader's pid namespace, 0 when not visible from it)
 *   transfer          write an id, then read that record from the same open file
 *   reset             any write zeroes the totals and empties the table
 *   direct_threshold  automatic mode's direct-I/O threshold, in bytes
 *   live              objects of transfers alive now, per type (live.c)
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "live.h"
#include "record.h"

struct dentry *zcopy_debugfs_root;

static int zcopy_totals_show(struct seq_file *m, void *v)
{
	zcopy_record_show_totals(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zcopy_totals);

static int zcopy_transfers_show(struct seq_file *m, void *v)
{
	zcopy_record_show_ring(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zcopy_transfers);

static int zcopy_live_file_show(struct seq_file *m, void *v)
{
	zcopy_live_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zcopy_live_file);

/* "transfer": the id written last on this open file selects the record */
static int zcopy_transfer_show(struct seq_file *m, void *v)
{
	u64 *id = m->private;

	if (!*id)
		return -EINVAL;
	return zcopy_record_show_one(m, *id);
}

static int zcopy_transfer_open(struct inode *inode, struct file *file)
{
	u64 *id = kzalloc(sizeof(*id), GFP_KERNEL);
	int ret;

	if (!id)
		return -ENOMEM;
	ret = single_open(file, zcopy_transfer_show, id);
	if (ret)
		kfree(id);
	return ret;
}

static ssize_t zcopy_transfer_write(struct file *file, const char __user *buf,
				    size_t len, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	u64 id;
	int ret;

	ret = kstrtou64_from_user(buf, len, 0, &id);
	if (ret)
		return ret;
	*(u64 *)m->private = id;
	return len;
}

static int zcopy_transfer_release(struct inode *inode, struct file *file)
{
	kfree(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

static const struct file_operations zcopy_transfer_fops = {
	.owner		= THIS_MODULE,
	.open		= zcopy_transfer_open,
	.read		= seq_read,
	.write		= zcopy_transfer_write,
	.llseek		= seq_lseek,
	.release	= zcopy_transfer_release,
};

static ssize_t zcopy_reset_write(struct file *file, const char __user *buf,
				 size_t len, loff_t *ppos)
{
	zcopy_record_reset();
	return len;
}

static const struct file_operations zcopy_reset_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= zcopy_reset_write,
	.llseek	= noop_llseek,
};

void zcopy_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("zcopy", NULL);

	zcopy_debugfs_root = d;
	debugfs_create_file("totals", 0400, d, NULL, &zcopy_totals_fops);
	debugfs_create_file("transfers", 0400, d, NULL, &zcopy_transfers_fops);
	debugfs_create_file("transfer", 0600, d, NULL, &zcopy_transfer_fops);
	debugfs_create_file("reset", 0200, d, NULL, &zcopy_reset_fops);
	debugfs_create_ulong("direct_threshold", 0600, d, &zcopy_direct_threshold);
	debugfs_create_file("live", 0400, d, NULL, &zcopy_live_file_fops);
}

void zcopy_debugfs_uninit(void)
{
	debugfs_remove_recursive(zcopy_debugfs_root);
}
