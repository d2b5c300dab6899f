// SPDX-License-Identifier: GPL-2.0
/*
 * libzcopy-preload.so with the device: sendfile() through the preload must
 * give exactly what the raw sendfile(2) system call gives, case by case
 * (lib/tests/sendfile_cases.c, the cases the host test runs without the
 * module), and the device must really have carried the calls it takes
 * (debugfs's per-mode transfer counts).  Then what only a real device
 * shows: workers that drop root keep it, a forked child shares it, the
 * ZCOPY_STATS line is the device's counters, ZCOPY_PRELOAD=0 and a mode
 * the file cannot do.
 *
 * The program re-executes itself under LD_PRELOAD with the preload next
 * to it (the VM copies the selftests directory whole), in ZCOPY_MODE=auto;
 * the other modes, and the environments, run in children started the
 * same way with their own environment.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sendfile_cases.h"
#include "zcopy_util.h"

#define PRELOAD_NAME	"libzcopy-preload.so"

static char exe[PATH_MAX];

/* transfers the device recorded in @mode since load (debugfs "totals") */
static long long records(const char *mode)
{
	uint64_t v[1];

	return zc_totals_row(mode, v, 1) ? -1 : (long long)v[0];
}

static bool preloaded(const char *sym)
{
	Dl_info info;
	void *f = dlsym(RTLD_DEFAULT, sym);

	return f && dladdr(f, &info) && info.dli_fname && strstr(info.dli_fname, PRELOAD_NAME);
}

/*
 * This program again, as a child under the preload with @vars set too;
 * its stderr (the ZCOPY_STATS line) into @err.  Returns its exit status.
 */
