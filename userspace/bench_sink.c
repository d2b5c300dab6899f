// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving end of the benchmark: one listening socket, optionally in
 * another network namespace (so that TCP crosses a veth pair instead of
 * loopback), and one thread per connection that reads and discards - all
 * that comes, or (request/response) one item after each request it sends;
 * or, for a one-thread server's many connections, one load generator: one
 * thread with an epoll loop driving every connection, as wrk does.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "net.h"
#include "tool.h"

#define SINK_BUF	(256 << 10)
#define LG_REQ_MAX	512

struct bench_sink {
	pthread_t thread;
	int listen_fd;
	size_t request;
	const struct bench_item *items;
	unsigned int n;
	int64_t bytes;
	int error;
	/* the load generator: nconns connections, conn[i] gets items[i * n ...] */
	unsigned int nconns;
	int cpu;		/* the CPU it runs on, or -1 */
	struct lg_conn *conn;
};

/* one connection of the load generator */
struct lg_conn {
	int fd;
	unsigned int item;	/* the response being received */
	uint64_t want, got;	/* its bytes, and those received */
	size_t req_sent;	/* of the request being sent, when it did not fit at once */
	bool out;		/* waiting for room for the request (EPOLLOUT) */
};

/*
 * A socket keeps the network namespace it was created in: switch this
 * thread into @netns just long enough to create the listener.
 */
int bench_endpoint_open(struct bench_endpoint *ep)
{
	char path[256];
	int self = -1, target = -1, ret = -1;

	ep->is_unix = net_is_unix(ep->dest);
	if (ep->is_unix)
		unlink(ep->dest);	/* a stale socket file from an earlier run */
	if (ep->netns) {
		snprintf(path, sizeof(path), "/run/netns/%s", ep->netns);
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		target = open(path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || target < 0) {
			err_errno(self < 0 ? "/proc/thread-self/ns/net" : path, errno);
			goto out;
		}
		if (setns(target, CLONE_NEWNET)) {
			err_errno(path, errno);
			goto out;
		}
	}
	ep->listen_fd = net_listen(ep->dest);
	ret = ep->listen_fd < 0 ? -1 : 0;
	if (self >= 0 && setns(self, CLONE_NEWNET)) {
		/* continuing in the wrong namespace would measure the wrong path */
		err_errno("setns back", errno);
		exit(EXIT_FAIL);
	}
out:
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	return ret;
}

void bench_endpoint_close(struct bench_endpoint *ep)
{
	if (ep->listen_fd >= 0)
		close(ep->listen_fd);
	if (ep->is_unix)
		unlink(ep->dest);
}

/* read @want bytes (0: until EOF); 0, or -1 with k->error set (ENODATA: EOF early) */
static int sink_read(struct bench_sink *k, int fd, char *buf, uint64_t want)
{
	uint64_t got = 0;

	while (!want || got < want) {
		size_t n = want && want - got < SINK_BUF ? want - got : SINK_BUF;
		ssize_t r = read(fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			k->error = errno;
		else if (!r && want)
			k->error = ENODATA;
		if (r <= 0)
			return want || r ? -1 : 0;
		k->bytes += r;
		got += r;
	}
	return 0;
}

/* each item after a request of k->request bytes, then the EOF */
static void sink_requests(struct bench_sink *k, int fd, char *buf)
{
	memset(buf, 'q', k->request);
	for (unsigned int i = 0; i < k->n; i++) {
		const struct bench_item *it = &k->items[i];

		if (send(fd, buf, k->request, MSG_NOSIGNAL) != (ssize_t)k->request) {
			k->error = errno ? errno : EIO;
			return;
		}
		if (sink_read(k, fd, buf, it->hdr_len + it->len + it->trl_len))
			return;
	}
	sink_read(k, fd, buf, 0);
}

static void *sink_main(void *arg)
{
	struct bench_sink *k = arg;
	char *buf;
	int fd;

	/* the receiver's share of a profile (make profile) goes under this name */
	prctl(PR_SET_NAME, "zb-sink");
	/* accept() is where bench_sink_cancel() finds a sink: nothing to free yet */
	fd = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		k->error = errno;
		return NULL;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	buf = malloc(SINK_BUF);
	if (!buf) {
		k->error = ENOMEM;
		close(fd);
		return NULL;
	}
	if (k->request)
		sink_requests(k, fd, buf);
	else
		sink_read(k, fd, buf, 0);
	close(fd);
	free(buf);
	return NULL;
}

/* the load generator's next request on @c, or its wait for room; -1: k->error */
static int lg_request(struct bench_sink *k, int ep, struct lg_conn *c, unsigned int i,
		      const char *req)
{
	while (c->req_sent < k->request) {
		ssize_t r = send(c->fd, req + c->req_sent, k->request - c->req_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			k->error = errno;
			return -1;
		}
		c->req_sent += r;
	}
	if ((c->req_sent < k->request) != c->out) {
		struct epoll_event e = { .data.u32 = i };

		c->out = !c->out;
		e.events = EPOLLIN | (c->out ? EPOLLOUT : 0);
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e)) {
			k->error = errno;
			return -1;
		}
	}
	return 0;
}

/* the response c->item of connection @i: its length, and the request for it */
static int lg_next(struct bench_sink *k, int ep, struct lg_conn *c, unsigned int i,
		   const char *req)
{
	const struct bench_item *it = &k->items[(size_t)i * k->n + c->item];

	c->got = 0;
	c->want = it->hdr_len + it->len + it->trl_len;
	c->req_sent = 0;
	return lg_request(k, ep, c, i, req);
}

