// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_IOC_XFER through io_uring (IORING_OP_URING_CMD on /dev/zcopy):
 *
 * - parity: the same descriptors through the ioctl and through the ring
 *   give the same result, the same counters and the same bytes at the
 *   peer; a transfer that fits the socket's buffer ran inline (its debugfs
 *   record names this program), one that does not ran in io-wq ("iou-wrk");
 * - a batch of many transfers on many sockets in one submission;
 * - a peer that never reads: the transfer blocks in io-wq, no CQE comes,
 *   and a cancel ends it with its partial count and EINTR, never a
 *   restart code; the same when the ring is closed, or its task exits,
 *   with the request in flight;
 * - non-blocking sockets and ZCOPY_F_NONBLOCK: inline, short, EAGAIN;
 * - linked requests on one socket run and complete in order, and a
 *   positive result followed by a linked NOP completes both (on 6.1 a
 *   handler that returns its count itself cancels the NOP);
 * - rmmod is refused while a request is in flight, even with the device's
 *   descriptor closed (the request holds the file);
 * - errors: unknown cmd_op, reserved bytes, bad pointers, IOPOLL rings;
 * - the fault-injection walk over the inline path (fail-nth).
 *
 * liburing 2.3 has no io_uring_prep_cmd(): the SQE is filled by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define BIG_SIZE	(16 * ZC_MIB)	/* more than any socket buffer here */
#define SMALL_SIZE	3000

static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char trailer[] = "\r\n";

static void prep_xfer(struct io_uring_sqe *sqe, int dev, struct zcopy_xfer *x,
		      uint64_t user_data)
{
	struct zcopy_uring_cmd *c;

	/* a full SQ ring: the submission count the caller checks says so */
	if (!sqe)
		return;
	c = (struct zcopy_uring_cmd *)sqe->cmd;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = dev;
	sqe->cmd_op = ZCOPY_IOC_XFER;
	c->xfer = (uintptr_t)x;
	c->__reserved = 0;
	sqe->user_data = user_data;
}

static void xfer_init(struct zcopy_xfer *x, int sock, uint32_t mode, uint32_t flags,
		      const struct zcopy_desc *d, unsigned int n)
{
	memset(x, 0, sizeof(*x));
	x->size = sizeof(*x);
	x->flags = flags;
	x->sock_fd = sock;
	x->mode = mode;
	x->descs = (uintptr_t)d;
	x->ndescs = n;
}

/* io_uring_queue_init(), or why this kernel cannot (for SKIP) */
static const char *ring_init(struct io_uring *ring, unsigned int entries, unsigned int flags)
{
	static char why[64];
	int r = io_uring_queue_init(entries, ring, flags);

	if (!r)
		return NULL;
	snprintf(why, sizeof(why), "io_uring_queue_init: %s", strerror(-r));
	return why;
}

/* one CQE within @ms milliseconds: 0, or -ETIME */
static int wait_cqe_ms(struct io_uring *ring, struct io_uring_cqe **cqe, int ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	return io_uring_wait_cqe_timeout(ring, cqe, &ts);
}

/* submit the one SQE prepared and wait up to @ms for it: its CQE's res */
static int uring_submit_wait(struct io_uring *ring, int ms)
{
	struct io_uring_cqe *cqe;
	int res;

	if (io_uring_submit(ring) != 1)
		return -EIO;
	if (wait_cqe_ms(ring, &cqe, ms))
		return -ETIME;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* submit one transfer and wait for it: its CQE's res */
static int uring_xfer(struct io_uring *ring, int dev, struct zcopy_xfer *x)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -ENOSPC;
	prep_xfer(sqe, dev, x, 1);
	return uring_submit_wait(ring, 60000);
}

/* the "comm" of a transfer's debugfs record: who ran it */
static int record_comm(uint64_t id, char *comm, size_t len)
{
	char line[256], fmt[32];
	int ret = -1;
	FILE *f = fopen(ZC_DEBUGFS "/transfer", "r+");

	if (!f)
		return -1;
	if (fprintf(f, "%llu\n", (unsigned long long)id) < 0 || fflush(f))
		goto out;
	rewind(f);
	snprintf(fmt, sizeof(fmt), "comm %%%zus", len - 1);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, comm) == 1) {
			ret = 0;
			break;
		}
out:
	fclose(f);
	return ret;
}

static bool ran_in_iowq(uint64_t id)
{
	char comm[32] = "";

	return !record_comm(id, comm, sizeof(comm)) && !strncmp(comm, "iou-wrk", 7);
}

static bool ran_inline(uint64_t id)
{
	char comm[32] = "", self[32] = "";

	if (record_comm(id, comm, sizeof(comm)) || zc_read_str("/proc/self/comm", self, sizeof(self)))
		return false;
	return !strncmp(comm, self, 15);
}

static long long refcnt(void)
{
	return zc_read_ll("/sys/module/zcopy/refcnt");
}

/* the bytes a descriptor vector sends: header, file range, trailer */
static uint64_t expected_hash(int fd, size_t size)
{
	char *buf = malloc(size);
	uint64_t h = ZC_HASH_INIT;

	if (!buf || pread(fd, buf, size, 0) != (ssize_t)size) {
		free(buf);
		return 0;
	}
	h = zc_hash(h, hdr, sizeof(hdr) - 1);
	h = zc_hash(h, buf, size);
	h = zc_hash(h, trailer, sizeof(trailer) - 1);
	free(buf);
	return h;
}

/* read exactly @n bytes from @fd (blocking), hashing them */
static int read_n(int fd, uint64_t n, uint64_t *hash)
{
	static char buf[1 << 16];
	uint64_t h = ZC_HASH_INIT;

	while (n) {
		ssize_t r = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		h = zc_hash(h, buf, r);
		n -= r;
	}
	*hash = h;
	return 0;
}

