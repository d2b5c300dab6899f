// SPDX-License-Identifier: GPL-2.0
/*
 * nginx-seq: the system calls nginx makes for one keep-alive response
 * with `sendfile on; tcp_nopush on;`, one connection, request after
 * request, so that the cost of a response through the preload can be
 * told from native sendfile() without nginx's own variance (nginx-seq.sh).
 *
 *   nginx-seq serve ADDR N SIZE FILE   accept one client, answer N requests:
 *       TCP_NODELAY off, TCP_CORK on, writev() of a 250-byte header,
 *       sendfile() of SIZE bytes (again on EAGAIN, after poll()),
 *       TCP_CORK off, TCP_NODELAY on; a non-blocking socket, as nginx's
 *   nginx-seq sink ADDR N SIZE         connect, N times: send one byte,
 *       read the whole response
 *
 * The server prints the time per response (under QEMU's icount, the
 * instructions of the whole guest), what sendfile() left unsent in the
 * socket (SIOCOUTQNSD), the sendfile() calls per response and its
 * context switches; the sink its reads and context switches.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define HEADER	250
#define PORT	9000

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void set_opt(int s, int opt, int on)
{
	if (setsockopt(s, IPPROTO_TCP, opt, &on, sizeof(on)))
		die("setsockopt");
}

static void rusage_per(long n, double *vol, double *invol)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*vol = (double)ru.ru_nvcsw / n;
	*invol = (double)ru.ru_nivcsw / n;
}

static int sink(const struct sockaddr_in *a, long n, long size)
{
	static char buf[65536];
	int s = socket(AF_INET, SOCK_STREAM, 0);
	double vol, invol;
	long i, reads = 0;

	prctl(PR_SET_NAME, "nginx-seq-sink");
	if (s < 0)
		die("socket");
	while (connect(s, (const struct sockaddr *)a, sizeof(*a)))
		usleep(10000);
	set_opt(s, TCP_NODELAY, 1);
	for (i = 0; i < n; i++) {
		long got = 0;

		if (write(s, "G", 1) != 1)
			die("write");
		while (got < size + HEADER) {
			ssize_t r = read(s, buf, sizeof(buf));

			if (r <= 0)
				die("read");
			got += r;
			reads++;
		}
	}
	rusage_per(n, &vol, &invol);
	printf("sink: reads %.2f, context switches %.2f voluntary %.2f involuntary per response\n",
	       (double)reads / n, vol, invol);
	return 0;
}

static int serve(const struct sockaddr_in *a, long n, long size, const char *path)
{
	long long start = 0, unsent = 0, calls = 0;
	char hdr[HEADER], req;
	double vol, invol;
	int l, s, f, one = 1;
	long i;

	memset(hdr, 'h', sizeof(hdr));
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("socket");
	if (bind(l, (const struct sockaddr *)a, sizeof(*a)) || listen(l, 1))
		die("bind");
	s = accept(l, NULL, NULL);
	f = open(path, O_RDONLY);
	if (s < 0 || f < 0 || fcntl(s, F_SETFL, O_NONBLOCK))
		die("accept/open");
	for (i = 0; i < n; i++) {
		struct pollfd in = { .fd = s, .events = POLLIN };
		struct iovec v = { .iov_base = hdr, .iov_len = sizeof(hdr) };
		off_t off = 0;
		int q = 0;

		/* the first response warms up: the clock starts after it */
		if (i == 1)
			start = now_ns();
		if (poll(&in, 1, -1) != 1 || read(s, &req, 1) != 1)
			die("request");
		set_opt(s, TCP_NODELAY, 0);
		set_opt(s, TCP_CORK, 1);
		if (writev(s, &v, 1) != sizeof(hdr))
			die("writev");
		while (off < size) {
			struct pollfd out = { .fd = s, .events = POLLOUT };

			calls++;
			if (sendfile(s, f, &off, size - off) >= 0)
				continue;
			if (errno != EAGAIN)
				die("sendfile");
			poll(&out, 1, -1);
		}
		if (ioctl(s, SIOCOUTQNSD, &q))
			die("SIOCOUTQNSD");
		unsent += q;
		set_opt(s, TCP_CORK, 0);
		set_opt(s, TCP_NODELAY, 1);
	}
	rusage_per(n, &vol, &invol);
	printf("serve: %.0f ns per response, %.0f bytes unsent after sendfile, %.2f sendfile calls, "
	       "context switches %.2f voluntary %.2f involuntary per response\n",
	       (double)(now_ns() - start) / (n - 1), (double)unsent / n,
	       (double)calls / n, vol, invol);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	long n, size;

	if (argc < 5 || inet_pton(AF_INET, argv[2], &a.sin_addr) != 1 ||
	    (n = atol(argv[3])) < 2 || (size = atol(argv[4])) < 1) {
		fprintf(stderr, "usage: nginx-seq serve|sink ADDR N SIZE [FILE]\n");
		return 2;
	}
	if (!strcmp(argv[1], "sink"))
		return sink(&a, n, size);
	if (!strcmp(argv[1], "serve") && argc == 6)
		return serve(&a, n, size, argv[5]);
	fprintf(stderr, "usage: nginx-seq serve|sink ADDR N SIZE [FILE]\n");
	return 2;
}
