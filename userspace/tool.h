/* SPDX-License-Identifier: GPL-2.0 */
/* The zcopy tool: shared declarations. */
#ifndef ZCOPY_TOOL_H
#define ZCOPY_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_nic(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* cmd_nic.c: the features of the interface toward DEST (HOST[:PORT]) */
struct nic_features;
int route_features(const char *dest, struct nic_features *f);

/* cmd_recv.c: the checksum of the sink, the same as the selftests' */
#define FNV1A_INIT	0xcbf29ce484222325ULL
uint64_t fnv1a(uint64_t h, const void *p, size_t n);

/* device.c: zcopy_open() or a message on stderr; -1 */
int device_open(void);

/* err.c: "zcopy: OBJECT: errno text" on stderr, returns EXIT_FAIL */
int err_errno(const char *object, int err);
int err_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
