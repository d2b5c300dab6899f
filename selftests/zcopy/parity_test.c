// SPDX-License-Identifier: GPL-2.0
/*
 * Where a review found zcopy less faithful to sendfile(2) than the
 * sendfile_test matrix shows: signals while the peer keeps reading, and
 * the "error" member after a transfer that stopped in the middle of a
 * piece.  Every expectation that applies to sendfile is checked on
 * sendfile too, through the same code.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define MAX_RW_COUNT	0x7ffff000L
#define SENDFILE	(-1)	/* the "mode" of the reference */

/* every case gets 180 s: a debug kernel under TCG is 3-10x slower */
static volatile sig_atomic_t signals;

static void on_signal(int sig)
{
	signals++;
}

/* SIGALRM handled with no SA_RESTART: an interrupted call returns */
static void catch_alarm(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGALRM, &sa, NULL);
	signals = 0;
}

/* SIGALRM after @usec */
static void alarm_in(long usec)
{
	struct itimerval it = { .it_value.tv_usec = usec };

	catch_alarm();
	setitimer(ITIMER_REAL, &it, NULL);
}

/* one call of either method over the whole file; @x: zcopy's out members */
static long send_all(int dev, int method, int sock, int fd, struct zcopy_xfer *x)
{
	memset(x, 0, sizeof(*x));
	if (method == SENDFILE) {
		off_t off = 0;

		return sendfile(sock, fd, &off, MAX_RW_COUNT);
	}
	struct zcopy_desc d = zc_file(fd, 0, 0);

	return zc_xfer(dev, sock, method, 0, &d, 1, x);
}

FIXTURE(parity)
{
	int dev, fd;
	char path[256];
	size_t size;
};

FIXTURE_VARIANT(parity)
{
	int method;
};

FIXTURE_VARIANT_ADD(parity, sendfile) { .method = SENDFILE };
FIXTURE_VARIANT_ADD(parity, sg) { .method = ZCOPY_MODE_SG };
FIXTURE_VARIANT_ADD(parity, copy) { .method = ZCOPY_MODE_COPY };
FIXTURE_VARIANT_ADD(parity, direct) { .method = ZCOPY_MODE_DIRECT };

FIXTURE_SETUP(parity)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->size = 32 * ZC_MIB;
	self->fd = zc_make_file(self->path, sizeof(self->path), "parity.dat", self->size, 11);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(parity)
{
	struct itimerval off = {};

	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	close(self->fd);
	unlink(self->path);
	close(self->dev);
}

/*
 * A signal that arrives while the peer keeps reading (so the call need not
 * wait for socket memory) still ends the transfer at the next batch with a
 * short count, as sendfile does; "error" says EINTR.  The peer itself
 * sends the signal once 4 MiB of the 32 arrived: it comes mid-transfer
 * however fast the machine is (sendfile stops some 8 MiB later: what the
 * socket buffers held, and the batch under way).
 */
TEST_F_TIMEOUT(parity, signal_with_reading_peer, 180)
{
	struct zc_sink sink;
	struct zcopy_xfer x;
	int snd, rcv;
	long ret;

	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	catch_alarm();
	ASSERT_EQ(0, zc_sink_start_kill(&sink, rcv, 4 * ZC_MIB, SIGALRM));
	ret = send_all(self->dev, variant->method, snd, self->fd, &x);
	close(snd);
	zc_sink_wait(&sink);
	EXPECT_EQ(1, signals);
	EXPECT_LE(4 * ZC_MIB, ret) TH_LOG("errno %s", strerror(errno));
	EXPECT_GT((long)self->size, ret) TH_LOG("the signal did not stop the transfer");
	EXPECT_EQ((uint64_t)ret, sink.bytes);
	if (variant->method != SENDFILE) {
		EXPECT_EQ(EINTR, x.error);
		EXPECT_EQ((uint64_t)ret, x.bytes_sent);
	}
	TH_LOG("stopped after %ld of %zu bytes", ret, self->size);
}

/* zc_sink_start_at(): the file shrinks to this size while it is being sent */
#define TRUNCATED_SIZE	(16 * ZC_MIB + 1000)

static void truncate_now(void *arg)
{
	int *fd = arg;

	if (ftruncate(*fd, TRUNCATED_SIZE))
		*fd = -errno;
}

