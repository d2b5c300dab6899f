/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live objects: how many of each object a transfer allocates or references
 * exist right now, so that a test can prove that nothing leaked.
 */
#ifndef _ZCOPY_LIVE_H
#define _ZCOPY_LIVE_H

#include <linux/percpu.h>
#include <linux/seq_file.h>

/* keep in the order of zcopy_live_names[] in live.c */
enum zcopy_live_type {
	ZCOPY_LIVE_XFER_CTX,	/* struct zcopy_xfer_ctx */
	ZCOPY_LIVE_DESCS,	/* the copy of the caller's descriptor array */
	ZCOPY_LIVE_PIECES,	/* struct zcopy_piece arrays */
	ZCOPY_LIVE_FILE_REFS,	/* fget() of a FILE descriptor's file */
	ZCOPY_LIVE_SOCK_REFS,	/* fget() of the socket's file */
	ZCOPY_LIVE_BUF_ARRAYS,	/* a BUF descriptor's page array */
	ZCOPY_LIVE_BUF_PAGES,	/* ... and its pages */
	ZCOPY_LIVE_FRAG_REFS,	/* page references of the task's page fragment */
	ZCOPY_LIVE_SYNC,	/* struct zcopy_sync, until the stack released it */
	ZCOPY_LIVE_RESIDENCY,	/* a residency window too big for the context */
	ZCOPY_LIVE_COPY_BUFS,	/* COPY mode's read buffer */
	ZCOPY_LIVE_BATCHES,	/* a batch too big for the context */
	ZCOPY_LIVE_DIRECT_PAGES, /* DIRECT mode's pages, our reference */
	ZCOPY_LIVE_DIRECT_READS, /* DIRECT mode's pair of reads (one in flight) */
	ZCOPY_LIVE_CACHE_REFS,	/* page-cache (and splice pipe) page references */
	ZCOPY_LIVE_COUNT
};

/*
 * Per-CPU, so that transfers never share a cache line or an atomic for
 * them; only the sum over all CPUs means something (an object may be freed
 * on another CPU than the one that took it, or in softirq context).
 */
DECLARE_PER_CPU(long, zcopy_live[ZCOPY_LIVE_COUNT]);

/* this_cpu_*() are safe against preemption and interrupts on every arch */
static inline void zcopy_live_inc(enum zcopy_live_type t)
{
	this_cpu_inc(zcopy_live[t]);
}

static inline void zcopy_live_dec(enum zcopy_live_type t)
{
	this_cpu_dec(zcopy_live[t]);
}

static inline void zcopy_live_add(enum zcopy_live_type t, long n)
{
	this_cpu_add(zcopy_live[t], n);
}

static inline void zcopy_live_sub(enum zcopy_live_type t, long n)
{
	this_cpu_sub(zcopy_live[t], n);
}

void zcopy_live_show(struct seq_file *m);

#endif /* _ZCOPY_LIVE_H */
