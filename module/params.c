// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters.
 */
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "zcopy.h"

/*
 * nginx's "directio 4m" policy, for cold files: automatic mode reads files
 * at least this large that the page cache does not hold with direct I/O,
 * so that one big stream does not evict the page cache that small hot
 * files live in (and never reads from the disk what is in memory).
 */
unsigned long zcopy_direct_threshold = SZ_4M;
module_param_named(direct_threshold, zcopy_direct_threshold, ulong, 0644);
MODULE_PARM_DESC(direct_threshold,
		 "Automatic mode uses direct I/O for uncached files of at least this many bytes (default 4 MiB)");
