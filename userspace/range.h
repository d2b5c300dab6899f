/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing of the tool's arguments that tests can check without a VM. */
#ifndef ZCOPY_RANGE_H
#define ZCOPY_RANGE_H

#include <stdint.h>

struct file_range {
	char path[4096];
	int64_t offset;
	uint64_t len;		/* 0: to the end of the file */
};

/*
 * FILE[:OFFSET[:LEN]]; numbers take K/M/G suffixes (powers of 1024).
 * Returns 0, or -1 with errno = EINVAL.
 */
int parse_range(const char *arg, struct file_range *r);
/* a size with an optional K/M/G suffix; -1 on error */
int parse_size(const char *s, uint64_t *v);

#endif
