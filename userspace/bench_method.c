// SPDX-License-Identifier: GPL-2.0
/*
 * How each benchmarked method sends one item (header, file range,
 * trailer).  Every system call made here is counted in the tally: that
 * count, not a textbook, is what the "syscalls" column shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>
#include <zcopy.h>

#include "bench.h"

static const char *const names[BM_COUNT] = {
	[BM_READWRITE] = "read+write",
	[BM_MMAP] = "mmap+write",
	[BM_SENDFILE] = "sendfile",
	[BM_SPLICE] = "splice",
	[BM_CORK] = "cork+sendfile",
	[BM_DEV_COPY] = "zcopy-copy",
	[BM_DEV_SG] = "zcopy-sg",
	[BM_DEV_DIRECT] = "zcopy-direct",
	[BM_DEV_AUTO] = "zcopy-auto",
	[BM_EPOLL_CORK] = "epoll+cork",
	[BM_EPOLL_DEV] = "epoll+zcopy",
	[BM_URING] = "zcopy-uring",
};

static const unsigned int dev_mode[BM_COUNT] = {
	[BM_DEV_COPY] = ZCOPY_MODE_COPY,
	[BM_DEV_SG] = ZCOPY_MODE_SG,
	[BM_DEV_DIRECT] = ZCOPY_MODE_DIRECT,
	[BM_DEV_AUTO] = ZCOPY_MODE_AUTO,
};

/* the pipe splice goes through: as big as an unprivileged user may ask */
#define SPLICE_PIPE_SIZE	(1 << 20)

const char *bench_method_name(enum bench_method m)
{
	return names[m];
}

bool bench_method_is_device(enum bench_method m)
{
	return (m >= BM_DEV_COPY && m <= BM_DEV_AUTO) || m == BM_EPOLL_DEV || m == BM_URING;
}

enum bench_method bench_method_base(enum bench_method m)
{
	switch (m) {
	case BM_EPOLL_CORK:
		return BM_CORK;
	case BM_EPOLL_DEV:
	case BM_URING:
		return BM_DEV_SG;
	default:
		return m;
	}
}


unsigned int bench_method_parse(const char *list)
{
	char *copy = strdup(list), *save = NULL;
	unsigned int mask = 0;

	if (!copy)
		return 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned int m;

		for (m = 0; m < BM_COUNT; m++)
			if (!strcmp(t, names[m]))
				break;
		if (m == BM_COUNT) {
			mask = 0;
			break;
		}
		mask |= 1U << m;
	}
	free(copy);
	return mask;
}

int bench_sender_init(struct bench_sender *s, enum bench_method m, int dev)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->dev = dev;
	s->sock = -1;
	s->pipe[0] = s->pipe[1] = -1;
	if (m == BM_READWRITE) {
		s->buf = malloc(BENCH_RW_BUF);
		if (!s->buf)
			return -ENOMEM;
	}
	if (m == BM_SPLICE) {
		if (pipe2(s->pipe, O_CLOEXEC))
			return -errno;
		/* best effort: a smaller pipe only means more calls, and they are counted */
		fcntl(s->pipe[1], F_SETPIPE_SZ, SPLICE_PIPE_SIZE);
	}
	return 0;
}

void bench_sender_fini(struct bench_sender *s)
{
	if (s->ring) {
		io_uring_queue_exit(s->ring);
		free(s->ring);
	}
	free(s->buf);
	if (s->pipe[0] >= 0) {
		close(s->pipe[0]);
		close(s->pipe[1]);
	}
}

static int fail(struct bench_tally *t, int err)
{
	t->error = err;
	return -1;
}

/* all of @p, however many write(2) calls it takes */
static int write_all(struct bench_sender *s, const void *p, size_t n, struct bench_tally *t)
{
	while (n) {
		ssize_t r = write(s->sock, p, n);

		t->syscalls++;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(t, r < 0 ? errno : EPIPE);
		p = (const char *)p + r;
		n -= r;
		t->bytes += r;
	}
	return 0;
}

