// SPDX-License-Identifier: GPL-2.0
/*
 * libzcopy-preload.so on the host, where there is no module: sendfile()
 * through the preload must give exactly what the raw system call gives,
 * case by case (byte count, errno, offset or file position, SIGPIPE, the
 * bytes at the peer), whatever the preload's environment:
 *
 *   nodev    ZCOPY_DEVICE names nothing: every call goes to sendfile(2)
 *   devnull  the device opens but is not zcopy (ZCOPY_IOC_INFO fails)
 *   fake     a stand-in device: this program's own ioctl() answers the
 *            device's two ioctls (below), so that the preload's device
 *            path runs, with its offsets, file positions and fallbacks
 *   off      ZCOPY_PRELOAD=0: the stand-in must never be asked
 *   badmode  ZCOPY_MODE=fast: refused with a message, never asked
 *   fork     each process's ZCOPY_STATS line counts its own calls
 *
 * Usage: test_preload PATH/libzcopy-preload.so.  The parent runs each
 * environment in a child (this program again, under LD_PRELOAD) and checks
 * its exit status and its ZCOPY_STATS line.  The VM's preload_test does
 * the same against the real device.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "sendfile_cases.h"

static const char *phase;
static char data_dir[256];

/* --- the stand-in device ------------------------------------------------------- */

/*
 * This executable's ioctl() comes before libc's in every lookup, the
 * preload's included (it is exported: -Wl,--export-dynamic-symbol).  On
 * the file $TEST_FAKE_DEVICE it answers ZCOPY_IOC_INFO and
 * ZCOPY_IOC_XFER with the module's checks (module/xfer.c, module/sock.c)
 * and its length rule (a range is cut at the size the file reports), and
 * sends with sendfile(2) itself; every other ioctl goes to the kernel.
 */
static struct {
	int calls;		/* ZCOPY_IOC_XFER calls */
	int accepted;		/* given a transfer id */
	int empty;		/* accepted, nothing to send */
	uint64_t bytes;
} fake;

static bool is_fake_device(int fd)
{
	static dev_t dev;
	static ino_t ino;
	static int known = -1;
	const char *path = getenv("TEST_FAKE_DEVICE");
	struct stat st;

	if (known < 0) {
		known = path && !stat(path, &st);
		if (known) {
			dev = st.st_dev;
			ino = st.st_ino;
		}
	}
	return known && !fstat(fd, &st) && st.st_dev == dev && st.st_ino == ino;
}

static int fake_refuse(int err)
{
	errno = err;
	return -1;
}

static int fake_check(const struct zcopy_desc *d, int sock, struct stat *st)
{
	int fl, v;
	socklen_t len = sizeof(v);
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (d->type != ZCOPY_DESC_FILE || d->addr)
		return EINVAL;
	fl = fcntl(d->fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY)
		return EBADF;
	if (fstat(d->fd, st))
		return EBADF;
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
		return ESPIPE;
	if (d->offset < 0 || d->len > INT64_MAX || (int64_t)d->len > INT64_MAX - d->offset ||
	    !S_ISREG(st->st_mode))
		return EINVAL;
	fl = fcntl(sock, F_GETFL);
	if (fl < 0)
		return EBADF;
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &v, &len))
		return errno;
	if ((fl & O_ACCMODE) == O_RDONLY)
		return EBADF;
	if (v != SOCK_STREAM || getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &v, &len) ||
	    (v != AF_INET && v != AF_INET6 && v != AF_UNIX))
		return EOPNOTSUPP;
	if (!getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) && v)
		return ENOTCONN;
	if (getpeername(sock, (struct sockaddr *)&ss, &sslen))
		return ENOTCONN;
	return 0;
}

static int fake_xfer(struct zcopy_xfer *x)
{
	const struct zcopy_desc *d = (const void *)(uintptr_t)x->descs;
	struct stat st;
	int64_t end;
	off_t pos;
	ssize_t r;
	int err;

	__atomic_fetch_add(&fake.calls, 1, __ATOMIC_RELAXED);
	if (x->ndescs != 1)
		return fake_refuse(EINVAL);
	err = fake_check(d, x->sock_fd, &st);
	if (err)
		return fake_refuse(err);
	x->xfer_id = __atomic_add_fetch(&fake.accepted, 1, __ATOMIC_RELAXED);
	end = d->len ? d->offset + (int64_t)d->len : st.st_size;
	if (end > st.st_size)
		end = st.st_size;
	x->counters.bytes_requested = end > d->offset ? end - d->offset : 0;
	if (!x->counters.bytes_requested) {
		__atomic_fetch_add(&fake.empty, 1, __ATOMIC_RELAXED);
		return 0;
	}
	pos = d->offset;
	r = sc_raw_sendfile(x->sock_fd, d->fd, &pos, x->counters.bytes_requested);
	x->error = r < 0 ? errno : 0;
	if (r < 0)
		return -1;
	x->bytes_sent = x->counters.bytes_sent = r;
	x->counters.sg_entries = 1;
	__atomic_fetch_add(&fake.bytes, r, __ATOMIC_RELAXED);
	return r;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!is_fake_device(fd))
		return syscall(SYS_ioctl, fd, req, arg);
	if (req == ZCOPY_IOC_INFO) {
		struct zcopy_info *i = arg;

		i->abi_version = ZCOPY_ABI_VERSION;
		i->modes = (1U << ZCOPY_MODE_COUNT) - 1;
		i->xfer_flags = 0x1f;
		i->max_descs = 1024;
		return 0;
	}
	if (req == ZCOPY_IOC_XFER)
		return fake_xfer(arg);
	return fake_refuse(ENOTTY);
}