/*
 * Everything connection @i has to read now.  A response must end where
 * the item does: the client sends its next request only then, so a byte
 * beyond it (before that request) is the server's error, as is EOF
 * before the last response.  After the last, it reads to EOF (what still
 * comes is counted: bench_run() compares the total with what was sent).
 * 1: EOF, 0: more to come, -1: k->error.
 */
static int lg_read(struct bench_sink *k, int ep, struct lg_conn *c, unsigned int i,
		   char *buf, const char *req)
{
	for (;;) {
		ssize_t r = recv(c->fd, buf, SINK_BUF, MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r < 0) {
			k->error = errno;
			return -1;
		}
		if (!r && c->item < k->n) {
			k->error = ENODATA;
			return -1;
		}
		if (!r)
			return 1;
		k->bytes += r;
		if (c->item == k->n)
			continue;
		c->got += r;
		if (c->got > c->want) {
			k->error = EPROTO;
			return -1;
		}
		if (c->got == c->want && ++c->item < k->n && lg_next(k, ep, c, i, req))
			return -1;
	}
}

static void lg_loop(struct bench_sink *k, char *buf)
{
	struct epoll_event ev[64];
	unsigned int left = k->nconns;
	char req[LG_REQ_MAX];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0) {
		k->error = errno;
		return;
	}
	memset(req, 'q', sizeof(req));
	for (unsigned int i = 0; i < k->nconns; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, k->conn[i].fd, &e)) {
			k->error = errno;
			goto out;
		}
	}
	/* every connection's first request, then each one's next after its response */
	for (unsigned int i = 0; i < k->nconns; i++)
		if (lg_next(k, ep, &k->conn[i], i, req))
			goto out;
	while (left) {
		int n = epoll_wait(ep, ev, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			k->error = errno;
			break;
		}
		for (int e = 0; e < n; e++) {
			unsigned int i = ev[e].data.u32;
			struct lg_conn *c = &k->conn[i];
			int r = 0;

			if ((ev[e].events & EPOLLOUT) && lg_request(k, ep, c, i, req))
				goto out;
			if (ev[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				r = lg_read(k, ep, c, i, buf, req);
			if (r < 0)
				goto out;
			if (r) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				left--;
			}
		}
	}
out:
	close(ep);
}

static void *lg_main(void *arg)
{
	struct bench_sink *k = arg;
	char *buf;

	bench_pin_self(k->cpu);
	/* in connect() order: bench_run() connects one at a time */
	for (unsigned int i = 0; i < k->nconns; i++) {
		int fd = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			k->error = errno;
			return NULL;
		}
		k->conn[i].fd = fd;
	}
	/* bench_sink_cancel() after this waits for the EOFs of the closed sockets */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	buf = malloc(SINK_BUF);
	if (!buf) {
		k->error = ENOMEM;
		return NULL;
	}
	lg_loop(k, buf);
	free(buf);
	return NULL;
}

struct bench_sink *bench_loadgen_start(struct bench_endpoint *ep, size_t request,
				       const struct bench_item *items, unsigned int n,
				       unsigned int nconns, int cpu)
{
	struct bench_sink *k = calloc(1, sizeof(*k));
	int err;

	if (k)
		k->conn = calloc(nconns, sizeof(*k->conn));
	if (!k || !k->conn) {
		free(k);
		err_errno("load generator", ENOMEM);
		return NULL;
	}
	if (!request || request > LG_REQ_MAX || !n) {
		free(k->conn);
		free(k);
		err_errno("load generator", EINVAL);
		return NULL;
	}
	for (unsigned int i = 0; i < nconns; i++)
		k->conn[i].fd = -1;
	k->listen_fd = ep->listen_fd;
	k->request = request;
	k->items = items;
	k->n = n;
	k->nconns = nconns;
	k->cpu = cpu;
	err = pthread_create(&k->thread, NULL, lg_main, k);
	if (err) {
		err_errno("load generator thread", err);
		free(k->conn);
		free(k);
		return NULL;
	}
	/* a profile (perf --sort comm) tells the server from its client */
	pthread_setname_np(k->thread, "zc-client");
	return k;
}

static void sink_free(struct bench_sink *k)
{
	for (unsigned int i = 0; i < k->nconns; i++)
		if (k->conn[i].fd >= 0)
			close(k->conn[i].fd);
	free(k->conn);
	free(k);
}

struct bench_sink *bench_sink_start(struct bench_endpoint *ep, size_t request,
				    const struct bench_item *items, unsigned int n)
{
	struct bench_sink *k = calloc(1, sizeof(*k));
	int err;

	if (!k) {
		err_errno("sink", ENOMEM);
		return NULL;
	}
	if (request > SINK_BUF) {
		free(k);
		err_errno("sink", EINVAL);
		return NULL;
	}
	k->listen_fd = ep->listen_fd;
	k->request = request;
	k->items = items;
	k->n = n;
	err = pthread_create(&k->thread, NULL, sink_main, k);
	if (err) {
		err_errno("sink thread", err);
		free(k);
		return NULL;
	}
	pthread_setname_np(k->thread, "zc-sink");
	return k;
}

int64_t bench_sink_join(struct bench_sink *k)
{
	int64_t bytes;

	pthread_join(k->thread, NULL);
	bytes = k->error ? -1 : k->bytes;
	if (k->error)
		err_errno(k->conn ? "load generator" : "sink", k->error);
	sink_free(k);
	return bytes;
}

/* a sink whose connection never came (the sender failed to connect) */
void bench_sink_cancel(struct bench_sink *k)
{
	pthread_cancel(k->thread);
	pthread_join(k->thread, NULL);
	sink_free(k);
}
