// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy run: start a program with libzcopy-preload.so, so that its
 * sendfile() calls go through /dev/zcopy, as nocache and torsocks start
 * theirs.  The preload is looked for next to this program, then in ../lib
 * beside it (the build tree, and an installation whose sbin and lib are
 * siblings), then in the LIBDIR it was built for.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zcopy.h>

#include "paths.h"
#include "tool.h"

#define PRELOAD_NAME	"libzcopy-preload.so"

static const char run_usage[] =
	"usage: zcopy run [OPTIONS] [--] COMMAND [ARGS...]\n"
	"  run COMMAND with " PRELOAD_NAME ": its sendfile(2) calls go through /dev/zcopy\n"
	"  -m, --mode MODE      auto, sg, direct or copy (ZCOPY_MODE; default: the\n"
	"                       environment's, else auto)\n"
	"  -s, --stats          each process prints its counters at exit (ZCOPY_STATS=1)\n"
	"  -p, --preload PATH   the preload library to use\n";

/* the first candidate that exists, as an absolute path (ld.so wants one) */
static int find_preload(char *path)
{
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	const char *const rel[] = { "", "/../lib" };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(cand, sizeof(cand), "%s%s/" PRELOAD_NAME, exe, rel[i]);
			if (realpath(cand, path) && !access(path, R_OK))
				return 0;
		}
	}
	if (realpath(ZCOPY_LIBDIR "/" PRELOAD_NAME, path) && !access(path, R_OK))
		return 0;
	fprintf(stderr, "zcopy: run: " PRELOAD_NAME " not found next to this program, "
		"in ../lib, nor in " ZCOPY_LIBDIR " (use --preload)\n");
	return -1;
}

/* ours first, so that our sendfile is the one found; none twice */
static int set_ld_preload(const char *path)
{
	const char *old = getenv("LD_PRELOAD");
	size_t len = strlen(path);
	char *v;
	int ret;

	for (const char *p = old; p && (p = strstr(p, path)); p += len)
		if ((p == old || p[-1] == ':' || p[-1] == ' ') &&
		    (!p[len] || p[len] == ':' || p[len] == ' '))
			return 0;
	if (!old || !*old)
		return setenv("LD_PRELOAD", path, 1);
	if (asprintf(&v, "%s:%s", path, old) < 0)
		return -1;
	ret = setenv("LD_PRELOAD", v, 1);
	free(v);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "stats", no_argument, NULL, 's' },
		{ "preload", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX];
	const char *mode = NULL, *preload = NULL;
	bool stats = false;
	int c, dev, err;

	/* "+": the command's own options are not ours */
	while ((c = getopt_long(argc, argv, "+m:sp:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (zcopy_mode_parse(optarg) < 0)
				return err_usage("run: unknown mode '%s'", optarg);
			mode = optarg;
			break;
		case 's':
			stats = true;
			break;
		case 'p':
			preload = optarg;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return err_usage("run: no command");
	if (preload ? !realpath(preload, path) || access(path, R_OK) : find_preload(path) != 0)
		return preload ? err_errno(preload, errno) : EXIT_FAIL;

	/* the preload would fall back silently: say it once, here */
	dev = zcopy_open(NULL);
	if (dev < 0)
		fprintf(stderr, "zcopy: run: /dev/zcopy: %s: sendfile(2) does the work\n",
			strerror(errno));
	else
		close(dev);

	if (set_ld_preload(path) || setenv("ZCOPY_PRELOAD", "1", 1) ||
	    (mode && setenv("ZCOPY_MODE", mode, 1)) || (stats && setenv("ZCOPY_STATS", "1", 1)))
		return err_errno("run: environment", errno);
	execvp(argv[optind], argv + optind);
	/* as env(1) and nice(1): 127 when there is no such command, else 126 */
	err = errno;
	err_errno(argv[optind], err);
	return err == ENOENT ? 127 : 126;
}
