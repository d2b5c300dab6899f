// SPDX-License-Identifier: GPL-2.0
/*
 * A real client of libzcopy-preload.so: nginx (Debian's, copied into the
 * VM with its libraries) serving files by sendfile() with the preload, and
 * curl fetching them.  Correctness and counters only, no timing (make
 * bench measures): every file arrives byte for byte (sha256), the device's
 * debugfs totals grew by exactly the bodies' bytes, with no CPU copy in SG
 * mode and by direct I/O for a cold large file in AUTO, and nginx's own
 * ZCOPY_STATS line says that every sendfile() call went to the device.
 * With the module unloaded the preload falls back to sendfile(2) and
 * nginx still serves everything.
 *
 * nginx runs with a master and one worker that drops root to nobody, as
 * it is deployed: the worker uses the device the preload opened before.
 * Every test stops nginx (its whole process group) and leaves the module
 * loaded for the programs after this one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define PRELOAD_NAME	"libzcopy-preload.so"
#define RUN_DIR		"/tmp/nginx_test"
#define PORT		8088
#define URL		"http://127.0.0.1:8088"

/* below, at and above the preload's and nginx's interesting sizes */
static const struct {
	const char *name;
	size_t size;
} files[] = {
	{ "f1k", 1024 },
	{ "f16k", 16 * 1024 },
	{ "f1m", ZC_MIB },
	/* above AUTO's 4 MiB direct threshold, and nginx's 2 MiB sendfile chunk */
	{ "f8m", 8 * ZC_MIB },
};

#define NFILES		ARRAY_SIZE(files)
#define BIG		(NFILES - 1)

static char preload[PATH_MAX];

/* the totals row of @mode; its columns below (zc_totals_row()) */
enum { T_XFERS, T_ERRORS, T_REQ, T_SENT, T_CPU_COPY, T_CPU_OPS, T_DMA_IN, T_DMA_OUT,
	T_SG, T_PAGES, T_DIRECT, T_N };

static bool module_loaded(void)
{
	return !access("/sys/module/zcopy", F_OK);
}

/* modprobe returns once init ran; devtmpfs may take a moment for the node */
static int module_load(void)
{
	if (zc_sh("modprobe zcopy"))
		return -1;
	for (int i = 0; i < 200; i++) {
		if (!access("/dev/zcopy", F_OK))
			return 0;
		usleep(10000);
	}
	return -1;
}

static int write_conf(const char *root)
{
	FILE *f = fopen(RUN_DIR "/nginx.conf", "w");

	if (!f)
		return -1;
	/*
	 * daemon off: the test is the parent and waits for it.  The temp
	 * paths default to /var/lib/nginx, which the VM does not have.
	 */
	fprintf(f,
		"daemon off;\n"
		"worker_processes 1;\n"
		"user nobody nogroup;\n"
		"error_log stderr warn;\n"
		"pid " RUN_DIR "/nginx.pid;\n"
		"events { worker_connections 64; }\n"
		"http {\n"
		"    access_log off;\n"
		"    default_type application/octet-stream;\n"
		"    sendfile on;\n"
		"    tcp_nopush on;\n"
		"    keepalive_timeout 30;\n"
		"    client_body_temp_path " RUN_DIR "/body;\n"
		"    proxy_temp_path " RUN_DIR "/proxy;\n"
		"    fastcgi_temp_path " RUN_DIR "/fastcgi;\n"
		"    uwsgi_temp_path " RUN_DIR "/uwsgi;\n"
		"    scgi_temp_path " RUN_DIR "/scgi;\n"
		"    server { listen 127.0.0.1:%d; root %s; }\n"
		"}\n", PORT, root);
	return fclose(f) ? -1 : 0;
}

/* true once something accepts connections on the port */
static bool wait_listening(pid_t pid)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	for (int i = 0; i < 1000; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = s >= 0 && !connect(s, (void *)&sin, sizeof(sin));

		if (s >= 0)
			close(s);
		if (ok)
			return true;
		/* nginx gave up (a bad config, no nobody user): no point waiting */
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return false;
		usleep(20000);
	}
	return false;
}

FIXTURE(nginx)
{
	char root[256];
	pid_t pid;		/* nginx's master, leader of its process group */
	char err[16384];	/* its stderr: the worker's ZCOPY_STATS line */
};

