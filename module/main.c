// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: in-kernel file-to-socket transfers with truthful copy counters.
 *
 * Module init and exit only; each subsystem lives in a file of its own and
 * is torn down in the reverse order of its setup.
 */
#include <linux/module.h>

#include "record.h"
#include "xfer.h"

static int __init zcopy_init(void)
{
	int ret;

	ret = zcopy_record_init();
	if (ret)
		return ret;
	ret = zcopy_xfer_init();
	if (ret)
		goto err_uninit_record;

	/* debugfs before the device: its users may look there at once */
	zcopy_debugfs_init();

	ret = zcopy_device_init();
	if (ret)
		goto err_uninit_debugfs;

	return 0;

err_uninit_debugfs:
	zcopy_debugfs_uninit();
	zcopy_xfer_uninit();
err_uninit_record:
	zcopy_record_uninit();
	return ret;
}

static void __exit zcopy_exit(void)
{
	zcopy_device_uninit();
	/* the last SYNC notification's callback has returned */
	zcopy_sync_uninit();
	zcopy_debugfs_uninit();
	zcopy_xfer_uninit();
	zcopy_record_uninit();
}

module_init(zcopy_init);
module_exit(zcopy_exit);

MODULE_DESCRIPTION("In-kernel zero-copy file-to-socket transfers with copy counters");
MODULE_LICENSE("GPL");
MODULE_VERSION(ZCOPY_VERSION);
