// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/zcopy: counters and transfer records for people and
 * tests.  Not ABI: the ioctl results are.  As debugfs.rst asks, the
 * results of debugfs_create_*() are not checked.
 */
#include <linux/debugfs.h>

#include "zcopy.h"

struct dentry *zcopy_debugfs_root;

void zcopy_debugfs_init(void)
{
	zcopy_debugfs_root = debugfs_create_dir("zcopy", NULL);
}

void zcopy_debugfs_uninit(void)
{
	debugfs_remove_recursive(zcopy_debugfs_root);
}
