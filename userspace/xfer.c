// SPDX-License-Identifier: GPL-2.0
/* Helpers for ZCOPY_IOC_XFER callers (send and bench). */
#include "xfer.h"

void counters_add(struct zcopy_counters *sum, const struct zcopy_counters *c)
{
	const uint64_t *a = (const uint64_t *)c;
	uint64_t *s = (uint64_t *)sum;

	for (unsigned int i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
		s[i] += a[i];
}

void desc_advance(struct zcopy_desc *d, unsigned int n, unsigned int *i, uint64_t bytes)
{
	while (*i < n && (bytes || !d[*i].len)) {
		uint64_t k = bytes < d[*i].len ? bytes : d[*i].len;

		d[*i].len -= k;
		if (d[*i].type == ZCOPY_DESC_FILE)
			d[*i].offset += k;
		else
			d[*i].addr += k;
		bytes -= k;
		if (d[*i].len)
			break;
		(*i)++;
	}
}
