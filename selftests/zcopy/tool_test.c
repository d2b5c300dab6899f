// SPDX-License-Identifier: GPL-2.0
/*
 * The zcopy tool end to end, as a user runs it: recv as a sink, send a
 * header and a file through the device, stats for the transfer, and
 * unload/load through libkmod; every step's JSON output is checked.
 * The tool is ./zcopy (the VM copies it next to the tests) or $ZCOPY_TOOL.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define SOCK_PATH	"/tmp/zcopy-tool.sock"

static const char *tool(void)
{
	const char *t = getenv("ZCOPY_TOOL");

	return t ? t : "./zcopy";
}

/* run the tool with a shell command line; its stdout into @out */
static int run(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int run(char *out, size_t len, const char *fmt, ...)
{
	char args[1024], cmd[1200];
	size_t n = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s", tool(), args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (out) {
		n = fread(out, 1, len - 1, p);
		out[n] = '\0';
	}
	/* the rest unread, so that a long output does not end in SIGPIPE */
	for (char sink[4096]; fread(sink, 1, sizeof(sink), p) > 0;)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* "key":NUMBER from a JSON object */
static int json_u64(const char *json, const char *key, uint64_t *v)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	return sscanf(p + strlen(pat), "%" SCNu64, v) == 1 ? 0 : -1;
}

/* "key":"STRING" */
static int json_str(const char *json, const char *key, char *v, size_t len)
{
	char pat[80];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= len)
		return -1;
	memcpy(v, p, e - p);
	v[e - p] = '\0';
	return 0;
}

TEST(info)
{
	char out[4096];
	uint64_t v;

	ASSERT_EQ(0, run(out, sizeof(out), "-j info"));
	ASSERT_EQ(0, json_u64(out, "abi_version", &v)) TH_LOG("%s", out);
	EXPECT_EQ(ZCOPY_ABI_VERSION, v);
	ASSERT_EQ(0, json_u64(out, "max_descs", &v));
	EXPECT_EQ(1024, v);
}

/* recv | send | stats, with a header, over a UNIX socket and TCP */
TEST(send_recv_stats)
{
	static const char hdr[] = "HEADER";
	static char buf[4 * ZC_MIB];
	char path[256], sent[4096], got[8192], stats[4096], hex[17], want_hex[17];
	uint64_t bytes, id, v, want;
	size_t size = 3 * ZC_MIB + 7;
	int fd, pfd[2];
	pid_t pid;

	fd = zc_make_file(path, sizeof(path), "tool.dat", size, 12);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)size, pread(fd, buf, size, 0));
	want = zc_hash(zc_hash(ZC_HASH_INIT, hdr, sizeof(hdr) - 1), buf, size);
	snprintf(want_hex, sizeof(want_hex), "%016" PRIx64, want);

	unlink(SOCK_PATH);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char cmd[256];

		dup2(pfd[1], 1);
		snprintf(cmd, sizeof(cmd), "%s -j recv --once %s", tool(), SOCK_PATH);
		execl("/bin/sh", "sh", "-c", cmd, NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (int i = 0; i < 300 && access(SOCK_PATH, F_OK); i++)
		usleep(10000);

	ASSERT_EQ(0, run(sent, sizeof(sent), "-j send -m sg -H '%s' %s %s", hdr, SOCK_PATH, path));
	waitpid(pid, NULL, 0);
	got[read(pfd[0], got, sizeof(got) - 1)] = '\0';
	close(pfd[0]);

	ASSERT_EQ(0, json_u64(sent, "bytes", &bytes)) TH_LOG("%s", sent);
	EXPECT_EQ(size + sizeof(hdr) - 1, bytes);
	ASSERT_EQ(0, json_u64(sent, "cpu_copy_bytes", &v));
	/* the header was copied; the file went by reference */
	EXPECT_EQ(sizeof(hdr) - 1, v);
	ASSERT_EQ(0, json_u64(got, "bytes", &v)) TH_LOG("%s", got);
	EXPECT_EQ(bytes, v);
	ASSERT_EQ(0, json_str(got, "fnv1a64", hex, sizeof(hex)));
	EXPECT_STREQ(want_hex, hex);

	/* the transfer's record, through the tool */
	ASSERT_EQ(0, json_u64(sent, "first_id", &id));
	ASSERT_EQ(0, run(stats, sizeof(stats), "-j stats --id %" PRIu64, id));
	ASSERT_EQ(0, json_u64(stats, "bytes_sent", &v)) TH_LOG("%s", stats);
	EXPECT_EQ(bytes, v);
	ASSERT_EQ(0, run(stats, sizeof(stats), "-j stats"));
	EXPECT_NE(NULL, strstr(stats, "\"totals\":[{\"mode\":\"auto\""));
	EXPECT_EQ(1, run(NULL, 0, "stats --id 999999999 2>/dev/null"));
	close(fd);
	unlink(path);
}

