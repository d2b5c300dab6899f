// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_F_SYNC: once the call returns, the file may change without
 * changing what the peer receives.  Without the flag the peer can see the
 * new bytes (it reads page-cache pages the socket still references): the
 * documented reason the flag exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "kselftest_harness.h"
#include "netns_peer.h"
#include "zcopy_util.h"

#define SIZE	(64 * 1024)

FIXTURE(sync)
{
	int dev, snd, rcv, file;
	char path[256];
	uint64_t old_hash, new_hash;
};

FIXTURE_VARIANT(sync)
{
	enum zc_transport t;
};

FIXTURE_VARIANT_ADD(sync, tcp4) { .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(sync, tcp6) { .t = ZC_TCP6 };
FIXTURE_VARIANT_ADD(sync, unix) { .t = ZC_UNIX };

FIXTURE_SETUP(sync)
{
	static char buf[SIZE];

	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->file = zc_make_file(self->path, sizeof(self->path), "sync.dat", SIZE, 11);
	ASSERT_LE(0, self->file);
	self->old_hash = zc_hash_file(self->file, 0, SIZE, NULL);
	memset(buf, 0x5a, sizeof(buf));
	self->new_hash = zc_hash(ZC_HASH_INIT, buf, sizeof(buf));
	ASSERT_EQ(0, zc_pair(variant->t, &self->snd, &self->rcv));
}

FIXTURE_TEARDOWN(sync)
{
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

/* send, then overwrite the file in place, then let the peer read */
static uint64_t send_then_overwrite(struct __test_metadata *_metadata,
				    FIXTURE_DATA(sync) *self, uint32_t flags,
				    struct zcopy_xfer *x)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	static char buf[SIZE];
	struct zc_sink sink;
	int wfd;

	/* the peer does not read yet: what it gets sits in its queue */
	EXPECT_EQ(SIZE, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, flags, &d, 1, x));
	wfd = open(self->path, O_WRONLY);
	EXPECT_LE(0, wfd);
	memset(buf, 0x5a, sizeof(buf));
	EXPECT_EQ(SIZE, pwrite(wfd, buf, sizeof(buf), 0));
	close(wfd);
	close(self->snd);
	EXPECT_EQ(0, zc_sink_start(&sink, self->rcv));
	zc_sink_wait(&sink);
	EXPECT_EQ(SIZE, sink.bytes);
	return sink.hash;
}

TEST_F(sync, peer_gets_old_bytes)
{
	struct zcopy_xfer x;

	EXPECT_EQ(self->old_hash, send_then_overwrite(_metadata, self, ZCOPY_F_SYNC, &x));
	/*
	 * Nothing references the page cache any more: the bytes were copied,
	 * on local delivery (TCP, reported by the zero-copy notification) or
	 * by the socket (UNIX, which has no notification).  TCP copies every
	 * delivered segment, so bytes sent twice (window probes while the peer
	 * is not reading) are copied twice: at least SIZE, never much more.
	 */
	EXPECT_LE(SIZE, x.counters.cpu_copy_bytes);
	EXPECT_GT(SIZE + 4096, x.counters.cpu_copy_bytes);
	EXPECT_EQ(ZCOPY_F_SYNC, x.flags);
}

TEST_F(sync, without_sync_peer_sees_new_bytes)
{
	struct zcopy_xfer x;

	EXPECT_EQ(self->new_hash, send_then_overwrite(_metadata, self, 0, &x));
	EXPECT_EQ(0, x.counters.cpu_copy_bytes);
}

/*
 * Data queued behind a peer that does not read is never released: a
 * non-blocking SYNC call returns what it sent, with EAGAIN in error,
 * instead of sleeping forever.
 */
TEST_F(sync, nonblocking_does_not_wait_forever)
{
	char path[256];
	struct zcopy_desc d;
	struct zcopy_xfer x;
	int fd;
	long ret;

	if (variant->t == ZC_UNIX)
		SKIP(return, "UNIX sockets send page-cache data by copy under SYNC: no wait");
	fd = zc_make_file(path, sizeof(path), "sync-big.dat", 16 * ZC_MIB, 12);
	ASSERT_LE(0, fd);
	d = zc_file(fd, 0, 0);
	ret = zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, ZCOPY_F_SYNC | ZCOPY_F_NONBLOCK,
		      &d, 1, &x);
	EXPECT_LT(0, ret);
	EXPECT_GT(16 * ZC_MIB, ret);
	EXPECT_EQ(EAGAIN, x.error);
	close(fd);
	unlink(path);
	close(self->snd);
	close(self->rcv);
}

