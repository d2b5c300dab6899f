// SPDX-License-Identifier: GPL-2.0
/* The same output calls give the expected text and the expected JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static void emit(void)
{
	out_u64("bytes", "bytes:", 42);
	out_str("name", "name:", "a\"b\\c\n");
	out_list_begin("modes", "modes:");
	out_list_str("copy");
	out_list_str("sg");
	out_list_end();
}

static int check(int json, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ok;

	if (!f)
		return 0;
	out_open(f, json);
	emit();
	out_close();
	fclose(f);
	ok = !strcmp(buf, want);
	if (!ok)
		fprintf(stderr, "test_output: got\n%s\nwant\n%s\n", buf, want);
	free(buf);
	return ok;
}

int main(void)
{
	int ok = 1;

	ok &= check(1, "{\"bytes\":42,\"name\":\"a\\\"b\\\\c\\u000a\",\"modes\":[\"copy\",\"sg\"]}\n");
	ok &= check(0, "bytes:             42\nname:              a\"b\\c\n\nmodes:             copy sg\n");
	printf("test_output: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