/*
 * The file is truncated in the middle of the transfer, while its end is
 * still far ahead (small socket buffers: at most a few MiB are on their
 * way when 1 MiB has arrived): the transfer ends at the new end of the
 * file, with that count and no error, as sendfile's, and the peer got
 * exactly the file's bytes up to there (nothing already sent is lost,
 * never ENODATA).
 */
TEST_F_TIMEOUT(parity, truncated_under_transfer, 180)
{
	int snd, rcv, wfd, buf = 256 * 1024;
	struct zc_sink sink;
	struct zcopy_xfer x;
	uint64_t want;
	size_t got;
	long ret;

	wfd = open(self->path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, wfd);
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	setsockopt(snd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(rcv, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	ASSERT_EQ(0, zc_sink_start_at(&sink, rcv, ZC_MIB, truncate_now, &wfd));
	ret = send_all(self->dev, variant->method, snd, self->fd, &x);
	close(snd);
	zc_sink_wait(&sink);
	ASSERT_LE(0, wfd) TH_LOG("ftruncate: %s", strerror(-wfd));
	close(wfd);
	want = zc_hash_file(self->fd, 0, self->size, &got);
	ASSERT_EQ(TRUNCATED_SIZE, got);
	EXPECT_EQ(TRUNCATED_SIZE, ret) TH_LOG("errno %s", strerror(errno));
	EXPECT_EQ((uint64_t)ret, sink.bytes);
	EXPECT_EQ(want, sink.hash) TH_LOG("the peer got other bytes than the file's");
	if (variant->method != SENDFILE) {
		EXPECT_EQ(0, x.error) TH_LOG("error %s", strerror(x.error));
		EXPECT_EQ((uint64_t)ret, x.bytes_sent);
	}
}

/*
 * A peer that does not read: a non-blocking call returns what fitted, and
 * "error" says why it stopped (EAGAIN) although that was in the middle of
 * the file's piece; the next call fails with EAGAIN in both places.
 */
TEST_F_TIMEOUT(parity, error_mid_piece_nonblocking, 180)
{
	struct zcopy_xfer x;
	int snd, rcv, small = 64 * 1024;
	long ret;

	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	setsockopt(snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(rcv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	fcntl(snd, F_SETFL, O_NONBLOCK);
	ret = send_all(self->dev, variant->method, snd, self->fd, &x);
	EXPECT_LT(0, ret);
	EXPECT_GT((long)self->size, ret);
	if (variant->method != SENDFILE) {
		EXPECT_EQ(EAGAIN, x.error);
	}
	for (int i = 0; i < 50 && ret > 0; i++)
		ret = send_all(self->dev, variant->method, snd, self->fd, &x);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EAGAIN, errno);
	if (variant->method != SENDFILE) {
		EXPECT_EQ(EAGAIN, x.error);
	}
	close(snd);
	close(rcv);
}

/*
 * A peer that does not read, a non-blocking socket: DIRECT and COPY read
 * no more than the socket has room for, since what it cannot take would
 * be read for nothing: per call, at most the page a full socket is still
 * asked to take, the rounding to whole pages, and what the socket's own
 * overhead leaves of the room it had (4 pages in all; without the bound,
 * DIRECT read 2 MiB for 160 KiB sent).  The witnesses: DIRECT's direct_bytes, what the device moved;
 * for COPY, a kprobe on the module's read of each chunk.
 */
TEST_F_TIMEOUT(parity, nonblocking_reads_what_fits, 180)
{
	static const char *const copy_read[] = { "zcopy_kernel_read count=$arg3:u64" };
	long calls = 0, sent = 0, read = 0, n, max, ret = 1;
	int snd, rcv, small = 64 * 1024;
	struct zcopy_xfer x;

	if (variant->method != ZCOPY_MODE_COPY && variant->method != ZCOPY_MODE_DIRECT)
		SKIP(return, "reads nothing it could not send");
	if (variant->method == ZCOPY_MODE_COPY && zc_kprobes_add(copy_read, 1) != 1)
		SKIP(return, "no kprobe on zcopy_kernel_read");
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	setsockopt(snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(rcv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	fcntl(snd, F_SETFL, O_NONBLOCK);
	for (; calls < 50 && ret > 0; calls++) {
		uint64_t direct = 0;

		ret = send_all(self->dev, variant->method, snd, self->fd, &x);
		sent += x.bytes_sent;
		if (variant->method == ZCOPY_MODE_DIRECT) {
			ASSERT_EQ(0, zc_debugfs_record(x.xfer_id, "direct_bytes", &direct));
			read += direct;
		}
	}
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EAGAIN, errno);
	if (variant->method == ZCOPY_MODE_COPY) {
		ASSERT_EQ(0, zc_kprobe_arg_stats("count", &n, &read, &max));
		zc_kprobes_del();
	}
	TH_LOG("%ld calls sent %ld bytes and read %ld", calls, sent, read);
	EXPECT_LT(0, sent);
	EXPECT_GE(sent + calls * 4 * 4096, read);
	close(snd);
	close(rcv);
}

/*
 * A blocked call that a signal interrupts: a short count with "error"
 * EINTR, or -1/EINTR when nothing was sent, and never a kernel-internal
 * restart code (ERESTARTSYS is 512) in "error".
 */
TEST_F_TIMEOUT(parity, error_never_internal, 180)
{
	struct zcopy_xfer x;
	int snd, rcv, small = 64 * 1024, failed = 0;
	long ret;

	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	setsockopt(snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(rcv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (int i = 0; i < 50 && !failed; i++) {
		alarm_in(100000);
		ret = send_all(self->dev, variant->method, snd, self->fd, &x);
		EXPECT_EQ(1, signals);
		if (ret < 0) {
			EXPECT_EQ(EINTR, errno);
			failed = 1;
		}
		if (variant->method != SENDFILE) {
			EXPECT_EQ(EINTR, x.error) TH_LOG("call %d returned %ld", i, ret);
		}
	}
	EXPECT_EQ(1, failed) TH_LOG("no call failed once the socket was full");
	close(snd);
	close(rcv);
}

/*
 * Files whose size is not their length: procfs reports 0, sysfs a page.
 * Length 0 sends what the file's read returns until it returns 0, as
 * sendfile does, and the transfer goes on with the next descriptor.
 */
FIXTURE(eof)
{
	int dev;
};

FIXTURE_VARIANT(eof)
{
	const char *path;
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(eof, cpuinfo_sg) { .path = "/proc/cpuinfo", .mode = ZCOPY_MODE_SG };
FIXTURE_VARIANT_ADD(eof, cpuinfo_copy) { .path = "/proc/cpuinfo", .mode = ZCOPY_MODE_COPY };
FIXTURE_VARIANT_ADD(eof, version_auto) { .path = "/proc/version", .mode = ZCOPY_MODE_AUTO };
FIXTURE_VARIANT_ADD(eof, sysfs_mtu_sg) { .path = "/sys/class/net/lo/mtu", .mode = ZCOPY_MODE_SG };

FIXTURE_SETUP(eof)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(eof)
{
	close(self->dev);
}

/* what read(2) gives for the whole file: its length and hash */
static size_t read_all(const char *path, uint64_t *hash)
{
	char buf[4096];
	size_t total = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	*hash = ZC_HASH_INIT;
	while (fd >= 0 && (r = read(fd, buf, sizeof(buf))) > 0) {
		*hash = zc_hash(*hash, buf, r);
		total += r;
	}
	close(fd);
	return total;
}

TEST_F_TIMEOUT(eof, length_zero_reads_to_the_end, 180)
{
	static const char trailer[] = "--end--";
	uint64_t want_hash, sf_hash;
	size_t want = read_all(variant->path, &want_hash);
	struct zc_sink sink;
	struct zcopy_xfer x;
	struct zcopy_desc d[2];
	int snd, rcv, fd;
	off_t off = 0;
	long ret;

	ASSERT_LT(0, want);
	fd = open(variant->path, O_RDONLY);
	ASSERT_LE(0, fd);

	/* sendfile(2), the reference: everything, whatever i_size says */
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	ASSERT_EQ(0, zc_sink_start(&sink, rcv));
	ret = sendfile(snd, fd, &off, MAX_RW_COUNT);
	close(snd);
	zc_sink_wait(&sink);
	sf_hash = sink.hash;
	EXPECT_EQ((long)want, ret);
	EXPECT_EQ(want_hash, sf_hash);

	/* zcopy: the same bytes, then the trailer */
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	ASSERT_EQ(0, zc_sink_start(&sink, rcv));
	d[0] = zc_file(fd, 0, 0);
	d[1] = zc_buf(trailer, sizeof(trailer) - 1);
	ret = zc_xfer(self->dev, snd, variant->mode, 0, d, 2, &x);
	close(snd);
	zc_sink_wait(&sink);
	EXPECT_EQ((long)(want + sizeof(trailer) - 1), ret) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, x.error);
	EXPECT_EQ(want + sizeof(trailer) - 1, sink.bytes);
	EXPECT_EQ(zc_hash(want_hash, trailer, sizeof(trailer) - 1), sink.hash);
	/* nothing came from a storage device */
	EXPECT_EQ(0, x.counters.dma_in_bytes);
	TH_LOG("%s: %zu bytes, reported size %lld", variant->path, want,
	       (long long)lseek(fd, 0, SEEK_END));
	close(fd);
}

/*
 * The security module's hooks run for zcopy's transfers exactly where they
 * run for sendfile's.  socket_sendmsg (AppArmor, SELinux, Smack decide
 * there): on 6.12 sendfile goes through sock_sendmsg(), on 6.1 through
 * ->sendpage(), which has no such hook.  file_permission (with fanotify's
 * permission events, from rw_verify_area()): 6.1's splice loop asks before
 * every 16 pages it reads, 6.12's sendfile once per call; so does zcopy,
 * whose direct page-cache lookups would otherwise ask it per 15 or 31
 * folios, or never.  The witness is a kprobe on the hook, counted around
 * one call of each.
 */
FIXTURE(lsm)
{
	int dev, fd, probes;
	char path[256];
};

FIXTURE_VARIANT(lsm)
{
	const char *hook;
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(lsm, sg) { .hook = "security_socket_sendmsg", .flags = 0 };
FIXTURE_VARIANT_ADD(lsm, sg_sync) { .hook = "security_socket_sendmsg", .flags = ZCOPY_F_SYNC };
FIXTURE_VARIANT_ADD(lsm, sg_file) { .hook = "security_file_permission", .flags = 0 };

FIXTURE_SETUP(lsm)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->fd = zc_make_file(self->path, sizeof(self->path), "lsm.dat", ZC_MIB, 12);
	ASSERT_LE(0, self->fd);
	self->probes = zc_kprobes_add(&variant->hook, 1);
	if (self->probes <= 0)
		SKIP(return, "no kprobe on %s in this kernel", variant->hook);
}

FIXTURE_TEARDOWN(lsm)
{
	zc_kprobes_del();
	close(self->fd);
	unlink(self->path);
	close(self->dev);
}

/* hook hits during one call that sends the whole file */
static long hook_hits(struct __test_metadata *_metadata, int dev, int fd, int method,
		      uint32_t flags)
{
	struct zc_sink sink;
	int snd, rcv;
	long before, ret;

	if (zc_pair(ZC_TCP4, &snd, &rcv) || zc_sink_start(&sink, rcv))
		return -1;
	before = zc_kprobe_hits();
	if (method == SENDFILE) {
		off_t off = 0;

		ret = sendfile(snd, fd, &off, ZC_MIB);
	} else {
		struct zcopy_desc d = zc_file(fd, 0, 0);

		ret = zc_xfer(dev, snd, method, flags, &d, 1, NULL);
	}
	before = zc_kprobe_hits() - before;
	close(snd);
	zc_sink_wait(&sink);
	EXPECT_EQ(ZC_MIB, ret);
	EXPECT_EQ(ZC_MIB, sink.bytes);
	return before;
}

TEST_F_TIMEOUT(lsm, hook_like_sendfile, 180)
{
	long sf = hook_hits(_metadata, self->dev, self->fd, SENDFILE, 0);
	long zc = hook_hits(_metadata, self->dev, self->fd, ZCOPY_MODE_SG, variant->flags);

	/* file_permission: each count has the hit of its own look at kprobe_profile */
	TH_LOG("%s hits: sendfile %ld, zcopy %ld", variant->hook, sf, zc);
	ASSERT_LE(0, sf);
	if (!strcmp(variant->hook, "security_file_permission")) {
		/* the cached 1 MiB file: 2 on 6.12, about 18 on 6.1, for both */
		EXPECT_LE(1, zc);
		EXPECT_GE(2 * sf + 1, zc);
		EXPECT_LE(sf / 2, zc);
	} else if (variant->flags & ZCOPY_F_SYNC) {
		/* SYNC sends with sock_sendmsg() on both kernels: never fewer checks */
		EXPECT_LT(0, zc);
	} else {
		EXPECT_EQ(sf > 0, zc > 0);
	}
}

/*
 * A filesystem that refuses reads although the page cache still holds the
 * file: ext4 after a forced shutdown (what a dying disk or an
 * administrator's "shutdown -f" leaves) fails every read with EIO, and so
 * does sendfile.  So must every mode, SG too, whose pages sit in the cache
 * up to date.  The file lives on the VM's scratch disk (serial zcscratch),
 * mounted for each case: the shutdown is for good until the next mount.
 */
#define EXT4_IOC_SHUTDOWN		_IOR('X', 125, uint32_t)
#define EXT4_GOING_FLAGS_NOLOGFLUSH	0x2

FIXTURE(shutdown)
{
	int dev, fd;
	bool mounted;
};

FIXTURE_VARIANT(shutdown)
{
	int method;
};

FIXTURE_VARIANT_ADD(shutdown, sendfile) { .method = SENDFILE };
FIXTURE_VARIANT_ADD(shutdown, sg) { .method = ZCOPY_MODE_SG };
FIXTURE_VARIANT_ADD(shutdown, copy) { .method = ZCOPY_MODE_COPY };
FIXTURE_VARIANT_ADD(shutdown, direct) { .method = ZCOPY_MODE_DIRECT };
FIXTURE_VARIANT_ADD(shutdown, auto) { .method = ZCOPY_MODE_AUTO };

FIXTURE_SETUP(shutdown)
{
	char path[256];
	int ret;

	self->fd = -1;
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	ret = zc_scratch_mount(NULL);
	if (ret > 0)
		SKIP(return, "no scratch ext4 disk (serial zcscratch) in this machine");
	ASSERT_EQ(0, ret) TH_LOG("cannot mount the scratch disk");
	self->mounted = true;
	/* each case runs in a child of its own: the variable goes with it */
	setenv("ZCOPY_DATA", ZC_SCRATCH, 1);
	self->fd = zc_make_file(path, sizeof(path), "shutdown.dat", ZC_MIB, 13);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(shutdown)
{
	if (self->fd >= 0)
		close(self->fd);
	/* one mount per case: a mount left behind would hide the next one's */
	if (self->mounted)
		EXPECT_EQ(0, zc_scratch_umount());
	close(self->dev);
}

TEST_F_TIMEOUT(shutdown, reads_refused_from_cache, 180)
{
	uint32_t how = EXT4_GOING_FLAGS_NOLOGFLUSH;
	struct zc_sink sink;
	struct zcopy_xfer x;
	size_t cached;
	char c;
	int snd, rcv;
	long ret;

	/* the whole file in the page cache, up to date */
	zc_hash_file(self->fd, 0, ZC_MIB, &cached);
	ASSERT_EQ(ZC_MIB, cached);
	ASSERT_EQ(0, ioctl(self->fd, EXT4_IOC_SHUTDOWN, &how)) TH_LOG("%s", strerror(errno));
	/* the witness: a plain read is refused */
	ASSERT_EQ(-1, pread(self->fd, &c, 1, 0));
	ASSERT_EQ(EIO, errno);

	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	ASSERT_EQ(0, zc_sink_start(&sink, rcv));
	ret = send_all(self->dev, variant->method, snd, self->fd, &x);
	EXPECT_EQ(-1, ret) TH_LOG("sent %ld bytes from a shut-down filesystem", ret);
	EXPECT_EQ(EIO, errno);
	close(snd);
	zc_sink_wait(&sink);
	EXPECT_EQ(0, sink.bytes);
}

TEST_HARNESS_MAIN
