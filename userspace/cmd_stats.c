// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy stats: the module's debugfs tables.  Human output is the table as
 * the module prints it; -j turns each row into an object keyed by the
 * table's header.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "output.h"
#include "tool.h"

#define DEBUGFS_DIR	"/sys/kernel/debug/zcopy"

static const char stats_usage[] =
	"usage: zcopy stats [--id N | --reset]\n"
	"  (none)      per-mode totals and the recent transfers\n"
	"  --id N      the record of transfer N\n"
	"  --reset     zero the totals and empty the table\n";

static FILE *open_dbg(const char *name, const char *mode)
{
	char path[128];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", name);
	f = fopen(path, mode);
	if (f)
		return f;
	if (stat("/sys/kernel/debug", &st) || stat("/sys/kernel/debug/zcopy", &st)) {
		if (stat("/sys/module/zcopy", &st))
			fputs("zcopy: the module is not loaded (zcopy load)\n", stderr);
		else
			fputs("zcopy: debugfs is not mounted "
			      "(mount -t debugfs none /sys/kernel/debug)\n", stderr);
	} else {
		err_errno(path, errno);
	}
	return NULL;
}

/* print a whitespace table: as is, or as a JSON list of objects */
static int print_table(const char *name, const char *key)
{
	char line[4096], *cols[64];
	int ncols = 0;
	FILE *f = open_dbg(name, "r");

	if (!f)
		return EXIT_FAIL;
	if (!opt_json) {
		while (fgets(line, sizeof(line), f))
			fputs(line, stdout);
		fclose(f);
		return EXIT_OK;
	}
	printf("\"%s\":[", key);
	for (int row = 0; fgets(line, sizeof(line), f); row++) {
		char *tok, *save;
		int i = 0;

		if (!row) {
			for (tok = strtok_r(line, " \t\n", &save); tok && ncols < 64;
			     tok = strtok_r(NULL, " \t\n", &save))
				cols[ncols++] = strdup(tok);
			continue;
		}
		printf("%s{", row > 1 ? "," : "");
		for (tok = strtok_r(line, " \t\n", &save); tok && i < ncols;
		     tok = strtok_r(NULL, " \t\n", &save), i++) {
			char *end;

			strtoull(tok, &end, 10);
			printf("%s\"%s\":", i ? "," : "", cols[i]);
			/* numbers stay numbers, the rest are strings */
			printf(*end || !*tok ? "\"%s\"" : "%s", tok);
		}
		putchar('}');
	}
	putchar(']');
	for (int i = 0; i < ncols; i++)
		free(cols[i]);
	fclose(f);
	return EXIT_OK;
}

static int show_one(const char *id)
{
	char line[256], key[64], val[128];
	FILE *f = open_dbg("transfer", "r+");
	bool found = false;

	if (!f)
		return EXIT_FAIL;
	if (fprintf(f, "%s\n", id) < 0 || fflush(f)) {
		fclose(f);
		return err_usage("stats: bad transfer id '%s'", id);
	}
	rewind(f);
	out_open(stdout, opt_json);
	while (fgets(line, sizeof(line), f)) {
		char *end;

		if (sscanf(line, "%63s %127s", key, val) != 2)
			continue;
		found = true;
		strtoull(val, &end, 0);
		if (*end)
			out_str(key, key, val);
		else
			out_u64(key, key, strtoull(val, NULL, 0));
	}
	out_close();
	fclose(f);
	if (!found) {
		fprintf(stderr, "zcopy: transfer %s: no longer in the table\n", id);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "reset", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *id = NULL;
	bool reset = false;
	int c, ret;
	FILE *f;

	while ((c = getopt_long(argc, argv, "i:rh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': id = optarg; break;
		case 'r': reset = true; break;
		case 'h': fputs(stats_usage, stdout); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || (id && reset))
		return err_usage("stats: takes --id N or --reset, not both");
	if (reset) {
		f = open_dbg("reset", "w");
		if (!f)
			return EXIT_FAIL;
		fputs("1\n", f);
		return fclose(f) ? err_errno("reset", errno) : EXIT_OK;
	}
	if (id)
		return show_one(id);
	if (opt_json)
		putchar('{');
	ret = print_table("totals", "totals");
	if (!ret && opt_json)
		putchar(',');
	else if (!ret)
		putchar('\n');
	if (!ret)
		ret = print_table("transfers", "transfers");
	if (opt_json)
		puts("}");
	return ret;
}
