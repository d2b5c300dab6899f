// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving end of the benchmark: one listening socket, optionally in
 * another network namespace (so that TCP crosses a veth pair instead of
 * loopback), and one thread per connection that reads and discards - all
 * that comes, or (request/response) one item after each request it sends.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "net.h"
#include "tool.h"

#define SINK_BUF	(256 << 10)

struct bench_sink {
	pthread_t thread;
	int listen_fd;
	size_t request;
	const struct bench_item *items;
	unsigned int n;
	int64_t bytes;
	int error;
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
		err_errno("sink", k->error);
	free(k);
	return bytes;
}

/* a sink whose connection never came (the sender failed to connect) */
void bench_sink_cancel(struct bench_sink *k)
{
	pthread_cancel(k->thread);
	pthread_join(k->thread, NULL);
	free(k);
}
