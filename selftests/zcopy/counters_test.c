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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "netns_peer.h"
#include "zcopy_util.h"

/* --- the stack's copies, seen by kprobes -------------------------------- */

/*
 * Where the stack copies payload it was handed by reference: at transmit,
 * segmentation or linearization for a device without scatter-gather
 * (skb_copy_bits, or skb_copy_and_csum_bits without checksum offload);
 * at send time on routes without it (6.1's sock_no_sendpage_locked, and
 * the checksumming copy from the iterator).  The plain copy_from_iter
 * functions are notrace: kprobes cannot see them.
 */
static const char *const copy_funcs[] = {
	/* both take the byte count as 4th argument: recorded, and summed */
	"skb_copy_bits len=$arg4:u32", "skb_copy_and_csum_bits len=$arg4:u32",
	"sock_no_sendpage_locked", "csum_and_copy_from_iter", "csum_and_copy_from_iter_full",
};

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
	bool stack_copies;	/* the route has no scatter-gather or no checksum offload */
	bool hw;		/* a device with DMA */
	bool csum_off;		/* scatter-gather on, TX checksum offload off */
	int driver_pull;	/* bytes the driver copies into every skb's head */
};

FIXTURE_VARIANT_ADD(path, veth_sg_on) {
	.link = ZC_VETH_SG, .mode = ZCOPY_MODE_SG, .stack_copies = false, .hw = false,
};
FIXTURE_VARIANT_ADD(path, veth_sg_off) {
	.link = ZC_VETH_NOSG, .mode = ZCOPY_MODE_SG, .stack_copies = true, .hw = false,
};
/* the stack checksums in software, and first linearizes shared fragments */
FIXTURE_VARIANT_ADD(path, veth_csum_off) {
	.link = ZC_VETH_NOCSUM, .mode = ZCOPY_MODE_SG, .stack_copies = true, .hw = false,
	.csum_off = true,
};
FIXTURE_VARIANT_ADD(path, virtio_net) {
	.link = ZC_VIRTIO, .mode = ZCOPY_MODE_SG, .stack_copies = true, .hw = true,
};
/*
 * A NIC that moves the bytes by DMA, gathering them from the pages.  Its
 * driver copies 4 payload bytes of every TSO skb into the skb's head
 * (e1000_xmit_frame(): "TSO Workaround for 82571/2/3", done for every
 * MAC), seen by the witness as one 4-byte skb_copy_bits() per skb.
 */
FIXTURE_VARIANT_ADD(path, e1000e) {
	.link = ZC_E1000E, .mode = ZCOPY_MODE_SG, .stack_copies = false, .hw = true,
	.driver_pull = 4,
};
FIXTURE_VARIANT_ADD(path, e1000e_sg_off) {
	.link = ZC_E1000E_NOSG, .mode = ZCOPY_MODE_SG, .stack_copies = true, .hw = true,
};
/*
 * Stacked devices: the route names the VLAN, macvlan, bridge or bond; the
 * e1000e below transmits, and the counters follow it (DMA; copies when it
 * has scatter-gather off, under a VLAN).
 */
FIXTURE_VARIANT_ADD(path, e1000e_vlan) {
	.link = ZC_E1000E_VLAN, .mode = ZCOPY_MODE_SG, .stack_copies = false, .hw = true,
	.driver_pull = 4,
};
FIXTURE_VARIANT_ADD(path, e1000e_macvlan) {
	.link = ZC_E1000E_MACVLAN, .mode = ZCOPY_MODE_SG, .stack_copies = false, .hw = true,
	.driver_pull = 4,
};
FIXTURE_VARIANT_ADD(path, e1000e_bridge) {
	.link = ZC_E1000E_BRIDGE, .mode = ZCOPY_MODE_SG, .stack_copies = false, .hw = true,
	.driver_pull = 4,
};
FIXTURE_VARIANT_ADD(path, e1000e_bond) {
	.link = ZC_E1000E_BOND, .mode = ZCOPY_MODE_SG, .stack_copies = false, .hw = true,
	.driver_pull = 4,
};
FIXTURE_VARIANT_ADD(path, e1000e_vlan_sg_off) {
	.link = ZC_E1000E_VLAN_NOSG, .mode = ZCOPY_MODE_SG, .stack_copies = true, .hw = true,
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
	self->probes = zc_kprobes_add(copy_funcs, sizeof(copy_funcs) / sizeof(copy_funcs[0]));
}

