// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy against sendfile(2): the same case through both must give the same
 * byte count, the same errno and the same bytes at the peer.  A matrix of
 * sizes, offsets and lengths over TCP and UNIX, blocking and not, for every
 * mode; then the partial-transfer semantics one by one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define MAX_RW_COUNT	0x7ffff000L
#define SENDFILE	(-1)	/* the "mode" of the reference */

struct outcome {
	long ret;		/* first call */
	int err;
	uint64_t total;		/* after retrying EAGAIN (non-blocking) */
	uint64_t bytes;		/* at the peer */
	uint64_t hash;
};

/* one call of either method; the length 0 of zcopy is sendfile's "all" */
static long send_once(int dev, int method, int sock, int fd, int64_t off, uint64_t len)
{
	if (method == SENDFILE) {
		off_t o = off;

		return sendfile(sock, fd, &o, len ? len : MAX_RW_COUNT);
	}
	struct zcopy_desc d = zc_file(fd, off, len);

	return zc_xfer(dev, sock, method, 0, &d, 1, NULL);
}

static int run_case(int dev, int method, enum zc_transport t, bool nonblock,
		    int fd, int64_t off, uint64_t len, struct outcome *o)
{
	struct zc_sink sink;
	int snd, rcv;
	long ret;

	memset(o, 0, sizeof(*o));
	if (zc_pair(t, &snd, &rcv) || zc_sink_start(&sink, rcv))
		return -1;
	if (nonblock)
		fcntl(snd, F_SETFL, O_NONBLOCK);
	ret = send_once(dev, method, snd, fd, off, len);
	o->ret = ret;
	o->err = ret < 0 ? errno : 0;
	o->total = ret > 0 ? ret : 0;
	/* non-blocking: go on where the first call stopped, as a server would */
	while (nonblock && (ret > 0 || (ret < 0 && errno == EAGAIN))) {
		struct pollfd p = { .fd = snd, .events = POLLOUT };
		uint64_t left = len ? len - o->total : 0;

		if (len && !left)
			break;
		poll(&p, 1, 1000);
		ret = send_once(dev, method, snd, fd, off + o->total, left);
		if (ret > 0)
			o->total += ret;
		if (ret == 0)
			break;
	}
	close(snd);
	zc_sink_wait(&sink);
	o->bytes = sink.bytes;
	o->hash = sink.hash;
	return 0;
}

static const char *method_name(int m)
{
	static const char *const names[] = { "auto", "copy", "sg", "direct" };

	return m == SENDFILE ? "sendfile" : names[m];
}

FIXTURE(diff)
{
	int dev;
};

FIXTURE_SETUP(diff)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(diff)
{
	close(self->dev);
}

static int compare(struct __test_metadata *_metadata, int dev, int fd, size_t size,
		   int method, enum zc_transport t, bool nb, int64_t off, uint64_t len)
{
	struct outcome ref, got;

	if (run_case(dev, SENDFILE, t, nb, fd, off, len, &ref) ||
	    run_case(dev, method, t, nb, fd, off, len, &got)) {
		TH_LOG("cannot set up a connection: %s", strerror(errno));
		return 1;
	}
	/* blocking: the first call must agree; non-blocking: the outcome */
	if ((!nb && (ref.ret != got.ret || ref.err != got.err)) ||
	    ref.total != got.total || ref.bytes != got.bytes || ref.hash != got.hash) {
		TH_LOG("size %zu off %lld len %llu %s %s %s: sendfile %ld (%s) total %llu, "
		       "zcopy %ld (%s) total %llu; peer got %llu vs %llu%s",
		       size, (long long)off, (unsigned long long)len, zc_transport_name(t),
		       nb ? "nonblock" : "block", method_name(method),
		       ref.ret, strerror(ref.err), (unsigned long long)ref.total,
		       got.ret, strerror(got.err), (unsigned long long)got.total,
		       (unsigned long long)ref.bytes, (unsigned long long)got.bytes,
		       ref.hash != got.hash ? ", contents differ" : "");
		return 1;
	}
	return 0;
}

/* 2160 cases: more than the harness's default 30 s under emulation */
TEST_F_TIMEOUT(diff, matrix, 400)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, ZC_MIB + 3 };
	int mismatches = 0, cases = 0;

	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t size = sizes[si];
		const int64_t offs[] = { 0, 1, 4097, (int64_t)size, (int64_t)size + 100 };
		const uint64_t lens[] = { 0, 100, 2 * size + 10000 };
		char path[256];
		int fd = zc_make_file(path, sizeof(path), "diff.dat", size, si + 10);

		ASSERT_LE(0, fd);
		for (int m = ZCOPY_MODE_AUTO; m < ZCOPY_MODE_COUNT; m++)
			for (int t = ZC_TCP4; t <= ZC_UNIX; t++)
				for (int nb = 0; nb < 2; nb++)
					for (size_t oi = 0; oi < 5; oi++)
						for (size_t li = 0; li < 3; li++) {
							mismatches += compare(_metadata, self->dev,
									      fd, size, m, t, nb,
									      offs[oi], lens[li]);
							cases++;
						}
		close(fd);
		unlink(path);
	}
	TH_LOG("%d cases, %d differ", cases, mismatches);
	EXPECT_EQ(0, mismatches);
}