FIXTURE_VARIANT(nginx)
{
	const char *mode;
	bool unloaded;		/* rmmod before nginx starts */
};

FIXTURE_VARIANT_ADD(nginx, sg) { .mode = "sg" };
FIXTURE_VARIANT_ADD(nginx, auto) { .mode = "auto" };
FIXTURE_VARIANT_ADD(nginx, no_module) { .mode = "sg", .unloaded = true };

FIXTURE_SETUP(nginx)
{
	char name[64], path[300];

	self->pid = 0;
	ASSERT_EQ(0, access(preload, R_OK)) TH_LOG("%s: %s", preload, strerror(errno));
	if (zc_sh("command -v nginx >/dev/null && command -v curl >/dev/null"))
		SKIP(return, "nginx or curl is not in this system");
	ASSERT_TRUE(module_loaded()) TH_LOG("zcopy was not loaded when the test started");
	snprintf(self->root, sizeof(self->root), "%s/nginx", zc_data_dir());
	ASSERT_EQ(0, zc_sh("rm -rf %s " RUN_DIR " && mkdir -p %s " RUN_DIR "/got",
			   self->root, self->root));
	for (size_t i = 0; i < NFILES; i++) {
		int fd;

		snprintf(name, sizeof(name), "nginx/%s", files[i].name);
		fd = zc_make_file(path, sizeof(path), name, files[i].size, i + 1);
		ASSERT_LE(0, fd);
		close(fd);
	}
	ASSERT_EQ(0, write_conf(self->root));
}