/* the hash of the first @n bytes of the stream header + file + trailer */
static uint64_t prefix_hash(int fd, size_t size, uint64_t n)
{
	char *buf = malloc(sizeof(hdr) + size + sizeof(trailer));
	size_t h = sizeof(hdr) - 1, len;
	uint64_t hash;

	if (!buf || pread(fd, buf + h, size, 0) != (ssize_t)size) {
		free(buf);
		return 0;
	}
	memcpy(buf, hdr, h);
	memcpy(buf + h + size, trailer, sizeof(trailer) - 1);
	len = h + size + sizeof(trailer) - 1;
	hash = zc_hash(ZC_HASH_INIT, buf, n < len ? n : len);
	free(buf);
	return hash;
}

FIXTURE(uring)
{
	int dev;
	int big, small;
	char big_path[256], small_path[256];
	struct io_uring ring;
	bool ring_up;
	const char *skip;
};

FIXTURE_VARIANT(uring)
{
	enum zc_transport t;
};
FIXTURE_VARIANT_ADD(uring, tcp4) { .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(uring, unix) { .t = ZC_UNIX };

FIXTURE_SETUP(uring)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/zcopy: %s", strerror(errno));
	self->big = zc_make_file(self->big_path, sizeof(self->big_path), "uring-big.dat",
				 BIG_SIZE, 71);
	ASSERT_LE(0, self->big);
	self->small = zc_make_file(self->small_path, sizeof(self->small_path), "uring-small.dat",
				   SMALL_SIZE, 72);
	ASSERT_LE(0, self->small);
	self->skip = ring_init(&self->ring, 256, 0);
	self->ring_up = !self->skip;
}

FIXTURE_TEARDOWN(uring)
{
	if (self->ring_up)
		io_uring_queue_exit(&self->ring);
	close(self->big);
	close(self->small);
	unlink(self->big_path);
	unlink(self->small_path);
	if (self->dev >= 0)
		close(self->dev);
}

/* ---------------------------------------------------------------------- */

/* the same descriptors through the ioctl and the ring */
FIXTURE(parity)
{
	int dev;
	int file;
	char path[256];
	size_t size;
	struct io_uring ring;
	const char *skip;
};

FIXTURE_VARIANT(parity)
{
	uint32_t mode;
	enum zc_transport t;
	size_t size;
	bool iowq;	/* more than the socket takes without waiting */
};

FIXTURE_VARIANT_ADD(parity, sg_small_tcp4) { .mode = ZCOPY_MODE_SG, .t = ZC_TCP4, .size = 3000 };
FIXTURE_VARIANT_ADD(parity, copy_small_unix) { .mode = ZCOPY_MODE_COPY, .t = ZC_UNIX, .size = 5000 };
FIXTURE_VARIANT_ADD(parity, sg_small_tcp6) { .mode = ZCOPY_MODE_SG, .t = ZC_TCP6, .size = 40000 };
FIXTURE_VARIANT_ADD(parity, sg_large_tcp4)
{
	.mode = ZCOPY_MODE_SG, .t = ZC_TCP4, .size = BIG_SIZE, .iowq = true,
};
FIXTURE_VARIANT_ADD(parity, copy_large_unix)
{
	.mode = ZCOPY_MODE_COPY, .t = ZC_UNIX, .size = 4 * ZC_MIB, .iowq = true,
};
FIXTURE_VARIANT_ADD(parity, direct_tcp4)
{
	.mode = ZCOPY_MODE_DIRECT, .t = ZC_TCP4, .size = 100000, .iowq = true,
};
FIXTURE_VARIANT_ADD(parity, auto_large_unix)
{
	.mode = ZCOPY_MODE_AUTO, .t = ZC_UNIX, .size = 8 * ZC_MIB, .iowq = true,
};

FIXTURE_SETUP(parity)
{
	char buf[4096];

	self->dev = zc_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/zcopy: %s", strerror(errno));
	self->size = variant->size;
	self->file = zc_make_file(self->path, sizeof(self->path), "uring-parity.dat",
				  self->size, 73);
	ASSERT_LE(0, self->file);
	/* SG and COPY: warm, so that both calls read nothing from the disk */
	for (off_t o = 0; o < (off_t)self->size; o += sizeof(buf))
		ASSERT_LE(0, pread(self->file, buf, sizeof(buf), o));
	if (variant->mode == ZCOPY_MODE_AUTO)
		ASSERT_EQ(0, fsync(self->file));
	self->skip = ring_init(&self->ring, 8, 0);
}

