/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for ZCOPY_IOC_XFER callers: resuming short calls, summing counters. */
#ifndef ZCOPY_XFER_H
#define ZCOPY_XFER_H

#include <stdint.h>

#include <linux/zcopy.h>

/* @sum += @c, field by field (every field is a __u64) */
void counters_add(struct zcopy_counters *sum, const struct zcopy_counters *c);
/*
 * Move the cursor *@i over @d[0..n) past @bytes that went out, skipping
 * empty descriptors, so that the next call starts exactly where this one
 * stopped.
 */
void desc_advance(struct zcopy_desc *d, unsigned int n, unsigned int *i, uint64_t bytes);

#endif
