// SPDX-License-Identifier: GPL-2.0
/*
 * Each counter against an observation that does not come from zcopy
 * (Documentation/counters.rst):
 * - cpu_copy_bytes against the network stack's copy functions, counted by
 *   kprobes, over veth with scatter-gather on and off and over virtio-net;
 * - dma_out_bytes against the kind of egress device;
 * - dma_in_bytes against the sectors the virtio disk read
 *   (/sys/block/vda/stat) and the page cache (mincore).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "netns_peer.h"
#include "zcopy_util.h"

/* --- the stack's copies, seen by kprobes -------------------------------- */

#define TRACING "/sys/kernel/tracing"

/*
 * Where the stack copies payload it was handed by reference: at transmit,
 * segmentation or linearization for a device without scatter-gather
 * (skb_copy_bits, or skb_copy_and_csum_bits without checksum offload);
 * at send time on routes without it (6.1's sock_no_sendpage_locked, and
 * the checksumming copy from the iterator).  The plain copy_from_iter
 * functions are notrace: kprobes cannot see them.
 */
static const char *const copy_funcs[] = {
	"skb_copy_bits", "skb_copy_and_csum_bits", "sock_no_sendpage_locked",
	"csum_and_copy_from_iter", "csum_and_copy_from_iter_full",
};

static int probes_add(void)
{
	int n = 0;

	zc_sh("echo 0 > " TRACING "/events/kprobes/enable 2>/dev/null");
	zc_sh("echo > " TRACING "/kprobe_events");
	for (size_t i = 0; i < sizeof(copy_funcs) / sizeof(copy_funcs[0]); i++)
		if (!zc_sh("echo 'p:zc%zu %s' >> " TRACING "/kprobe_events 2>/dev/null",
			   i, copy_funcs[i]))
			n++;
	if (n)
		zc_sh("echo 1 > " TRACING "/events/kprobes/enable");
	return n;
}

static void probes_del(void)
{
	zc_sh("echo 0 > " TRACING "/events/kprobes/enable 2>/dev/null");
	zc_sh("echo > " TRACING "/kprobe_events 2>/dev/null");
}

/* total hits of our probes so far (kprobe_profile: name, hits, misses) */
static long probe_hits(void)
{
	char name[64];
	long hits, miss, sum = 0;
	FILE *f = fopen(TRACING "/kprobe_profile", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld %ld", name, &hits, &miss) == 3)
		if (!strncmp(name, "zc", 2))
			sum += hits;
	fclose(f);
	return sum;
}

FIXTURE(path)
{
	int dev, file;
	char path[256];
	size_t size;
	struct zc_peer peer;
	int probes;
};

FIXTURE_VARIANT(path)
{
	enum zc_link link;
	uint32_t mode;
	bool stack_copies;	/* the route has no scatter-gather */
	bool hw;		/* a device with DMA */
};

FIXTURE_VARIANT_ADD(path, veth_sg_on) {
	.link = ZC_VETH_SG, .mode = ZCOPY_MODE_SG, .stack_copies = false, .hw = false,
};
FIXTURE_VARIANT_ADD(path, veth_sg_off) {
	.link = ZC_VETH_NOSG, .mode = ZCOPY_MODE_SG, .stack_copies = true, .hw = false,
};
FIXTURE_VARIANT_ADD(path, virtio_net) {
	.link = ZC_VIRTIO, .mode = ZCOPY_MODE_SG, .stack_copies = true, .hw = true,
};
FIXTURE_VARIANT_ADD(path, veth_sg_on_direct) {
	.link = ZC_VETH_SG, .mode = ZCOPY_MODE_DIRECT, .stack_copies = false, .hw = false,
};
FIXTURE_VARIANT_ADD(path, virtio_net_copy) {
	.link = ZC_VIRTIO, .mode = ZCOPY_MODE_COPY, .stack_copies = true, .hw = true,
};

FIXTURE_SETUP(path)
{
	char why[128] = "";

	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->size = 4 * ZC_MIB + 5;
	self->file = zc_make_file(self->path, sizeof(self->path), "path.dat", self->size, 9);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, zc_peer_start(&self->peer, variant->link, why, sizeof(why)))
		TH_LOG("%s", why);
	self->probes = probes_add();
}

