// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded ioctl fuzzer: structured random ZCOPY_IOC_XFER calls with every
 * kind of descriptor the caller can hold, offsets and lengths at the edges
 * of loff_t and MAX_RW_COUNT, bad and unaligned pointers, random flags,
 * modes, sizes and reserved bytes.  Every call must return a count or one
 * of the documented errnos; the VM fails the run on any kernel splat.
 *
 * ZCOPY_FUZZ_SEED reproduces a run (the seed is printed); ZCOPY_FUZZ_CALLS
 * sets the number of calls (default 20000).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define NFDS	24
#define MAX_N	4	/* descriptors per call */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}

FIXTURE(fuzz)
{
	int dev;
	int fds[NFDS];
	int nfds;
	int good_sock[2];	/* connected, with a peer that reads */
	void *unmapped;
	char path[256], tmp[64];
	struct zc_sink sinks[2];
};

static void add(FIXTURE_DATA(fuzz) *self, int fd)
{
	if (self->nfds < NFDS)
		self->fds[self->nfds++] = fd;
}

FIXTURE_SETUP(fuzz)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_usec = 20000 };
	int p[2], s, r, sv[2];

	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->unmapped);

	/* files of every kind */
	add(self, zc_make_file(self->path, sizeof(self->path), "fuzz.dat", 300000, 13));
	strcpy(self->tmp, "/tmp/zcopy-fuzz-XXXXXX");
	add(self, mkstemp(self->tmp));
	add(self, open(self->path, O_WRONLY));
	add(self, open(self->path, O_PATH));
	add(self, open(zc_data_dir(), O_RDONLY | O_DIRECTORY));
	ASSERT_EQ(0, pipe(p));
	add(self, p[0]);
	add(self, p[1]);
	add(self, eventfd(0, 0));
	add(self, memfd_create("fuzz", 0));
	add(self, open("/dev/zero", O_RDONLY));
	add(self, open("/proc/self/status", O_RDONLY));
	/* sockets in every state; connected ones with a peer that reads */
	for (int t = ZC_TCP4; t <= ZC_UNIX; t++) {
		ASSERT_EQ(0, zc_pair(t, &s, &r));
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		add(self, s);
		if (t == ZC_TCP6) {
			add(self, r);	/* a peer that never reads */
			continue;
		}
		ASSERT_EQ(0, zc_sink_start(&self->sinks[t == ZC_UNIX], r));
		self->good_sock[t == ZC_UNIX] = s;
	}
	add(self, socket(AF_INET, SOCK_STREAM, 0));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	connect(s, (void *)&sin, sizeof(sin));
	add(self, s);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	add(self, sv[0]);
	add(self, sv[1]);
	/* numbers that are not open */
	add(self, 999);
	add(self, -1);
}

FIXTURE_TEARDOWN(fuzz)
{
	/* the sinks end when their peers close */
	for (int i = 0; i < self->nfds; i++)
		if (self->fds[i] >= 0 && self->fds[i] != 999)
			close(self->fds[i]);
	close(self->dev);
	unlink(self->path);
	unlink(self->tmp);
}

static bool documented(int err)
{
	switch (err) {
	case EBADF: case ESPIPE: case EINVAL: case ENOTSOCK: case EOPNOTSUPP:
	case ENOTCONN: case EFAULT: case EAGAIN: case EINTR: case EPIPE:
	case ECONNRESET: case ENOMEM: case E2BIG:
		return true;
	}
	return false;
}

