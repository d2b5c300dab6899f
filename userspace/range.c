// SPDX-License-Identifier: GPL-2.0
/* FILE[:OFFSET[:LEN]] and sizes (mode names: libzcopy). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"

int parse_size(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;
	int shift = 0;

	if (!*s || *s == '-')
		goto bad;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s)
		goto bad;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end || (shift && n > (UINT64_MAX >> shift)))
		goto bad;
	*v = (uint64_t)n << shift;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int parse_range(const char *arg, struct file_range *r)
{
	const char *c1, *c2;
	char num[64];
	uint64_t v;
	size_t n;

	memset(r, 0, sizeof(*r));
	c1 = strchr(arg, ':');
	n = c1 ? (size_t)(c1 - arg) : strlen(arg);
	if (!n || n >= sizeof(r->path))
		goto bad;
	memcpy(r->path, arg, n);
	if (!c1)
		return 0;
	c2 = strchr(c1 + 1, ':');
	n = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
	if (!n || n >= sizeof(num))
		goto bad;
	memcpy(num, c1 + 1, n);
	num[n] = '\0';
	if (parse_size(num, &v) || v > INT64_MAX)
		goto bad;
	r->offset = v;
	if (c2 && parse_size(c2 + 1, &r->len))
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
