// SPDX-License-Identifier: GPL-2.0
/*
 * One thread serving many connections, request/response, as an event-loop
 * server does: an epoll loop that answers each request with the method's
 * calls (cork+sendfile, or one zcopy ioctl), or one io_uring ring that
 * receives the requests (a multishot receive per connection, into
 * provided buffers) and sends the responses (zcopy-uring).  Every
 * system call the thread makes is counted, io_uring_enter() included:
 * the ring is entered here, not through liburing's submit functions,
 * which may enter more than once per call.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <zcopy.h>

#include "bench.h"

#define REQ_MAX		512
/*
 * Completions one io_uring_enter() waits for: those of the transfers it
 * submits (inline, they are there at once) and a quarter of the requests
 * still to come, so that one call both answers and collects a batch.
 */
#define URING_WAIT_DIV	4
/* ... for at most this long, so that a lull never stalls a response */
#define URING_WAIT_NS	1000000

static int fail(struct bench_tally *t, int err)
{
	if (!t->error)
		t->error = err;
	return -1;
}

/*
 * A whole request of @len bytes from a blocking socket: recv(), as event
 * loops do, not read(), which also asks the file's permission hooks.
 */
static int read_request(int sock, size_t len, struct bench_tally *t)
{
	char buf[REQ_MAX];

	for (size_t got = 0; got < len;) {
		ssize_t r = recv(sock, buf, len - got, 0);

		t->syscalls++;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(t, r < 0 ? errno : ENODATA);
		got += r;
	}
	return 0;
}

/* the end of connection @i's stream: its sink's read returns 0 */
static void conn_done(struct bench_sender *snd, struct bench_tally *t)
{
	shutdown(snd->sock, SHUT_WR);
	t->syscalls++;
}

static int serve_epoll(const struct bench_server *sv, struct bench_tally *t)
{
	struct epoll_event ev[64];
	unsigned int *sent = calloc(sv->nconns, sizeof(*sent));
	unsigned int left = sv->nconns;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	t->syscalls++;
	if (!sent || ep < 0) {
		free(sent);
		return fail(t, sent ? errno : ENOMEM);
	}
	for (unsigned int i = 0; i < sv->nconns; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		t->syscalls++;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, sv->snd[i].sock, &e)) {
			fail(t, errno);
			goto out;
		}
	}
	while (left && !t->error) {
		int n = epoll_wait(ep, ev, 64, -1);

		t->syscalls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(t, errno);
			break;
		}
		for (int k = 0; k < n && !t->error; k++) {
			unsigned int i = ev[k].data.u32;
			const struct bench_item *it = sv->items + (size_t)i * sv->nitems + sent[i];

			if (read_request(sv->snd[i].sock, sv->request, t) ||
			    bench_send_item(&sv->snd[i], it, t))
				break;
			if (++sent[i] == sv->nitems) {
				epoll_ctl(ep, EPOLL_CTL_DEL, sv->snd[i].sock, NULL);
				t->syscalls++;
				conn_done(&sv->snd[i], t);
				left--;
			}
		}
	}
out:
	close(ep);
	free(sent);
	return t->error ? -1 : 0;
}

/* what the ring holds for one connection */
struct uconn {
	size_t got;		/* bytes of the current request */
	unsigned int reqs;	/* requests received whole */
	bool armed;		/* its multishot receive is */
	unsigned int sent;	/* responses completed */
	struct zcopy_desc d[3];
	unsigned int nd, next;	/* descriptors of the response in flight, first left */
	struct zcopy_xfer x;
};

/* user_data: the connection, and what completed */
#define UD_RECV		0
#define UD_XFER		1
#define UD(i, kind)	((uint64_t)(i) << 1 | (kind))

static struct io_uring_sqe *sqe_get(struct io_uring *ring, struct bench_tally *t)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		fail(t, ENOSPC);	/* sized for two per connection: cannot happen */
	return sqe;
}

/*
 * The requests come into buffers the ring picks from its provided-buffer
 * ring (group URING_BGID), each connection's through one multishot
 * receive that stays armed: one poll arming per connection, not one per
 * request, as epoll's wait-queue entry stays.
 */
#define URING_BGID	0
#define URING_BUF	REQ_MAX

struct ubufs {
	struct io_uring_buf_ring *br;
	char *mem;
	unsigned int n;		/* buffers, a power of 2 */
};

