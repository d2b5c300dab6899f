// SPDX-License-Identifier: GPL-2.0
/*
 * What a caller can reach through /dev/zcopy, and what the kernel gives
 * back:
 *
 * - a transfer uses only descriptors its caller holds, with the access
 *   each needs (Documentation/abi.rst, errno table): a file open for
 *   writing only or an O_PATH descriptor is EBADF, a socket shut down for
 *   writing is EPIPE, and an unprivileged process cannot name a file it
 *   could not open;
 * - reading a file goes through the same permission hook as read(2): a
 *   fanotify listener that denies access makes the transfer fail with
 *   EPERM, as it makes sendfile(2) fail;
 * - every byte the kernel writes back into the INFO and XFER structs is
 *   defined: user memory is filled with 0xA5 first, and afterwards every
 *   byte is either a value the ABI defines, zero (reserved), or untouched
 *   (past @size, and the whole struct when the call fails before sending);
 * - debugfs is root's: every file mode has no group or other bits, and an
 *   unprivileged process cannot open any of them;
 * - /dev/zcopy is 0600 root:root as the module creates it (devtmpfs), the
 *   mode abi.rst and userspace/60-zcopy.rules state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define FILE_SIZE	10000
#define PAT		0xA5
#define PAT64		0xA5A5A5A5A5A5A5A5ULL
#define NOBODY		65534

/* the layout abi.rst describes: no implicit padding anywhere */
_Static_assert(sizeof(struct zcopy_info) == 80, "zcopy_info layout");
_Static_assert(sizeof(struct zcopy_counters) == 14 * 8, "zcopy_counters layout");
_Static_assert(sizeof(struct zcopy_xfer) == 168, "zcopy_xfer layout");
_Static_assert(sizeof(struct zcopy_desc) == 32, "zcopy_desc layout");

FIXTURE(sec)
{
	int dev, file, snd, rcv;
	char path[256];
};

FIXTURE_SETUP(sec)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/zcopy: %s", strerror(errno));
	self->file = zc_make_file(self->path, sizeof(self->path), "sec.dat", FILE_SIZE, 21);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &self->snd, &self->rcv));
}

