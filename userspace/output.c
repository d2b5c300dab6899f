// SPDX-License-Identifier: GPL-2.0
/* Human or JSON output from the same calls (see output.h). */
#include <stdbool.h>
#include <stdio.h>

#include "output.h"

static FILE *out;
static int json;
static bool first, list_first;

void out_open(FILE *f, int as_json)
{
	out = f;
	json = as_json;
	first = true;
	if (json)
		fputc('{', out);
}

void out_close(void)
{
	fputs(json ? "}\n" : "", out);
	fflush(out);
}

static void json_string(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_key(const char *key)
{
	if (!first)
		fputc(',', out);
	first = false;
	json_string(key);
	fputc(':', out);
}

void out_u64(const char *key, const char *label, uint64_t v)
{
	if (json) {
		json_key(key);
		fprintf(out, "%llu", (unsigned long long)v);
	} else {
		fprintf(out, "%-18s %llu\n", label, (unsigned long long)v);
	}
}

void out_str(const char *key, const char *label, const char *s)
{
	if (json) {
		json_key(key);
		json_string(s);
	} else {
		fprintf(out, "%-18s %s\n", label, s);
	}
}

void out_list_begin(const char *key, const char *label)
{
	list_first = true;
	if (json) {
		json_key(key);
		fputc('[', out);
	} else {
		fprintf(out, "%-18s", label);
	}
}

void out_list_str(const char *s)
{
	if (json) {
		if (!list_first)
			fputc(',', out);
		json_string(s);
	} else {
		fprintf(out, " %s", s);
	}
	list_first = false;
}

void out_list_end(void)
{
	fputs(json ? "]" : "\n", out);
}