FIXTURE_TEARDOWN(parity)
{
	if (!self->skip)
		io_uring_queue_exit(&self->ring);
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

/* one call on a fresh pair: the struct, the result and the peer's bytes */
static long parity_call(struct __test_metadata *_metadata, FIXTURE_DATA(parity) *self,
			const FIXTURE_VARIANT(parity) *variant, bool uring,
			struct zcopy_xfer *x, struct zc_sink *sink)
{
	struct zcopy_desc d[3] = {
		zc_buf(hdr, sizeof(hdr) - 1), zc_file(self->file, 0, 0),
		zc_buf(trailer, sizeof(trailer) - 1),
	};
	int snd, rcv;
	long ret;

	/* AUTO at its threshold goes DIRECT for a file the cache lacks: both */
	if (variant->mode == ZCOPY_MODE_AUTO)
		EXPECT_EQ(0, zc_drop_file_cache(self->file));
	if (zc_pair(variant->t, &snd, &rcv))
		return -1000;
	if (zc_sink_start(sink, rcv))
		return -1001;
	xfer_init(x, snd, variant->mode, 0, d, 3);
	if (uring) {
		ret = uring_xfer(&self->ring, self->dev, x);
	} else {
		ret = ioctl(self->dev, ZCOPY_IOC_XFER, x);
		if (ret < 0)
			ret = -errno;
	}
	close(snd);
	zc_sink_wait(sink);
	return ret;
}

TEST_F(parity, same_as_ioctl)
{
	struct zcopy_xfer a, b;
	struct zc_sink sa, sb;
	uint64_t want = sizeof(hdr) - 1 + self->size + sizeof(trailer) - 1;
	uint64_t h = expected_hash(self->file, self->size);
	long ra, rb;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ra = parity_call(_metadata, self, variant, false, &a, &sa);
	rb = parity_call(_metadata, self, variant, true, &b, &sb);
	ASSERT_EQ((long)want, ra);
	ASSERT_EQ(ra, rb) TH_LOG("res %ld: %s", rb, strerror(rb < 0 ? -rb : 0));
	EXPECT_EQ(a.bytes_sent, b.bytes_sent);
	EXPECT_EQ(a.error, b.error);
	EXPECT_NE(0, b.xfer_id);
	EXPECT_NE(a.xfer_id, b.xfer_id);
	EXPECT_EQ(want, sb.bytes);
	EXPECT_EQ(h, sb.hash);
	EXPECT_EQ(sa.hash, sb.hash);
	/* every counter but the time */
	EXPECT_EQ(a.counters.bytes_requested, b.counters.bytes_requested);
	EXPECT_EQ(a.counters.bytes_sent, b.counters.bytes_sent);
	EXPECT_EQ(a.counters.cpu_copy_bytes, b.counters.cpu_copy_bytes);
	EXPECT_EQ(a.counters.cpu_copy_ops, b.counters.cpu_copy_ops);
	EXPECT_EQ(a.counters.dma_in_bytes, b.counters.dma_in_bytes);
	EXPECT_EQ(a.counters.dma_out_bytes, b.counters.dma_out_bytes);
	EXPECT_EQ(a.counters.sg_entries, b.counters.sg_entries);
	EXPECT_EQ(a.counters.pages_referenced, b.counters.pages_referenced);
	EXPECT_EQ(a.counters.direct_bytes, b.counters.direct_bytes);
	EXPECT_NE(0, b.counters.duration_ns);
	/* where it ran: inline when it fits the socket, else in io-wq */
	EXPECT_TRUE(variant->iowq ? ran_in_iowq(b.xfer_id) : ran_inline(b.xfer_id));
}

/* ---------------------------------------------------------------------- */

#define NCONN	128

/* many transfers on many sockets, one submission */
TEST_F(uring, batch)
{
	static struct zcopy_xfer x[NCONN];
	static struct zcopy_desc d[NCONN][3];
	int snd[NCONN], rcv[NCONN];
	uint64_t inl = 0;
	struct io_uring_cqe *cqe;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	for (int i = 0; i < NCONN; i++) {
		/* half TCP, half UNIX; a different range of the file each */
		ASSERT_EQ(0, zc_pair(i % 2 ? ZC_UNIX : ZC_TCP4, &snd[i], &rcv[i]));
		d[i][0] = zc_buf(hdr, sizeof(hdr) - 1);
		d[i][1] = zc_file(self->big, i * 1000, 1000 + i);
		d[i][2] = zc_buf(trailer, sizeof(trailer) - 1);
		xfer_init(&x[i], snd[i], i % 3 ? ZCOPY_MODE_SG : ZCOPY_MODE_COPY, 0, d[i], 3);
		prep_xfer(io_uring_get_sqe(&self->ring), self->dev, &x[i], i);
	}
	ASSERT_EQ(NCONN, io_uring_submit(&self->ring));
	for (int n = 0; n < NCONN; n++) {
		int i;

		ASSERT_EQ(0, wait_cqe_ms(&self->ring, &cqe, 30000));
		i = cqe->user_data;
		ASSERT_LT(i, NCONN);
		EXPECT_EQ(sizeof(hdr) - 1 + 1000 + i + sizeof(trailer) - 1, cqe->res)
			TH_LOG("transfer %d: %d", i, cqe->res);
		EXPECT_EQ((uint64_t)cqe->res, x[i].bytes_sent);
		EXPECT_EQ(0, x[i].error);
		io_uring_cqe_seen(&self->ring, cqe);
	}
	for (int i = 0; i < NCONN; i++) {
		char want[4096], got[4096];
		size_t h = sizeof(hdr) - 1, len = h + 1000 + i + sizeof(trailer) - 1;

		memcpy(want, hdr, h);
		ASSERT_EQ(1000 + i, pread(self->big, want + h, 1000 + i, i * 1000));
		memcpy(want + h + 1000 + i, trailer, sizeof(trailer) - 1);
		close(snd[i]);
		ASSERT_EQ(len, recv(rcv[i], got, sizeof(got), MSG_WAITALL));
		EXPECT_EQ(0, memcmp(want, got, len)) TH_LOG("connection %d", i);
		close(rcv[i]);
		/* small responses on idle sockets: none needed a worker */
		inl += ran_inline(x[i].xfer_id);
	}
	EXPECT_EQ(NCONN, inl);
}

/* ---------------------------------------------------------------------- */

/*
 * A transfer to a peer that never reads: blocked in io-wq.  Returns the
 * pair; the SQE's user_data is 7.
 */
static void start_blocked(struct __test_metadata *_metadata, FIXTURE_DATA(uring) *self,
			  enum zc_transport t, struct zcopy_xfer *x, struct zcopy_desc *d,
			  int *snd, int *rcv)
{
	struct io_uring_cqe *cqe;

	ASSERT_EQ(0, zc_pair(t, snd, rcv));
	d[0] = zc_buf(hdr, sizeof(hdr) - 1);
	d[1] = zc_file(self->big, 0, 0);
	d[2] = zc_buf(trailer, sizeof(trailer) - 1);
	xfer_init(x, *snd, ZCOPY_MODE_SG, 0, d, 3);
	prep_xfer(io_uring_get_sqe(&self->ring), self->dev, x, 7);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	/* it waits: no completion */
	ASSERT_EQ(-ETIME, wait_cqe_ms(&self->ring, &cqe, 500));
	EXPECT_EQ(0, x->xfer_id);
}

/* the blocked transfer's end: its count, EINTR, and exactly those bytes */
static void check_interrupted(struct __test_metadata *_metadata, FIXTURE_DATA(uring) *self,
			      int res, struct zcopy_xfer *x, int rcv)
{
	uint64_t h;

	ASSERT_NE(-512, res);
	ASSERT_NE(512, res);
	if (res < 0) {
		/* cancelled before it started, or interrupted before a byte went */
		EXPECT_TRUE(res == -EINTR || res == -ECANCELED) TH_LOG("res %d", res);
		return;
	}
	EXPECT_LT(0, res);
	EXPECT_GT(BIG_SIZE, res);
	EXPECT_EQ((uint64_t)res, x->bytes_sent);
	EXPECT_EQ(EINTR, x->error);
	EXPECT_TRUE(ran_in_iowq(x->xfer_id));
	ASSERT_EQ(0, read_n(rcv, res, &h));
	EXPECT_EQ(prefix_hash(self->big, BIG_SIZE, res), h);
}

TEST_F(uring, never_reads_cancel)
{
	struct zcopy_xfer x;
	struct zcopy_desc d[3];
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int snd, rcv, res = 1, cres = 1;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	start_blocked(_metadata, self, variant->t, &x, d, &snd, &rcv);
	sqe = io_uring_get_sqe(&self->ring);
	io_uring_prep_cancel64(sqe, 7, 0);
	io_uring_sqe_set_data64(sqe, 8);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	for (int n = 0; n < 2; n++) {
		ASSERT_EQ(0, wait_cqe_ms(&self->ring, &cqe, 10000)) TH_LOG("no completion");
		if (cqe->user_data == 7)
			res = cqe->res;
		else
			cres = cqe->res;
		io_uring_cqe_seen(&self->ring, cqe);
	}
	/*
	 * Queued: 0; running: io-wq signalled its worker, -EALREADY, which
	 * 6.12's io_try_cancel() turns into -ENOENT (it goes on to look for
	 * a poll or a timeout).  What counts is that the transfer ended.
	 */
	EXPECT_TRUE(cres == -EALREADY || cres == 0 || cres == -ENOENT) TH_LOG("cancel: %d", cres);
	check_interrupted(_metadata, self, res, &x, rcv);
	close(snd);
	close(rcv);
}

TEST_F(uring, never_reads_ring_exit)
{
	struct zcopy_xfer x;
	struct zcopy_desc d[3];
	struct zc_live l;
	int snd, rcv;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	start_blocked(_metadata, self, variant->t, &x, d, &snd, &rcv);
	/* the ring goes with the request in flight; the struct is still ours */
	io_uring_queue_exit(&self->ring);
	self->ring_up = false;
	for (int i = 0; i < 100 && !__atomic_load_n(&x.xfer_id, __ATOMIC_ACQUIRE); i++)
		usleep(50000);
	ASSERT_NE(0, x.xfer_id) TH_LOG("the transfer did not end with its ring");
	check_interrupted(_metadata, self, x.bytes_sent, &x, rcv);
	EXPECT_TRUE(zc_live_wait_zero(&l, 5000));
	close(snd);
	close(rcv);
}

TEST_F(uring, never_reads_task_exit)
{
	struct zcopy_xfer *x = mmap(NULL, sizeof(*x), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct zcopy_desc d[3];
	struct zc_live l;
	int snd, rcv, st;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_NE(MAP_FAILED, x);
	ASSERT_EQ(0, zc_pair(variant->t, &snd, &rcv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct io_uring ring;
		struct io_uring_cqe *cqe;

		if (io_uring_queue_init(4, &ring, 0))
			_exit(2);
		d[0] = zc_buf(hdr, sizeof(hdr) - 1);
		d[1] = zc_file(self->big, 0, 0);
		d[2] = zc_buf(trailer, sizeof(trailer) - 1);
		xfer_init(x, snd, ZCOPY_MODE_SG, 0, d, 3);
		prep_xfer(io_uring_get_sqe(&ring), self->dev, x, 7);
		if (io_uring_submit(&ring) != 1)
			_exit(3);
		if (wait_cqe_ms(&ring, &cqe, 500) != -ETIME)
			_exit(4);
		/* exit with the request in flight, ring and all */
		_exit(0);
	}
	for (int i = 0; i < 200 && waitpid(pid, &st, WNOHANG) == 0; i++)
		usleep(50000);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		ASSERT_TRUE(false) TH_LOG("the task did not exit with a request in flight");
	}
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("child status 0x%x", st);
	/* the worker wrote the results into the shared page before it ended */
	for (int i = 0; i < 100 && !__atomic_load_n(&x->xfer_id, __ATOMIC_ACQUIRE); i++)
		usleep(50000);
	ASSERT_NE(0, x->xfer_id);
	check_interrupted(_metadata, self, x->bytes_sent, x, rcv);
	EXPECT_TRUE(zc_live_wait_zero(&l, 5000));
	close(snd);
	close(rcv);
	munmap(x, sizeof(*x));
}

/* ---------------------------------------------------------------------- */

/* a non-blocking socket or call never waits: inline, short, then EAGAIN */
TEST_F(uring, nonblock)
{
	struct zcopy_desc d[3] = {
		zc_buf(hdr, sizeof(hdr) - 1), zc_file(self->big, 0, 0),
		zc_buf(trailer, sizeof(trailer) - 1),
	};
	struct zcopy_xfer x, y;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	for (int how = 0; how < 2; how++) {
		uint32_t flags = how ? ZCOPY_F_NONBLOCK : 0;
		int snd, rcv, res;
		long r;

		ASSERT_EQ(0, zc_pair(variant->t, &snd, &rcv));
		if (!how)
			ASSERT_EQ(0, fcntl(snd, F_SETFL, O_NONBLOCK));
		xfer_init(&x, snd, ZCOPY_MODE_SG, flags, d, 3);
		res = uring_xfer(&self->ring, self->dev, &x);
		EXPECT_LT(0, res);
		EXPECT_GT(BIG_SIZE, res);
		EXPECT_EQ((uint64_t)res, x.bytes_sent);
		EXPECT_EQ(EAGAIN, x.error);
		EXPECT_TRUE(ran_inline(x.xfer_id));
		/*
		 * Until it is full: short counts with EAGAIN, then -EAGAIN
		 * with nothing sent (ACKs may make room in between, on a slow
		 * kernel), as the ioctl says.
		 */
		for (int i = 0; i < 100 && res > 0; i++) {
			xfer_init(&x, snd, ZCOPY_MODE_SG, flags, d, 3);
			res = uring_xfer(&self->ring, self->dev, &x);
			EXPECT_EQ(EAGAIN, x.error);
			EXPECT_TRUE(ran_inline(x.xfer_id));
		}
		EXPECT_EQ(-EAGAIN, res);
		for (int i = 0; i < 100; i++) {
			xfer_init(&y, snd, ZCOPY_MODE_SG, flags, d, 3);
			r = ioctl(self->dev, ZCOPY_IOC_XFER, &y);
			EXPECT_EQ(EAGAIN, y.error);
			if (r < 0)
				break;
		}
		EXPECT_EQ(-1, r);
		EXPECT_EQ(EAGAIN, errno);
		EXPECT_EQ(y.error, x.error);
		close(snd);
		close(rcv);
	}
}

/* ---------------------------------------------------------------------- */

#define NLINK	12

/*
 * Linked transfers on one socket: each starts when the one before it has
 * completed, so the peer gets them in order, whichever ran inline and
 * whichever in io-wq; a linked NOP after the last one completes with 0.
 */
TEST_F(uring, linked_order)
{
	static struct zcopy_xfer x[NLINK];
	static struct zcopy_desc d[NLINK][2];
	static char tag[NLINK][16];
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct zc_sink sink;
	uint64_t h = ZC_HASH_INIT, total = 0;
	int snd, rcv, iowq = 0;
	char *buf;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	buf = malloc(2 * ZC_MIB);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, zc_pair(variant->t, &snd, &rcv));
	ASSERT_EQ(0, zc_sink_start(&sink, rcv));
	for (int i = 0; i < NLINK; i++) {
		/* every third one is 2 MiB: more than the socket takes at once */
		size_t len = i % 3 == 2 ? 2 * ZC_MIB : 1000 + i;
		int n = snprintf(tag[i], sizeof(tag[i]), "<%d>", i);

		d[i][0] = zc_buf(tag[i], n);
		d[i][1] = zc_file(self->big, i * 4096, len);
		xfer_init(&x[i], snd, ZCOPY_MODE_SG, 0, d[i], 2);
		sqe = io_uring_get_sqe(&self->ring);
		prep_xfer(sqe, self->dev, &x[i], i);
		sqe->flags |= IOSQE_IO_LINK;
		ASSERT_EQ((ssize_t)len, pread(self->big, buf, len, i * 4096));
		h = zc_hash(h, tag[i], n);
		h = zc_hash(h, buf, len);
		total += n + len;
	}
	sqe = io_uring_get_sqe(&self->ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 100;
	ASSERT_EQ(NLINK + 1, io_uring_submit(&self->ring));
	for (int i = 0; i <= NLINK; i++) {
		ASSERT_EQ(0, wait_cqe_ms(&self->ring, &cqe, 30000));
		/* in order: each completes before the next starts */
		if (i < NLINK) {
			EXPECT_EQ(i, cqe->user_data);
			EXPECT_LT(0, cqe->res);
			EXPECT_EQ((uint64_t)cqe->res, x[cqe->user_data].bytes_sent);
		} else {
			EXPECT_EQ(100, cqe->user_data);
			EXPECT_EQ(0, cqe->res) TH_LOG("the NOP after a positive result: %d", cqe->res);
		}
		io_uring_cqe_seen(&self->ring, cqe);
	}
	close(snd);
	zc_sink_wait(&sink);
	EXPECT_EQ(total, sink.bytes);
	EXPECT_EQ(h, sink.hash);
	for (int i = 0; i < NLINK; i++)
		iowq += ran_in_iowq(x[i].xfer_id);
	/* both paths were in the chain */
	EXPECT_LT(0, iowq);
	EXPECT_GT(NLINK, iowq);
	free(buf);
}

/* the same guard on its own, inline and from io-wq (IOSQE_ASYNC) */
TEST_F(uring, positive_then_linked_nop)
{
	struct zcopy_desc d[1] = { zc_file(self->small, 0, 0) };
	struct zcopy_xfer x;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int snd, rcv;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, zc_pair(variant->t, &snd, &rcv));
	for (int async = 0; async < 2; async++) {
		char got[SMALL_SIZE];

		xfer_init(&x, snd, ZCOPY_MODE_SG, 0, d, 1);
		sqe = io_uring_get_sqe(&self->ring);
		prep_xfer(sqe, self->dev, &x, 1);
		sqe->flags |= IOSQE_IO_LINK | (async ? IOSQE_ASYNC : 0);
		sqe = io_uring_get_sqe(&self->ring);
		io_uring_prep_nop(sqe);
		sqe->user_data = 2;
		ASSERT_EQ(2, io_uring_submit(&self->ring));
		for (int i = 1; i <= 2; i++) {
			ASSERT_EQ(0, wait_cqe_ms(&self->ring, &cqe, 10000))
				TH_LOG("%s: completion %d lost", async ? "io-wq" : "inline", i);
			EXPECT_EQ(i, cqe->user_data);
			EXPECT_EQ(i == 1 ? SMALL_SIZE : 0, cqe->res)
				TH_LOG("%s: %llu: %d", async ? "io-wq" : "inline", cqe->user_data,
				       cqe->res);
			io_uring_cqe_seen(&self->ring, cqe);
		}
		EXPECT_TRUE(async ? ran_in_iowq(x.xfer_id) : ran_inline(x.xfer_id));
		ASSERT_EQ(SMALL_SIZE, recv(rcv, got, sizeof(got), MSG_WAITALL));
	}
	close(snd);
	close(rcv);
}

/* ---------------------------------------------------------------------- */

/*
 * A request the inline attempt hands to io-wq is issued there again after
 * user space may have filled its SQ slot with another SQE: 6.12 leaves
 * cmd->sqe at the slot (it copied the SQE, but does not use the copy).
 * One io-wq worker, busy with a blocked transfer; a second transfer
 * (SYNC: it would wait, so it goes to io-wq) queues behind it; every slot
 * of the 4-entry ring is then refilled with NOPs (command area 0, which
 * would be EFAULT); the blocked one is cancelled; the second must run as
 * it was submitted.
 */
TEST_F(uring, punted_slot_reused)
{
	struct zcopy_desc d[3], e[1] = { zc_file(self->small, 0, 0) };
	struct zcopy_xfer x, y;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct zc_sink sink;
	unsigned int workers[2] = { 1, 1 };
	int snd, rcv, snd2, rcv2, got = 0, res_y = 1, r;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	r = io_uring_register_iowq_max_workers(&ring, workers);
	if (r) {
		io_uring_queue_exit(&ring);
		SKIP(return, "IORING_REGISTER_IOWQ_MAX_WORKERS: %s", strerror(-r));
	}
	ASSERT_EQ(0, zc_pair(variant->t, &snd, &rcv));
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd2, &rcv2));
	ASSERT_EQ(0, zc_sink_start(&sink, rcv2));
	d[0] = zc_buf(hdr, sizeof(hdr) - 1);
	d[1] = zc_file(self->big, 0, 0);
	d[2] = zc_buf(trailer, sizeof(trailer) - 1);
	xfer_init(&x, snd, ZCOPY_MODE_SG, 0, d, 3);
	prep_xfer(io_uring_get_sqe(&ring), self->dev, &x, 7);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(300000);		/* the worker is in the blocked transfer */
	xfer_init(&y, snd2, ZCOPY_MODE_SG, ZCOPY_F_SYNC, e, 1);
	prep_xfer(io_uring_get_sqe(&ring), self->dev, &y, 9);
	ASSERT_EQ(1, io_uring_submit(&ring));
	/* all four slots again, the transfer's among them */
	for (int i = 0; i < 4; i++) {
		sqe = io_uring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		io_uring_prep_nop(sqe);
		sqe->user_data = 100 + i;
	}
	ASSERT_EQ(4, io_uring_submit(&ring));
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, wait_cqe_ms(&ring, &cqe, 5000));
		EXPECT_LE(100, cqe->user_data) TH_LOG("%llu: %d", cqe->user_data, cqe->res);
		if (cqe->user_data == 9)
			res_y = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_cancel64(sqe, 7, 0);
	sqe->user_data = 8;
	ASSERT_EQ(1, io_uring_submit(&ring));
	while (got < 3 && !wait_cqe_ms(&ring, &cqe, 10000)) {
		if (cqe->user_data == 9)
			res_y = cqe->res;
		got++;
		io_uring_cqe_seen(&ring, cqe);
	}
	EXPECT_EQ(3, got);
	/* as submitted: the file, in io-wq */
	EXPECT_EQ(SMALL_SIZE, res_y) TH_LOG("res %d (%s)", res_y, strerror(res_y < 0 ? -res_y : 0));
	EXPECT_EQ(SMALL_SIZE, y.bytes_sent);
	EXPECT_TRUE(ran_in_iowq(y.xfer_id));
	close(snd2);
	zc_sink_wait(&sink);
	EXPECT_EQ(SMALL_SIZE, sink.bytes);
	io_uring_queue_exit(&ring);
	close(snd);
	close(rcv);
}