FIXTURE_TEARDOWN(sec)
{
	close(self->snd);
	close(self->rcv);
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

static int xfer_errno(int dev, int sock, struct zcopy_desc d, uint32_t flags)
{
	return zc_xfer(dev, sock, ZCOPY_MODE_SG, flags, &d, 1, NULL) < 0 ? errno : 0;
}

/* read and drop @n bytes from @fd; true if exactly @n came */
static bool drain(int fd, size_t n)
{
	static char buf[64 * 1024];

	return n <= sizeof(buf) && recv(fd, buf, n, MSG_WAITALL) == (ssize_t)n;
}

/* a file descriptor grants what it was opened for, nothing more */
TEST_F(sec, file_access)
{
	int fd;

	/* write-only: no read access, whatever the file's mode */
	fd = open(self->path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBADF, xfer_errno(self->dev, self->snd, zc_file(fd, 0, 0), 0));
	close(fd);
	fd = open(self->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBADF, xfer_errno(self->dev, self->snd, zc_file(fd, 0, 0), 0));
	close(fd);
	/* O_PATH: a name, no access at all */
	fd = open(self->path, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBADF, xfer_errno(self->dev, self->snd, zc_file(fd, 0, 0), 0));
	close(fd);
	/* read-write is enough, and so is read-only (positive controls) */
	fd = open(self->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, xfer_errno(self->dev, self->snd, zc_file(fd, 0, 0), 0));
	EXPECT_TRUE(drain(self->rcv, FILE_SIZE));
	close(fd);
	EXPECT_EQ(0, xfer_errno(self->dev, self->snd, zc_file(self->file, 0, 0), 0));
	EXPECT_TRUE(drain(self->rcv, FILE_SIZE));
	/* nothing was sent by the refused calls: the peer has nothing more */
	EXPECT_EQ(-1, recv(self->rcv, &fd, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/* the socket: an O_PATH descriptor of it, and one shut down for writing */
TEST_F(sec, socket_access)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	char proc[64];
	int fd, sv[2];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", self->snd);
	fd = open(proc, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", proc, strerror(errno));
	EXPECT_EQ(EBADF, xfer_errno(self->dev, fd, d, 0));
	close(fd);

	/* shut down for writing: EPIPE, and SIGPIPE unless NOSIGNAL */
	ASSERT_EQ(0, shutdown(self->snd, SHUT_WR));
	EXPECT_EQ(EPIPE, xfer_errno(self->dev, self->snd, d, ZCOPY_F_NOSIGNAL));
	signal(SIGPIPE, SIG_IGN);
	EXPECT_EQ(EPIPE, xfer_errno(self->dev, self->snd, d, 0));
	signal(SIGPIPE, SIG_DFL);

	/* UNIX: the same, and a peer that shut down reading */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, shutdown(sv[0], SHUT_WR));
	EXPECT_EQ(EPIPE, xfer_errno(self->dev, sv[0], d, ZCOPY_F_NOSIGNAL));
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, shutdown(sv[1], SHUT_RD));
	EXPECT_EQ(EPIPE, xfer_errno(self->dev, sv[0], d, ZCOPY_F_NOSIGNAL));
	close(sv[0]);
	close(sv[1]);
}

/* a fanotify listener answering every permission event with FAN_DENY */
struct denier {
	int fan;
	pthread_t thread;
	volatile bool stop;
	int denied;
};

static void *denier_main(void *arg)
{
	struct denier *dn = arg;
	char buf[4096] __attribute__((aligned(8)));

	while (!dn->stop) {
		struct pollfd pfd = { .fd = dn->fan, .events = POLLIN };
		struct fanotify_event_metadata *m = (void *)buf;
		ssize_t len;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		len = read(dn->fan, buf, sizeof(buf));
		for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
			struct fanotify_response r = { .fd = m->fd, .response = FAN_DENY };

			if (m->mask & FAN_ACCESS_PERM) {
				if (write(dn->fan, &r, sizeof(r)) == sizeof(r))
					dn->denied++;
			}
			if (m->fd >= 0)
				close(m->fd);
		}
	}
	return NULL;
}

TEST_F(sec, fanotify_deny)
{
	static const uint32_t modes[] = { ZCOPY_MODE_COPY, ZCOPY_MODE_SG, ZCOPY_MODE_DIRECT };
	struct denier dn = {};
	char c;
	int fd;

	dn.fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (dn.fan < 0)
		SKIP(return, "fanotify_init(FAN_CLASS_CONTENT): %s", strerror(errno));
	if (fanotify_mark(dn.fan, FAN_MARK_ADD, FAN_ACCESS_PERM, AT_FDCWD, self->path)) {
		close(dn.fan);
		SKIP(return, "FAN_ACCESS_PERM: %s (no CONFIG_FANOTIFY_ACCESS_PERMISSIONS?)",
		     strerror(errno));
	}
	ASSERT_EQ(0, pthread_create(&dn.thread, NULL, denier_main, &dn));
	/* opened after the mark, so that the file is watched in every kernel */
	fd = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* the controls: read(2) and sendfile(2) are denied */
	EXPECT_EQ(-1, pread(fd, &c, 1, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, sendfile(self->snd, fd, NULL, 1));
	EXPECT_EQ(EPERM, errno);
	for (int m = 0; m < 3; m++) {
		struct zcopy_desc d = zc_file(fd, 0, 0);

		EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, modes[m], 0, &d, 1, NULL));
		EXPECT_EQ(EPERM, errno) TH_LOG("mode %u", modes[m]);
	}
	dn.stop = true;
	pthread_join(dn.thread, NULL);
	close(fd);
	close(dn.fan);
	EXPECT_LE(5, dn.denied);
	/* nothing reached the peer */
	EXPECT_EQ(-1, recv(self->rcv, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/* run @fn as uid/gid NOBODY with no capabilities; its exit status or -1 */
static int as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

struct nobody_args {
	int dev, snd;
	const char *path;	/* root's 0600 file */
	int held;		/* an O_RDONLY descriptor of it, opened by root */
};

/*
 * As nobody: the device cannot be opened, the file cannot be opened, but
 * descriptors root passed down (the device, the file) work: the device
 * grants nothing beyond the descriptors the caller holds.
 */
static int nobody_main(void *p)
{
	struct nobody_args *a = p;
	struct zcopy_desc d;

	if (open("/dev/zcopy", O_RDWR) >= 0 || errno != EACCES)
		return 1;
	if (open(a->path, O_RDONLY) >= 0 || errno != EACCES)
		return 2;
	/* a number it does not hold */
	d = zc_file(a->held + 100, 0, 0);
	if (zc_xfer(a->dev, a->snd, ZCOPY_MODE_SG, 0, &d, 1, NULL) != -1 || errno != EBADF)
		return 3;
	/* one it holds, read access checked when root opened it */
	d = zc_file(a->held, 0, 0);
	if (zc_xfer(a->dev, a->snd, ZCOPY_MODE_SG, 0, &d, 1, NULL) != FILE_SIZE)
		return 4;
	return 0;
}

TEST_F(sec, unprivileged_caller)
{
	struct nobody_args a = {
		.dev = self->dev, .snd = self->snd, .path = self->path, .held = self->file,
	};
	int ret;

	ASSERT_EQ(0, chmod(self->path, 0600));
	ret = as_nobody(nobody_main, &a);
	EXPECT_EQ(0, ret) TH_LOG("nobody: step %d failed (100: could not drop privileges)", ret);
	EXPECT_TRUE(drain(self->rcv, FILE_SIZE));
}

/* @n bytes at @p all equal @c */
static bool all(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != c)
			return false;
	return true;
}

TEST_F(sec, info_bytes_defined)
{
	unsigned char buf[sizeof(struct zcopy_info) + 32];
	struct zcopy_info *info = (void *)buf;
	size_t v1 = offsetof(struct zcopy_info, __reserved);
	long long thr = zc_read_ll("/sys/module/zcopy/parameters/direct_threshold");

	/* the input members must be zero; every output member starts as 0xA5 */
	memset(buf, PAT, sizeof(buf));
	info->size = sizeof(*info);
	info->flags = 0;
	memset(info->__reserved, 0, sizeof(info->__reserved));
	ASSERT_EQ(0, ioctl(self->dev, ZCOPY_IOC_INFO, info));
	EXPECT_EQ(sizeof(*info), info->size);
	EXPECT_EQ(0, info->flags);
	EXPECT_EQ(ZCOPY_ABI_VERSION, info->abi_version);
	EXPECT_EQ(0xfu, info->modes);
	EXPECT_EQ(0x1fu, info->xfer_flags);
	EXPECT_EQ(1024, info->max_descs);
	EXPECT_EQ(64 * 1024, info->max_buf_bytes);
	EXPECT_EQ(0x7ffff000, info->max_xfer_bytes);
	EXPECT_EQ(thr, (long long)info->direct_threshold);
	EXPECT_TRUE(all(info->__reserved, 0, sizeof(info->__reserved)));
	/* nothing written past @size */
	EXPECT_TRUE(all(buf + sizeof(*info), PAT, sizeof(buf) - sizeof(*info)));

	/* the first version of the struct: the kernel writes 48 bytes, no more */
	memset(buf, PAT, sizeof(buf));
	info->size = v1;
	info->flags = 0;
	ASSERT_EQ(0, ioctl(self->dev, ZCOPY_IOC_INFO, info));
	EXPECT_EQ(ZCOPY_ABI_VERSION, info->abi_version);
	EXPECT_EQ(thr, (long long)info->direct_threshold);
	EXPECT_TRUE(all(buf + v1, PAT, sizeof(buf) - v1));

	/* refused: nothing written at all */
	memset(buf, PAT, sizeof(buf));
	info->size = sizeof(*info);
	info->flags = 1;
	memset(info->__reserved, 0, sizeof(info->__reserved));
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_INFO, info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(all(&info->abi_version, PAT, v1 - offsetof(struct zcopy_info, abi_version)));
}

/* an XFER argument: input as given, every output byte 0xA5 */
static void xfer_arg(struct zcopy_xfer *x, size_t size, int sock, uint32_t mode,
		     uint32_t flags, const struct zcopy_desc *d, unsigned int n)
{
	memset(x, PAT, size);
	x->size = size;
	x->flags = flags;
	x->sock_fd = sock;
	x->mode = mode;
	x->descs = (uintptr_t)d;
	x->ndescs = n;
	x->__reserved0 = 0;
	x->__reserved1 = 0;
	memset(x->counters.__reserved, 0, sizeof(x->counters.__reserved));
	if (size > sizeof(*x))
		memset(x + 1, 0, size - sizeof(*x));	/* must be zero, else E2BIG */
}

/*
 * Every output member written with a defined value: checks that no 0xA5
 * byte survived in a counter, and that the counters add up.
 */
static void check_written(struct __test_metadata *_metadata, const struct zcopy_xfer *x,
			  long ret, int err, uint64_t requested)
{
	const uint64_t *c = (const uint64_t *)&x->counters;

	EXPECT_NE(0, x->xfer_id);
	EXPECT_NE(PAT64, x->xfer_id);
	EXPECT_EQ(0, x->__reserved0);
	EXPECT_EQ(0, x->__reserved1);
	EXPECT_TRUE(all(x->counters.__reserved, 0, sizeof(x->counters.__reserved)));
	EXPECT_EQ(ret < 0 ? 0 : (uint64_t)ret, x->bytes_sent);
	EXPECT_EQ(x->bytes_sent, x->counters.bytes_sent);
	EXPECT_EQ(ret < 0 ? err : 0, x->error);
	EXPECT_EQ(requested, x->counters.bytes_requested);
	/* no counter can be near 0xA5A5...: each is bounded by the bytes */
	for (int i = 0; i < 9; i++) {
		EXPECT_GE(4 * requested + 4096, c[i]) TH_LOG("counter %d = %#llx", i,
							      (unsigned long long)c[i]);
	}
	/* may be 0 where the clocksource is jiffies (a debug kernel without ACPI) */
	EXPECT_GT(600ULL * 1000 * 1000 * 1000, x->counters.duration_ns);
}

TEST_F(sec, xfer_bytes_defined)
{
	static const uint32_t modes[] = {
		ZCOPY_MODE_AUTO, ZCOPY_MODE_COPY, ZCOPY_MODE_SG, ZCOPY_MODE_DIRECT,
	};
	static const char hdr[] = "HTTP/1.1 200 OK\r\n\r\n";
	unsigned char buf[sizeof(struct zcopy_xfer) + 64];
	struct zcopy_xfer *x = (void *)buf;
	struct zcopy_desc d[3] = {
		zc_buf(hdr, sizeof(hdr) - 1), zc_file(self->file, 0, 0), zc_buf(hdr, 4),
	};
	uint64_t want = sizeof(hdr) - 1 + FILE_SIZE + 4;
	long ret;

	for (int m = 0; m < 4; m++) {
		for (int s = 0; s < 2; s++) {
			/* the struct exactly, and a larger one with a zero tail */
			size_t size = s ? sizeof(*x) + 32 : sizeof(*x);

			memset(buf, PAT, sizeof(buf));
			xfer_arg(x, size, self->snd, modes[m], ZCOPY_F_SYNC, d, 3);
			ret = ioctl(self->dev, ZCOPY_IOC_XFER, x);
			ASSERT_EQ(want, ret) TH_LOG("mode %u: %s", modes[m], strerror(errno));
			EXPECT_TRUE(drain(self->rcv, want));
			/* the input members come back as they were */
			EXPECT_EQ(size, x->size);
			EXPECT_EQ(ZCOPY_F_SYNC, x->flags);
			EXPECT_EQ(self->snd, x->sock_fd);
			EXPECT_EQ(modes[m], x->mode);
			EXPECT_EQ((uintptr_t)d, x->descs);
			EXPECT_EQ(3, x->ndescs);
			check_written(_metadata, x, ret, 0, want);
			/* the zero tail stays zero, and nothing past @size is written */
			EXPECT_TRUE(all(buf + sizeof(*x), 0, size - sizeof(*x)));
			EXPECT_TRUE(all(buf + size, PAT, sizeof(buf) - size));
		}
	}
}

/* a failure after the transfer got an id writes every output member too */
TEST_F(sec, xfer_error_bytes_defined)
{
	unsigned char buf[sizeof(struct zcopy_xfer) + 16];
	struct zcopy_xfer *x = (void *)buf;
	struct zcopy_desc d = zc_file(self->file, 0, 0);

	ASSERT_EQ(0, shutdown(self->snd, SHUT_WR));
	memset(buf, PAT, sizeof(buf));
	xfer_arg(x, sizeof(*x), self->snd, ZCOPY_MODE_SG, ZCOPY_F_NOSIGNAL, &d, 1);
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
	EXPECT_EQ(EPIPE, errno);
	check_written(_metadata, x, -1, EPIPE, FILE_SIZE);
	EXPECT_EQ(0, x->bytes_sent);
	EXPECT_TRUE(all(buf + sizeof(*x), PAT, sizeof(buf) - sizeof(*x)));
}

/* refused before sending: the kernel writes nothing back */
TEST_F(sec, xfer_refused_untouched)
{
	unsigned char buf[sizeof(struct zcopy_xfer)], ref[sizeof(buf)];
	struct zcopy_xfer *x = (void *)buf;
	struct zcopy_desc bad[] = {
		zc_file(-1, 0, 0),				/* EBADF */
		zc_file(self->file, -1, 0),			/* EINVAL */
		zc_buf(NULL, 10),				/* EFAULT */
	};
	static const int want[] = { EBADF, EINVAL, EFAULT };

	for (int i = 0; i < 3; i++) {
		xfer_arg(x, sizeof(*x), self->snd, ZCOPY_MODE_SG, 0, &bad[i], 1);
		memcpy(ref, buf, sizeof(buf));
		EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
		EXPECT_EQ(want[i], errno);
		EXPECT_EQ(0, memcmp(ref, buf, sizeof(buf))) TH_LOG("case %d", i);
	}
	/* ENOTSOCK: found after the descriptors, still before any id */
	bad[0] = zc_file(self->file, 0, 0);
	xfer_arg(x, sizeof(*x), self->file, ZCOPY_MODE_SG, 0, &bad[0], 1);
	memcpy(ref, buf, sizeof(buf));
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
	EXPECT_EQ(ENOTSOCK, errno);
	EXPECT_EQ(0, memcmp(ref, buf, sizeof(buf)));
}

/* every file of the module's debugfs directory and the directory itself */
TEST(debugfs_modes)
{
	static const char *const known[] = {
		"totals", "transfers", "transfer", "reset", "direct_threshold", "live",
	};
	struct dirent *e;
	struct stat st;
	int seen = 0;
	DIR *dir;

	dir = opendir(ZC_DEBUGFS);
	if (!dir)
		SKIP(return, ZC_DEBUGFS ": %s (debugfs not mounted?)", strerror(errno));
	ASSERT_EQ(0, stat(ZC_DEBUGFS, &st));
	/* debugfs_create_dir() makes 0755; nobody but root may change it */
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(0, st.st_mode & 0022) TH_LOG("directory mode %o", st.st_mode & 07777);
	while ((e = readdir(dir))) {
		char path[300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), ZC_DEBUGFS "/%s", e->d_name);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_uid) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_gid) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_mode & 0077) TH_LOG("%s: mode %o", path, st.st_mode & 07777);
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(known[i], e->d_name))
				seen++;
	}
	closedir(dir);
	EXPECT_EQ(sizeof(known) / sizeof(known[0]), seen);
}

