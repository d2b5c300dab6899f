// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection walk with fail-nth, after the kernel's
 * tools/testing/selftests/iommu/iommufd_fail_nth.c: one transfer is made
 * with the N-th fault-injection point of the calling thread failing, for
 * N = 1, 2, 3, ... until a call completes with the fault not consumed
 * (every point on the path has been failed once).  For each mode and for
 * the flags that take other paths (SYNC over TCP and UNIX, header and
 * trailer buffers, AUTO resolving to DIRECT and SG in one call):
 *
 * - every call returns bytes (maybe short) or an errno abi.rst lists;
 * - the peer, a fresh connection each time, received exactly the bytes
 *   the call reported, and they are the right ones (hash of the prefix);
 *   an error comes back only when nothing was sent (except EFAULT, which
 *   the results' copy-out can give after sending, as sendfile's offset
 *   pointer does);
 * - nothing is left behind: after every call, every counter of the
 *   module's live objects (debugfs "live": transfer contexts, descriptor
 *   and piece arrays, file and socket references, buffer pages, SYNC
 *   notifications, residency maps, COPY buffers, batches, DIRECT pages,
 *   page-cache references) is back to 0; after the walk the module's reference count (held by open
 *   files and by SYNC notifications still in the stack) and the number of
 *   sockets in use are back to their values before it, and kmemleak,
 *   where the kernel has it, reports nothing of zcopy.
 *
 * fail-nth counts the points where should_fail() runs.  Slab allocations
 * that may sleep are only such points with failslab/ignore-gfp-wait=N,
 * which this test sets (and restores).  Page allocations are left out by
 * default: a failed page allocation without __GFP_NOWARN prints a
 * "page allocation failure" with a call trace, which the VM's judge
 * rightly reads as a kernel problem.  ZCOPY_FAILNTH_PAGE_ALLOC=1 adds them
 * (fail_page_alloc ignore-gfp-wait=N, ignore-gfp-highmem=N, min-order=0)
 * for runs that look at the log by hand.  fail-nth needs no probability,
 * interval or task-filter setting: it is checked before all of them.
 *
 * Without CONFIG_FAULT_INJECTION (Debian's stock kernels) there is no
 * /proc/self/task/<tid>/fail-nth and every test skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define FAULT_DIR	"/sys/kernel/debug/"
#define BIG_SIZE	(3 * 65536 + 1000)	/* 4 COPY chunks, one batch */
#define SMALL_SIZE	5000
#define MAX_ITER	3000
#define MAX_ERRNO	140

static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
static const char trailer[] = "\r\n0\r\n\r\n";

/* the fault-injection knobs this test changes, and their values */
static const struct knob {
	const char *path;
	const char *value;
	bool pages;		/* only with ZCOPY_FAILNTH_PAGE_ALLOC=1 */
} knobs[] = {
	{ "failslab/ignore-gfp-wait", "N", false },
	/* no "FAULT_INJECTION: forcing a failure" traces in the log */
	{ "failslab/verbose", "0", false },
	{ "fail_page_alloc/verbose", "0", false },
	{ "fail_usercopy/verbose", "0", false },
	{ "fail_futex/verbose", "0", false },
	{ "fail_page_alloc/ignore-gfp-wait", "N", true },
	{ "fail_page_alloc/ignore-gfp-highmem", "N", true },
	{ "fail_page_alloc/min-order", "0", true },
};
#define NKNOBS	(sizeof(knobs) / sizeof(knobs[0]))

static bool have_fail_nth(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	return !access(path, F_OK);
}

/* "sockets: used N" of /proc/net/sockstat: struct sockets alive */
static long long sockets_used(void)
{
	char line[256];
	long long n = -1;
	FILE *f = fopen("/proc/net/sockstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "sockets: used %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static long long refcnt(void)
{
	return zc_read_ll("/sys/module/zcopy/refcnt");
}

/* one transfer in a thread of its own, with its N-th fault point failing */
struct call {
	int dev;
	unsigned int nth;	/* 0: no fault */
	struct zcopy_xfer x;
	long ret;
	int err;
	int consumed;		/* 1: the fault was injected; -1: fail-nth broke */
	int setup_err;
};

/*
 * Was the fault injected?  Reading fail-nth gives what is left: 0 when it
 * was.  The read and the write that disarms it are fault points
 * themselves (copy to and from user memory, with fail_usercopy): EFAULT
 * from them means the fault was still armed when they ran.
 */
static int nth_consumed(int fd)
{
	char buf[32] = "";
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
	int consumed;

	if (r < 0 && errno == EFAULT)
		consumed = 0;
	else if (r <= 0)
		return -1;
	else
		consumed = atoi(buf) == 0;
	for (int i = 0; pwrite(fd, "0", 1, 0) != 1; i++)
		if (errno != EFAULT || i > 2)
			return -1;
	return consumed;
}

static void *call_main(void *arg)
{
	struct call *c = arg;
	char path[64], n[16];
	int fd, len;

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		c->setup_err = errno;
		return NULL;
	}
	len = snprintf(n, sizeof(n), "%u", c->nth);
	if (c->nth && pwrite(fd, n, len, 0) != len) {
		c->setup_err = errno;
		close(fd);
		return NULL;
	}
	/* nothing between arming and the call */
	c->ret = ioctl(c->dev, ZCOPY_IOC_XFER, &c->x);
	c->err = errno;
	c->consumed = c->nth ? nth_consumed(fd) : 0;
	close(fd);
	return NULL;
}

FIXTURE(nth)
{
	int dev, big, small;
	char big_path[256], small_path[256];
	struct zcopy_desc d[4];
	unsigned int n;
	char *stream;		/* what the peer must receive */
	size_t stream_len;
	char saved[NKNOBS][32];
	bool changed[NKNOBS];
	char threshold[32];
	const char *skip;
};

FIXTURE_VARIANT(nth)
{
	uint32_t mode;
	uint32_t flags;
	bool bufs;		/* a header and a trailer around the file(s) */
	enum zc_transport t;
};

FIXTURE_VARIANT_ADD(nth, copy) { .mode = ZCOPY_MODE_COPY, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, sg) { .mode = ZCOPY_MODE_SG, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, direct) { .mode = ZCOPY_MODE_DIRECT, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, auto) { .mode = ZCOPY_MODE_AUTO, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, copy_bufs) { .mode = ZCOPY_MODE_COPY, .bufs = true, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, sg_bufs) { .mode = ZCOPY_MODE_SG, .bufs = true, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, direct_bufs) { .mode = ZCOPY_MODE_DIRECT, .bufs = true, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, auto_bufs) { .mode = ZCOPY_MODE_AUTO, .bufs = true, .t = ZC_TCP4 };
FIXTURE_VARIANT_ADD(nth, sg_sync)
{
	.mode = ZCOPY_MODE_SG, .flags = ZCOPY_F_SYNC, .t = ZC_TCP4,
};
FIXTURE_VARIANT_ADD(nth, sg_sync_bufs)
{
	.mode = ZCOPY_MODE_SG, .flags = ZCOPY_F_SYNC, .bufs = true, .t = ZC_TCP6,
};
FIXTURE_VARIANT_ADD(nth, auto_sync)
{
	.mode = ZCOPY_MODE_AUTO, .flags = ZCOPY_F_SYNC, .t = ZC_TCP4,
};
FIXTURE_VARIANT_ADD(nth, sg_sync_unix)
{
	.mode = ZCOPY_MODE_SG, .flags = ZCOPY_F_SYNC, .t = ZC_UNIX,
};
FIXTURE_VARIANT_ADD(nth, copy_unix) { .mode = ZCOPY_MODE_COPY, .bufs = true, .t = ZC_UNIX };
FIXTURE_VARIANT_ADD(nth, direct_unix) { .mode = ZCOPY_MODE_DIRECT, .t = ZC_UNIX };

static void add_piece(FIXTURE_DATA(nth) *self, struct zcopy_desc d, const void *bytes,
		      size_t len)
{
	self->d[self->n++] = d;
	memcpy(self->stream + self->stream_len, bytes, len);
	self->stream_len += len;
}

static void add_file(FIXTURE_DATA(nth) *self, int fd, size_t size)
{
	static char buf[BIG_SIZE];

	if (pread(fd, buf, size, 0) != (ssize_t)size)
		return;
	add_piece(self, zc_file(fd, 0, 0), buf, size);
}

FIXTURE_SETUP(nth)
{
	const bool pages = getenv("ZCOPY_FAILNTH_PAGE_ALLOC") &&
			   !strcmp(getenv("ZCOPY_FAILNTH_PAGE_ALLOC"), "1");

	self->skip = NULL;
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/zcopy: %s", strerror(errno));
	self->big = zc_make_file(self->big_path, sizeof(self->big_path), "nth-big.dat",
				 BIG_SIZE, 61);
	ASSERT_LE(0, self->big);
	self->small = zc_make_file(self->small_path, sizeof(self->small_path), "nth-small.dat",
				   SMALL_SIZE, 62);
	ASSERT_LE(0, self->small);
	self->stream = malloc(BIG_SIZE + SMALL_SIZE + 2 * sizeof(hdr));
	ASSERT_NE(NULL, self->stream);
	if (variant->bufs)
		add_piece(self, zc_buf(hdr, sizeof(hdr) - 1), hdr, sizeof(hdr) - 1);
	add_file(self, self->big, BIG_SIZE);
	/*
	 * AUTO: DIRECT for the big file (at the threshold, and evicted from
	 * the page cache before every call, see one_call()), SG for the small
	 * one
	 */
	if (variant->mode == ZCOPY_MODE_AUTO) {
		ASSERT_EQ(0, fsync(self->big));
		add_file(self, self->small, SMALL_SIZE);
	}
	if (variant->bufs)
		add_piece(self, zc_buf(trailer, sizeof(trailer) - 1), trailer,
			  sizeof(trailer) - 1);
	ASSERT_EQ(self->n, (variant->bufs ? 2 : 0) + 1 + (variant->mode == ZCOPY_MODE_AUTO));

	ASSERT_EQ(0, zc_read_str(ZC_DEBUGFS "/direct_threshold", self->threshold,
				 sizeof(self->threshold)));
	if (variant->mode == ZCOPY_MODE_AUTO) {
		char v[32];

		snprintf(v, sizeof(v), "%d", BIG_SIZE);
		ASSERT_EQ(0, zc_write_str(ZC_DEBUGFS "/direct_threshold", v));
	}

	if (!have_fail_nth()) {
		self->skip = "no /proc/self/task/<tid>/fail-nth: kernel without CONFIG_FAULT_INJECTION";
		return;
	}
	if (access(FAULT_DIR "failslab", F_OK)) {
		self->skip = "no " FAULT_DIR "failslab: kernel without CONFIG_FAILSLAB "
			     "and CONFIG_FAULT_INJECTION_DEBUG_FS";
		return;
	}
	for (size_t i = 0; i < NKNOBS; i++) {
		char path[128];

		if (knobs[i].pages && !pages)
			continue;
		snprintf(path, sizeof(path), FAULT_DIR "%s", knobs[i].path);
		if (zc_read_str(path, self->saved[i], sizeof(self->saved[i])))
			continue;	/* that capability is not built in */
		ASSERT_EQ(0, zc_write_str(path, knobs[i].value)) TH_LOG("%s: %s", path,
									  strerror(errno));
		self->changed[i] = true;
	}
}

FIXTURE_TEARDOWN(nth)
{
	for (size_t i = 0; i < NKNOBS; i++) {
		char path[128];

		if (!self->changed[i])
			continue;
		snprintf(path, sizeof(path), FAULT_DIR "%s", knobs[i].path);
		zc_write_str(path, self->saved[i]);
	}
	if (self->threshold[0])
		zc_write_str(ZC_DEBUGFS "/direct_threshold", self->threshold);
	free(self->stream);
	close(self->big);
	close(self->small);
	unlink(self->big_path);
	unlink(self->small_path);
	close(self->dev);
}

/* one call on a fresh connection; the peer's bytes and hash */
static void one_call(struct __test_metadata *_metadata, FIXTURE_DATA(nth) *self,
		     const FIXTURE_VARIANT(nth) *variant, struct call *c,
		     struct zc_sink *sink)
{
	struct timeval tv = { .tv_sec = 10 };
	pthread_t th;
	int s, r;

	/* AUTO goes DIRECT only for a file the page cache does not hold */
	if (variant->mode == ZCOPY_MODE_AUTO)
		ASSERT_EQ(0, posix_fadvise(self->big, 0, 0, POSIX_FADV_DONTNEED));
	ASSERT_EQ(0, zc_pair(variant->t, &s, &r));
	/* a SYNC wait that never ends shows up as EAGAIN, not as a hang */
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, zc_sink_start(sink, r));
	memset(&c->x, 0, sizeof(c->x));
	c->x.size = sizeof(c->x);
	c->x.flags = variant->flags | ZCOPY_F_NOSIGNAL;
	c->x.sock_fd = s;
	c->x.mode = variant->mode;
	c->x.descs = (uintptr_t)self->d;
	c->x.ndescs = self->n;
	c->dev = self->dev;
	ASSERT_EQ(0, pthread_create(&th, NULL, call_main, c));
	ASSERT_EQ(0, pthread_join(th, NULL));
	close(s);
	zc_sink_wait(sink);
	ASSERT_EQ(0, c->setup_err) TH_LOG("fail-nth: %s", strerror(c->setup_err));
	ASSERT_LE(0, c->consumed) TH_LOG("reading fail-nth back failed");
}

/* @fn() back to @want, or (@at_most) to no more than it */
static bool wait_back(long long (*fn)(void), long long want, bool at_most)
{
	for (int i = 0; i < 1000; i++) {
		long long v = fn();

		if (v == want || (at_most && v >= 0 && v < want))
			return true;
		usleep(10000);
	}
	return false;
}

/* a failed check: counted and logged with the iteration and the condition */
#define CHECK(cond, fmt, ...) do {						\
	if (!(cond)) {								\
		bad++;								\
		TH_LOG("nth %u: " fmt " [%s]", n, ##__VA_ARGS__, #cond);	\
	}									\
} while (0)

TEST_F_TIMEOUT(nth, walk, 580)
{
	uint64_t errnos[MAX_ERRNO] = {}, full = 0, shortx = 0;
	long long refs0, socks0;
	unsigned int bad = 0;
	struct zc_sink sink;
	struct zc_live live;
	char lbuf[512];
	struct call c;
	unsigned int n;

	if (self->skip)
		SKIP(return, "%s", self->skip);

	/* a clean run first: the path works, the page cache is warm */
	memset(&c, 0, sizeof(c));
	one_call(_metadata, self, variant, &c, &sink);
	ASSERT_EQ(self->stream_len, c.ret) TH_LOG("without faults: %s", strerror(c.err));
	ASSERT_EQ(self->stream_len, sink.bytes);
	ASSERT_EQ(zc_hash(ZC_HASH_INIT, self->stream, self->stream_len), sink.hash);
	ASSERT_TRUE(zc_live_wait_zero(&live, 10000))
		TH_LOG("live objects without faults: %s", zc_live_str(&live, lbuf, sizeof(lbuf)));
	refs0 = refcnt();
	socks0 = sockets_used();

	for (n = 1;; n++) {
		uint64_t want_hash;
		unsigned int bad0 = bad;

		ASSERT_GT(MAX_ITER, n) TH_LOG("more than %d fault points?", MAX_ITER);
		memset(&c, 0, sizeof(c));
		c.nth = n;
		one_call(_metadata, self, variant, &c, &sink);

		if (c.ret >= 0) {
			CHECK(c.ret <= (long)self->stream_len, "%ld bytes", c.ret);
			/* the peer got what the call reported */
			CHECK(sink.bytes == (uint64_t)c.ret, "%ld sent, %llu received", c.ret,
			      (unsigned long long)sink.bytes);
			if (c.ret < (long)self->stream_len) {
				shortx++;
				CHECK(!c.x.error || zc_xfer_errno_documented(c.x.error),
				      "short, error %d", c.x.error);
			} else {
				full++;
			}
		} else {
			errnos[c.err > 0 && c.err < MAX_ERRNO ? c.err : 0]++;
			CHECK(zc_xfer_errno_documented(c.err), "errno %d (%s)", c.err,
			      strerror(c.err));
			/* an error only when nothing was sent, but see EFAULT above */
			CHECK(c.err == EFAULT || !sink.bytes, "%s after sending %llu bytes",
			      strerror(c.err), (unsigned long long)sink.bytes);
		}
		/* and the right bytes, in order, without a hole */
		want_hash = zc_hash(ZC_HASH_INIT, self->stream,
				    sink.bytes < self->stream_len ? sink.bytes : self->stream_len);
		CHECK(sink.bytes <= self->stream_len && sink.hash == want_hash,
		      "wrong bytes at the peer");
		/* results written back: they agree with the return value */
		if (c.x.xfer_id && !(c.ret < 0 && c.err == EFAULT)) {
			CHECK(c.x.bytes_sent == (c.ret < 0 ? 0 : (uint64_t)c.ret),
			      "bytes_sent %llu", (unsigned long long)c.x.bytes_sent);
			CHECK(c.ret >= 0 || c.x.error == c.err, "error %d", c.x.error);
		}
		/* every object of the call freed, every reference dropped */
		CHECK(zc_live_wait_zero(&live, 10000), "live objects left: %s",
		      zc_live_str(&live, lbuf, sizeof(lbuf)));
		if (!c.consumed) {
			/* every fault point of the path was failed once */
			CHECK(c.ret == (long)self->stream_len, "not injected, yet %ld: %s",
			      c.ret, strerror(c.err));
			break;
		}
		if (bad != bad0)
			break;		/* the first failure says enough */
	}
	EXPECT_EQ(0, bad);
	TH_LOG("%u fault points: %llu calls complete, %llu short", n - 1,
	       (unsigned long long)full, (unsigned long long)shortx);
	for (int e = 0; e < MAX_ERRNO; e++)
		if (errnos[e])
			TH_LOG("  %llu failed with %s", (unsigned long long)errnos[e],
			       e ? strerror(e) : "an errno above 139");
	EXPECT_LT(1, n);

	/* nothing left behind: objects, references and sockets */
	EXPECT_TRUE(zc_live_wait_zero(&live, 10000))
		TH_LOG("live objects after the walk: %s", zc_live_str(&live, lbuf, sizeof(lbuf)));
	EXPECT_TRUE(wait_back(refcnt, refs0, false)) TH_LOG("module refcnt %lld, was %lld",
							     refcnt(), refs0);
	/*
	 * No more than before: the baseline may still count sockets of the
	 * clean run or of an earlier test that were being freed (RCU).
	 */
	EXPECT_TRUE(wait_back(sockets_used, socks0, true))
		TH_LOG("sockets in use %lld, were %lld", sockets_used(), socks0);
}

/*
 * After every walk: kmemleak (on kernels that have it) finds no leak with
 * zcopy in its allocation trace.
 */
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

FIXTURE(leak)
{
	int unused;
};

FIXTURE_SETUP(leak)
{
}

FIXTURE_TEARDOWN(leak)
{
}

TEST_F_TIMEOUT(leak, kmemleak, 400)
{
	static char report[1 << 20];
	int fd, ours = 0, all = 0;
	ssize_t len = 0, r;
	char *p;

	if (access(KMEMLEAK, F_OK))
		SKIP(return, "no " KMEMLEAK ": kernel without CONFIG_DEBUG_KMEMLEAK");
	/*
	 * An object is reported when a scan finds it unreferenced with the
	 * checksum it had at the scan before, and at least 5 s old: two
	 * scans with a pause, as kmemleak.rst advises.
	 */
	ASSERT_EQ(0, zc_write_str(KMEMLEAK, "scan")) TH_LOG("scan: %s", strerror(errno));
	sleep(6);
	ASSERT_EQ(0, zc_write_str(KMEMLEAK, "scan")) TH_LOG("scan: %s", strerror(errno));
	fd = open(KMEMLEAK, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	while (len < (ssize_t)sizeof(report) - 1 &&
	       (r = read(fd, report + len, sizeof(report) - 1 - len)) > 0)
		len += r;
	close(fd);
	report[len] = 0;
	/* one block per suspect, from "unreferenced object" to the next */
	for (p = strstr(report, "unreferenced object"); p; ) {
		char *next = strstr(p + 1, "unreferenced object");
		size_t blen = next ? (size_t)(next - p) : strlen(p);
		char save = p[blen];

		p[blen] = 0;
		all++;
		if (strstr(p, "zcopy")) {
			if (ours++ < 3)
				TH_LOG("%s", p);
		}
		p[blen] = save;
		p = next;
	}
	TH_LOG("kmemleak: %d suspects, %d with zcopy in their trace", all, ours);
	EXPECT_EQ(0, ours);
}

TEST_HARNESS_MAIN
