// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_IOC_XFER: every mode over every transport delivers the exact
 * bytes, descriptor vectors arrive in order, and the counters that do not
 * depend on the network path hold (Documentation/counters.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

FIXTURE(xfer)
{
	int dev, snd, rcv, file;
	size_t size;
	char path[256];
	struct zc_sink sink;
};

FIXTURE_VARIANT(xfer)
{
	uint32_t mode;
	enum zc_transport transport;
	bool cold;	/* whole_file: the page cache dropped first */
};

#define XFER_VARIANT(m, t)						\
	FIXTURE_VARIANT_ADD(xfer, m##_##t) {				\
		.mode = ZCOPY_MODE_##m, .transport = ZC_##t,		\
	}
XFER_VARIANT(COPY, TCP4);
XFER_VARIANT(COPY, TCP6);
XFER_VARIANT(COPY, UNIX);
XFER_VARIANT(SG, TCP4);
XFER_VARIANT(SG, TCP6);
XFER_VARIANT(SG, UNIX);
XFER_VARIANT(DIRECT, TCP4);
XFER_VARIANT(DIRECT, TCP6);
XFER_VARIANT(DIRECT, UNIX);
XFER_VARIANT(AUTO, TCP4);
XFER_VARIANT(AUTO, UNIX);
/* AUTO above the threshold: SG for a cached file, DIRECT for a cold one */
FIXTURE_VARIANT_ADD(xfer, AUTO_cold_TCP4) {
	.mode = ZCOPY_MODE_AUTO, .transport = ZC_TCP4, .cold = true,
};
FIXTURE_VARIANT_ADD(xfer, AUTO_cold_UNIX) {
	.mode = ZCOPY_MODE_AUTO, .transport = ZC_UNIX, .cold = true,
};

FIXTURE_SETUP(xfer)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	/* larger than the 4 MiB threshold, so AUTO looks at the cache; odd tail */
	self->size = 5 * ZC_MIB + 3;
	self->file = zc_make_file(self->path, sizeof(self->path), "xfer.dat",
				  self->size, 1);
	ASSERT_LE(0, self->file) TH_LOG("%s: %s", self->path, strerror(errno));
	ASSERT_EQ(0, zc_pair(variant->transport, &self->snd, &self->rcv));
	ASSERT_EQ(0, zc_sink_start(&self->sink, self->rcv));
}

FIXTURE_TEARDOWN(xfer)
{
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

/* close our end and collect what arrived */
static void finish(struct __test_metadata *_metadata, FIXTURE_DATA(xfer) *self)
{
	close(self->snd);
	zc_sink_wait(&self->sink);
	ASSERT_EQ(0, self->sink.error);
}

TEST_F(xfer, whole_file)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	struct zcopy_xfer x;
	uint64_t want, rec;
	long ret;

	want = zc_hash_file(self->file, 0, self->size, NULL);
	if (variant->cold)
		ASSERT_EQ(0, zc_drop_caches());
	ret = zc_xfer(self->dev, self->snd, variant->mode, 0, &d, 1, &x);
	ASSERT_EQ((long)self->size, ret) TH_LOG("%s", strerror(errno));
	finish(_metadata, self);
	EXPECT_EQ(self->size, self->sink.bytes);
	EXPECT_EQ(want, self->sink.hash);

	EXPECT_EQ(self->size, x.bytes_sent);
	EXPECT_EQ(0, x.error);
	EXPECT_NE(0, x.xfer_id);
	EXPECT_EQ(self->size, x.counters.bytes_requested);
	EXPECT_EQ(self->size, x.counters.bytes_sent);
	EXPECT_LT(0, x.counters.duration_ns);
	/* loopback and UNIX sockets: no device DMAs anything out */
	EXPECT_EQ(0, x.counters.dma_out_bytes);

	switch (variant->mode == ZCOPY_MODE_AUTO && !variant->cold ? ZCOPY_MODE_SG :
		variant->mode) {
	case ZCOPY_MODE_COPY:
		/* page cache -> module buffer, module buffer -> socket */
		EXPECT_EQ(2 * self->size, x.counters.cpu_copy_bytes);
		EXPECT_EQ(0, x.counters.sg_entries);
		EXPECT_EQ(0, x.counters.direct_bytes);
		break;
	case ZCOPY_MODE_SG:	/* and AUTO above the threshold, the file cached */
		EXPECT_EQ(0, x.counters.cpu_copy_bytes);
		EXPECT_LE((self->size + 4095) / 4096, x.counters.pages_referenced);
		EXPECT_LT(0, x.counters.sg_entries);
		EXPECT_EQ(0, x.counters.direct_bytes);
		EXPECT_EQ(0, x.counters.dma_in_bytes);
		break;
	default:	/* DIRECT, and AUTO above the threshold, the file cold */
		EXPECT_EQ(0, x.counters.cpu_copy_bytes);
		EXPECT_EQ(self->size, x.counters.direct_bytes);
		EXPECT_EQ(self->size, x.counters.dma_in_bytes);
		EXPECT_LT(0, x.counters.sg_entries);
	}

	/* the debugfs record says the same as the ioctl */
	ASSERT_EQ(0, zc_debugfs_record(x.xfer_id, "bytes_sent", &rec));
	EXPECT_EQ(x.counters.bytes_sent, rec);
	ASSERT_EQ(0, zc_debugfs_record(x.xfer_id, "cpu_copy_bytes", &rec));
	EXPECT_EQ(x.counters.cpu_copy_bytes, rec);
	ASSERT_EQ(0, zc_debugfs_record(x.xfer_id, "dma_in_bytes", &rec));
	EXPECT_EQ(x.counters.dma_in_bytes, rec);
	ASSERT_EQ(0, zc_debugfs_record(x.xfer_id, "sg_entries", &rec));
	EXPECT_EQ(x.counters.sg_entries, rec);
}

