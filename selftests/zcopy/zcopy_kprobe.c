// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe witnesses for the zcopy kselftests (see zcopy_util.h): probes on
 * kernel functions, through tracefs, as witnesses of what the kernel did
 * that do not rely on the module's own counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zcopy_util.h"

#define TRACING "/sys/kernel/tracing"

int zc_kprobes_add(const char *const *funcs, size_t n)
{
	int added = 0;

	zc_sh("{ echo 0 > " TRACING "/events/kprobes/enable; } 2>/dev/null");
	zc_sh("echo > " TRACING "/kprobe_events");
	/*
	 * Enabling an event also hooks the scheduler's tracepoints to record
	 * command names, patching live code in try_to_wake_up() on every
	 * enable and disable; under QEMU's TCG that patching once ended in
	 * an "Oops: int3" on the other vCPU.  The names are not needed.
	 */
	zc_sh("{ echo 0 > " TRACING "/options/record-cmd; echo 0 > " TRACING
	      "/options/record-tgid; } 2>/dev/null");
	for (size_t i = 0; i < n; i++)
		if (!zc_sh("echo 'p:zc%zu %s' >> " TRACING "/kprobe_events 2>/dev/null",
			   i, funcs[i]))
			added++;
	if (added) {
		zc_sh("echo > " TRACING "/trace");
		zc_sh("echo 1 > " TRACING "/events/kprobes/enable");
	}
	return added;
}

int zc_kprobe_arg_stats(const char *arg, long *n, long *sum, long *max)
{
	char word[128], key[64];
	size_t klen = snprintf(key, sizeof(key), "%s=", arg);
	FILE *f = fopen(TRACING "/trace", "r");

	*n = *sum = *max = 0;
	if (!f)
		return -1;
	while (fscanf(f, "%127s", word) == 1) {
		long v;

		if (strncmp(word, key, klen))
			continue;
		v = strtol(word + klen, NULL, 0);
		(*n)++;
		*sum += v;
		if (v > *max)
			*max = v;
	}
	fclose(f);
	return 0;
}

void zc_kprobes_del(void)
{
	zc_sh("{ echo 0 > " TRACING "/events/kprobes/enable; } 2>/dev/null");
	zc_sh("echo > " TRACING "/kprobe_events 2>/dev/null");
}

/* kprobe_profile: one "name hits misses" line per probe */
long zc_kprobe_hits(void)
{
	char name[64];
	long hits, miss, sum = 0;
	FILE *f = fopen(TRACING "/kprobe_profile", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld %ld", name, &hits, &miss) == 3)
		if (!strncmp(name, "zc", 2))
			sum += hits;
	fclose(f);
	return sum;
}
