// SPDX-License-Identifier: GPL-2.0
/*
 * kTLS: a TCP socket with the kernel's TLS (software AES-GCM) takes a
 * transfer as it takes sendfile(2): the pages go to kTLS, which encrypts
 * them into its own records, so the peer (kTLS receiving with the same
 * key) reads exactly the file's bytes.  The counters say what happened:
 * every byte passed through the CPU once more (the encryption writes the
 * records; COPY's two copies come before it), nothing was kept by
 * reference, and SYNC, whose notification kTLS refuses, copies instead.
 */
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define SENDFILE	(-1)	/* the "mode" of the reference */
#define SIZE		(ZC_MIB + 5)

/* one direction of a TLS 1.2 session: @dir TLS_TX or TLS_RX, a fixed key */
static int ktls_on(int sock, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci = {
		.info.version = TLS_1_2_VERSION,
		.info.cipher_type = TLS_CIPHER_AES_GCM_128,
	};

	memset(ci.key, 0x11, sizeof(ci.key));
	memset(ci.iv, 0x22, sizeof(ci.iv));
	memset(ci.salt, 0x33, sizeof(ci.salt));
	if (setsockopt(sock, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		return -1;
	return setsockopt(sock, SOL_TLS, dir, &ci, sizeof(ci));
}

FIXTURE(ktls)
{
	int dev, fd, snd, rcv;
	char path[256];
};

FIXTURE_VARIANT(ktls)
{
	int method;
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(ktls, sendfile) { .method = SENDFILE };
FIXTURE_VARIANT_ADD(ktls, sg) { .method = ZCOPY_MODE_SG };
FIXTURE_VARIANT_ADD(ktls, sg_sync) { .method = ZCOPY_MODE_SG, .flags = ZCOPY_F_SYNC };
FIXTURE_VARIANT_ADD(ktls, copy) { .method = ZCOPY_MODE_COPY };
FIXTURE_VARIANT_ADD(ktls, direct) { .method = ZCOPY_MODE_DIRECT };

FIXTURE_SETUP(ktls)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->fd = zc_make_file(self->path, sizeof(self->path), "ktls.dat", SIZE, 31);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &self->snd, &self->rcv));
	if (ktls_on(self->snd, TLS_TX) || ktls_on(self->rcv, TLS_RX))
		SKIP(return, "no kTLS with AES-GCM-128 in this kernel: %s", strerror(errno));
}

FIXTURE_TEARDOWN(ktls)
{
	close(self->fd);
	unlink(self->path);
	close(self->dev);
}

TEST_F_TIMEOUT(ktls, peer_reads_the_file, 180)
{
	uint64_t want = zc_hash_file(self->fd, 0, SIZE, NULL);
	struct zcopy_desc d = zc_file(self->fd, 0, 0);
	struct zc_sink sink;
	struct zcopy_xfer x;
	long ret;

	ASSERT_EQ(0, zc_sink_start(&sink, self->rcv));
	if (variant->method == SENDFILE) {
		off_t off = 0;

		ret = sendfile(self->snd, self->fd, &off, SIZE);
	} else {
		ret = zc_xfer(self->dev, self->snd, variant->method, variant->flags, &d, 1, &x);
	}
	close(self->snd);
	zc_sink_wait(&sink);
	ASSERT_EQ(SIZE, ret) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, sink.error) TH_LOG("the peer's TLS read: %s", strerror(sink.error));
	EXPECT_EQ(SIZE, sink.bytes);
	EXPECT_EQ(want, sink.hash) TH_LOG("the peer decrypted other bytes than the file's");
	if (variant->method == SENDFILE)
		return;
	TH_LOG("cpu_copy_bytes %llu, sg_entries %llu",
	       (unsigned long long)x.counters.cpu_copy_bytes,
	       (unsigned long long)x.counters.sg_entries);
	/*
	 * The encryption from the pages into kTLS's records; COPY also makes
	 * its own read and sendmsg()'s copy into kTLS's plaintext buffer
	 */
	EXPECT_EQ(variant->method == ZCOPY_MODE_COPY ? 3 * SIZE : SIZE,
		  x.counters.cpu_copy_bytes);
	EXPECT_EQ(0, x.counters.sg_entries);
}

TEST_HARNESS_MAIN
