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

TEST_F(diff, matrix)
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

/* 64 MiB: the size where batching and chunking matter */
TEST_F(diff, large)
{
	char path[256];
	int mismatches = 0;
	int fd = zc_make_file(path, sizeof(path), "diff-large.dat", 64 * ZC_MIB, 7);

	ASSERT_LE(0, fd);
	for (int m = ZCOPY_MODE_COPY; m < ZCOPY_MODE_COUNT; m++)
		for (int t = ZC_TCP4; t <= ZC_UNIX; t += ZC_UNIX - ZC_TCP4)
			mismatches += compare(_metadata, self->dev, fd, 64 * ZC_MIB,
					      m, t, false, m == ZCOPY_MODE_SG ? 4097 : 0, 0);
	mismatches += compare(_metadata, self->dev, fd, 64 * ZC_MIB, ZCOPY_MODE_SG,
			      ZC_TCP4, true, 0, 0);
	close(fd);
	unlink(path);
	EXPECT_EQ(0, mismatches);
}

TEST_HARNESS_MAIN