/*
 * 64 MiB: the size where batching and chunking matter.  The debug-kernel
 * run asks for 16 MiB (ZCOPY_DIFF_LARGE_MIB): still four times AUTO's
 * threshold and many batches and DIRECT chunks, so the same lines run, at a
 * quarter of the packets (each costs ten times more under KASAN+lockdep).
 */
TEST_F_TIMEOUT(diff, large, 300)
{
	const char *env = getenv("ZCOPY_DIFF_LARGE_MIB");
	size_t size = (env ? strtoul(env, NULL, 0) : 64) * ZC_MIB;
	char path[256];
	int mismatches = 0;
	int fd;

	ASSERT_LT(4 * ZC_MIB, size) TH_LOG("ZCOPY_DIFF_LARGE_MIB=%s: too small", env);
	fd = zc_make_file(path, sizeof(path), "diff-large.dat", size, 7);
	ASSERT_LE(0, fd);
	TH_LOG("%zu MiB", size / ZC_MIB);
	for (int m = ZCOPY_MODE_COPY; m < ZCOPY_MODE_COUNT; m++)
		for (int t = ZC_TCP4; t <= ZC_UNIX; t += ZC_UNIX - ZC_TCP4)
			mismatches += compare(_metadata, self->dev, fd, size,
					      m, t, false, m == ZCOPY_MODE_SG ? 4097 : 0, 0);
	mismatches += compare(_metadata, self->dev, fd, size, ZCOPY_MODE_SG,
			      ZC_TCP4, true, 0, 0);
	close(fd);
	unlink(path);
	EXPECT_EQ(0, mismatches);
}

/*
 * Partial transfers, one semantic at a time, through each method: the
 * expectations are written once and must hold for sendfile and zcopy.
 */
FIXTURE(sem)
{
	int dev, snd, rcv, fd;
	char path[256];
	size_t size;
};

FIXTURE_VARIANT(sem)
{
	int method;
	enum zc_transport t;
};