/* unaligned offsets and lengths, including a range past the end */
TEST_F(xfer, ranges)
{
	static const struct { int64_t off; uint64_t len; } r[] = {
		{ 0, 1 }, { 1, 4095 }, { 4095, 2 }, { 4096, 4096 }, { 12345, 200000 },
		{ 3 * ZC_MIB + 1, 0 }, { 5 * ZC_MIB, 100 }, { 5 * ZC_MIB + 3, 0 },
		{ 6 * ZC_MIB, 10 },
	};
	uint64_t want = ZC_HASH_INIT, total = 0;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct zcopy_desc d = zc_file(self->file, r[i].off, r[i].len);
		size_t end = r[i].len ? r[i].off + r[i].len : self->size;
		size_t n = r[i].off >= (int64_t)self->size ? 0 :
			   (end > self->size ? self->size : end) - r[i].off;
		static char buf[ZC_MIB * 4];
		long ret;

		ASSERT_EQ((ssize_t)n, pread(self->file, buf, n, r[i].off));
		want = zc_hash(want, buf, n);
		ret = zc_xfer(self->dev, self->snd, variant->mode, 0, &d, 1, NULL);
		ASSERT_EQ((long)n, ret) TH_LOG("range %zu: %s", i, strerror(errno));
		total += n;
	}
	finish(_metadata, self);
	EXPECT_EQ(total, self->sink.bytes);
	EXPECT_EQ(want, self->sink.hash);
}