static int send_readwrite(struct bench_sender *s, const struct bench_item *it,
			  struct bench_tally *t)
{
	off_t off = it->off;
	uint64_t left = it->len;

	while (left) {
		size_t want = left < BENCH_RW_BUF ? left : BENCH_RW_BUF;
		ssize_t r = pread(it->fd, s->buf, want, off);

		t->syscalls++;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(t, r < 0 ? errno : ENODATA);
		if (write_all(s, s->buf, r, t))
			return -1;
		off += r;
		left -= r;
	}
	return 0;
}

static int send_mmap(struct bench_sender *s, const struct bench_item *it,
		     struct bench_tally *t)
{
	long pg = sysconf(_SC_PAGESIZE);
	off_t base = it->off & ~(off_t)(pg - 1);
	size_t maplen = it->len + (it->off - base);
	void *map;
	int ret;

	if (!it->len)
		return 0;
	map = mmap(NULL, maplen, PROT_READ, MAP_SHARED, it->fd, base);
	t->syscalls++;
	if (map == MAP_FAILED)
		return fail(t, errno);
	ret = write_all(s, (char *)map + (it->off - base), it->len, t);
	munmap(map, maplen);
	t->syscalls++;
	return ret;
}

static int send_sendfile(struct bench_sender *s, const struct bench_item *it,
			 struct bench_tally *t)
{
	off_t off = it->off;
	uint64_t left = it->len;

	while (left) {
		ssize_t r = sendfile(s->sock, it->fd, &off, left);

		t->syscalls++;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(t, r < 0 ? errno : ENODATA);
		left -= r;
		t->bytes += r;
	}
	return 0;
}

static int send_splice(struct bench_sender *s, const struct bench_item *it,
		       struct bench_tally *t)
{
	loff_t off = it->off;
	uint64_t left = it->len;

	while (left) {
		ssize_t in = splice(it->fd, &off, s->pipe[1], NULL, left,
				    SPLICE_F_MOVE | SPLICE_F_MORE);

		t->syscalls++;
		if (in < 0 && errno == EINTR)
			continue;
		if (in <= 0)
			return fail(t, in < 0 ? errno : ENODATA);
		left -= in;
		while (in) {
			ssize_t out = splice(s->pipe[0], NULL, s->sock, NULL, in,
					     SPLICE_F_MOVE | (left ? SPLICE_F_MORE : 0));

			t->syscalls++;
			if (out < 0 && errno == EINTR)
				continue;
			if (out <= 0)
				return fail(t, out < 0 ? errno : EPIPE);
			in -= out;
			t->bytes += out;
		}
	}
	return 0;
}

static int set_cork(struct bench_sender *s, int on, struct bench_tally *t)
{
	t->syscalls++;
	if (setsockopt(s->sock, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)))
		return fail(t, errno);
	return 0;
}

/* the classic small response: corked header, sendfile body, trailer */
static int send_cork(struct bench_sender *s, const struct bench_item *it,
		     struct bench_tally *t)
{
	if (set_cork(s, 1, t) ||
	    write_all(s, it->hdr, it->hdr_len, t) ||
	    send_sendfile(s, it, t) ||
	    write_all(s, it->trl, it->trl_len, t))
		return -1;
	return set_cork(s, 0, t);
}

/* one ioctl with up to three descriptors, resumed after a short call */
static int send_device(struct bench_sender *s, const struct bench_item *it,
		       struct bench_tally *t)
{
	struct zcopy_desc d[3];
	unsigned int n = 0, i;

