// SPDX-License-Identifier: GPL-2.0
/* The counters of struct zcopy_counters by name and index. */
#include <stddef.h>

#include "zcopy.h"

#define COUNTER(m)	{ #m, offsetof(struct zcopy_counters, m) }

/* the order of the struct, which is the order every tool prints them in */
static const struct {
	const char *name;
	size_t offset;
} counters[] = {
	COUNTER(bytes_requested),
	COUNTER(bytes_sent),
	COUNTER(cpu_copy_bytes),
	COUNTER(cpu_copy_ops),
	COUNTER(dma_in_bytes),
	COUNTER(dma_out_bytes),
	COUNTER(sg_entries),
	COUNTER(pages_referenced),
	COUNTER(direct_bytes),
	COUNTER(duration_ns),
};

#define NCOUNTERS	(sizeof(counters) / sizeof(counters[0]))

static uint64_t *counter(struct zcopy_counters *c, unsigned int i)
{
	return (uint64_t *)((char *)c + counters[i].offset);
}

const char *zcopy_counter_name(unsigned int i)
{
	return i < NCOUNTERS ? counters[i].name : NULL;
}

uint64_t zcopy_counter_get(const struct zcopy_counters *c, unsigned int i)
{
	return i < NCOUNTERS ? *counter((struct zcopy_counters *)c, i) : 0;
}

void zcopy_counters_add(struct zcopy_counters *sum, const struct zcopy_counters *c)
{
	for (unsigned int i = 0; i < NCOUNTERS; i++)
		*counter(sum, i) += zcopy_counter_get(c, i);
}