TEST_F_TIMEOUT(fuzz, random_calls, 600)
{
	static const uint64_t offs[] = {
		0, 1, 4095, 4096, 299999, 300000, 300001, 0x7ffff000, 0x7ffff001,
		(uint64_t)INT64_MAX, (uint64_t)INT64_MIN, (uint64_t)-1, 1ULL << 40,
	};
	static const uint64_t lens[] = {
		0, 1, 100, 4096, 65536, 65537, 300000, 0x7ffff000, 0x7ffff001,
		(uint64_t)INT64_MAX, (uint64_t)-1,
	};
	static char buf[80000];
	struct zcopy_desc d[MAX_N];
	const char *env = getenv("ZCOPY_FUZZ_SEED");
	unsigned long calls = getenv("ZCOPY_FUZZ_CALLS") ?
			      strtoul(getenv("ZCOPY_FUZZ_CALLS"), NULL, 0) : 20000;
	unsigned long sent = 0, failed = 0, odd = 0;
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);

	rng = seed | 1;
	TH_LOG("seed %llu, %lu calls (ZCOPY_FUZZ_SEED=%llu reproduces)",
	       (unsigned long long)seed, calls, (unsigned long long)seed);
	for (unsigned long c = 0; c < calls; c++) {
		unsigned char arg[sizeof(struct zcopy_xfer) + 16];
		struct zcopy_xfer *x = (void *)arg;
		unsigned int n = 1 + rnd() % MAX_N;
		long ret;

		for (unsigned int i = 0; i < n; i++) {
			uint64_t r = rnd();

			memset(&d[i], 0, sizeof(d[i]));
			d[i].type = r % 16 ? 1 + r % 2 : r % 5;
			if (d[i].type == ZCOPY_DESC_BUF) {
				static const uintptr_t bad[] = { 0, 1, 4095 };

				d[i].len = r % 3 ? rnd() % 2000 : pick(lens, 11);
				d[i].addr = r % 7 ? (uintptr_t)(buf + rnd() % 1000) :
					    r % 2 ? (uintptr_t)self->unmapped : bad[rnd() % 3];
			} else {
				/* often the readable file, so that calls get through */
				d[i].fd = rnd() % 2 ? self->fds[0] : self->fds[rnd() % self->nfds];
				d[i].offset = r % 4 ? rnd() % 310000 : pick(offs, 13);
				d[i].len = r % 4 ? rnd() % 310000 : pick(lens, 11);
			}
			if (!(rnd() % 50))
				d[i].addr |= 1ULL << (rnd() % 64);	/* a field that must be 0 */
		}
		memset(arg, 0, sizeof(arg));
		x->size = rnd() % 20 ? sizeof(*x) : rnd() % sizeof(arg);
		/* non-blocking, so that a full socket never stalls the fuzzer */
		x->flags = (rnd() % 10 ? rnd() & 0x1f : (uint32_t)rnd()) | ZCOPY_F_NONBLOCK;
		x->flags &= rnd() % 4 ? ~ZCOPY_F_SYNC : ~0U;
		x->sock_fd = rnd() % 2 ? self->good_sock[rnd() % 2] :
			     self->fds[rnd() % self->nfds];
		x->mode = rnd() % 10 ? rnd() % 4 : (uint32_t)rnd();
		x->ndescs = rnd() % 50 ? n : (uint32_t)rnd() % 2000;
		x->descs = rnd() % 30 ? (uintptr_t)d : rnd() % 2 ? 0 : (uintptr_t)self->unmapped;
		if (!(rnd() % 40))
			arg[offsetof(struct zcopy_xfer, __reserved0) + rnd() % 4] = 1;
		if (!(rnd() % 40))
			arg[sizeof(*x) + rnd() % 16] = 1;

		ret = ioctl(self->dev, ZCOPY_IOC_XFER, x->descs == (uintptr_t)d && rnd() % 100 ?
			    (void *)x : rnd() % 2 ? NULL : self->unmapped);
		if (ret >= 0) {
			sent++;
		} else {
			failed++;
			if (!documented(errno)) {
				odd++;
				TH_LOG("call %lu: undocumented errno %d (%s)", c, errno,
				       strerror(errno));
			}
		}
	}
	TH_LOG("%lu calls sent data, %lu failed with documented errnos, %lu otherwise",
	       sent, failed - odd, odd);
	EXPECT_EQ(0, odd);
	/* a fuzzer that never gets through validation tests nothing */
	EXPECT_LT(calls / 100, sent);
}

TEST_HARNESS_MAIN