static int run_child(const char *const *vars, const char *const *args, char *err, size_t len)
{
	char path[320];
	const char *argv[8] = { exe };
	int st, fd;
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/preload_test.err", zc_data_dir());
	for (int i = 0; i < 6 && args[i]; i++)
		argv[i + 1] = args[i];
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		for (int i = 0; vars[i]; i++)
			putenv((char *)vars[i]);
		execv(exe, (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	fd = open(path, O_RDONLY);
	n = fd < 0 ? 0 : read(fd, err, len - 1);
	err[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	unlink(path);
	/* the child's own messages belong in this test's log */
	fputs(err, stderr);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

FIXTURE(preload)
{
	int dev;
};

FIXTURE_SETUP(preload)
{
	sc_init(zc_data_dir(), "preload_test");
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev) TH_LOG("no /dev/zcopy: %s", strerror(errno));
	ASSERT_TRUE(preloaded("sendfile") && preloaded("sendfile64"))
		TH_LOG("sendfile is not the preload's: " PRELOAD_NAME " missing next to %s?", exe);
}

FIXTURE_TEARDOWN(preload)
{
	close(self->dev);
}

/* one call over TCP: through the device, and its bytes are the file's */
TEST_F(preload, uses_device)
{
	char path[256], buf[5000];
	long long before = records("auto");
	struct zc_sink s;
	int fd, snd, rcv;
	off_t off = 100;

	fd = zc_make_file(path, sizeof(path), "preload.dat", 5000, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	ASSERT_EQ(0, zc_sink_start(&s, rcv));
	EXPECT_EQ(4000, sendfile(snd, fd, &off, 4000));
	EXPECT_EQ(4100, off);
	close(snd);
	zc_sink_wait(&s);
	ASSERT_EQ(4000, pread(fd, buf, 4000, 100));
	EXPECT_EQ(zc_hash(ZC_HASH_INIT, buf, 4000), s.hash);
	EXPECT_EQ(before + 1, records("auto"));
	close(fd);
	unlink(path);
}

/* the offset pointer or the file position moves, never both */
TEST_F(preload, offsets)
{
	long long before = records("auto");
	char path[256];
	int fd, snd, rcv;
	off_t off = 1000;

	fd = zc_make_file(path, sizeof(path), "preload.dat", 5000, 2);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zc_pair(ZC_UNIX, &snd, &rcv));
	ASSERT_EQ(5, lseek(fd, 5, SEEK_SET));
	EXPECT_EQ(100, sendfile(snd, fd, NULL, 100));
	EXPECT_EQ(105, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(100, sendfile(snd, fd, &off, 100));
	EXPECT_EQ(1100, off);
	EXPECT_EQ(105, lseek(fd, 0, SEEK_CUR));
	/* past the end: 0, as sendfile, and nothing moves */
	off = 5000;
	EXPECT_EQ(0, sendfile(snd, fd, &off, 100));
	EXPECT_EQ(5000, off);
	EXPECT_LE(before + 2, records("auto"));
	close(snd);
	close(rcv);
	close(fd);
	unlink(path);
}

/* descriptors of every kind, bad offsets and counts: sendfile's answers */
TEST_F_TIMEOUT(preload, errors, 120)
{
	EXPECT_EQ(0, sc_errors(sendfile, "sendfile"));
	/* this program's reference is sendfile64@GLIBC_2.3: the preload's too */
	EXPECT_EQ(0, sc_errors(sendfile64, "sendfile64"));
}

/* a peer that does not read: partial counts, EAGAIN/EINTR only with none */
TEST_F_TIMEOUT(preload, partial, 120)
{
	static const enum sc_transport ts[] = { SC_TCP4, SC_TCP6, SC_UNIX };
	long long before = records("auto");
	int failures = sc_failures;

	for (int t = 0; t < 3; t++)
		for (int how = SC_NONBLOCK; how <= SC_SNDTIMEO; how++) {
			sc_partial(sc_raw_sendfile, "sendfile(2)", ts[t], how);
			sc_partial(sendfile, "preload", ts[t], how);
		}
	EXPECT_EQ(failures, sc_failures);
	EXPECT_LT(before + 9, records("auto"));
}

/* the peer goes away mid-transfer: a partial count, then EPIPE or ECONNRESET */
TEST_F(preload, peer_closes)
{
	sc_fn fns[] = { sc_raw_sendfile, sendfile };
	char path[256];
	int fd = zc_make_file(path, sizeof(path), "preload.dat", 16 * ZC_MIB, 3);

	ASSERT_LE(0, fd);
	for (int m = 0; m < 2; m++) {
		int small = 64 * 1024, snd, rcv, st;
		char buf[4096];
		off_t off = 0;
		long ret;
		pid_t pid;

		ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
		setsockopt(snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		setsockopt(rcv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			/* read a little, then close with unread data: a reset */
			usleep(200000);
			for (int i = 0; i < 16; i++)
				if (read(rcv, buf, sizeof(buf)) <= 0)
					break;
			_exit(0);
		}
		close(rcv);
		alarm(5);	/* a call that blocked for ever would end here */
		ret = fns[m](snd, fd, &off, 16 * ZC_MIB);
		waitpid(pid, &st, 0);
		EXPECT_LT(0, ret) TH_LOG("%s: %s", m ? "preload" : "sendfile(2)", strerror(errno));
		EXPECT_GT(16 * ZC_MIB, ret);
		EXPECT_EQ(ret, off);
		ret = fns[m](snd, fd, &off, 16 * ZC_MIB);
		alarm(0);
		EXPECT_EQ(-1, ret);
		EXPECT_TRUE(errno == EPIPE || errno == ECONNRESET) TH_LOG("%s", strerror(errno));
		close(snd);
	}
	close(fd);
	unlink(path);
}

/* any thread, and a signal handler: no lock, no allocation on the way */
TEST_F(preload, threads_and_handler)
{
	long long before = records("auto");
	int failures = sc_failures;

	sc_threads(sendfile);
	sc_signal_handler(sendfile);
	EXPECT_EQ(failures, sc_failures);
	/* 4 threads x 25 calls, and the handler's */
	EXPECT_LE(before + 101, records("auto"));
}

/*
 * A server that starts as root and runs its workers as nobody: the device
 * (mode 0600) was opened before, in the preload's constructor, and the
 * worker keeps using it; a forked child shares it.
 */
TEST_F(preload, fork_and_drop_root)
{
	long long before = records("auto");
	char path[256];
	int fd, st;
	pid_t pid;

	fd = zc_make_file(path, sizeof(path), "preload.dat", 10000, 4);
	ASSERT_LE(0, fd);
	for (int drop = 0; drop < 2; drop++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct zc_sink s;
			int snd, rcv, bad = 0;
			off_t off = 0;

			if (drop && (setgid(65534) || setuid(65534)))
				_exit(10);
			/* nobody could not open it now */
			if (drop && (open("/dev/zcopy", O_RDWR) >= 0 || errno != EACCES))
				_exit(11);
			if (zc_pair(ZC_TCP4, &snd, &rcv) || zc_sink_start(&s, rcv))
				_exit(12);
			bad |= sendfile(snd, fd, &off, 10000) != 10000;
			close(snd);
			zc_sink_wait(&s);
			bad |= s.bytes != 10000;
			_exit(bad ? 13 : 0);
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("drop %d: status %#x", drop, st);
	}
	EXPECT_EQ(before + 2, records("auto"));
	close(fd);
	unlink(path);
}

/* --- children in other environments ------------------------------------------ */

/*
 * Child: the matrix in the mode of ZCOPY_MODE, against the raw call; every
 * call of the preload that sent bytes was one of the device's transfers.
 */
static int as_child_matrix(const char *mode, bool full)
{
	static const enum sc_transport all[] = { SC_TCP4, SC_UNIX };
	static const enum sc_transport few[] = { SC_TCP6, SC_UNIX };
	struct sc_matrix_result r;
	long long before = records(mode), after;

	sc_init(zc_data_dir(), mode);
	sc_matrix(sendfile, mode, full, full ? all : few, 2, &r);
	after = records(mode);
	fprintf(stderr, "# %s: %d cases, %d differ; %ld calls sent bytes, %lld device transfers\n",
		mode, r.cases, r.differ, r.positive, after - before);
	if (before < 0 || !r.positive || after - before < r.positive) {
		fprintf(stderr, "# %s: the calls did not go through the device\n", mode);
		return 1;
	}
	return r.differ ? 1 : 0;
}

/*
 * Child: three calls the device takes and one it does not (a pipe), then
 * exit; the ZCOPY_STATS line says so.  The file of @where: the data disk
 * (direct I/O possible) or /tmp (the guest's RAM root: not).
 */
static int as_child_calls(const char *where)
{
	char path[256], buf[8192];
	struct zc_sink s;
	int fd, snd, rcv, p[2], bad = 0;
	off_t off = 0;

	snprintf(path, sizeof(path), "%s/preload-calls.dat", !strcmp(where, "tmp") ? "/tmp" :
		 zc_data_dir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'z', sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) ||
	    zc_pair(ZC_TCP4, &snd, &rcv) || zc_sink_start(&s, rcv) || pipe(p))
		return 2;
	for (int i = 0; i < 3; i++)
		bad |= sendfile(snd, fd, &off, 1000) != 1000;
	bad |= sendfile(p[1], fd, &off, 1000) != 1000;
	close(snd);
	zc_sink_wait(&s);
	bad |= s.bytes != 3000;
	close(fd);
	unlink(path);
	return bad;
}

FIXTURE(mode)
{
	char err[8192];
};

FIXTURE_SETUP(mode)
{
	ASSERT_EQ(0, access("/dev/zcopy", F_OK));
}

FIXTURE_TEARDOWN(mode)
{
}

FIXTURE_VARIANT(mode)
{
	const char *mode;
	bool full;
};

FIXTURE_VARIANT_ADD(mode, auto) { .mode = "auto", .full = true };
FIXTURE_VARIANT_ADD(mode, sg) { .mode = "sg" };
FIXTURE_VARIANT_ADD(mode, copy) { .mode = "copy" };
FIXTURE_VARIANT_ADD(mode, direct) { .mode = "direct" };

/* the same results as sendfile(2), case by case, in each mode */
TEST_F_TIMEOUT(mode, matrix, 400)
{
	char var[64];
	const char *vars[] = { var, NULL };
	const char *args[] = { "--matrix", variant->mode, variant->full ? "full" : "few", NULL };

	snprintf(var, sizeof(var), "ZCOPY_MODE=%s", variant->mode);
	EXPECT_EQ(0, run_child(vars, args, self->err, sizeof(self->err)));
}

/*
 * ZCOPY_STATS=1: one line at exit, the device's calls and counters.  In
 * direct mode a file that cannot do direct I/O goes by SG (the fallback
 * flag), still through the device.
 */
TEST_F(mode, stats)
{
	char var[64];
	const char *vars[] = { var, "ZCOPY_STATS=1", NULL };
	const char *where = strcmp(variant->mode, "direct") ? "data" : "tmp";
	const char *args[] = { "--calls", where, NULL };
	long long before = records(variant->mode);
	const char *line;

	snprintf(var, sizeof(var), "ZCOPY_MODE=%s", variant->mode);
	ASSERT_EQ(0, run_child(vars, args, self->err, sizeof(self->err)));
	line = strstr(self->err, "zcopy-preload: pid=");
	ASSERT_NE(NULL, line) TH_LOG("no stats line");
	snprintf(var, sizeof(var), " mode=%s device=on ", variant->mode);
	EXPECT_NE(NULL, strstr(line, var));
	EXPECT_EQ(3, zc_stats_field(line, "device_calls"));
	EXPECT_EQ(3000, zc_stats_field(line, "device_bytes"));
	EXPECT_EQ(0, zc_stats_field(line, "device_errors"));
	/* the pipe: declined by the device, sent by sendfile(2) */
	EXPECT_EQ(1, zc_stats_field(line, "sendfile_calls"));
	EXPECT_EQ(1000, zc_stats_field(line, "sendfile_bytes"));
	EXPECT_EQ(1, zc_stats_field(line, "declined"));
	EXPECT_EQ(3000, zc_stats_field(line, "bytes_requested"));
	EXPECT_EQ(3000, zc_stats_field(line, "bytes_sent"));
	if (!strcmp(variant->mode, "copy")) {
		EXPECT_LE(3000, zc_stats_field(line, "cpu_copy_bytes"));
	} else {
		EXPECT_LT(0, zc_stats_field(line, "sg_entries"));
	}
	EXPECT_LT(0, zc_stats_field(line, "duration_ns"));
	EXPECT_EQ(before + 3, records(variant->mode));
	/* one line, whatever else the child printed */
	EXPECT_EQ(NULL, strstr(line + 1, "zcopy-preload: pid="));
}

/* ZCOPY_PRELOAD=0: sendfile(2) for every call, the device never asked */
TEST(off_switch)
{
	static const char *const modes[] = { "auto", "copy", "sg", "direct" };
	const char *vars[] = { "ZCOPY_PRELOAD=0", "ZCOPY_STATS=1", NULL };
	const char *args[] = { "--calls", "data", NULL };
	long long before = 0, after = 0;
	char err[8192];

	for (int m = 0; m < 4; m++)
		before += records(modes[m]);
	ASSERT_EQ(0, run_child(vars, args, err, sizeof(err)));
	for (int m = 0; m < 4; m++)
		after += records(modes[m]);
	EXPECT_NE(NULL, strstr(err, " device=off ")) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, " off=\"ZCOPY_PRELOAD=0\""));
	EXPECT_EQ(4, zc_stats_field(err, "sendfile_calls"));
	EXPECT_EQ(0, zc_stats_field(err, "device_calls"));
	EXPECT_EQ(before, after);
}

int main(int argc, char **argv)
{
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return KSFT_FAIL;
	exe[n] = '\0';
	/* first, this program again with the preload: what it tests */
	if (!getenv("ZC_PRELOAD_TEST")) {
		char lib[PATH_MAX + 32];

		snprintf(lib, sizeof(lib), "%.*s/" PRELOAD_NAME,
			 (int)(strrchr(exe, '/') - exe), exe);
		setenv("LD_PRELOAD", lib, 1);
		setenv("ZC_PRELOAD_TEST", "1", 1);
		setenv("ZCOPY_MODE", "auto", 1);
		unsetenv("ZCOPY_PRELOAD");
		unsetenv("ZCOPY_STATS");
		execv(exe, argv);
		perror("preload_test: exec");
		return KSFT_FAIL;
	}
	if (argc == 4 && !strcmp(argv[1], "--matrix"))
		return as_child_matrix(argv[2], !strcmp(argv[3], "full"));
	if (argc == 3 && !strcmp(argv[1], "--calls"))
		return as_child_calls(argv[2]);
	return test_harness_run(argc, argv);
}
