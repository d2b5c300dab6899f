// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: drive /dev/zcopy, read its counters, compare it with sendfile(2).
 * A subcommand table as in iproute2/ethtool/wg; one file per subcommand.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

bool opt_json;

static const struct cmd cmds[] = {
	{ "load", cmd_load, "[PATH|NAME] [p=v...]", "load the module (libkmod)" },
	{ "unload", cmd_unload, "", "unload the module" },
	{ "info", cmd_info, "", "ABI version, modes, flags and limits of the loaded module" },
	{ "send", cmd_send, "DEST FILE[:OFF[:LEN]]...", "send files (and a header/trailer) through /dev/zcopy" },
	{ "recv", cmd_recv, "[HOST:]PORT|PATH", "receive and checksum (a sink)" },
	{ "stats", cmd_stats, "[--id N|--reset]", "per-mode totals and recent transfers (debugfs)" },
	{ "nic", cmd_nic, "IFACE", "scatter-gather, checksum offload, TSO of an interface" },
	{ "route", cmd_route, "HOST[:PORT]", "the same, for the interface toward a destination" },
	{ "verify", cmd_verify, "[--dir D] [--large]", "compare the device with sendfile(2), case by case" },
	{ "bench", cmd_bench, "[OPTIONS] DEST", "every file-to-socket method, measured in one run" },
	{ "run", cmd_run, "[-m MODE] [-s] -- CMD...", "run CMD with its sendfile() through the device" },
};

static void usage(FILE *f)
{
	fputs("usage: zcopy [-j|--json] COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-7s %-26s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	fputs("\noptions:\n  -j, --json   JSON output\n  -h, --help   this text\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* "+": options after the command belong to the command */
	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[optind], cmds[i].name)) {
			char **sub = argv + optind;

			/* each subcommand parses its own options from its name on */
			argc -= optind;
			optind = 1;
			return cmds[i].fn(argc, sub);
		}
	}
	return err_usage("unknown command '%s'", argv[optind]);
}
