// SPDX-License-Identifier: GPL-2.0
/*
 * What a transfer tells the rest of the kernel, as sendfile(2) does after
 * it ran: the task's I/O accounting (/proc/thread-self/io: rchar, wchar,
 * syscr, syscw) and fsnotify access events on the file.  sendfile, the
 * reference, goes through the same code and the same expectations: a call
 * that sent N file bytes adds N to rchar and wchar and one to syscr and
 * syscw, and the file gets an access event; a call that sent nothing adds
 * only the two one's, and no event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define SENDFILE	(-1)	/* the "mode" of the reference */

struct io {
	long long rchar, wchar, syscr, syscw;
};

/* the value of "@key: N" in /proc/PID/io's text, or -1 */
static long long io_field(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, n) && p[n] == ':')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

/*
 * This thread's counters as they were before this read, which then counts
 * itself: one syscr and the text's length in rchar (@own).
 */
static int io_read(struct io *io, struct io *own)
{
	char buf[1024];
	ssize_t n;
	int fd = open("/proc/thread-self/io", O_RDONLY);

	if (fd < 0)
		return -1;
	/* one read(2): the whole text fits */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	io->rchar = io_field(buf, "rchar");
	io->wchar = io_field(buf, "wchar");
	io->syscr = io_field(buf, "syscr");
	io->syscw = io_field(buf, "syscw");
	*own = (struct io){ .rchar = n, .syscr = 1 };
	return io->rchar < 0 || io->wchar < 0 || io->syscr < 0 || io->syscw < 0 ? -1 : 0;
}

/* what happened between @a (and its own read, @own) and @b */
static struct io io_delta(const struct io *a, const struct io *own, const struct io *b)
{
	return (struct io){
		.rchar = b->rchar - a->rchar - own->rchar,
		.wchar = b->wchar - a->wchar - own->wchar,
		.syscr = b->syscr - a->syscr - own->syscr,
		.syscw = b->syscw - a->syscw - own->syscw,
	};
}

/* IN_ACCESS events queued on @in (inotify merges identical neighbours) */
static int access_events(int in)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int events = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			events += !!(ev->mask & IN_ACCESS);
			p += sizeof(*ev) + ev->len;
		}
	}
	return events;
}

FIXTURE(account)
{
	int dev, fd, in;
	char path[256];
	size_t size;
};

FIXTURE_VARIANT(account)
{
	int method;
};

FIXTURE_VARIANT_ADD(account, sendfile) { .method = SENDFILE };
FIXTURE_VARIANT_ADD(account, sg) { .method = ZCOPY_MODE_SG };
FIXTURE_VARIANT_ADD(account, copy) { .method = ZCOPY_MODE_COPY };
FIXTURE_VARIANT_ADD(account, direct) { .method = ZCOPY_MODE_DIRECT };
FIXTURE_VARIANT_ADD(account, auto) { .method = ZCOPY_MODE_AUTO };

FIXTURE_SETUP(account)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	/* 16 of COPY's 64 KiB reads, 256 pages: more than one batch */
	self->size = ZC_MIB;
	self->fd = zc_make_file(self->path, sizeof(self->path), "account.dat", self->size, 3);
	ASSERT_LE(0, self->fd);
	self->in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, self->in);
	ASSERT_LE(0, inotify_add_watch(self->in, self->path, IN_ACCESS));
	if (access("/proc/thread-self/io", R_OK))
		SKIP(return, "no /proc/PID/io (CONFIG_TASK_IO_ACCOUNTING) in this kernel");
}

FIXTURE_TEARDOWN(account)
{
	close(self->in);
	close(self->fd);
	unlink(self->path);
	close(self->dev);
}

/* one call of @method: [@off, @off + @len) of the file, @len 0: to its end */
static long send_range(int dev, int method, int sock, int fd, off_t off, size_t len)
{
	struct zcopy_desc d = zc_file(fd, off, len);

	if (method == SENDFILE)
		return sendfile(sock, fd, &off, len ? len : 0x7ffff000L);
	return zc_xfer(dev, sock, method, 0, &d, 1, NULL);
}

