// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy verify: the same cases through sendfile(2) and through the device
 * must give the same byte count, the same errno, the same file position
 * and the same bytes at the peer.  Prints the differences; exits 1 if any.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zcopy.h>

#include "output.h"
#include "tool.h"

#define MAX_RW_COUNT	0x7ffff000L
#define SENDFILE	(-1)

enum transport { TCP4, UNIX_STREAM };

struct outcome {
	long ret;		/* the first call */
	int err;
	uint64_t total;		/* after resuming partial non-blocking calls */
	off_t fpos;		/* the file position afterwards */
	uint64_t bytes, hash;	/* at the peer */
};

struct sink {
	int fd;
	uint64_t bytes, hash;
};

static void *sink_main(void *arg)
{
	static __thread char buf[1 << 16];
	struct sink *s = arg;
	ssize_t r;

	while ((r = read(s->fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)) {
		if (r > 0) {
			s->hash = fnv1a(s->hash, buf, r);
			s->bytes += r;
		}
	}
	return NULL;
}

static int pair(enum transport t, int *snd, int *rcv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int sv[2], l;

	if (t == UNIX_STREAM) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			return -1;
		*snd = sv[0];
		*rcv = sv[1];
		return 0;
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (void *)&sin, len) || listen(l, 1) ||
	    getsockname(l, (void *)&sin, &len))
		goto fail;
	*snd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*snd < 0 || connect(*snd, (void *)&sin, len))
		goto fail;
	*rcv = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return *rcv < 0 ? -1 : 0;
fail:
	if (l >= 0)
		close(l);
	return -1;
}

static long call(int dev, int method, int sock, int fd, int64_t off, uint64_t len)
{
	struct zcopy_desc d = zcopy_desc_file(fd, off, len);
	off_t o = off;

	if (method == SENDFILE)
		return sendfile(sock, fd, &o, len ? len : MAX_RW_COUNT);
	return zcopy_send(dev, sock, &d, 1, method, 0, NULL);
}

static int run_case(int dev, int method, enum transport t, bool nb, int fd,
		    int64_t off, uint64_t len, struct outcome *o)
{
	struct sink s = { .hash = FNV1A_INIT };
	pthread_t th;
	int snd, rcv;
	long ret;

	memset(o, 0, sizeof(*o));
	if (pair(t, &snd, &rcv))
		return -1;
	s.fd = rcv;
	if (pthread_create(&th, NULL, sink_main, &s)) {
		close(snd);
		close(rcv);
		return -1;
	}
	if (nb)
		fcntl(snd, F_SETFL, O_NONBLOCK);
	lseek(fd, 7, SEEK_SET);
	ret = call(dev, method, snd, fd, off, len);
	o->ret = ret;
	o->err = ret < 0 ? errno : 0;
	o->total = ret > 0 ? ret : 0;
	while (nb && (ret > 0 || (ret < 0 && errno == EAGAIN)) && (!len || o->total < len)) {
		struct pollfd p = { .fd = snd, .events = POLLOUT };

		poll(&p, 1, 1000);
		ret = call(dev, method, snd, fd, off + o->total, len ? len - o->total : 0);
		if (ret > 0)
			o->total += ret;
		if (ret == 0)
			break;
	}
	o->fpos = lseek(fd, 0, SEEK_CUR);
	close(snd);
	pthread_join(th, NULL);
	close(rcv);
	o->bytes = s.bytes;
	o->hash = s.hash;
	return 0;
}

static int make_file(const char *dir, size_t size, char *path, size_t plen)
{
	static char buf[1 << 16];
	uint32_t x = (uint32_t)size * 2654435761U + 1;
	int fd;

	snprintf(path, plen, "%s/zcopy-verify-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < size;) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = x;
		}
		if (write(fd, buf, n) != (ssize_t)n)
			break;
		done += n;
	}
	return fd;
}

struct verify_state {
	int dev;
	unsigned int cases, diffs;
	bool header_done;
};