static void prep_recv(struct io_uring *ring, const struct bench_server *sv, struct uconn *c,
		      unsigned int i, struct bench_tally *t)
{
	struct io_uring_sqe *sqe = sqe_get(ring, t);

	if (!sqe)
		return;
	io_uring_prep_recv_multishot(sqe, sv->snd[i].sock, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = URING_BGID;
	io_uring_sqe_set_data64(sqe, UD(i, UD_RECV));
	c->armed = true;
}

/* buffer @bid back into the ring, visible to the kernel at the next advance */
static void buf_return(struct ubufs *b, unsigned int bid, unsigned int *ret)
{
	io_uring_buf_ring_add(b->br, b->mem + (size_t)bid * URING_BUF, URING_BUF, bid,
			      io_uring_buf_ring_mask(b->n), (*ret)++);
}

/* @n buffers of URING_BUF, registered as group URING_BGID: one syscall */
static int bufs_init(struct io_uring *ring, struct ubufs *b, unsigned int want,
		     struct bench_tally *t)
{
	struct io_uring_buf_reg reg = { .bgid = URING_BGID };
	unsigned int ret = 0;
	void *br;
	int r;

	for (b->n = 1; b->n < want; b->n <<= 1)
		;
	if (posix_memalign(&br, sysconf(_SC_PAGESIZE), b->n * sizeof(struct io_uring_buf)))
		return fail(t, ENOMEM);
	b->br = br;
	b->mem = malloc((size_t)b->n * URING_BUF);
	if (!b->mem)
		return fail(t, ENOMEM);
	io_uring_buf_ring_init(b->br);
	for (unsigned int i = 0; i < b->n; i++)
		buf_return(b, i, &ret);
	io_uring_buf_ring_advance(b->br, ret);
	reg.ring_addr = (uintptr_t)b->br;
	reg.ring_entries = b->n;
	r = io_uring_register_buf_ring(ring, &reg, 0);
	t->syscalls++;
	return r ? fail(t, -r) : 0;
}

static void prep_xfer(struct io_uring *ring, const struct bench_server *sv, struct uconn *c,
		      unsigned int i, struct bench_tally *t)
{
	struct io_uring_sqe *sqe = sqe_get(ring, t);

	if (!sqe)
		return;
	zcopy_uring_prep_send(sqe, sv->snd[i].dev, sv->snd[i].sock, c->d + c->next,
			      c->nd - c->next, ZCOPY_MODE_SG, 0, &c->x);
	io_uring_sqe_set_data64(sqe, UD(i, UD_XFER));
}

/* response number c->sent of connection @i, as three descriptors */
static void response(const struct bench_server *sv, struct uconn *c, unsigned int i)
{
	const struct bench_item *it = sv->items + (size_t)i * sv->nitems + c->sent;

	c->nd = 0;
	if (it->hdr_len)
		c->d[c->nd++] = zcopy_desc_buf(it->hdr, it->hdr_len);
	c->d[c->nd++] = zcopy_desc_file(it->fd, it->off, it->len);
	if (it->trl_len)
		c->d[c->nd++] = zcopy_desc_buf(it->trl, it->trl_len);
	c->next = zcopy_advance(c->d, c->nd, 0, 0);
}

/*
 * Publish the SQEs prepared since the last call and wait for @wait
 * completions or URING_WAIT_NS: one io_uring_enter(), counted.  liburing's
 * io_uring_get_sqe() only advanced its private tail; the kernel reads the
 * shared one.
 */
static int uring_enter(struct io_uring *ring, unsigned int wait, struct bench_tally *t)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned int submit = sq->sqe_tail - sq->sqe_head;
	struct __kernel_timespec ts = { .tv_nsec = URING_WAIT_NS };
	struct io_uring_getevents_arg arg = { .ts = (uintptr_t)&ts };
	int r;

	/* the SQ array maps slot i to SQE i: liburing set it up so, once */
	__atomic_store_n(sq->ktail, sq->sqe_tail, __ATOMIC_RELEASE);
	sq->sqe_head = sq->sqe_tail;
	r = syscall(__NR_io_uring_enter, ring->ring_fd, submit, wait,
		    IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
	t->syscalls++;
	if (r < 0 && errno != ETIME && errno != EINTR && errno != EBUSY)
		return fail(t, errno);
	return 0;
}

static int serve_uring(const struct bench_server *sv, struct bench_tally *t)
{
	struct uconn *c = calloc(sv->nconns, sizeof(*c));
	unsigned int left = sv->nconns, recvs = 0, xfers = 0, fresh = 0, shorts = 0, rearms = 0;
	struct ubufs bufs = { 0 };
	struct io_uring ring;
	int r;

	if (!c)
		return fail(t, ENOMEM);
	if (sv->request > REQ_MAX) {
		free(c);
		return fail(t, EINVAL);
	}
	/*
	 * A receive and a transfer in flight per connection at most.  One
	 * thread submits, and waits for what it needs: completions (a
	 * receive woken by its poll, a transfer from io-wq) run as task work
	 * only when it waits (6.1 and later), never interrupting it.
	 */
	r = io_uring_queue_init(2 * sv->nconns, &ring,
				IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
	t->syscalls++;
	if (r == -EINVAL) {
		r = io_uring_queue_init(2 * sv->nconns, &ring, 0);
		t->syscalls++;
	}
	if (r) {
		free(c);
		return fail(t, -r);
	}
	if (!(ring.features & IORING_FEAT_EXT_ARG)) {
		fail(t, EOPNOTSUPP);
		goto out;
	}
	/* one request per connection at a time: a buffer each, and as many spare */
	if (bufs_init(&ring, &bufs, 2 * sv->nconns, t))
		goto out;
	/* recvs: the connections with requests still to come */
	for (unsigned int i = 0; i < sv->nconns; i++) {
		prep_recv(&ring, sv, &c[i], i, t);
		recvs++;
	}
	while (left && !t->error) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0, returned = 0;
		unsigned int wait = fresh + (recvs / URING_WAIT_DIV ? recvs / URING_WAIT_DIV : 1);

		/* never more than can come: a wait for the impossible ends at the timeout */
		if (wait > recvs + xfers)
			wait = recvs + xfers;
		if (uring_enter(&ring, wait ? wait : 1, t))
			break;
		fresh = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			unsigned int i = cqe->user_data >> 1;
			struct uconn *k = &c[i];

			seen++;
			if (t->error)
				continue;
			if ((cqe->user_data & 1) == UD_RECV) {
				bool done = k->reqs == sv->nitems;

				if (cqe->flags & IORING_CQE_F_BUFFER)
					buf_return(&bufs, cqe->flags >> IORING_CQE_BUFFER_SHIFT,
						   &returned);
				if (!(cqe->flags & IORING_CQE_F_MORE))
					k->armed = false;
				/* after the last request, the client's EOF (or our close) */
				if (done)
					continue;
				if (cqe->res == -ENOBUFS) {
					/* cannot happen: a spare buffer per connection */
					rearms++;
				} else if (cqe->res <= 0) {
					fail(t, cqe->res < 0 ? -cqe->res : ENODATA);
					continue;
				} else {
					k->got += cqe->res;
				}
				/*
				 * A request is whole when it has all its bytes: the
				 * client sends the next one only after the response.
				 */
				if (k->got > sv->request) {
					fail(t, EPROTO);
					continue;
				}
				if (!k->armed) {
					prep_recv(&ring, sv, k, i, t);
					rearms++;
				}
				if (k->got < sv->request)
					continue;
				k->got = 0;
				if (++k->reqs == sv->nitems)
					recvs--;
				response(sv, k, i);
				prep_xfer(&ring, sv, k, i, t);
				xfers++;
				fresh++;
				continue;
			}
			xfers--;
			if (k->x.xfer_id)
				zcopy_counters_add(&t->dev, &k->x.counters);
			if (cqe->res <= 0) {
				fail(t, cqe->res < 0 ? -cqe->res : ENODATA);
				continue;
			}
			t->bytes += cqe->res;
			k->next = zcopy_advance(k->d, k->nd, k->next, cqe->res);
			if (k->next < k->nd) {
				/* short: the rest, as the ioctl loop does */
				shorts++;
				prep_xfer(&ring, sv, k, i, t);
				xfers++;
				fresh++;
				continue;
			}
			t->items++;
			if (++k->sent == sv->nitems) {
				conn_done(&sv->snd[i], t);
				left--;
			}
		}
		io_uring_buf_ring_advance(bufs.br, returned);
		io_uring_cq_advance(&ring, seen);
	}
out:
	/*
	 * A blocking socket's transfer runs inline only when the socket has
	 * room for it; one that still ends short shows the margin was not
	 * enough (Documentation/abi.rst, "Where it runs").
	 */
	if (shorts)
		fprintf(stderr, "zcopy: bench: zcopy-uring: %u short transfers resumed\n", shorts);
	/* a multishot receive ends by itself only on an error or a full buffer ring */
	if (rearms)
		fprintf(stderr, "zcopy: bench: zcopy-uring: %u receives re-armed\n", rearms);
	io_uring_queue_exit(&ring);
	free(bufs.br);
	free(bufs.mem);
	free(c);
	return t->error ? -1 : 0;
}

int bench_serve(const struct bench_server *sv, struct bench_tally *t)
{
	return sv->m == BM_URING ? serve_uring(sv, t) : serve_epoll(sv, t);
}