/* header, two different files, trailer: in order, intact, one call */
TEST_F(xfer, vector)
{
	static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Length: 70004\r\n\r\n";
	static const char trl[] = "\r\n--trailer--\r\n";
	char path2[256];
	int f2 = zc_make_file(path2, sizeof(path2), "xfer2.dat", 70000, 2);
	struct zcopy_desc d[4];
	struct zcopy_xfer x;
	uint64_t want = ZC_HASH_INIT;
	size_t total = sizeof(hdr) - 1 + 4 + 70000 + sizeof(trl) - 1;
	long ret;

	ASSERT_LE(0, f2);
	d[0] = zc_buf(hdr, sizeof(hdr) - 1);
	d[1] = zc_file(self->file, 4093, 4);
	d[2] = zc_file(f2, 0, 0);
	d[3] = zc_buf(trl, sizeof(trl) - 1);

	want = zc_hash(want, hdr, sizeof(hdr) - 1);
	{
		char b[4];

		ASSERT_EQ(4, pread(self->file, b, 4, 4093));
		want = zc_hash(want, b, 4);
	}
	{
		static char b[70000];

		ASSERT_EQ(70000, pread(f2, b, sizeof(b), 0));
		want = zc_hash(want, b, sizeof(b));
	}
	want = zc_hash(want, trl, sizeof(trl) - 1);

	ret = zc_xfer(self->dev, self->snd, variant->mode, 0, d, 4, &x);
	ASSERT_EQ((long)total, ret) TH_LOG("%s", strerror(errno));
	finish(_metadata, self);
	EXPECT_EQ(total, self->sink.bytes);
	EXPECT_EQ(want, self->sink.hash);
	EXPECT_EQ(total, x.counters.bytes_requested);
	/* the buffers are copied from user memory: counted, in every mode */
	EXPECT_LE(sizeof(hdr) - 1 + sizeof(trl) - 1, x.counters.cpu_copy_bytes);
	close(f2);
	unlink(path2);
}

/* a file position is never used nor moved, as with sendfile's offset */
TEST_F(xfer, file_position_untouched)
{
	struct zcopy_desc d = zc_file(self->file, 100, 1000);

	ASSERT_EQ(77, lseek(self->file, 77, SEEK_SET));
	ASSERT_EQ(1000, zc_xfer(self->dev, self->snd, variant->mode, 0, &d, 1, NULL));
	EXPECT_EQ(77, lseek(self->file, 0, SEEK_CUR));
	finish(_metadata, self);
	EXPECT_EQ(1000, self->sink.bytes);
}

/*
 * Holes of a tmpfs file: 6.12's shmem_file_splice_read() puts the
 * ZERO_PAGE in the pipe with buffer ops that take no reference, SG's
 * splice route takes one of its own for the batch.  Sent over TCP and
 * UNIX, the holes arrive as zeros and every reference is dropped again (a
 * put without a get would show as a "Bad page state" splat, which fails
 * the run).
 */
TEST(sg_tmpfs_holes)
{
	static const enum zc_transport ts[] = { ZC_TCP4, ZC_UNIX };
	const size_t size = 300 * 1024 + 5;
	char path[] = "/tmp/zcopy-holes.XXXXXX", data[4096 + 7], buf[64];
	struct zc_live l;
	unsigned int i;
	int dev, fd;

	dev = zc_dev();
	ASSERT_LE(0, dev);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	/* data, a 60 KiB hole, data across a page boundary, a tail hole */
	memset(data, 'a', sizeof(data));
	ASSERT_EQ(4096, pwrite(fd, data, 4096, 0));
	ASSERT_EQ((ssize_t)sizeof(data), pwrite(fd, data, sizeof(data), 64 * 1024 + 100));
	ASSERT_EQ(0, ftruncate(fd, size));
	for (i = 0; i < ARRAY_SIZE(ts); i++) {
		struct zcopy_desc d = zc_file(fd, 0, 0);
		struct zc_sink sink;
		struct zcopy_xfer x;
		int snd, rcv;

		ASSERT_EQ(0, zc_pair(ts[i], &snd, &rcv));
		ASSERT_EQ(0, zc_sink_start(&sink, rcv));
		EXPECT_EQ((long)size, zc_xfer(dev, snd, ZCOPY_MODE_SG, 0, &d, 1, &x))
			TH_LOG("%s: %s", zc_transport_name(ts[i]), strerror(errno));
		close(snd);
		zc_sink_wait(&sink);
		EXPECT_EQ(0, sink.error);
		EXPECT_EQ(size, sink.bytes);
		EXPECT_EQ(zc_hash_file(fd, 0, size, NULL), sink.hash)
			TH_LOG("%s: the holes did not arrive as zeros", zc_transport_name(ts[i]));
		EXPECT_EQ(0, x.counters.cpu_copy_bytes);
	}
	EXPECT_TRUE(zc_live_wait_zero(&l, 5000))
		TH_LOG("left behind: %s", zc_live_str(&l, buf, sizeof(buf)));
	close(fd);
	close(dev);
}

TEST_HARNESS_MAIN