/*
 * SYNC | MORE: the tail of the transfer, less than a segment, is not held
 * back for data that would follow, or the wait for its release would last
 * until TCP's probe timer sends it (200 ms): the call pushes it.
 */
TEST_F(sync, more_does_not_hold_the_tail)
{
	struct zcopy_desc d = zc_file(self->file, 0, 1000);
	uint64_t ms, fastest = UINT64_MAX;
	struct zc_sink sink;
	struct zcopy_xfer x;

	if (variant->t == ZC_UNIX)
		SKIP(return, "UNIX sockets send page-cache data by copy under SYNC: no wait");
	EXPECT_EQ(0, zc_sink_start(&sink, self->rcv));
	/* the fastest of 3: a loaded host can stretch one, the timer stretches all */
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(1000, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG,
					ZCOPY_F_SYNC | ZCOPY_F_MORE, &d, 1, &x));
		ms = x.counters.duration_ns / 1000000;
		fastest = ms < fastest ? ms : fastest;
	}
	TH_LOG("the fastest call took %llu ms", (unsigned long long)fastest);
	EXPECT_GT(150, fastest);
	close(self->snd);
	zc_sink_wait(&sink);
	EXPECT_EQ(3000, sink.bytes);
}

/*
 * The copy on local delivery covers whole skbs, which also hold what else
 * went to the socket: here what an earlier write left in the tail skb
 * (MSG_MORE), and the header and trailer of the call itself.  The earlier
 * bytes are not this transfer's and do not count.  Every fragment of the
 * transfer is either copied by the stack (its bytes counted) or kept by
 * reference (counted in sg_entries), never both: the file's are all
 * copied (the peer is local), and the header and trailer, each one
 * fragment, are copied from user memory and again when they shared an skb
 * with the file.
 */
static void sync_shared_skb(struct __test_metadata *_metadata, FIXTURE_DATA(sync) *self,
			    enum zc_transport t, size_t before, size_t head, size_t tail)
{
	static const char bytes[1000];
	struct zcopy_desc d[3];
	struct zcopy_xfer x;
	struct zc_sink sink;
	uint64_t again, kept = 0;
	long retrans = 0;
	int n = 0;

	if (head)
		d[n++] = zc_buf(bytes, head);
	d[n++] = zc_file(self->file, 0, 0);
	if (tail)
		d[n++] = zc_buf(bytes, tail);
	/*
	 * A segment TCP delivers twice is copied twice (counters.rst): a
	 * loaded guest may see a tail loss probe; then again, on a new
	 * connection.
	 */
	for (int attempt = 0; attempt < 3; attempt++) {
		if (attempt)
			ASSERT_EQ(0, zc_pair(t, &self->snd, &self->rcv));
		ASSERT_EQ(0, zc_sink_start(&sink, self->rcv));
		if (before)
			ASSERT_EQ((ssize_t)before, send(self->snd, bytes, before, MSG_MORE));
		EXPECT_EQ(head + SIZE + tail,
			  zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, ZCOPY_F_SYNC, d, n, &x));
		retrans = zc_tcp_retransmits(self->snd);
		close(self->snd);
		zc_sink_wait(&sink);
		EXPECT_EQ(before + head + SIZE + tail, sink.bytes);
		EXPECT_LE(0, retrans);
		TH_LOG("cpu_copy_bytes %llu in %llu ops, sg_entries %llu, %ld retransmissions",
		       (unsigned long long)x.counters.cpu_copy_bytes,
		       (unsigned long long)x.counters.cpu_copy_ops,
		       (unsigned long long)x.counters.sg_entries, retrans);
		if (!retrans)
			break;
	}
	if (retrans > 0)
		SKIP(return, "retransmissions on 3 connections: bytes copied more than once");
	ASSERT_LE(head + SIZE + tail, x.counters.cpu_copy_bytes);
	/* the header's and trailer's second copies */
	again = x.counters.cpu_copy_bytes - (head + SIZE + tail);
	if (head && again != head && again != head + tail)
		kept++;
	if (tail && again != tail && again != head + tail)
		kept++;
	EXPECT_TRUE(again == 0 || again == head || again == tail || again == head + tail)
		TH_LOG("%llu bytes copied again: not whole fragments", (unsigned long long)again);
	EXPECT_EQ(kept, x.counters.sg_entries);
	/* a small buffer may straddle a page of the page fragment */
	EXPECT_LE(kept, x.counters.pages_referenced);
	EXPECT_GE(2 * kept, x.counters.pages_referenced);
}

TEST_F(sync, earlier_bytes_in_the_skb_are_not_counted)
{
	if (variant->t == ZC_UNIX)
		SKIP(return, "UNIX sockets send page-cache data by copy under SYNC");
	sync_shared_skb(_metadata, self, variant->t, 1000, 0, 0);
}

