// SPDX-License-Identifier: GPL-2.0
/* Descriptors, and moving over the bytes a short call did send. */
#include "zcopy.h"

struct zcopy_desc zcopy_desc_file(int fd, int64_t offset, uint64_t len)
{
	struct zcopy_desc d = {
		.type = ZCOPY_DESC_FILE, .fd = fd, .offset = offset, .len = len,
	};

	return d;
}

struct zcopy_desc zcopy_desc_buf(const void *buf, size_t len)
{
	struct zcopy_desc d = {
		.type = ZCOPY_DESC_BUF, .len = len, .addr = (uintptr_t)buf,
	};

	return d;
}

/*
 * A call sends its descriptors in order and stops at the first short one,
 * so the bytes it reports are a prefix of the vector: the next call starts
 * exactly where this one stopped and the stream never has a hole.
 */
unsigned int zcopy_advance(struct zcopy_desc *d, unsigned int n, unsigned int i,
			   uint64_t bytes)
{
	while (i < n && (bytes || !d[i].len)) {
		uint64_t k = bytes < d[i].len ? bytes : d[i].len;

		d[i].len -= k;
		if (d[i].type == ZCOPY_DESC_FILE)
			d[i].offset += k;
		else
			d[i].addr += k;
		bytes -= k;
		if (d[i].len)
			break;
		i++;
	}
	return i;
}