/*
 * A linked request is issued when the one before it completes, maybe long
 * after io_uring_submit() returned and its SQ slot was filled again.  6.1
 * copies a linked uring_cmd's SQE at submission; 6.12 (before upstream's
 * sqe_copy, 6.16) reads the slot at issue, which no driver can repair: the
 * module is not called before.  Measured here: the head is a read of an
 * empty pipe, the linked transfer's slot is refilled with NOPs, then the
 * pipe is written.  With IOSQE_ASYNC io_uring copies the SQE at
 * submission on every kernel.
 */
static int linked_after_reuse(struct __test_metadata *_metadata, FIXTURE_DATA(uring) *self,
			      bool async, struct zcopy_xfer *x)
{
	struct zcopy_desc e[1] = { zc_file(self->small, 0, 0) };
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int p[2], snd, rcv, res = 1, n = 0;
	char c = 'x', buf[1];

	if (pipe(p) || zc_pair(ZC_UNIX, &snd, &rcv) || io_uring_queue_init(4, &ring, 0))
		return -1000;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, p[0], buf, 1, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	xfer_init(x, snd, ZCOPY_MODE_SG, 0, e, 1);
	sqe = io_uring_get_sqe(&ring);
	prep_xfer(sqe, self->dev, x, 2);
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	if (io_uring_submit(&ring) != 2)
		return -1001;
	for (int i = 0; i < 4; i++) {
		sqe = io_uring_get_sqe(&ring);
		if (!sqe)
			return -1002;
		io_uring_prep_nop(sqe);
		sqe->user_data = 100 + i;
	}
	if (io_uring_submit(&ring) != 4 || write(p[1], &c, 1) != 1)
		return -1003;
	while (n < 6 && !wait_cqe_ms(&ring, &cqe, 10000)) {
		if (cqe->user_data == 2)
			res = cqe->res;
		n++;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
	close(snd);
	close(rcv);
	return n == 6 ? res : -1004;
}

TEST_F(uring, linked_slot_reused)
{
	struct zcopy_xfer x;
	int res;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	/* IOSQE_ASYNC: copied at submission, on every kernel */
	res = linked_after_reuse(_metadata, self, true, &x);
	EXPECT_EQ(SMALL_SIZE, res) TH_LOG("IOSQE_ASYNC: %d", res);
	res = linked_after_reuse(_metadata, self, false, &x);
	if (res == -EFAULT && !x.xfer_id)
		SKIP(return, "this kernel issues a linked uring_cmd from its SQ slot, refilled "
		     "meanwhile (the NOP's command area: EFAULT); link with IOSQE_ASYNC here");
	EXPECT_EQ(SMALL_SIZE, res);
}

/* ---------------------------------------------------------------------- */

/* the request holds the device's file, and so the module */
TEST_F(uring, rmmod_busy)
{
	struct zcopy_xfer x;
	struct zcopy_desc d[3];
	struct io_uring_cqe *cqe;
	long long before, during;
	int snd, rcv, res = 1;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	before = refcnt();
	ASSERT_LE(1, before);
	start_blocked(_metadata, self, variant->t, &x, d, &snd, &rcv);
	/* only the request holds /dev/zcopy now */
	close(self->dev);
	self->dev = -1;
	during = refcnt();
	EXPECT_EQ(before, during);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "zcopy", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	ASSERT_EQ(0, access("/sys/module/zcopy", F_OK));
	io_uring_prep_cancel64(io_uring_get_sqe(&self->ring), 7, 0);
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	for (int n = 0; n < 2; n++) {
		ASSERT_EQ(0, wait_cqe_ms(&self->ring, &cqe, 10000));
		if (cqe->user_data == 7)
			res = cqe->res;
		io_uring_cqe_seen(&self->ring, cqe);
	}
	check_interrupted(_metadata, self, res, &x, rcv);
	/* and lets it go once completed: the file's last reference is put later */
	for (int i = 0; i < 100 && refcnt() != before - 1; i++)
		usleep(20000);
	EXPECT_EQ(before - 1, refcnt());
	close(snd);
	close(rcv);
}

/* ---------------------------------------------------------------------- */

TEST_F(uring, errors)
{
	struct zcopy_desc d[1] = { zc_file(self->small, 0, 0) };
	struct zcopy_desc bad[1] = { zc_file(12345, 0, 0) };
	struct zcopy_xfer x, y;
	struct io_uring_sqe *sqe;
	struct io_uring poll_ring;
	int snd, rcv, res;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, zc_pair(variant->t, &snd, &rcv));

	/* an unknown command: ENOTTY, as the ioctl */
	xfer_init(&x, snd, ZCOPY_MODE_SG, 0, d, 1);
	sqe = io_uring_get_sqe(&self->ring);
	prep_xfer(sqe, self->dev, &x, 1);
	sqe->cmd_op = _IOWR(ZCOPY_IOC_TYPE, 0x7f, struct zcopy_xfer);
	EXPECT_EQ(-ENOTTY, uring_submit_wait(&self->ring, 5000));
	/* INFO is no io_uring command */
	sqe = io_uring_get_sqe(&self->ring);
	prep_xfer(sqe, self->dev, &x, 1);
	sqe->cmd_op = ZCOPY_IOC_INFO;
	EXPECT_EQ(-ENOTTY, uring_submit_wait(&self->ring, 5000));

	/* the command area's reserved half */
	sqe = io_uring_get_sqe(&self->ring);
	prep_xfer(sqe, self->dev, &x, 1);
	((struct zcopy_uring_cmd *)sqe->cmd)->__reserved = 1;
	EXPECT_EQ(-EINVAL, uring_submit_wait(&self->ring, 5000));

	/* no struct there */
	sqe = io_uring_get_sqe(&self->ring);
	prep_xfer(sqe, self->dev, &x, 1);
	((struct zcopy_uring_cmd *)sqe->cmd)->xfer = 0;
	EXPECT_EQ(-EFAULT, uring_submit_wait(&self->ring, 5000));

	/* the ioctl's own errors, the same */
	xfer_init(&x, snd, ZCOPY_MODE_SG, 0, bad, 1);
	xfer_init(&y, snd, ZCOPY_MODE_SG, 0, bad, 1);
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, &y));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-EBADF, uring_xfer(&self->ring, self->dev, &x));
	xfer_init(&x, snd, ZCOPY_MODE_SG, 0x80000000u, d, 1);
	EXPECT_EQ(-EINVAL, uring_xfer(&self->ring, self->dev, &x));
	xfer_init(&x, self->small, ZCOPY_MODE_SG, 0, d, 1);
	EXPECT_EQ(-ENOTSOCK, uring_xfer(&self->ring, self->dev, &x));
	x.size = 8;
	EXPECT_EQ(-EINVAL, uring_xfer(&self->ring, self->dev, &x));

	/* IOPOLL: no ->uring_cmd_iopoll, refused */
	if (!io_uring_queue_init(4, &poll_ring, IORING_SETUP_IOPOLL)) {
		xfer_init(&x, snd, ZCOPY_MODE_SG, 0, d, 1);
		res = uring_xfer(&poll_ring, self->dev, &x);
		EXPECT_EQ(-EOPNOTSUPP, res);
		EXPECT_EQ(0, x.xfer_id);
		io_uring_queue_exit(&poll_ring);
	}
	/* nothing was sent by any of them */
	{
		char c;

		EXPECT_EQ(-1, recv(rcv, &c, 1, MSG_DONTWAIT));
		EXPECT_EQ(EAGAIN, errno);
	}
	close(snd);
	close(rcv);
}