/* the same as a stop, for a test that ended half-way: nothing stays */
FIXTURE_TEARDOWN(nginx)
{
	if (self->pid > 0) {
		kill(-self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (!module_loaded())
		EXPECT_EQ(0, module_load()) TH_LOG("cannot reload zcopy");
	zc_sh("rm -rf %s " RUN_DIR, self->root);
}

/* nginx under the preload in @mode, its stderr into RUN_DIR/err */
static pid_t nginx_start(const char *mode)
{
	pid_t pid;
	int fd;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid) {
		/*
		 * A group of its own, so that a kill reaches the worker too;
		 * set on both sides of the fork, so that it exists whichever
		 * side runs first.
		 */
		if (pid > 0)
			setpgid(pid, pid);
		return pid;
	}
	setpgid(0, 0);
	/* the harness kills a test that runs out of time: the master goes too */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(RUN_DIR "/err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0)
		_exit(127);
	setenv("LD_PRELOAD", preload, 1);
	setenv("ZCOPY_MODE", mode, 1);
	setenv("ZCOPY_STATS", "1", 1);
	unsetenv("ZCOPY_PRELOAD");
	execlp("nginx", "nginx", "-p", RUN_DIR, "-c", RUN_DIR "/nginx.conf", "-e", "stderr",
	       (char *)NULL);
	_exit(127);
}

/*
 * SIGQUIT: the graceful stop, in which the worker exits through exit()
 * and prints the preload's line.  0 when nginx ended by itself in time.
 */
static int nginx_stop(pid_t pid, char *err, size_t len)
{
	int st = -1, fd;
	pid_t done = 0;
	ssize_t n;

	kill(pid, SIGQUIT);
	for (int i = 0; i < 500 && !done; i++) {
		done = waitpid(pid, &st, WNOHANG);
		if (!done)
			usleep(20000);
	}
	/* a worker left behind, or a master that did not stop: gone too */
	kill(-pid, SIGKILL);
	if (done != pid) {
		st = -1;
		waitpid(pid, NULL, 0);
	}
	fd = open(RUN_DIR "/err", O_RDONLY);
	n = fd < 0 ? 0 : read(fd, err, len - 1);
	err[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	/* nginx's own messages and the stats line belong in the log */
	fputs(err, stderr);
	return st == 0 ? 0 : -1;
}

/*
 * Every file over one keep-alive connection (curl reuses it for the URLs
 * of one command line), then sha256sum's check of what arrived against
 * the files; 0 when all are identical.
 */
static int fetch_and_compare(const char *root)
{
	char cmd[1024];
	size_t n;

	n = snprintf(cmd, sizeof(cmd), "curl -sS -f --output-dir " RUN_DIR "/got");
	for (size_t i = 0; i < NFILES; i++)
		n += snprintf(cmd + n, sizeof(cmd) - n, " -O " URL "/%s", files[i].name);
	if (n >= sizeof(cmd) || zc_sh("%s", cmd))
		return -1;
	return zc_sh("cd %s && sha256sum f* >" RUN_DIR "/sums && cd " RUN_DIR "/got && "
		     "sha256sum -c " RUN_DIR "/sums >" RUN_DIR "/check 2>&1; rc=$?; "
		     "sed 's/^/# /' " RUN_DIR "/check; exit $rc", root);
}

static uint64_t body_bytes(void)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < NFILES; i++)
		sum += files[i].size;
	return sum;
}

TEST_F_TIMEOUT(nginx, serves, 120)
{
	uint64_t before[T_N] = { 0 }, after[T_N] = { 0 };
	const char *line;

	if (variant->unloaded) {
		ASSERT_EQ(0, zc_sh("rmmod zcopy")) TH_LOG("rmmod zcopy: is the device open?");
		ASSERT_FALSE(module_loaded());
	} else {
		ASSERT_EQ(0, zc_totals_row(variant->mode, before, T_N));
	}
	/* AUTO sends a large file by direct I/O only when it is not cached */
	if (!strcmp(variant->mode, "auto"))
		ASSERT_EQ(0, zc_drop_caches());

	self->pid = nginx_start(variant->mode);
	ASSERT_LT(0, self->pid);
	ASSERT_TRUE(wait_listening(self->pid)) TH_LOG("nginx did not start listening");
	EXPECT_EQ(0, fetch_and_compare(self->root)) TH_LOG("the files nginx served differ");
	EXPECT_EQ(0, nginx_stop(self->pid, self->err, sizeof(self->err)))
		TH_LOG("nginx did not stop cleanly on SIGQUIT");
	self->pid = 0;

	/* one line: the worker's; the master never calls sendfile() */
	line = strstr(self->err, "zcopy-preload: pid=");
	ASSERT_NE(NULL, line) TH_LOG("no ZCOPY_STATS line from nginx's worker");
	EXPECT_EQ(NULL, strstr(line + 1, "zcopy-preload: pid="));
	if (variant->unloaded) {
		/* no device: every body by sendfile(2) */
		EXPECT_NE(NULL, strstr(line, " device=off "));
		EXPECT_EQ(0, zc_stats_field(line, "device_calls"));
		EXPECT_EQ(body_bytes(), zc_stats_field(line, "sendfile_bytes"));
		return;
	}
	/*
	 * Every sendfile() went to the device, none was declined.  Its
	 * errors are not counted against it: nginx's sockets are
	 * non-blocking, and a full send buffer is EAGAIN, as with
	 * sendfile(2); the bytes and the checksums above say all arrived.
	 */
	EXPECT_NE(NULL, strstr(line, " device=on "));
	EXPECT_EQ(body_bytes(), zc_stats_field(line, "device_bytes"));
	EXPECT_EQ(0, zc_stats_field(line, "sendfile_calls"));
	EXPECT_EQ(0, zc_stats_field(line, "declined"));

	/* and the device says the same: the bodies and nothing else */
	ASSERT_EQ(0, zc_totals_row(variant->mode, after, T_N));
	EXPECT_EQ(body_bytes(), after[T_SENT] - before[T_SENT]);
	EXPECT_LE(NFILES, after[T_XFERS] - before[T_XFERS]);
	EXPECT_EQ(zc_stats_field(line, "device_calls"), after[T_XFERS] - before[T_XFERS]);
	if (!strcmp(variant->mode, "sg")) {
		EXPECT_EQ(0, after[T_CPU_COPY] - before[T_CPU_COPY]);
		EXPECT_EQ(0, after[T_DIRECT] - before[T_DIRECT]);
		EXPECT_LT(0, after[T_SG] - before[T_SG]);
	} else {
		/*
		 * The cold 8 MiB file, all of it by direct I/O (which leaves
		 * it cold).  More is possible: direct_bytes counts what was
		 * read, and a call that starts where a short send stopped,
		 * inside a block, reads that block again.
		 */
		EXPECT_LE(files[BIG].size, after[T_DIRECT] - before[T_DIRECT]);
	}
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return KSFT_FAIL;
	exe[n] = '\0';
	/* the preload next to this program (make selftests copies it there) */
	snprintf(preload, sizeof(preload), "%.*s/" PRELOAD_NAME,
		 (int)(strrchr(exe, '/') - exe), exe);
	return test_harness_run(argc, argv);
}