/* one call, between two looks at this thread's counters */
static long measured(struct __test_metadata *_metadata, int dev, int method, int fd,
		     off_t off, size_t len, struct io *d, uint64_t *arrived)
{
	struct io a, own, b, dummy;
	struct zc_sink sink;
	int snd, rcv;
	long ret;

	/* the peer reads in a thread of its own: its counters are not ours */
	if (zc_pair(ZC_TCP4, &snd, &rcv) || zc_sink_start(&sink, rcv))
		return -2;
	if (io_read(&a, &own))
		return -2;
	ret = send_range(dev, method, snd, fd, off, len);
	if (io_read(&b, &dummy))
		return -2;
	close(snd);
	zc_sink_wait(&sink);
	*d = io_delta(&a, &own, &b);
	*arrived = sink.bytes;
	TH_LOG("%ld bytes: rchar %+lld wchar %+lld syscr %+lld syscw %+lld", ret,
	       d->rchar, d->wchar, d->syscr, d->syscw);
	return ret;
}

/* what one sendfile(2) call that sent @rchar file bytes of @wchar adds */
static void expect_one_call(struct __test_metadata *_metadata, const struct io *d,
			    long long rchar, long long wchar)
{
	EXPECT_EQ(rchar, d->rchar);
	EXPECT_EQ(wchar, d->wchar);
	EXPECT_EQ(1, d->syscr);
	EXPECT_EQ(1, d->syscw);
}

/* N bytes of a file: rchar and wchar +N, syscr and syscw +1, one access event */
TEST_F_TIMEOUT(account, one_call, 180)
{
	uint64_t arrived;
	struct io d;
	long ret;

	ASSERT_EQ(0, zc_drop_caches());
	ret = measured(_metadata, self->dev, variant->method, self->fd, 0, 0, &d, &arrived);
	ASSERT_EQ((long)self->size, ret) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(self->size, arrived);
	expect_one_call(_metadata, &d, (long long)self->size, (long long)self->size);
	EXPECT_LE(1, access_events(self->in));

	/* warm, the same (SG takes the page cache without a pipe then) */
	ret = measured(_metadata, self->dev, variant->method, self->fd, 4096, 65536, &d,
		       &arrived);
	ASSERT_EQ(65536, ret);
	expect_one_call(_metadata, &d, 65536, 65536);
	EXPECT_LE(1, access_events(self->in));
}

/* nothing to send (the offset is the end of the file): the calls, no bytes, no event */
TEST_F_TIMEOUT(account, nothing_sent, 180)
{
	uint64_t arrived;
	struct io d;
	long ret;

	ret = measured(_metadata, self->dev, variant->method, self->fd, self->size, 4096, &d,
		       &arrived);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(errno));
	expect_one_call(_metadata, &d, 0, 0);
	EXPECT_EQ(0, access_events(self->in));
}

/*
 * A header and a trailer from memory around the file: rchar counts the
 * file's bytes, wchar all of them (writev + sendfile + writev would count
 * the same bytes, in three calls).
 */
TEST_F_TIMEOUT(account, buffers_are_written_not_read, 180)
{
	static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Length: 16384\r\n\r\n";
	static const char trl[] = "\r\n";
	struct io a, own, b, dummy, d;
	struct zcopy_desc v[3];
	struct zc_sink sink;
	size_t body = 16384, total = body + sizeof(hdr) - 1 + sizeof(trl) - 1;
	int snd, rcv;
	long ret;

	if (variant->method == SENDFILE)
		SKIP(return, "sendfile takes no buffers");
	v[0] = zc_buf(hdr, sizeof(hdr) - 1);
	v[1] = zc_file(self->fd, 0, body);
	v[2] = zc_buf(trl, sizeof(trl) - 1);
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
	ASSERT_EQ(0, zc_sink_start(&sink, rcv));
	ASSERT_EQ(0, io_read(&a, &own));
	ret = zc_xfer(self->dev, snd, variant->method, 0, v, 3, NULL);
	ASSERT_EQ(0, io_read(&b, &dummy));
	close(snd);
	zc_sink_wait(&sink);
	d = io_delta(&a, &own, &b);
	ASSERT_EQ((long)total, ret) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(total, sink.bytes);
	expect_one_call(_metadata, &d, (long long)body, (long long)total);
	EXPECT_LE(1, access_events(self->in));
}

TEST_HARNESS_MAIN