FIXTURE_TEARDOWN(path)
{
	probes_del();
	zc_peer_finish(&self->peer);
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

TEST_F(path, counters)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	uint64_t want = zc_hash_file(self->file, 0, self->size, NULL);
	struct zcopy_xfer x;
	uint64_t copied;
	long hits0, hits;
	bool by_ref;
	long ret;

	/* the premise, from the driver: is scatter-gather on for this device? */
	ASSERT_EQ(0, zc_sh("ethtool -k %s | grep -q '^scatter-gather: %s'", self->peer.ifname,
			   variant->stack_copies ? "off" : "on"))
		TH_LOG("%s: scatter-gather is not %s", self->peer.ifname,
		       variant->stack_copies ? "off" : "on");

	hits0 = probe_hits();
	ret = zc_xfer(self->dev, self->peer.sock, variant->mode, 0, &d, 1, &x);
	hits = probe_hits() - hits0;
	ASSERT_EQ((long)self->size, ret) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, zc_peer_finish(&self->peer));
	self->peer.pid = 0;
	EXPECT_EQ(self->size, self->peer.bytes);
	EXPECT_EQ(want, self->peer.hash);

	/*
	 * COPY mode: the module's copy and sendmsg's copy into the socket;
	 * a device without scatter-gather makes the stack copy once more.
	 */
	copied = (variant->mode == ZCOPY_MODE_COPY ? 2 * self->size : 0) +
		 (variant->stack_copies ? self->size : 0);
	by_ref = !variant->stack_copies && variant->mode != ZCOPY_MODE_COPY;
	EXPECT_EQ(copied, x.counters.cpu_copy_bytes);
	EXPECT_EQ(by_ref, x.counters.sg_entries > 0);
	EXPECT_EQ(variant->hw ? self->size : 0, x.counters.dma_out_bytes);

	/* the independent witness: the stack's copy functions ran or not */
	if (self->probes <= 0) {
		TH_LOG("no kprobes on the copy functions: tracing cross-check skipped");
	} else if (variant->stack_copies) {
		EXPECT_LT(0, hits);
	} else {
		EXPECT_EQ(0, hits);
	}
	TH_LOG("%s: cpu_copy_bytes %llu, copy-function hits %ld, dma_out_bytes %llu",
	       self->peer.ifname, (unsigned long long)x.counters.cpu_copy_bytes, hits,
	       (unsigned long long)x.counters.dma_out_bytes);
}

/* --- disk reads, seen by the block device and the page cache ---------------- */

static uint64_t vda_read_bytes(void)
{
	unsigned long long v[3] = {};
	FILE *f = fopen("/sys/block/vda/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu %llu", &v[0], &v[1], &v[2]) != 3)
		v[2] = 0;
	fclose(f);
	return v[2] * 512;	/* sectors read */
}

static size_t resident_pages(int fd, size_t size)
{
	size_t n = (size + 4095) / 4096, count = 0;
	unsigned char *vec = calloc(n, 1);
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

	if (p != MAP_FAILED && vec && !mincore(p, size, vec))
		for (size_t i = 0; i < n; i++)
			count += vec[i] & 1;
	if (p != MAP_FAILED)
		munmap(p, size);
	free(vec);
	return count;
}

FIXTURE(disk)
{
	int dev, file, snd, rcv;
	char path[256];
	size_t size;
	struct zc_sink sink;
};