/* ---------------------------------------------------------------------- */

static bool have_fail_nth(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	return !access(path, F_OK);
}

/*
 * fail-nth over the submission: the inline attempt runs in this thread,
 * so its N-th fault point fails, for N = 1, 2, ... until a transfer
 * completes with the fault unconsumed.  Every result is a count or a
 * documented errno, the peer got exactly the bytes reported, and the
 * module's live objects are back to 0 after each.
 */
TEST_F(uring, fail_nth)
{
	struct zcopy_desc d[3] = {
		zc_buf(hdr, sizeof(hdr) - 1), zc_file(self->small, 0, 0),
		zc_buf(trailer, sizeof(trailer) - 1),
	};
	/* as failnth_test: sleeping slab allocations fail too; no traces in the log */
	static const char *const knob[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/verbose", "0" },
		{ "fail_usercopy/verbose", "0" },
		{ "fail_futex/verbose", "0" },
	};
	char path[64], saved[5][32];
	struct zc_live l;
	int fd, nth;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (!have_fail_nth())
		SKIP(return, "no /proc/self/task/<tid>/fail-nth: kernel without CONFIG_FAULT_INJECTION");
	for (int i = 0; i < 5; i++) {
		char p[128];

		snprintf(p, sizeof(p), "/sys/kernel/debug/%s", knob[i][0]);
		saved[i][0] = 0;
		if (!zc_read_str(p, saved[i], sizeof(saved[i])))
			ASSERT_EQ(0, zc_write_str(p, knob[i][1]));
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (nth = 1; nth < 2000; nth++) {
		struct io_uring_cqe *cqe;
		struct zcopy_xfer x;
		char n[16], left[16] = "", got[8192];
		int snd, rcv, len, sub, res;
		bool consumed;

		ASSERT_EQ(0, zc_pair(variant->t, &snd, &rcv));
		xfer_init(&x, snd, ZCOPY_MODE_SG, 0, d, 3);
		prep_xfer(io_uring_get_sqe(&self->ring), self->dev, &x, 1);
		len = snprintf(n, sizeof(n), "%d", nth);
		ASSERT_EQ(len, pwrite(fd, n, len, 0));
		sub = io_uring_submit(&self->ring);
		consumed = pread(fd, left, sizeof(left) - 1, 0) > 0 && atoi(left) == 0;
		while (pwrite(fd, "0", 1, 0) != 1 && errno == EFAULT)
			;
		if (sub != 1) {
			/* io_uring itself failed the submission: nothing of ours ran */
			EXPECT_TRUE(consumed);
			close(snd);
			close(rcv);
			/* a failed submission may leave the SQE queued: start again */
			io_uring_queue_exit(&self->ring);
			ASSERT_EQ(NULL, ring_init(&self->ring, 256, 0));
			continue;
		}
		ASSERT_EQ(0, wait_cqe_ms(&self->ring, &cqe, 10000));
		res = cqe->res;
		io_uring_cqe_seen(&self->ring, cqe);
		EXPECT_TRUE(res >= 0 || zc_xfer_errno_documented(-res)) TH_LOG("nth %d: %d", nth, res);
		close(snd);
		if (res > 0) {
			uint64_t h;

			ASSERT_EQ(0, read_n(rcv, res, &h));
			EXPECT_EQ(prefix_hash(self->small, SMALL_SIZE, res), h);
		}
		/* EFAULT may come from writing the results, after sending (as the ioctl) */
		if (res != -EFAULT)
			EXPECT_EQ(0, recv(rcv, got, sizeof(got), 0))
				TH_LOG("nth %d: more than reported", nth);
		close(rcv);
		EXPECT_TRUE(zc_live_wait_zero(&l, 2000)) TH_LOG("nth %d: leak", nth);
		if (!consumed)
			break;
	}
	close(fd);
	for (int i = 0; i < 5; i++) {
		char p[128];

		snprintf(p, sizeof(p), "/sys/kernel/debug/%s", knob[i][0]);
		if (saved[i][0])
			zc_write_str(p, saved[i]);
	}
	EXPECT_GT(2000, nth);
	TH_LOG("%d fault points", nth - 1);
}

TEST_HARNESS_MAIN
