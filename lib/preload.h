/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libzcopy-preload.so: sendfile(2) through /dev/zcopy, for programs that
 * were never written for it (Documentation/libzcopy.rst, "The preload").
 * Internal declarations; the library exports sendfile and sendfile64 only.
 */
#ifndef ZCOPY_PRELOAD_H
#define ZCOPY_PRELOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "zcopy.h"

/* sendfile's prototype; off_t is 64 bits wide on every target (preload.c) */
typedef ssize_t (*preload_sendfile_fn)(int out_fd, int in_fd, off_t *offset, size_t count);

/*
 * Set once by the constructor, before main(), and read by every call
 * without a lock.  @dev alone may change later (to -1, when the
 * descriptor turns out not to be the device any more): it is read and
 * written atomically.
 */
struct preload_state {
	int dev;		/* /dev/zcopy, or -1: every call goes to sendfile(2) */
	unsigned int mode;	/* ZCOPY_MODE_* */
	unsigned int flags;	/* ZCOPY_F_* */
	bool stats;		/* ZCOPY_STATS=1: a summary line at exit */
	char off_reason[160];	/* why @dev is -1, for the summary */
	preload_sendfile_fn real_sendfile, real_sendfile64;
};

extern struct preload_state preload;

/* preload_init.c: the next sendfile in the lookup order (libc's) */
preload_sendfile_fn preload_real(bool is64);

/* preload_stats.c: what went where; async-signal-safe (atomics only) */
void preload_count_device(ssize_t ret, const struct zcopy_counters *c);
void preload_count_sendfile(ssize_t ret, bool declined);
void preload_stats_init(void);

#endif