/*
 * zcopy run: a program's sendfile() calls through the device.  The
 * program is the tool itself, sending with sendfile(2) (-m sendfile), to
 * its own sink: the preload takes the calls, the bytes arrive, the
 * ZCOPY_STATS line and debugfs count them.
 */
TEST(run_preload)
{
	char path[256], errpath[256], out[4096], got[4096], err[4096], hex[17], want_hex[17];
	static char buf[3 * ZC_MIB];
	size_t size = 2 * ZC_MIB + 5;
	uint64_t before, after, v;
	const char *line;
	int fd, pfd[2], efd;
	ssize_t n;
	pid_t pid;

	fd = zc_make_file(path, sizeof(path), "run.dat", size, 13);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)size, pread(fd, buf, size, 0));
	snprintf(want_hex, sizeof(want_hex), "%016" PRIx64, zc_hash(ZC_HASH_INIT, buf, size));

	/* the environment the command gets; the preload found next to the tool */
	ASSERT_EQ(0, run(out, sizeof(out), "run -m sg -- sh -c 'echo \"$LD_PRELOAD $ZCOPY_MODE\"'"));
	EXPECT_NE(NULL, strstr(out, "/libzcopy-preload.so sg\n")) TH_LOG("%s", out);
	EXPECT_EQ(127, run(NULL, 0, "run -- /nonexistent/program 2>/dev/null"));
	EXPECT_EQ(2, run(NULL, 0, "run 2>/dev/null"));
	EXPECT_EQ(2, run(NULL, 0, "run -m fast -- true 2>/dev/null"));
	EXPECT_EQ(1, run(NULL, 0, "run -p /nonexistent.so -- true 2>/dev/null"));

	unlink(SOCK_PATH);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char cmd[256];

		dup2(pfd[1], 1);
		snprintf(cmd, sizeof(cmd), "%s -j recv --once %s", tool(), SOCK_PATH);
		execl("/bin/sh", "sh", "-c", cmd, NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (int i = 0; i < 300 && access(SOCK_PATH, F_OK); i++)
		usleep(10000);
	ASSERT_EQ(0, zc_totals_row("sg", &before, 1));
	snprintf(errpath, sizeof(errpath), "%s/run.err", zc_data_dir());
	ASSERT_EQ(0, run(out, sizeof(out), "run -m sg --stats -- %s -j send -m sendfile %s %s 2>%s",
			 tool(), SOCK_PATH, path, errpath)) TH_LOG("%s", out);
	waitpid(pid, NULL, 0);
	n = read(pfd[0], got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	efd = open(errpath, O_RDONLY);
	ASSERT_LE(0, efd);
	n = read(efd, err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	close(efd);
	unlink(errpath);
	ASSERT_EQ(0, zc_totals_row("sg", &after, 1));

	/* the peer got the file */
	ASSERT_EQ(0, json_u64(got, "bytes", &v)) TH_LOG("%s", got);
	EXPECT_EQ(size, v);
	ASSERT_EQ(0, json_str(got, "fnv1a64", hex, sizeof(hex)));
	EXPECT_STREQ(want_hex, hex);
	/* through the device, every byte, in as many transfers as debugfs saw */
	line = strstr(err, "zcopy-preload: pid=");
	ASSERT_NE(NULL, line) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(line, " comm=zcopy mode=sg device=on "));
	ASSERT_NE(NULL, strstr(line, " device_bytes="));
	EXPECT_EQ(size, strtoull(strstr(line, " device_bytes=") + 14, NULL, 10)) TH_LOG("%s", line);
	ASSERT_NE(NULL, strstr(line, " device_calls="));
	v = strtoull(strstr(line, " device_calls=") + 14, NULL, 10);
	EXPECT_LE(1, v);
	EXPECT_EQ(before + v, after);
	EXPECT_NE(NULL, strstr(line, " sendfile_calls=0 ")) TH_LOG("%s", line);
	close(fd);
	unlink(path);
}

/* the features ethtool reports, through the tool's netlink code */
TEST(nic_and_route)
{
	char out[4096], v[64];

	ASSERT_EQ(0, run(out, sizeof(out), "-j nic lo"));
	ASSERT_EQ(0, json_str(out, "scatter_gather", v, sizeof(v))) TH_LOG("%s", out);
	EXPECT_STREQ("on", v);
	ASSERT_EQ(0, json_str(out, "dma", v, sizeof(v)));
	EXPECT_EQ(0, strncmp(v, "no", 2));
	ASSERT_EQ(0, run(out, sizeof(out), "-j route 127.0.0.1:80"));
	ASSERT_EQ(0, json_str(out, "interface", v, sizeof(v)));
	EXPECT_STREQ("lo", v);
	/* the VM's virtio-net NIC: a real driver without scatter-gather */
	ASSERT_EQ(0, run(out, sizeof(out), "-j nic eth0"));
	ASSERT_EQ(0, json_str(out, "scatter_gather", v, sizeof(v))) TH_LOG("%s", out);
	EXPECT_STREQ("off", v);
	EXPECT_EQ(0, zc_sh("ethtool -k eth0 | grep -q '^scatter-gather: off'"));
	ASSERT_EQ(0, json_str(out, "dma", v, sizeof(v)));
	EXPECT_STREQ("yes", v);
	EXPECT_EQ(1, run(NULL, 0, "nic nosuchdev 2>/dev/null"));
}

/* a fixture only for its timeout: 6.1's harness has no TEST_TIMEOUT */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/* the user-facing differential checker agrees: no case differs */
TEST_F_TIMEOUT(slow, verify, 400)
{
	char out[65536];
	uint64_t cases, differ;

	EXPECT_EQ(0, run(out, sizeof(out), "-j verify --dir %s", zc_data_dir()))
		TH_LOG("%.2000s", out);
	ASSERT_EQ(0, json_u64(out, "cases", &cases)) TH_LOG("%.2000s", out);
	ASSERT_EQ(0, json_u64(out, "differ", &differ));
	/* 6 sizes x 4 modes x 2 transports x 2 x 6 offsets x 3 lengths, + 12 bad files */
	EXPECT_EQ(1740, cases);
	EXPECT_EQ(0, differ);
}

/* the median of @metric in the row of @method in @workload of a bench JSON */
static int bench_metric(const char *json, const char *workload, const char *method,
			const char *metric, double *v)
{
	char pat[160];
	const char *row, *end;

	snprintf(pat, sizeof(pat), "\"workload\":\"%s\",\"streams\":1,\"method\":\"%s\"",
		 workload, method);
	row = strstr(json, pat);
	if (!row)
		return -1;
	end = strstr(row + 1, "\"workload\":");
	snprintf(pat, sizeof(pat), "\"%s\":{", metric);
	row = strstr(row, pat);
	if (!row || (end && row > end))
		return -1;
	row = strstr(row, "\"median\":");
	return row && sscanf(row + 9, "%lf", v) == 1 ? 0 : -1;
}

/*
 * The benchmark's smoke run: every method and workload once, on small
 * sizes.  No timing is asserted (TCG timings mean nothing); what must hold
 * is that every byte arrived (the tool checks its sinks) and that the
 * device's counters say what each mode is.
 */
TEST_F_TIMEOUT(slow, bench_smoke, 300)
{
	static const char *const methods[] = {
		"read+write", "mmap+write", "sendfile", "splice",
		"zcopy-copy", "zcopy-sg", "zcopy-direct", "zcopy-auto",
	};
	static char out[1 << 18];
	double v;

	ASSERT_EQ(0, run(out, sizeof(out), "-j bench --smoke -d %s 127.0.0.1:7411",
			 zc_data_dir())) TH_LOG("%.2000s", out);
	for (unsigned int i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		EXPECT_EQ(0, bench_metric(out, "warm", methods[i], "throughput", &v))
			TH_LOG("no warm row for %s", methods[i]);
		EXPECT_EQ(0, bench_metric(out, "cold", methods[i], "throughput", &v))
			TH_LOG("no cold row for %s", methods[i]);
	}
	EXPECT_EQ(0, bench_metric(out, "small", "cork+sendfile", "transfers_per_sec", &v));
	EXPECT_EQ(0, bench_metric(out, "streams", "zcopy-sg", "throughput", &v));
	/* loopback has scatter-gather: SG copies nothing, COPY copies twice */
	ASSERT_EQ(0, bench_metric(out, "warm", "zcopy-sg", "cpu_copies", &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, bench_metric(out, "warm", "zcopy-copy", "cpu_copies", &v));
	EXPECT_LE(1.99, v);
	/* DIRECT reads the disk even when the file is cached, and caches nothing */
	ASSERT_EQ(0, bench_metric(out, "warm", "zcopy-direct", "dma_copies", &v));
	EXPECT_LE(1, v);
	ASSERT_EQ(0, bench_metric(out, "cold", "zcopy-direct", "page_cache_growth", &v));
	EXPECT_GT(1, v);
	ASSERT_EQ(0, bench_metric(out, "cold", "sendfile", "page_cache_growth", &v));
	EXPECT_LT(90, v);

	/* a UNIX socket: no TCP_CORK, so the small workload's reference is sendfile */
	ASSERT_EQ(0, run(out, sizeof(out), "-j bench --smoke -w warm,small -d %s %s",
			 zc_data_dir(), SOCK_PATH)) TH_LOG("%.2000s", out);
	EXPECT_EQ(0, bench_metric(out, "small", "zcopy-sg", "transfers_per_sec", &v));
	EXPECT_NE(0, bench_metric(out, "small", "cork+sendfile", "transfers_per_sec", &v));
	snprintf(out, sizeof(out), "rm -f %s/zcopy-bench-*.dat", zc_data_dir());
	EXPECT_EQ(0, system(out));
}

/* send refuses a bad destination with an operational error */
TEST(send_errors)
{
	EXPECT_EQ(1, run(NULL, 0, "send /nonexistent.sock /etc/hostname 2>/dev/null"));
	EXPECT_EQ(2, run(NULL, 0, "send -m nosuchmode 127.0.0.1:1 /etc/hostname 2>/dev/null"));
}

/* unload and load through libkmod; refused while the device is open */
TEST(unload_load)
{
	const char *ko = getenv("ZCOPY_KO");
	int fd;

	if (!ko)
		SKIP(return, "ZCOPY_KO is not set");
	fd = zc_dev();
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, run(NULL, 0, "unload 2>/dev/null"));
	close(fd);
	EXPECT_EQ(0, run(NULL, 0, "unload"));
	EXPECT_EQ(1, run(NULL, 0, "unload 2>/dev/null"));
	EXPECT_EQ(0, run(NULL, 0, "load %s", ko));
	EXPECT_EQ(1, run(NULL, 0, "load %s 2>/dev/null", ko));
	for (int i = 0; i < 200 && access("/dev/zcopy", F_OK); i++)
		usleep(10000);
	EXPECT_EQ(0, access("/dev/zcopy", F_OK));
}

TEST_HARNESS_MAIN
