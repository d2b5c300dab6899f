// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_STATS=1: what this process's sendfile() calls did, one line on
 * stderr at exit.  The sums are atomics, added to from any thread and
 * from signal handlers; a forked child starts again from zero, so that
 * each process reports its own calls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

/* a lock-free 64-bit add is what makes the counting async-signal-safe */
_Static_assert(__atomic_always_lock_free(sizeof(uint64_t), 0),
	       "libzcopy-preload needs lock-free 64-bit atomics");

/* more than struct zcopy_counters has; zcopy_counter_name() says how many */
#define MAX_COUNTERS	16

static struct {
	uint64_t device_calls, device_errors, device_bytes;
	uint64_t sendfile_calls, sendfile_errors, sendfile_bytes;
	uint64_t declined;	/* sendfile(2) calls after the device said no */
	uint64_t c[MAX_COUNTERS];	/* by zcopy_counter_get() index */
} stats;

static void add(uint64_t *v, uint64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

void preload_count_device(ssize_t ret, const struct zcopy_counters *c)
{
	if (!preload.stats)
		return;
	add(&stats.device_calls, 1);
	if (ret < 0)
		add(&stats.device_errors, 1);
	else
		add(&stats.device_bytes, ret);
	for (unsigned int i = 0; i < MAX_COUNTERS && zcopy_counter_name(i); i++)
		add(&stats.c[i], zcopy_counter_get(c, i));
}

void preload_count_sendfile(ssize_t ret, bool declined)
{
	if (!preload.stats)
		return;
	add(&stats.sendfile_calls, 1);
	if (declined)
		add(&stats.declined, 1);
	if (ret < 0)
		add(&stats.sendfile_errors, 1);
	else
		add(&stats.sendfile_bytes, ret);
}

/* fork(): the child's line is about the child's calls */
static void stats_reset(void)
{
	uint64_t *v = (uint64_t *)&stats;

	for (size_t i = 0; i < sizeof(stats) / sizeof(*v); i++)
		__atomic_store_n(&v[i], 0, __ATOMIC_RELAXED);
}

/*
 * At exit (not at _exit() or a fatal signal), if the process called
 * sendfile at all: one line of key=value pairs, in one write(2), so that
 * the lines of processes sharing a stderr do not mix.  The counters are
 * the device's, summed over its calls (Documentation/counters.rst).
 */
__attribute__((destructor)) static void stats_print(void)
{
	char line[2048];
	size_t len;
	int err = errno;

	if (!preload.stats || !(get(&stats.device_calls) || get(&stats.sendfile_calls)))
		return;
	len = snprintf(line, sizeof(line),
		       "zcopy-preload: pid=%d comm=%s mode=%s device=%s "
		       "device_calls=%llu device_bytes=%llu device_errors=%llu "
		       "sendfile_calls=%llu sendfile_bytes=%llu sendfile_errors=%llu declined=%llu",
		       (int)getpid(), program_invocation_short_name,
		       zcopy_mode_name(preload.mode),
		       __atomic_load_n(&preload.dev, __ATOMIC_RELAXED) >= 0 ? "on" : "off",
		       (unsigned long long)get(&stats.device_calls),
		       (unsigned long long)get(&stats.device_bytes),
		       (unsigned long long)get(&stats.device_errors),
		       (unsigned long long)get(&stats.sendfile_calls),
		       (unsigned long long)get(&stats.sendfile_bytes),
		       (unsigned long long)get(&stats.sendfile_errors),
		       (unsigned long long)get(&stats.declined));
	for (unsigned int i = 0; i < MAX_COUNTERS && zcopy_counter_name(i) &&
	     len < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, " %s=%llu", zcopy_counter_name(i),
				(unsigned long long)get(&stats.c[i]));
	if (preload.off_reason[0] && len < sizeof(line))
		len += snprintf(line + len, sizeof(line) - len, " off=\"%s\"", preload.off_reason);
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nothing to do about a failed write to stderr at exit */
	}
	errno = err;
}

void preload_stats_init(void)
{
	if (preload.stats)
		pthread_atfork(NULL, NULL, stats_reset);
}
