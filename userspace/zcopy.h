/* SPDX-License-Identifier: GPL-2.0 */
/* The zcopy tool: shared declarations. */
#ifndef ZCOPY_TOOL_H
#define ZCOPY_TOOL_H

#include <stdbool.h>

/* Exit codes scripts can trust. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the operation failed (errno printed) */
	EXIT_USAGE = 2,		/* bad command line */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

/* global options, set by main() */
extern bool opt_json;

int cmd_info(int argc, char **argv);

/* device.c */
int zcopy_open_device(void);

/* err.c: "zcopy: OBJECT: errno text" on stderr, returns EXIT_FAIL */
int err_errno(const char *object, int err);
int err_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
