// SPDX-License-Identifier: GPL-2.0
/*
 * DIRECT means direct: a file that its filesystem would read through the
 * page cache even with O_DIRECT (ext4 with data=journal; also fs-verity,
 * inline data, encryption without inline crypto) is refused with
 * EOPNOTSUPP, goes by SG with ZCOPY_F_DIRECT_FALLBACK, and AUTO never
 * takes DIRECT for it; direct_bytes and the page cache (mincore) say what
 * happened.  The control is the same file system mounted data=ordered,
 * where DIRECT reads the device and leaves the page cache as it was, at
 * an offset aligned to nothing too.  The files live on the VM's scratch
 * disk, mounted for each case with the variant's options.
 *
 * On a non-blocking socket, DIRECT reads no more than the send buffer has
 * room for, so the socket never learns that the sender wanted more; the
 * module tells it, as a full send does, and TCP grows the buffer.  The
 * case sends over a connection with a small MSS (a small initial buffer,
 * as over an Ethernet MTU) in calls that each start with the buffer empty
 * and ask for more than it holds: without the module's word, no send ever
 * finds it full, and it keeps its initial size.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define SIZE		(8 * ZC_MIB)
#define ODD_OFFSET	(4096 + 100)

FIXTURE(direct)
{
	int dev, fd;
	bool mounted;
	char path[256];
};

FIXTURE_VARIANT(direct)
{
	const char *opts;
	bool direct;	/* ext4 reads these files directly */
};

FIXTURE_VARIANT_ADD(direct, ordered) { .opts = NULL, .direct = true };
FIXTURE_VARIANT_ADD(direct, journal) { .opts = "data=journal", .direct = false };

FIXTURE_SETUP(direct)
{
	int ret;

	self->fd = -1;
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	ret = zc_scratch_mount(variant->opts);
	if (ret > 0)
		SKIP(return, "no scratch ext4 disk (serial zcscratch) in this machine");
	ASSERT_EQ(0, ret) TH_LOG("cannot mount the scratch disk");
	self->mounted = true;
	/* each case runs in a child of its own: the variable goes with it */
	setenv("ZCOPY_DATA", ZC_SCRATCH, 1);
	self->fd = zc_make_file(self->path, sizeof(self->path), "direct.dat", SIZE, 21);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zc_drop_file_cache(self->fd));
	ASSERT_EQ(0, zc_resident_pages(self->fd, SIZE));
}

FIXTURE_TEARDOWN(direct)
{
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	/* one mount per case: a mount left behind would hide the next one's */
	if (self->mounted)
		EXPECT_EQ(0, zc_scratch_umount());
	close(self->dev);
}

/* one call of @mode over [@off, SIZE); the peer's count in @arrived */
static long send_from(int dev, uint32_t mode, uint32_t flags, int fd, off_t off,
		      struct zcopy_xfer *x, uint64_t *arrived)
{
	struct zcopy_desc d = zc_file(fd, off, SIZE - off);
	struct zc_sink sink;
	int snd, rcv, err;
	long ret;

	memset(x, 0, sizeof(*x));
	if (zc_pair(ZC_TCP4, &snd, &rcv) || zc_sink_start(&sink, rcv))
		return -2;
	ret = zc_xfer(dev, snd, mode, flags, &d, 1, x);
	err = errno;
	close(snd);
	zc_sink_wait(&sink);
	*arrived = sink.bytes;
	errno = err;
	return ret;
}

TEST_F_TIMEOUT(direct, reads_the_device_or_refuses, 180)
{
	struct zcopy_xfer x;
	uint64_t arrived;
	long ret;

	ret = send_from(self->dev, ZCOPY_MODE_DIRECT, 0, self->fd, ODD_OFFSET, &x, &arrived);
	TH_LOG("returned %ld (%s), direct_bytes %llu, %zu pages cached", ret,
	       ret < 0 ? strerror(errno) : "-", (unsigned long long)x.counters.direct_bytes,
	       zc_resident_pages(self->fd, SIZE));
	if (!variant->direct) {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EOPNOTSUPP, errno);
		EXPECT_EQ(0, arrived);
		EXPECT_EQ(0, zc_resident_pages(self->fd, SIZE));
		return;
	}
	EXPECT_EQ(SIZE - ODD_OFFSET, ret);
	EXPECT_EQ((uint64_t)ret, arrived);
	/* from the page before the offset: whole pages */
	EXPECT_EQ(SIZE - 4096, x.counters.direct_bytes);
	EXPECT_EQ(0, zc_resident_pages(self->fd, SIZE));
}