FIXTURE_TEARDOWN(path)
{
	zc_kprobes_del();
	zc_peer_finish(&self->peer);
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

/* the largest TCP segment on these links: a 1500-byte MTU */
#define ZC_MSS_MAX	1460

/* a debug kernel under TCG runs this 3-5x slower than the harness's 30 s allow */
TEST_F_TIMEOUT(path, counters, 180)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	uint64_t want = zc_hash_file(self->file, 0, self->size, NULL);
	struct zcopy_xfer x;
	uint64_t copied;
	long hits0, hits, calls, seen, biggest, retrans;
	bool by_ref;
	int tcp;
	long ret;

	/* the premise, from the driver: are scatter-gather and checksumming on? */
	const char *sg = variant->stack_copies && !variant->csum_off ? "off" : "on";

	ASSERT_EQ(0, zc_sh("ethtool -k %s | grep -q '^scatter-gather: %s'", self->peer.ifname, sg))
		TH_LOG("%s: scatter-gather is not %s", self->peer.ifname, sg);
	if (variant->csum_off)
		ASSERT_EQ(0, zc_sh("ethtool -k %s | grep -q '^tx-checksumming: off'",
				   self->peer.ifname))
			TH_LOG("%s: tx-checksumming is not off", self->peer.ifname);

	zc_sh("echo > /sys/kernel/tracing/trace");
	hits0 = zc_kprobe_hits();
	ret = zc_xfer(self->dev, self->peer.sock, variant->mode, 0, &d, 1, &x);
	hits = zc_kprobe_hits() - hits0;
	zc_kprobe_arg_stats("len", &calls, &seen, &biggest);
	ASSERT_EQ((long)self->size, ret) TH_LOG("%s", strerror(errno));
	/*
	 * A second descriptor keeps the socket for TCP_INFO once the peer
	 * has everything; the FIN goes now, as the close would send it.
	 */
	tcp = dup(self->peer.sock);
	ASSERT_LE(0, tcp);
	shutdown(tcp, SHUT_WR);
	ASSERT_EQ(0, zc_peer_finish(&self->peer));
	self->peer.pid = 0;
	/* the retransmissions of this transfer, all of it delivered */
	retrans = zc_tcp_retransmits(tcp);
	close(tcp);
	EXPECT_LE(0, retrans);
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

	/*
	 * The independent witness: the stack's copy functions, and the bytes
	 * skb_copy_bits() and skb_copy_and_csum_bits() were asked to copy.
	 * Copies when the counter says so (their bytes too where no copy is
	 * inlined into its caller: 6.1's skb_segment() inlines part of its
	 * checksumming copies), none otherwise, but for a driver's documented
	 * pull of a few bytes per skb, which the counter does not claim.
	 */
	if (self->probes <= 0) {
		TH_LOG("no kprobes on the copy functions: tracing cross-check skipped");
	} else if (variant->stack_copies) {
		EXPECT_LT(0, hits);
		EXPECT_LT(0, seen);
	} else if (variant->driver_pull && retrans > 0) {
		/*
		 * A retransmission on this lossy link (UDP between QEMU's
		 * NICs) may collapse a small skb into the one before it with
		 * skb_copy_bits() (tcp_collapse_retrans()): TCP's recovery,
		 * at most a segment per retransmission, not the module's
		 * path.  A stack copy of the file (4 MiB) still shows.
		 */
		TH_LOG("%ld retransmissions: at most a segment copied for each", retrans);
		EXPECT_GE(ZC_MSS_MAX, biggest);
		EXPECT_GE(calls * variant->driver_pull + retrans * ZC_MSS_MAX, seen);
	} else if (variant->driver_pull) {
		EXPECT_GE(variant->driver_pull, biggest);
		EXPECT_GE(calls * variant->driver_pull, seen);
	} else {
		EXPECT_EQ(0, hits);
	}
	TH_LOG("%s: cpu_copy_bytes %llu, copy-function hits %ld, %ld of them copying "
	       "%ld bytes (largest %ld), dma_out_bytes %llu",
	       self->peer.ifname, (unsigned long long)x.counters.cpu_copy_bytes, hits,
	       calls, seen, biggest, (unsigned long long)x.counters.dma_out_bytes);
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

FIXTURE(disk)
{
	int dev, file, snd, rcv;
	char path[256];
	size_t size;
	struct zc_sink sink;
	bool mounted;
};

/*
 * plain: the file on the ext4 disk.  overlay: the same file seen through
 * an overlayfs mount with that directory as its lower layer, as in every
 * container: the overlay inode caches nothing, the ext4 one does.
 */
FIXTURE_VARIANT(disk)
{
	bool overlay;
};

FIXTURE_VARIANT_ADD(disk, plain) { .overlay = false };
FIXTURE_VARIANT_ADD(disk, overlay) { .overlay = true };

#define OVL_LOWER	"ovl-lower"
#define OVL_TOP		"/tmp/zc-ovl"

FIXTURE_SETUP(disk)
{
	const char *name = variant->overlay ? OVL_LOWER "/disk.dat" : "disk.dat";

	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	if (strncmp(zc_data_dir(), "/mnt/", 5))
		SKIP(return, "no virtio disk ($ZCOPY_DATA is %s)", zc_data_dir());
	self->size = 8 * ZC_MIB;
	if (variant->overlay)
		ASSERT_EQ(0, zc_sh("mkdir -p %s/" OVL_LOWER, zc_data_dir()));
	self->file = zc_make_file(self->path, sizeof(self->path), name, self->size, 4);
	ASSERT_LE(0, self->file);
	if (variant->overlay) {
		close(self->file);
		ASSERT_EQ(0, zc_sh("mkdir -p " OVL_TOP "/up " OVL_TOP "/work " OVL_TOP "/merged && "
				   "mount -t overlay overlay -o lowerdir=%s/" OVL_LOWER
				   ",upperdir=" OVL_TOP "/up,workdir=" OVL_TOP "/work "
				   OVL_TOP "/merged", zc_data_dir()))
			TH_LOG("cannot mount overlayfs");
		self->mounted = true;
		self->file = open(OVL_TOP "/merged/disk.dat", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, self->file);
	}
	ASSERT_EQ(0, zc_pair(ZC_UNIX, &self->snd, &self->rcv));
	ASSERT_EQ(0, zc_sink_start(&self->sink, self->rcv));
	ASSERT_EQ(0, zc_drop_file_cache(self->file));
	ASSERT_EQ(0, zc_resident_pages(self->file, self->size));
}

FIXTURE_TEARDOWN(disk)
{
	close(self->file);
	if (self->mounted)
		zc_sh("umount " OVL_TOP "/merged; rm -rf " OVL_TOP);
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
	EXPECT_EQ(self->size / 4096, zc_resident_pages(self->file, self->size));
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
	ASSERT_EQ(ZC_MIB / 4096, zc_resident_pages(self->file, self->size));
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

	/* overlayfs has no block device of its own: refused, never buffered */
	if (variant->overlay) {
		EXPECT_EQ(-1, send_all(self, ZCOPY_MODE_DIRECT, &x, &disk));
		EXPECT_EQ(EOPNOTSUPP, errno);
		EXPECT_EQ(0, zc_resident_pages(self->file, self->size));
		return;
	}
	ASSERT_EQ((long)self->size, send_all(self, ZCOPY_MODE_DIRECT, &x, &disk));
	EXPECT_EQ(self->size, x.counters.dma_in_bytes);
	EXPECT_EQ(self->size, x.counters.direct_bytes);
	EXPECT_LE(x.counters.dma_in_bytes, disk);
	EXPECT_GE(x.counters.dma_in_bytes + 256 * 1024, disk);
	EXPECT_EQ(0, zc_resident_pages(self->file, self->size));
	close(self->snd);
	zc_sink_wait(&self->sink);
	EXPECT_EQ(self->size, self->sink.bytes);
}

TEST_HARNESS_MAIN