FIXTURE_SETUP(disk)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	if (strncmp(zc_data_dir(), "/mnt/", 5))
		SKIP(return, "no virtio disk ($ZCOPY_DATA is %s)", zc_data_dir());
	self->size = 8 * ZC_MIB;
	self->file = zc_make_file(self->path, sizeof(self->path), "disk.dat", self->size, 4);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, zc_pair(ZC_UNIX, &self->snd, &self->rcv));
	ASSERT_EQ(0, zc_sink_start(&self->sink, self->rcv));
	ASSERT_EQ(0, zc_drop_caches());
	ASSERT_EQ(0, resident_pages(self->file, self->size));
}

FIXTURE_TEARDOWN(disk)
{
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

static long send_all(FIXTURE_DATA(disk) *self, uint32_t mode, struct zcopy_xfer *x,
		     uint64_t *disk_bytes)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	uint64_t before = vda_read_bytes();
	long ret = zc_xfer(self->dev, self->snd, mode, 0, &d, 1, x);

	*disk_bytes = vda_read_bytes() - before;
	return ret;
}

/* cold: every page is read from the disk; warm: none */
TEST_F(disk, sg_cold_then_warm)
{
	struct zcopy_xfer x;
	uint64_t disk;

	ASSERT_EQ((long)self->size, send_all(self, ZCOPY_MODE_SG, &x, &disk));
	EXPECT_EQ(self->size, x.counters.dma_in_bytes);
	/* what the disk read: the file, plus a little metadata */
	EXPECT_LE(x.counters.dma_in_bytes, disk);
	EXPECT_GE(x.counters.dma_in_bytes + 256 * 1024, disk);
	EXPECT_EQ(self->size / 4096, resident_pages(self->file, self->size));
	TH_LOG("cold: dma_in_bytes %llu, disk read %llu",
	       (unsigned long long)x.counters.dma_in_bytes, (unsigned long long)disk);

	ASSERT_EQ((long)self->size, send_all(self, ZCOPY_MODE_SG, &x, &disk));
	EXPECT_EQ(0, x.counters.dma_in_bytes);
	EXPECT_EQ(0, disk);
	close(self->snd);
	zc_sink_wait(&self->sink);
	EXPECT_EQ(2 * self->size, self->sink.bytes);
}

/* part of the file cached beforehand: only the rest is counted */
TEST_F(disk, copy_partly_cached)
{
	static char buf[ZC_MIB];
	struct zcopy_xfer x;
	uint64_t disk;

	/* no readahead: exactly the first MiB is cached */
	ASSERT_EQ(0, posix_fadvise(self->file, 0, 0, POSIX_FADV_RANDOM));
	ASSERT_EQ((ssize_t)sizeof(buf), pread(self->file, buf, sizeof(buf), 0));
	ASSERT_EQ(ZC_MIB / 4096, resident_pages(self->file, self->size));
	ASSERT_EQ((long)self->size, send_all(self, ZCOPY_MODE_COPY, &x, &disk));
	EXPECT_EQ(self->size - ZC_MIB, x.counters.dma_in_bytes);
	EXPECT_LE(x.counters.dma_in_bytes, disk);
	EXPECT_GE(x.counters.dma_in_bytes + 256 * 1024, disk);
	close(self->snd);
	zc_sink_wait(&self->sink);
}

/* DIRECT: the disk read the file, the page cache stayed empty */
TEST_F(disk, direct_bypasses_cache)
{
	struct zcopy_xfer x;
	uint64_t disk;

	ASSERT_EQ((long)self->size, send_all(self, ZCOPY_MODE_DIRECT, &x, &disk));
	EXPECT_EQ(self->size, x.counters.dma_in_bytes);
	EXPECT_EQ(self->size, x.counters.direct_bytes);
	EXPECT_LE(x.counters.dma_in_bytes, disk);
	EXPECT_GE(x.counters.dma_in_bytes + 256 * 1024, disk);
	EXPECT_EQ(0, resident_pages(self->file, self->size));
	close(self->snd);
	zc_sink_wait(&self->sink);
	EXPECT_EQ(self->size, self->sink.bytes);
}

TEST_HARNESS_MAIN