TEST_F_TIMEOUT(direct, fallback_is_sg, 180)
{
	struct zcopy_xfer x;
	uint64_t arrived;
	long ret;

	ret = send_from(self->dev, ZCOPY_MODE_DIRECT, ZCOPY_F_DIRECT_FALLBACK, self->fd, 0, &x,
			&arrived);
	EXPECT_EQ(SIZE, ret) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(SIZE, arrived);
	if (variant->direct) {
		EXPECT_EQ(SIZE, x.counters.direct_bytes);
	} else {
		/* SG: the page cache's pages, by reference */
		EXPECT_EQ(0, x.counters.direct_bytes);
		EXPECT_LT(0, x.counters.pages_referenced);
		EXPECT_EQ(SIZE / 4096, zc_resident_pages(self->fd, SIZE));
	}
}

TEST_F_TIMEOUT(direct, auto_cold, 180)
{
	struct zcopy_info info = { .size = sizeof(info) };
	struct zcopy_xfer x;
	uint64_t arrived;
	long ret;

	ASSERT_EQ(0, ioctl(self->dev, ZCOPY_IOC_INFO, &info));
	if (info.direct_threshold > SIZE)
		SKIP(return, "direct_threshold %llu is above the file's size",
		     (unsigned long long)info.direct_threshold);
	ret = send_from(self->dev, ZCOPY_MODE_AUTO, 0, self->fd, 0, &x, &arrived);
	EXPECT_EQ(SIZE, ret) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(SIZE, arrived);
	TH_LOG("direct_bytes %llu", (unsigned long long)x.counters.direct_bytes);
	if (variant->direct) {
		EXPECT_LT(0, x.counters.direct_bytes);
	} else {
		EXPECT_EQ(0, x.counters.direct_bytes);
	}
}

/* until the peer has acknowledged every byte: 0, or -1 after 5 s */
static int drained(int sock)
{
	int i, q;

	for (i = 0; i < 5000; i++) {
		if (ioctl(sock, SIOCOUTQ, &q))
			return -1;
		if (!q)
			return 0;
		usleep(1000);
	}
	return -1;
}

/* the third field of /proc/sys/net/ipv4/tcp_wmem, 0 when unreadable */
static long wmem_max(void)
{
	long lo, def, max;
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld %ld", &lo, &def, &max) != 3)
		max = 0;
	fclose(f);
	return max;
}

#define NB_CALL		(256 * 1024)

TEST_F_TIMEOUT(direct, nonblocking_grows_sndbuf, 180)
{
	int snd, rcv, before, after, calls = 0, again = 0;
	socklen_t len = sizeof(int);
	struct zc_sink sink;
	uint64_t off = 0;

	if (!variant->direct)
		SKIP(return, "DIRECT refuses this file system's files");
	ASSERT_EQ(0, zc_tcp4_pair_mss(1400, &snd, &rcv));
	ASSERT_EQ(0, getsockopt(snd, SOL_SOCKET, SO_SNDBUF, &before, &len));
	if (before >= NB_CALL) {
		close(snd);
		close(rcv);
		SKIP(return, "initial send buffer %d: no call is cut", before);
	}
	/* TCP never grows the buffer past tcp_wmem's maximum */
	if (wmem_max() < 4 * before) {
		close(snd);
		close(rcv);
		SKIP(return, "tcp_wmem's maximum is below 4 x %d", before);
	}
	ASSERT_EQ(0, zc_sink_start(&sink, rcv));
	while (off < SIZE) {
		struct zcopy_desc d = zc_file(self->fd, off, NB_CALL);
		struct zcopy_xfer x;
		long ret;

		/* each call finds the buffer empty: its first read is cut */
		ASSERT_EQ(0, drained(snd));
		ret = zc_xfer(self->dev, snd, ZCOPY_MODE_DIRECT, ZCOPY_F_NONBLOCK, &d, 1, &x);
		calls++;
		if (ret < 0 && errno == EAGAIN) {
			/* the buffer was drained: EAGAIN now and then, never a run of them */
			ASSERT_GT(64, ++again);
			continue;
		}
		ASSERT_LT(0, ret) TH_LOG("%s", strerror(errno));
		off += ret;
	}
	ASSERT_EQ(0, getsockopt(snd, SOL_SOCKET, SO_SNDBUF, &after, &len));
	close(snd);
	zc_sink_wait(&sink);
	EXPECT_EQ(SIZE, sink.bytes);
	TH_LOG("SO_SNDBUF %d before, %d after %d calls (%d EAGAIN)", before, after, calls, again);
	/* cut reads that tell: several times the initial size; untold, about it */
	EXPECT_LE(4 * before, after);
}

TEST_HARNESS_MAIN
