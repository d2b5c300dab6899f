// SPDX-License-Identifier: GPL-2.0
/*
 * libzcopy with the device: the info query, one call with a header, a
 * file and a trailer, resuming by hand and with zcopy_send_all() on a
 * non-blocking socket whose peer reads slowly, a vector longer than one
 * call takes, a file shorter than its descriptor, a refused call, and the
 * io_uring helpers with liburing: the same call as a request, its
 * completion's result and counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zcopy.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

FIXTURE(lib)
{
	int dev, fd, snd, rcv;
	char path[256];
	char *data;
	size_t size;
};

FIXTURE_SETUP(lib)
{
	self->dev = zcopy_open(NULL);
	ASSERT_LE(0, self->dev) TH_LOG("zcopy_open: %s", strerror(errno));
	self->size = 3 * ZC_MIB + 11;
	self->fd = zc_make_file(self->path, sizeof(self->path), "lib.dat", self->size, 21);
	ASSERT_LE(0, self->fd);
	self->data = malloc(self->size);
	ASSERT_NE(NULL, self->data);
	ASSERT_EQ((ssize_t)self->size, pread(self->fd, self->data, self->size, 0));
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &self->snd, &self->rcv));
}

FIXTURE_TEARDOWN(lib)
{
	close(self->snd);
	if (self->rcv >= 0)
		close(self->rcv);
	close(self->fd);
	unlink(self->path);
	free(self->data);
	close(self->dev);
}

TEST_F(lib, info)
{
	struct zcopy_info info;

	ASSERT_EQ(0, zcopy_get_info(self->dev, &info));
	EXPECT_EQ(ZCOPY_ABI_VERSION, info.abi_version);
	EXPECT_EQ((1U << ZCOPY_MODE_COUNT) - 1, info.modes);
	EXPECT_EQ(1024, info.max_descs);
	EXPECT_EQ(0x7ffff000, info.max_xfer_bytes);
}

/* header, file range, trailer: one call, the counters of the call */
TEST_F(lib, send)
{
	static const char hdr[] = "HTTP/1.1 200 OK\r\n\r\n", trl[] = "\r\n0\r\n";
	struct zcopy_desc d[3] = {
		zcopy_desc_buf(hdr, sizeof(hdr) - 1),
		zcopy_desc_file(self->fd, 4096, ZC_MIB),
		zcopy_desc_buf(trl, sizeof(trl) - 1),
	};
	size_t total = sizeof(hdr) - 1 + ZC_MIB + sizeof(trl) - 1;
	struct zc_sink s;
	struct zcopy_xfer x;
	uint64_t h;

	ASSERT_EQ(0, zc_sink_start(&s, self->rcv));
	self->rcv = -1;
	EXPECT_EQ((ssize_t)total, zcopy_send(self->dev, self->snd, d, 3, ZCOPY_MODE_SG, 0, &x));
	close(self->snd);
	self->snd = dup(self->fd);	/* something to close in the teardown */
	zc_sink_wait(&s);
	EXPECT_NE(0, x.xfer_id);
	EXPECT_EQ(0, x.error);
	EXPECT_EQ(total, x.counters.bytes_sent);
	EXPECT_EQ(total, zcopy_counter_get(&x.counters, 1));
	EXPECT_LT(0, x.counters.sg_entries);
	h = zc_hash(ZC_HASH_INIT, hdr, sizeof(hdr) - 1);
	h = zc_hash(h, self->data + 4096, ZC_MIB);
	h = zc_hash(h, trl, sizeof(trl) - 1);
	EXPECT_EQ(total, s.bytes);
	EXPECT_EQ(h, s.hash);
}