/* --- the environments ----------------------------------------------------------- */

/* the preload's sendfile is the one this program calls */
static bool preloaded(const char *sym)
{
	Dl_info info;
	void *f = dlsym(RTLD_DEFAULT, sym);

	return f && dladdr(f, &info) && info.dli_fname &&
	       strstr(info.dli_fname, "libzcopy-preload");
}

static void run_all(void)
{
	static const enum sc_transport ts[] = { SC_TCP4, SC_UNIX };
	struct sc_matrix_result m;

	sc_matrix(sendfile, "sendfile", true, ts, 2, &m);
	printf("test_preload: %s: sendfile: %d matrix cases, %d differ\n", phase, m.cases,
	       m.differ);
	sc_errors(sendfile, "sendfile");
	/* this program's own reference, sendfile64@GLIBC_2.3, binds to the preload */
	sc_errors(sendfile64, "sendfile64");
	/* the slow part (timers): where the preload's two paths are */
	for (int t = 0; t < 2 && (!strcmp(phase, "nodev") || !strcmp(phase, "fake")); t++)
		for (int how = SC_NONBLOCK; how <= SC_SNDTIMEO; how++) {
			sc_partial(sc_raw_sendfile, "sendfile(2)", ts[t], how);
			sc_partial(sendfile, "preload", ts[t], how);
		}
	sc_threads(sendfile);
	sc_signal_handler(sendfile);
}

static int child(void)
{
	char name[64];

	snprintf(name, sizeof(name), "test_preload: %s", phase);
	sc_init(data_dir, name);
	if (!preloaded("sendfile") || !preloaded("sendfile64")) {
		sc_fail("sendfile is not the preload's: is LD_PRELOAD set?");
		return 1;
	}
	if (!strcmp(phase, "fork")) {
		/* one call here, two in the child: each line counts its own */
		struct sc_sink s;
		char path[300];
		int fd = sc_make_file(path, sizeof(path), 1000, 9), snd, rcv, st, bad = 0;
		off_t off = 0;
		pid_t pid;

		if (fd < 0 || sc_pair(SC_UNIX, &snd, &rcv) || sc_sink_start(&s, rcv))
			return 1;
		bad += sendfile(snd, fd, &off, 10) != 10;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			bad += sendfile(snd, fd, &off, 10) != 10;
			bad += sendfile(snd, fd, &off, 10) != 10;
			exit(bad);
		}
		bad += waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st);
		close(snd);
		sc_sink_wait(&s);
		bad += s.bytes != 30;
		unlink(path);
		return bad;
	}
	if (!strcmp(phase, "badmode"))
		sc_errors(sendfile, "sendfile");
	else
		run_all();
	/* the stand-in device: asked exactly when it should be */
	if (!strcmp(phase, "fake") && (!fake.accepted || fake.calls <= fake.accepted))
		sc_fail("the device was used for %d calls, refused %d: expected both",
			fake.accepted, fake.calls - fake.accepted);
	if (strcmp(phase, "fake") && fake.calls)
		sc_fail("the device was asked %d times", fake.calls);
	/* for the parent: what the stats line must say */
	printf("fake: device_calls=%d device_bytes=%llu\n", fake.accepted - fake.empty,
	       (unsigned long long)fake.bytes);
	return sc_failures ? 1 : 0;
}

/* --- the parent: one child per environment ------------------------------------ */

struct env {
	const char *phase;
	const char *vars[4];
	/* in the child's stderr */
	const char *want[3];
};