static void report(struct verify_state *v, const char *what, const struct outcome *a,
		   const struct outcome *b)
{
	char ref[96], got[96];

	snprintf(ref, sizeof(ref), "%ld %s total %llu pos %lld peer %llu", a->ret,
		 a->err ? strerror(a->err) : "ok", (unsigned long long)a->total,
		 (long long)a->fpos, (unsigned long long)a->bytes);
	snprintf(got, sizeof(got), "%ld %s total %llu pos %lld peer %llu%s", b->ret,
		 b->err ? strerror(b->err) : "ok", (unsigned long long)b->total,
		 (long long)b->fpos, (unsigned long long)b->bytes,
		 a->hash != b->hash ? " (contents differ)" : "");
	if (opt_json) {
		printf("%s{\"case\":\"%s\",\"sendfile\":\"%s\",\"zcopy\":\"%s\"}",
		       v->diffs ? "," : "", what, ref, got);
	} else {
		if (!v->header_done)
			printf("%-48s %-44s %s\n", "case", "sendfile", "zcopy");
		printf("%-48s %-44s %s\n", what, ref, got);
	}
	v->header_done = true;
	v->diffs++;
}

static void compare(struct verify_state *v, int fd, size_t size, int mode,
		    enum transport t, bool nb, int64_t off, uint64_t len)
{
	struct outcome a, b;
	char what[128];

	snprintf(what, sizeof(what), "%s %s %s size %zu off %lld len %llu", zcopy_mode_name(mode),
		 t == TCP4 ? "tcp" : "unix", nb ? "nonblock" : "block", size,
		 (long long)off, (unsigned long long)len);
	v->cases++;
	if (run_case(v->dev, SENDFILE, t, nb, fd, off, len, &a) ||
	    run_case(v->dev, mode, t, nb, fd, off, len, &b)) {
		a.err = errno;
		b = a;
		b.ret = -2;
		report(v, what, &a, &b);
		return;
	}
	/* blocking: the first call must agree; non-blocking: the outcome */
	if ((!nb && (a.ret != b.ret || a.err != b.err)) || a.total != b.total ||
	    a.fpos != b.fpos || a.bytes != b.bytes || a.hash != b.hash)
		report(v, what, &a, &b);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "large", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t sizes[] = { 0, 1, 4095, 4096, 4097, (1 << 20) + 3, 64 << 20 };
	unsigned int nsizes = 6;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct verify_state v = {};
	int c, p[2];

	while ((c = getopt_long(argc, argv, "d:Lh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'L': nsizes = 7; break;
		case 'h':
			puts("usage: zcopy verify [--dir DIR] [--large]\n"
			     "  compare the device with sendfile(2) on files created in DIR\n"
			     "  --large  add a 64 MiB file");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return err_usage("verify: unexpected argument '%s'", argv[optind]);
	v.dev = device_open();
	if (v.dev < 0)
		return EXIT_FAIL;
	if (opt_json)
		fputs("{\"differences\":[", stdout);

	for (unsigned int si = 0; si < nsizes; si++) {
		size_t size = sizes[si];
		const int64_t offs[] = { 0, 1, 4097, (int64_t)size, (int64_t)size + 100, -1 };
		const uint64_t lens[] = { 0, 100, 2 * size + 10000 };
		char path[4096];
		int fd = make_file(dir, size, path, sizeof(path));

		if (fd < 0) {
			close(v.dev);
			return err_errno(dir, errno);
		}
		for (int m = ZCOPY_MODE_AUTO; m < ZCOPY_MODE_COUNT; m++)
			for (int t = TCP4; t <= UNIX_STREAM; t++)
				for (int nb = 0; nb < 2; nb++)
					for (size_t oi = 0; oi < 6; oi++)
						for (size_t li = 0; li < 3; li++)
							compare(&v, fd, size, m, t, nb, offs[oi], lens[li]);
		close(fd);
		unlink(path);
	}
	/* bad input files: the same errno */
	if (!pipe(p)) {
		int wr = open("/dev/null", O_WRONLY);

		for (int m = ZCOPY_MODE_AUTO; m < ZCOPY_MODE_COUNT; m++) {
			compare(&v, p[0], 0, m, TCP4, false, 0, 100);
			compare(&v, wr, 0, m, TCP4, false, 0, 100);
			compare(&v, -1, 0, m, TCP4, false, 0, 100);
		}
		close(wr);
		close(p[0]);
		close(p[1]);
	}
	close(v.dev);
	if (opt_json)
		printf("],\"cases\":%u,\"differ\":%u}\n", v.cases, v.diffs);
	else
		printf("%u cases, %u differ from sendfile\n", v.cases, v.diffs);
	return v.diffs ? EXIT_FAIL : EXIT_OK;
}