	if (it->hdr_len)
		d[n++] = zcopy_desc_buf(it->hdr, it->hdr_len);
	d[n++] = zcopy_desc_file(it->fd, it->off, it->len);
	if (it->trl_len)
		d[n++] = zcopy_desc_buf(it->trl, it->trl_len);
	i = zcopy_advance(d, n, 0, 0);
	while (i < n) {
		struct zcopy_xfer x;
		ssize_t r = zcopy_send(s->dev, s->sock, d + i, n - i, dev_mode[s->m], 0, &x);

		t->syscalls++;
		if (x.xfer_id)
			zcopy_counters_add(&t->dev, &x.counters);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(t, r < 0 ? errno : ENODATA);
		t->bytes += r;
		i = zcopy_advance(d, n, i, r);
	}
	return 0;
}

/*
 * The same through io_uring, one request at a time: what a thread that
 * waits for each response pays for the ring.  A transfer bigger than the
 * socket's room runs in an io-wq worker, whose CPU time bench_run.c adds.
 */
static int send_uring(struct bench_sender *s, const struct bench_item *it,
		      struct bench_tally *t)
{
	struct zcopy_desc d[3];
	unsigned int n = 0, i;
	int r;

	if (!s->ring) {
		s->ring = calloc(1, sizeof(*s->ring));
		if (!s->ring)
			return fail(t, ENOMEM);
		r = io_uring_queue_init(4, s->ring, 0);
		t->syscalls++;
		if (r) {
			free(s->ring);
			s->ring = NULL;
			return fail(t, -r);
		}
	}
	if (it->hdr_len)
		d[n++] = zcopy_desc_buf(it->hdr, it->hdr_len);
	d[n++] = zcopy_desc_file(it->fd, it->off, it->len);
	if (it->trl_len)
		d[n++] = zcopy_desc_buf(it->trl, it->trl_len);
	i = zcopy_advance(d, n, 0, 0);
	while (i < n) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(s->ring);
		struct io_uring_cqe *cqe;
		struct zcopy_xfer x, *done;
		ssize_t res;

		if (!sqe)
			return fail(t, ENOSPC);
		zcopy_uring_prep_send(sqe, s->dev, s->sock, d + i, n - i, ZCOPY_MODE_SG, 0, &x);
		/* one io_uring_enter(): submit, and wait for the completion */
		r = io_uring_submit_and_wait(s->ring, 1);
		t->syscalls++;
		if (r < 0)
			return fail(t, -r);
		while ((r = io_uring_peek_cqe(s->ring, &cqe)) == -EAGAIN) {
			r = io_uring_wait_cqe(s->ring, &cqe);
			t->syscalls++;
			if (!r)
				break;
		}
		if (r)
			return fail(t, -r);
		res = zcopy_uring_result(cqe, &done);
		io_uring_cqe_seen(s->ring, cqe);
		if (done->xfer_id)
			zcopy_counters_add(&t->dev, &done->counters);
		if (res < 0 && errno == EINTR)
			continue;
		if (res <= 0)
			return fail(t, res < 0 ? errno : ENODATA);
		t->bytes += res;
		i = zcopy_advance(d, n, i, res);
	}
	return 0;
}

int bench_send_item(struct bench_sender *s, const struct bench_item *it,
		    struct bench_tally *t)
{
	int ret;

	if (s->m == BM_CORK) {
		ret = send_cork(s, it, t);
	} else if (s->m == BM_URING) {
		ret = send_uring(s, it, t);
	} else if (bench_method_is_device(s->m)) {
		ret = send_device(s, it, t);
	} else {
		/* the other methods send the header and trailer with write(2) */
		ret = write_all(s, it->hdr, it->hdr_len, t);
		if (!ret) {
			switch (s->m) {
			case BM_READWRITE:
				ret = send_readwrite(s, it, t);
				break;
			case BM_MMAP:
				ret = send_mmap(s, it, t);
				break;
			case BM_SPLICE:
				ret = send_splice(s, it, t);
				break;
			default:
				ret = send_sendfile(s, it, t);
				break;
			}
		}
		if (!ret)
			ret = write_all(s, it->trl, it->trl_len, t);
	}
	if (!ret)
		t->items++;
	return ret;
}