/* "key=" followed by a number in @s, or -1 */
static long long field(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(s, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* one environment's child; a passing one takes a few seconds */
#define CHILD_LIMIT_MS	120000

/* a whole small file, NUL-terminated */
static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t r = fd < 0 ? 0 : read(fd, buf, len - 1);

	buf[r > 0 ? r : 0] = '\0';
	if (fd >= 0)
		close(fd);
	unlink(path);
}

static int run_env(const char *self, const char *preload, const struct env *e,
		   const char *fake_dev)
{
	static char out[1 << 16], err[1 << 20];
	char out_path[320], err_path[320];
	int st, bad = 0;
	pid_t pid;

	/* files, not pipes: the child's output may be long, nothing waits on it */
	snprintf(out_path, sizeof(out_path), "%s/stdout", data_dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", data_dir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!freopen(out_path, "w", stdout) || !freopen(err_path, "w", stderr))
			_exit(127);
		setenv("LD_PRELOAD", preload, 1);
		setenv("TEST_PRELOAD_PHASE", e->phase, 1);
		setenv("TEST_FAKE_DEVICE", fake_dev, 1);
		setenv("TEST_DATA_DIR", data_dir, 1);
		setenv("ZCOPY_STATS", "1", 1);
		for (int i = 0; i < 4 && e->vars[i]; i++)
			putenv((char *)e->vars[i]);
		execl(self, self, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return 1;
	/* a preload that loses track of an offset can send for ever: a limit */
	for (int ms = 0; waitpid(pid, &st, WNOHANG) != pid; ms += 100) {
		if (ms == CHILD_LIMIT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "test_preload: %s: killed after %d s\n", e->phase,
				CHILD_LIMIT_MS / 1000);
			break;
		}
		usleep(100000);
	}
	slurp(out_path, out, sizeof(out));
	slurp(err_path, err, sizeof(err));
	fputs(out, stdout);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "test_preload: %s: exit status %#x\n%s", e->phase, st, err);
		return 1;
	}
	for (int i = 0; i < 3 && e->want[i]; i++)
		if (!strstr(err, e->want[i])) {
			fprintf(stderr, "test_preload: %s: no '%s' in\n%s", e->phase, e->want[i], err);
			bad = 1;
		}
	if (!strcmp(e->phase, "fake")) {
		/* the preload's own count of device calls is the device's */
		const char *f = strstr(out, "fake:");

		if (!f || field(err, "device_calls") != field(f, "device_calls") ||
		    field(err, "device_bytes") != field(f, "device_bytes") ||
		    field(err, "bytes_sent") != field(f, "device_bytes")) {
			fprintf(stderr, "test_preload: fake: stats line does not match\n%s%s", out, err);
			bad = 1;
		}
	}
	if (!strcmp(e->phase, "fork")) {
		char *second = strstr(err, "zcopy-preload:");

		second = second ? strstr(second + 1, "zcopy-preload:") : NULL;
		/* the child's line first (it exits first): two calls, then one */
		if (!second || field(err, "device_calls") != 2 || field(second, "device_calls") != 1 ||
		    field(err, "pid") == field(second, "pid")) {
			fprintf(stderr, "test_preload: fork: expected two lines, 2 then 1 calls\n%s", err);
			bad = 1;
		}
	}
	printf("test_preload: %s: %s\n", e->phase, bad ? "FAILED" : "ok");
	return bad;
}

int main(int argc, char **argv)
{
	static const struct env envs[] = {
		{ "nodev", { "ZCOPY_DEVICE=/nonexistent/zcopy" },
		  { "device=off", "device_calls=0 ", "off=\"open: No such file or directory\"" } },
		{ "devnull", { "ZCOPY_DEVICE=/dev/null" },
		  { "device=off", "off=\"ZCOPY_IOC_INFO: Inappropriate ioctl for device\"" } },
		{ "fake", { "ZCOPY_MODE=sg", "ZCOPY_DEVICE=@" }, { "mode=sg device=on" } },
		{ "off", { "ZCOPY_PRELOAD=0", "ZCOPY_DEVICE=@" },
		  { "device=off", "off=\"ZCOPY_PRELOAD=0\"" } },
		{ "badmode", { "ZCOPY_MODE=fast", "ZCOPY_DEVICE=@" },
		  { "unknown ZCOPY_MODE 'fast'", "device=off" } },
		{ "fork", { "ZCOPY_DEVICE=@" }, { "device=on" } },
	};
	char self[4096], fake_dev[300], dev_var[320];
	int bad = 0;
	ssize_t n;

	phase = getenv("TEST_PRELOAD_PHASE");
	if (phase) {
		snprintf(data_dir, sizeof(data_dir), "%s", getenv("TEST_DATA_DIR"));
		return child();
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/libzcopy-preload.so\n", argv[0]);
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	snprintf(data_dir, sizeof(data_dir), "%s/test_preload-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (n < 0 || !mkdtemp(data_dir)) {
		perror("test_preload");
		return 1;
	}
	self[n] = '\0';
	snprintf(fake_dev, sizeof(fake_dev), "%s/fake-zcopy", data_dir);
	close(open(fake_dev, O_RDWR | O_CREAT, 0600));
	snprintf(dev_var, sizeof(dev_var), "ZCOPY_DEVICE=%s", fake_dev);
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		struct env e = envs[i];

		for (int v = 0; v < 4 && e.vars[v]; v++)
			if (!strcmp(e.vars[v], "ZCOPY_DEVICE=@"))
				e.vars[v] = dev_var;
		bad |= run_env(self, argv[1], &e, fake_dev);
	}
	unlink(fake_dev);
	rmdir(data_dir);
	printf("test_preload: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