/* the same call through io_uring: one request each way, one completion */
TEST_F(lib, uring)
{
	static const char hdr[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct zcopy_desc d[2] = {
		zcopy_desc_buf(hdr, sizeof(hdr) - 1),
		zcopy_desc_file(self->fd, 4096, ZC_MIB),
	};
	struct zcopy_desc bad[1] = { zcopy_desc_file(self->snd, 0, 10) };
	size_t total = sizeof(hdr) - 1 + ZC_MIB;
	struct zcopy_xfer x, y, *got;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct zc_sink s;
	uint64_t h;
	int r;

	ASSERT_EQ(1, zcopy_uring_supported(self->dev));
	r = io_uring_queue_init(4, &ring, 0);
	if (r)
		SKIP(return, "io_uring_queue_init: %s", strerror(-r));
	ASSERT_EQ(0, zc_sink_start(&s, self->rcv));
	self->rcv = -1;
	zcopy_uring_prep_send(io_uring_get_sqe(&ring), self->dev, self->snd, d, 2,
			      ZCOPY_MODE_SG, 0, &x);
	zcopy_uring_prep_send(io_uring_get_sqe(&ring), self->dev, self->snd, bad, 1,
			      ZCOPY_MODE_SG, 0, &y);
	ASSERT_EQ(2, io_uring_submit(&ring));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		errno = 0;
		r = zcopy_uring_result(cqe, &got);
		if (got == &x) {
			EXPECT_EQ((ssize_t)total, r);
		} else {
			EXPECT_EQ(&y, got);
			/* a socket is no file to read: ESPIPE, as the ioctl */
			EXPECT_EQ(-1, r);
			EXPECT_EQ(ESPIPE, errno);
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	close(self->snd);
	self->snd = dup(self->fd);
	zc_sink_wait(&s);
	EXPECT_NE(0, x.xfer_id);
	EXPECT_EQ(0, y.xfer_id);
	EXPECT_EQ(0, x.error);
	EXPECT_EQ(total, x.counters.bytes_sent);
	EXPECT_LT(0, x.counters.sg_entries);
	h = zc_hash(ZC_HASH_INIT, hdr, sizeof(hdr) - 1);
	h = zc_hash(h, self->data + 4096, ZC_MIB);
	EXPECT_EQ(total, s.bytes);
	EXPECT_EQ(h, s.hash);
}

/* refused before sending: -1, the device's errno, no transfer id */
TEST_F(lib, refused)
{
	struct zcopy_desc d = zcopy_desc_file(-1, 0, 10);
	struct zcopy_xfer x;

	EXPECT_EQ(-1, zcopy_send(self->dev, self->snd, &d, 1, ZCOPY_MODE_SG, 0, &x));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, x.xfer_id);
	d = zcopy_desc_file(self->fd, 0, 10);
	EXPECT_EQ(-1, zcopy_send(self->dev, self->fd, &d, 1, ZCOPY_MODE_SG, 0, NULL));
	EXPECT_EQ(ENOTSOCK, errno);
}

/* read @want bytes slowly, so that a non-blocking sender hits EAGAIN */
static void slow_reader(int fd, size_t want, uint64_t *hash, size_t *got)
{
	static char buf[1 << 16];
	ssize_t r;

	*hash = ZC_HASH_INIT;
	*got = 0;
	while (*got < want && (r = read(fd, buf, sizeof(buf))) > 0) {
		*hash = zc_hash(*hash, buf, r);
		*got += r;
		usleep(2000);
	}
}

/*
 * 150 descriptors (more than one zcopy_send_all() call carries) over a
 * non-blocking socket: EAGAIN, poll, call again with the same array, until
 * everything went; every byte arrives once, in order.
 */
TEST_F(lib, send_all_nonblocking)
{
	static struct zcopy_desc d[150];
	static char sep[150][8];
	struct zcopy_counters sum = {};
	uint64_t want = ZC_HASH_INIT, h;
	size_t total = 0, got;
	int small = 64 * 1024, eagain = 0, ret;
	pid_t pid;

	for (int i = 0; i < 150; i++) {
		snprintf(sep[i], sizeof(sep[i]), "<%d>", i);
		d[i] = i % 2 ? zcopy_desc_file(self->fd, i * 20000, 20000 + i) :
			       zcopy_desc_buf(sep[i], strlen(sep[i]));
		want = d[i].type == ZCOPY_DESC_BUF ? zc_hash(want, sep[i], d[i].len) :
			zc_hash(want, self->data + d[i].offset, d[i].len);
		total += d[i].len;
	}
	setsockopt(self->snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	fcntl(self->snd, F_SETFL, O_NONBLOCK);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->snd);
		slow_reader(self->rcv, total, &h, &got);
		_exit(got == total && h == want ? 0 : 1);
	}
	close(self->rcv);
	self->rcv = -1;
	while ((ret = zcopy_send_all(self->dev, self->snd, d, 150, ZCOPY_MODE_AUTO, 0, &sum)) &&
	       errno == EAGAIN) {
		struct pollfd p = { .fd = self->snd, .events = POLLOUT };

		eagain++;
		poll(&p, 1, 1000);
	}
	EXPECT_EQ(0, ret) TH_LOG("%s", strerror(errno));
	EXPECT_LT(0, eagain);
	EXPECT_EQ(total, sum.bytes_sent);
	for (int i = 0; i < 150; i++)
		EXPECT_EQ(0, d[i].len);
	ASSERT_EQ(pid, waitpid(pid, &ret, 0));
	EXPECT_TRUE(WIFEXITED(ret) && !WEXITSTATUS(ret)) TH_LOG("the peer got other bytes");
}