TEST_F(sync, header_and_trailer_are_counted_once)
{
	if (variant->t == ZC_UNIX)
		SKIP(return, "UNIX sockets send page-cache data by copy under SYNC");
	sync_shared_skb(_metadata, self, variant->t, 0, 200, 50);
}

/*
 * Over a NIC that sends by DMA the stack copies nothing, and every
 * fragment stays referenced until the peer acknowledged it: sg_entries
 * counts them all (4 MiB + 5 of the file, page-aligned: at most one
 * fragment a page, 1025 pages, the module's table in 5 chunks), and the
 * call still returns only after their release.
 */
#define NIC_SIZE	(4 * ZC_MIB + 5)

FIXTURE(sync_nic)
{
	int dev, file;
	char path[256];
	struct zc_peer peer;
};

FIXTURE_SETUP(sync_nic)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->file = zc_make_file(self->path, sizeof(self->path), "sync-nic.dat", NIC_SIZE, 13);
	ASSERT_LE(0, self->file);
}

FIXTURE_TEARDOWN(sync_nic)
{
	if (self->peer.pid > 0)
		zc_peer_finish(&self->peer);
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

TEST_F_TIMEOUT(sync_nic, e1000e_keeps_every_fragment, 120)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	struct zcopy_xfer x;
	char why[128] = "";
	uint64_t want;

	want = zc_hash_file(self->file, 0, NIC_SIZE, NULL);
	ASSERT_EQ(0, zc_peer_start(&self->peer, ZC_E1000E, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(NIC_SIZE, zc_xfer(self->dev, self->peer.sock, ZCOPY_MODE_SG, ZCOPY_F_SYNC,
				    &d, 1, &x));
	EXPECT_EQ(0, zc_peer_finish(&self->peer));
	self->peer.pid = 0;
	EXPECT_EQ(NIC_SIZE, self->peer.bytes);
	EXPECT_EQ(want, self->peer.hash);
	EXPECT_EQ(0, x.counters.cpu_copy_bytes);
	EXPECT_LE(1, x.counters.sg_entries);
	EXPECT_GE((NIC_SIZE + 4095) / 4096, x.counters.sg_entries);
	EXPECT_EQ((NIC_SIZE + 4095) / 4096, x.counters.pages_referenced);
	EXPECT_EQ(NIC_SIZE, x.counters.dma_out_bytes);
}

/*
 * A device without TX checksum offload (veth, tx off): the stack
 * linearizes every skb marked shared to checksum it in software, and the
 * SYNC notification marks its skbs shared (SKBFL_ZEROCOPY_FRAG, as
 * MSG_ZEROCOPY's): every byte is copied once there - the file's, and the
 * header's and trailer's after their copy from user memory - and no
 * fragment is kept by reference.  The peer gets every byte.
 */
TEST_F_TIMEOUT(sync_nic, veth_tx_off_copies_every_byte, 120)
{
	static const char head[200] = "head", tail[50] = "tail";
	struct zcopy_desc d[3] = {
		zc_buf(head, sizeof(head)), zc_file(self->file, 0, 0), zc_buf(tail, sizeof(tail)),
	};
	const uint64_t total = sizeof(head) + NIC_SIZE + sizeof(tail);
	char why[128] = "";
	struct zcopy_xfer x;
	uint64_t want;
	char *file;

	file = malloc(NIC_SIZE);
	ASSERT_NE(NULL, file);
	ASSERT_EQ(NIC_SIZE, pread(self->file, file, NIC_SIZE, 0));
	want = zc_hash(zc_hash(zc_hash(ZC_HASH_INIT, head, sizeof(head)), file, NIC_SIZE),
		       tail, sizeof(tail));
	free(file);
	ASSERT_EQ(0, zc_peer_start(&self->peer, ZC_VETH_NOCSUM, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, zc_sh("ethtool -k %s | grep -q '^tx-checksumming: off'", self->peer.ifname));
	EXPECT_EQ(total, zc_xfer(self->dev, self->peer.sock, ZCOPY_MODE_SG, ZCOPY_F_SYNC,
				 d, 3, &x));
	EXPECT_EQ(0, zc_peer_finish(&self->peer));
	self->peer.pid = 0;
	EXPECT_EQ(total, self->peer.bytes);
	EXPECT_EQ(want, self->peer.hash);
	EXPECT_EQ(sizeof(head) + sizeof(tail) + total, x.counters.cpu_copy_bytes);
	EXPECT_EQ(0, x.counters.sg_entries);
	EXPECT_EQ(0, x.counters.pages_referenced);
}

TEST_HARNESS_MAIN
