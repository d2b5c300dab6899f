// SPDX-License-Identifier: GPL-2.0
/* Error messages that name the object and the errno text. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

int err_errno(const char *object, int err)
{
	fprintf(stderr, "zcopy: %s: %s\n", object, strerror(err));
	return EXIT_FAIL;
}

int err_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("zcopy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see zcopy --help)\n", stderr);
	return EXIT_USAGE;
}