/* by hand: zcopy_send() and zcopy_advance() after each short call */
TEST_F(lib, advance_by_hand)
{
	struct zcopy_desc d[2] = { zcopy_desc_buf("[", 1), zcopy_desc_file(self->fd, 0, self->size) };
	unsigned int i = zcopy_advance(d, 2, 0, 0), calls = 0;
	int small = 64 * 1024, st;
	uint64_t want, h;
	size_t got;
	pid_t pid;

	want = zc_hash(zc_hash(ZC_HASH_INIT, "[", 1), self->data, self->size);
	setsockopt(self->snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	fcntl(self->snd, F_SETFL, O_NONBLOCK);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->snd);
		slow_reader(self->rcv, self->size + 1, &h, &got);
		_exit(got == self->size + 1 && h == want ? 0 : 1);
	}
	while (i < 2) {
		ssize_t r = zcopy_send(self->dev, self->snd, d + i, 2 - i, ZCOPY_MODE_SG, 0, NULL);

		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = self->snd, .events = POLLOUT };

			poll(&p, 1, 1000);
			continue;
		}
		ASSERT_LT(0, r) TH_LOG("%s", strerror(errno));
		i = zcopy_advance(d, 2, i, r);
		calls++;
	}
	EXPECT_LT(1, calls);
	EXPECT_EQ((int64_t)self->size, d[1].offset);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("the peer got other bytes");
}

/*
 * A descriptor longer than its file.  The device itself cuts the range
 * and goes on with the trailer (zcopy_send()); zcopy_send_all() refuses it
 * before sending anything, since its cursor could not follow.
 */
TEST_F(lib, short_file)
{
	struct zcopy_desc d[2] = {
		zcopy_desc_buf("header", 6), zcopy_desc_file(self->fd, self->size - 100, 1000),
	};
	struct zcopy_desc t[2] = { d[1], zcopy_desc_buf("trailer", 7) };
	struct zcopy_counters sum = {};
	struct zcopy_xfer x;
	struct zc_sink s;

	ASSERT_EQ(0, zc_sink_start(&s, self->rcv));
	self->rcv = -1;
	EXPECT_EQ(-1, zcopy_send_all(self->dev, self->snd, d, 2, ZCOPY_MODE_SG, 0, &sum));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(0, sum.bytes_sent);
	EXPECT_EQ(6, d[0].len);
	EXPECT_EQ(1000, d[1].len);
	/* the device's own rule, which the check above is about */
	EXPECT_EQ(107, zcopy_send(self->dev, self->snd, t, 2, ZCOPY_MODE_SG, 0, &x));
	EXPECT_EQ(107, x.counters.bytes_requested);
	EXPECT_EQ(0, x.error);
	close(self->snd);
	self->snd = dup(self->fd);
	zc_sink_wait(&s);
	EXPECT_EQ(107, s.bytes);
}

TEST_HARNESS_MAIN
