// SPDX-License-Identifier: GPL-2.0
/* FILE[:OFFSET[:LEN]] and sizes: a table of inputs and results. */
#include <stdio.h>
#include <string.h>

#include "range.h"

static const struct {
	const char *arg;
	int ok;
	const char *path;
	long long off;
	unsigned long long len;
} rows[] = {
	{ "a.dat", 1, "a.dat", 0, 0 },
	{ "/x/y:10", 1, "/x/y", 10, 0 },
	{ "f:0:4K", 1, "f", 0, 4096 },
	{ "f:1M:2G", 1, "f", 1 << 20, 2ULL << 30 },
	{ "f:0x10:0x20", 1, "f", 16, 32 },
	{ "", 0, NULL, 0, 0 }, { ":1", 0, NULL, 0, 0 }, { "f:", 0, NULL, 0, 0 }, { "f:-1", 0, NULL, 0, 0 }, { "f:1:", 0, NULL, 0, 0 },
	{ "f:1x", 0, NULL, 0, 0 }, { "f:9223372036854775808", 0, NULL, 0, 0 }, { "f:1:2:3", 0, NULL, 0, 0 },
	{ "f:99999999999999999999", 0, NULL, 0, 0 }, { "f:17179869184G", 0, NULL, 0, 0 },
};

int main(void)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct file_range r;
		int ok = !parse_range(rows[i].arg, &r);

		if (ok != rows[i].ok || (ok && (strcmp(r.path, rows[i].path) ||
						r.offset != rows[i].off || r.len != rows[i].len))) {
			fprintf(stderr, "test_range: '%s': got ok=%d\n", rows[i].arg, ok);
			failed++;
		}
	}
	printf("test_range: %zu rows, %d failed\n", sizeof(rows) / sizeof(rows[0]), failed);
	return failed ? 1 : 0;
}
