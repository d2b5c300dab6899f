// SPDX-License-Identifier: GPL-2.0
/*
 * Counters of live objects: every object a transfer allocates or takes a
 * reference of is counted where it is created and where it is freed, per
 * object type.  debugfs's "live" shows the sums; once no transfer runs and
 * the stack released every SYNC notification, each must be 0.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "live.h"

DEFINE_PER_CPU(long, zcopy_live[ZCOPY_LIVE_COUNT]);

static const char *const zcopy_live_names[ZCOPY_LIVE_COUNT] = {
	[ZCOPY_LIVE_XFER_CTX] = "xfer_ctx",
	[ZCOPY_LIVE_DESCS] = "descs",
	[ZCOPY_LIVE_PIECES] = "pieces",
	[ZCOPY_LIVE_FILE_REFS] = "file_refs",
	[ZCOPY_LIVE_SOCK_REFS] = "sock_refs",
	[ZCOPY_LIVE_BUF_ARRAYS] = "buf_arrays",
	[ZCOPY_LIVE_BUF_PAGES] = "buf_pages",
	[ZCOPY_LIVE_FRAG_REFS] = "frag_refs",
	[ZCOPY_LIVE_SYNC] = "sync",
	[ZCOPY_LIVE_RESIDENCY] = "residency",
	[ZCOPY_LIVE_COPY_BUFS] = "copy_bufs",
	[ZCOPY_LIVE_BATCHES] = "batches",
	[ZCOPY_LIVE_DIRECT_PAGES] = "direct_pages",
	[ZCOPY_LIVE_DIRECT_READS] = "direct_reads",
	[ZCOPY_LIVE_CACHE_REFS] = "cache_refs",
};

/*
 * One "name count" line per type.  The sum is not a snapshot: while
 * transfers run it may be off, even negative, when an object moved between
 * CPUs during the read; when all is idle it is exact.
 */
void zcopy_live_show(struct seq_file *m)
{
	unsigned int t;
	int cpu;

	for (t = 0; t < ZCOPY_LIVE_COUNT; t++) {
		long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu(zcopy_live[t], cpu);
		seq_printf(m, "%s %ld\n", zcopy_live_names[t], sum);
	}
}