#define SEM_VARIANT(name, m, tr)					\
	FIXTURE_VARIANT_ADD(sem, name##_##tr) { .method = m, .t = ZC_##tr }
SEM_VARIANT(sendfile, SENDFILE, TCP4);
SEM_VARIANT(sendfile, SENDFILE, UNIX);
SEM_VARIANT(sg, ZCOPY_MODE_SG, TCP4);
SEM_VARIANT(sg, ZCOPY_MODE_SG, UNIX);
SEM_VARIANT(copy, ZCOPY_MODE_COPY, TCP4);
SEM_VARIANT(direct, ZCOPY_MODE_DIRECT, TCP6);

static volatile sig_atomic_t signals;

static void on_signal(int sig)
{
	signals++;
}

FIXTURE_SETUP(sem)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int small = 64 * 1024;

	/* no SA_RESTART: an interrupted call returns */
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	signals = 0;
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->size = 16 * ZC_MIB;
	self->fd = zc_make_file(self->path, sizeof(self->path), "sem.dat", self->size, 5);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zc_pair(variant->t, &self->snd, &self->rcv));
	/* a peer that does not read: the socket fills up quickly */
	setsockopt(self->snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(self->rcv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
}

FIXTURE_TEARDOWN(sem)
{
	close(self->snd);
	close(self->rcv);
	close(self->fd);
	unlink(self->path);
	close(self->dev);
	signal(SIGALRM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

static long sem_send(FIXTURE_DATA(sem) *self, int method, uint32_t flags)
{
	if (method == SENDFILE || !flags)
		return send_once(self->dev, method, self->snd, self->fd, 0, 0);
	struct zcopy_desc d = zc_file(self->fd, 0, 0);

	return zc_xfer(self->dev, self->snd, method, flags, &d, 1, NULL);
}

/*
 * Once the peer stops reading, calls return partial counts and finally
 * fail: how many partial calls come first depends on when the peer's
 * window reopens (loopback TCP collapses its receive queue), so the
 * semantics are checked call by call: never 0, an error only with nothing
 * sent.  @arm runs before each call.  Returns the errno of the failure.
 */
static int until_error(struct __test_metadata *_metadata, FIXTURE_DATA(sem) *self,
		       int method, uint32_t flags, void (*arm)(void))
{
	for (int i = 0; i < 50; i++) {
		long ret;

		if (arm)
			arm();
		ret = sem_send(self, method, flags);
		if (ret < 0)
			return errno;
		EXPECT_LT(0, ret);
		EXPECT_GT((long)self->size, ret);
	}
	TH_LOG("no error after 50 calls");
	return 0;
}

static void arm_timer(void)
{
	struct itimerval it = { .it_value.tv_usec = 300000 };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* EAGAIN only when nothing was sent */
TEST_F(sem, nonblocking_partial)
{
	long ret;

	fcntl(self->snd, F_SETFL, O_NONBLOCK);
	ret = sem_send(self, variant->method, 0);
	EXPECT_LT(0, ret);
	EXPECT_GT((long)self->size, ret);
	EXPECT_EQ(EAGAIN, until_error(_metadata, self, variant->method, 0, NULL));
}

/* zcopy's NONBLOCK flag on a blocking socket behaves the same */
TEST_F(sem, nonblock_flag)
{
	long ret;

	if (variant->method == SENDFILE)
		SKIP(return, "a zcopy flag; sendfile has no equivalent");
	ret = sem_send(self, variant->method, ZCOPY_F_NONBLOCK);
	EXPECT_LT(0, ret);
	EXPECT_GT((long)self->size, ret);
	EXPECT_EQ(EAGAIN, until_error(_metadata, self, variant->method,
				      ZCOPY_F_NONBLOCK, NULL));
	/* the socket itself stayed blocking */
	EXPECT_EQ(0, fcntl(self->snd, F_GETFL) & O_NONBLOCK);
}

/* a signal ends a blocked call with the partial count; EINTR if none */
TEST_F(sem, signal_interrupts)
{
	long ret;

	arm_timer();
	ret = sem_send(self, variant->method, 0);
	EXPECT_EQ(1, signals);
	EXPECT_LT(0, ret);
	EXPECT_GT((long)self->size, ret);
	EXPECT_EQ(EINTR, until_error(_metadata, self, variant->method, 0, arm_timer));
}

/* SO_SNDTIMEO: partial count at the timeout, EAGAIN when nothing fits */
TEST_F(sem, send_timeout)
{
	struct timeval tv = { .tv_usec = 200000 };
	long ret;

	ASSERT_EQ(0, setsockopt(self->snd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	ret = sem_send(self, variant->method, 0);
	EXPECT_LT(0, ret);
	EXPECT_GT((long)self->size, ret);
	EXPECT_EQ(EAGAIN, until_error(_metadata, self, variant->method, 0, NULL));
}

/* writing after shutdown: EPIPE and SIGPIPE, or no signal if asked */
TEST_F(sem, broken_pipe)
{
	ASSERT_EQ(0, shutdown(self->snd, SHUT_WR));
	EXPECT_EQ(-1, sem_send(self, variant->method, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, signals);
	if (variant->method == SENDFILE)
		return;
	EXPECT_EQ(-1, sem_send(self, variant->method, ZCOPY_F_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, signals);
}

/* the peer goes away mid-transfer: a partial count, then an error */
TEST_F(sem, peer_closes)
{
	struct itimerval it = { .it_value.tv_sec = 5 };
	char buf[4096];
	long ret;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* read a little, then close with unread data: a reset */
		usleep(200000);
		for (int i = 0; i < 16; i++)
			if (read(self->rcv, buf, sizeof(buf)) <= 0)
				break;
		_exit(0);
	}
	close(self->rcv);
	self->rcv = -1;
	/* a safety net: the call must not block forever */
	setitimer(ITIMER_REAL, &it, NULL);
	ret = sem_send(self, variant->method, ZCOPY_F_NOSIGNAL);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, signals) TH_LOG("the call blocked after the peer closed");
	EXPECT_LT(0, ret) TH_LOG("%s", strerror(errno));
	EXPECT_GT((long)self->size, ret);
	ret = sem_send(self, variant->method, ZCOPY_F_NOSIGNAL);
	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(errno == EPIPE || errno == ECONNRESET) TH_LOG("%s", strerror(errno));
}

/* one call sends at most MAX_RW_COUNT bytes, like sendfile */
TEST_F(diff, clamp)
{
	char path[256];
	struct zcopy_desc d[2];
	struct zcopy_xfer x;
	int snd, rcv, fd;
	long ret;

	snprintf(path, sizeof(path), "%s/sparse.dat", zc_data_dir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 3LL << 30));
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	fcntl(snd, F_SETFL, O_NONBLOCK);
	d[0] = zc_file(fd, 0, 0);
	EXPECT_LT(0, zc_xfer(self->dev, snd, ZCOPY_MODE_SG, 0, d, 1, &x));
	EXPECT_EQ(MAX_RW_COUNT, x.counters.bytes_requested);
	/*
	 * The clamp covers the vector.  The socket is full by now, unless
	 * loopback collapsed the peer's receive queue and reopened its window
	 * in between: then a partial count, which "error" explains.
	 */
	d[1] = zc_file(fd, 1, 2LL << 30);
	d[0] = zc_file(fd, 0, 2LL << 30);
	ret = zc_xfer(self->dev, snd, ZCOPY_MODE_SG, 0, d, 2, &x);
	if (ret < 0) {
		EXPECT_EQ(EAGAIN, errno);
	} else {
		EXPECT_GT(MAX_RW_COUNT, ret);
	}
	EXPECT_EQ(MAX_RW_COUNT, x.counters.bytes_requested);
	EXPECT_EQ(EAGAIN, x.error);
	close(snd);
	close(rcv);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