static int nobody_debugfs(void *arg)
{
	static const char *const paths[] = {
		ZC_DEBUGFS "/totals", ZC_DEBUGFS "/transfers", ZC_DEBUGFS "/transfer",
		ZC_DEBUGFS "/reset", ZC_DEBUGFS "/direct_threshold", ZC_DEBUGFS "/live",
	};
	int step = 1;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		static const int flags[] = { O_RDONLY, O_WRONLY, O_RDWR };

		for (int f = 0; f < 3; f++, step++) {
			int fd = open(paths[i], flags[f]);

			if (fd >= 0 || errno != EACCES)
				return step;
		}
	}
	return 0;
}

/* as nobody, no file of it opens, for reading or writing: EACCES */
TEST(debugfs_unprivileged)
{
	struct stat st;
	int ret;

	if (stat(ZC_DEBUGFS, &st))
		SKIP(return, ZC_DEBUGFS ": %s", strerror(errno));
	ret = as_nobody(nobody_debugfs, NULL);
	EXPECT_EQ(0, ret) TH_LOG("nobody could open a debugfs entry (step %d)", ret);
}

/*
 * The node as the module creates it: miscdevice .mode 0600, root:root on
 * devtmpfs (the VM has no udev).  abi.rst's "Device node" and the udev rule
 * userspace/60-zcopy.rules (OWNER root, GROUP root, MODE 0600) say the same.
 */
TEST(device_node_mode)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/zcopy", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

TEST_HARNESS_MAIN
