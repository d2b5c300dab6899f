// SPDX-License-Identifier: GPL-2.0
/*
 * The cases of sendfile(2) that a replacement must reproduce exactly,
 * each run through the raw system call and through the function under
 * test, with the results compared: the preload's host test
 * (test_preload.c) and its test in the VM (selftests/zcopy/preload_test.c)
 * run the same cases.  See sendfile_cases.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "sendfile_cases.h"

#define MAX_RW_COUNT	0x7ffff000UL

/* --- set-up, reporting -------------------------------------------------------- */

int sc_failures;
const char *sc_name = "";
volatile sig_atomic_t sc_sigpipes, sc_sigalrms;
static char sc_dir[256];

void sc_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", sc_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	sc_failures++;
}

ssize_t sc_raw_sendfile(int out, int in, off_t *off, size_t count)
{
	return syscall(SYS_sendfile, out, in, off, count);
}

static void on_signal(int sig)
{
	if (sig == SIGPIPE)
		sc_sigpipes++;
	else
		sc_sigalrms++;
}

void sc_init(const char *dir, const char *name)
{
	struct sigaction sa = { .sa_handler = on_signal };

	snprintf(sc_dir, sizeof(sc_dir), "%s", dir);
	sc_name = name;
	/* no SA_RESTART: an interrupted call returns */
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

/* --- connections, files ------------------------------------------------------- */

uint64_t sc_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void *sc_sink_main(void *arg)
{
	struct sc_sink *s = arg;
	char buf[1 << 16];
	ssize_t r;

	while ((r = read(s->fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)) {
		if (r > 0) {
			s->hash = sc_hash(s->hash, buf, r);
			s->bytes += r;
		}
	}
	return NULL;
}

int sc_sink_start(struct sc_sink *s, int fd)
{
	s->fd = fd;
	s->bytes = 0;
	s->hash = 0xcbf29ce484222325ULL;
	return pthread_create(&s->thread, NULL, sc_sink_main, s) ? -1 : 0;
}

void sc_sink_wait(struct sc_sink *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

int sc_pair(enum sc_transport t, int *snd, int *rcv)
{
	struct sockaddr_storage ss = { .ss_family = t == SC_TCP6 ? AF_INET6 : AF_INET };
	socklen_t len = t == SC_TCP6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int sv[2], l;

	if (t == SC_TCP6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (t == SC_UNIX) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			return -1;
		*snd = sv[0];
		*rcv = sv[1];
		return 0;
	}
	l = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&ss, len) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&ss, &len))
		return -1;
	*snd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*snd < 0 || connect(*snd, (struct sockaddr *)&ss, len))
		return -1;
	*rcv = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return *rcv < 0 ? -1 : 0;
}

/* a file of @size bytes of known contents, open read-only; its path in @path */
int sc_make_file(char *path, size_t len, size_t size, unsigned int seed)
{
	static unsigned char buf[1 << 16];
	uint32_t x = seed * 2654435761U + 1;
	int fd;

	snprintf(path, len, "%s/file-%u", sc_dir, seed);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
			return -1;
		done += n;
	}
	close(fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* --- 1. the matrix of sendfile_test.c, with and without an offset pointer -------- */

struct outcome {
	long ret;
	int err;
	uint64_t total;		/* after resuming a non-blocking transfer */
	int64_t after;		/* *offset, or the file position */
	uint64_t bytes, hash;	/* at the peer */
	int sigpipes;
};

static const char *transport_name(enum sc_transport t)
{
	return t == SC_TCP4 ? "tcp4" : t == SC_TCP6 ? "tcp6" : "unix";
}

/*
 * errno after a call: a failure's, or for a success whether errno was left
 * alone (sendfile(2) leaves it; a replacement that tried something else
 * first must put it back): 0 if so, else -errno.
 */
#define ERRNO_BEFORE	EILSEQ

static int outcome_errno(ssize_t ret)
{
	if (ret < 0)
		return errno;
	return errno == ERRNO_BEFORE ? 0 : -errno;
}

/* calls of the method under test that sent bytes */
static long positive;

static int run_case(sc_fn fn, enum sc_transport t, bool nb, bool ptr, int fd, off_t off,
		    size_t count, struct outcome *o)
{
	struct sc_sink s;
	int snd, rcv, pipes = sc_sigpipes;
	off_t pos = off;
	ssize_t ret;

	memset(o, 0, sizeof(*o));
	if (sc_pair(t, &snd, &rcv) || sc_sink_start(&s, rcv))
		return -1;
	if (nb)
		fcntl(snd, F_SETFL, O_NONBLOCK);
	lseek(fd, off, SEEK_SET);
	errno = ERRNO_BEFORE;
	ret = fn(snd, fd, ptr ? &pos : NULL, count);
	positive += fn != sc_raw_sendfile && ret > 0;
	o->ret = ret;
	o->err = outcome_errno(ret);
	o->total = ret > 0 ? ret : 0;
	/*
	 * Non-blocking: go on where the call stopped, as a server would.  No
	 * file here is above 2 MiB: a preload that forgets to move the offset
	 * fails the case instead of sending the same bytes for ever.
	 */
	while (nb && (ret > 0 || (ret < 0 && errno == EAGAIN)) && o->total < count &&
	       o->total < (2 << 20)) {
		struct pollfd p = { .fd = snd, .events = POLLOUT };

		poll(&p, 1, 1000);
		ret = fn(snd, fd, ptr ? &pos : NULL, count - o->total);
		positive += fn != sc_raw_sendfile && ret > 0;
		if (ret > 0)
			o->total += ret;
		if (ret == 0)
			break;
	}
	o->after = ptr ? pos : lseek(fd, 0, SEEK_CUR);
	close(snd);
	sc_sink_wait(&s);
	o->bytes = s.bytes;
	o->hash = s.hash;
	o->sigpipes = sc_sigpipes - pipes;
	return 0;
}

static bool same(const struct outcome *a, const struct outcome *b, bool nb)
{
	/* blocking: the first call must agree; non-blocking: the outcome */
	return (nb || (a->ret == b->ret && a->err == b->err)) && a->total == b->total &&
	       a->after == b->after && a->bytes == b->bytes && a->hash == b->hash &&
	       a->sigpipes == b->sigpipes;
}

static void report(const char *what, const struct outcome *a, const struct outcome *b)
{
	sc_fail("%s: sendfile(2) %ld (%s) total %llu after %lld peer %llu; preload %ld (%s) "
	     "total %llu after %lld peer %llu%s", what,
	     a->ret, strerror(a->err), (unsigned long long)a->total, (long long)a->after,
	     (unsigned long long)a->bytes, b->ret, strerror(b->err),
	     (unsigned long long)b->total, (long long)b->after, (unsigned long long)b->bytes,
	     a->hash != b->hash ? ", contents differ" : "");
}

static void matrix_case(sc_fn fn, const char *name, int fd, size_t size, enum sc_transport t,
			bool nb, bool ptr, off_t off, size_t count)
{
	struct outcome a, b;
	char what[160];

	if (run_case(sc_raw_sendfile, t, nb, ptr, fd, off, count, &a) ||
	    run_case(fn, t, nb, ptr, fd, off, count, &b)) {
		sc_fail("setting up a connection: %m");
		return;
	}
	if (same(&a, &b, nb))
		return;
	snprintf(what, sizeof(what), "%s size %zu %s %s %s %lld count %zu", name, size,
		 transport_name(t), nb ? "nonblock" : "block", ptr ? "offset" : "position",
		 (long long)off, count);
	report(what, &a, &b);
}

/*
 * Sizes around a page and above a batch, offsets at, inside and past the
 * end, counts of 0 (sendfile's no-op), short, past the end and the clamp;
 * blocking and not, with an offset pointer and with the file position.
 * @full: every combination; else the corners only, for the modes whose
 * data path sendfile_test.c already compares with sendfile(2).
 */
void sc_matrix(sc_fn fn, const char *name, bool full, const enum sc_transport *ts,
	       unsigned int nts, struct sc_matrix_result *r)
{
	static const size_t all_sizes[] = { 0, 1, 4095, 4096, 4097, (1 << 20) + 3 };
	static const size_t few_sizes[] = { 0, 4097, (1 << 20) + 3 };
	const size_t *sizes = full ? all_sizes : few_sizes;
	size_t nsizes = full ? 6 : 3;
	int before = sc_failures;

	memset(r, 0, sizeof(*r));
	positive = 0;
	for (size_t si = 0; si < nsizes; si++) {
		size_t size = sizes[si];
		const off_t all_offs[] = { 0, 1, 4097, (off_t)size, (off_t)size + 100 };
		const off_t few_offs[] = { 0, 4097, (off_t)size + 100 };
		const size_t counts[] = { 0, 100, 2 * size + 10000, MAX_RW_COUNT };
		const off_t *offs = full ? all_offs : few_offs;
		size_t noffs = full ? 5 : 3, ncounts = full ? 4 : 3;
		char path[300];
		int fd = sc_make_file(path, sizeof(path), size, si + 10);

		if (fd < 0) {
			sc_fail("%s: %m", path);
			return;
		}
		for (unsigned int t = 0; t < nts; t++)
			for (int nb = 0; nb < 2; nb++)
				for (int ptr = 0; ptr < 2; ptr++)
					for (size_t oi = 0; oi < noffs; oi++)
						for (size_t ci = 0; ci < ncounts; ci++) {
							matrix_case(fn, name, fd, size, ts[t], nb, ptr,
								    offs[oi], counts[ci]);
							r->cases++;
						}
		close(fd);
		unlink(path);
	}
	r->differ = sc_failures - before;
	r->positive = positive;
}

/* --- 2. descriptors sendfile or the device refuse, and where they go ------------ */

enum in_kind { IN_FILE, IN_BADFD, IN_WRONLY, IN_OPATH, IN_PIPE, IN_DIR, IN_SOCK,
	       IN_PROC, IN_DEVZERO, IN_EOF, IN_COUNT };
enum out_kind { OUT_TCP, OUT_UNIX, OUT_FILE, OUT_FILE_RDONLY, OUT_PIPE, OUT_DEVNULL,
		OUT_UDP, OUT_UDP_UNCONN, OUT_TCP_UNCONN, OUT_TCP_LISTEN, OUT_TCP_SHUT,
		OUT_UNIX_DGRAM, OUT_BADFD, OUT_COUNT };

static const char *const in_names[IN_COUNT] = {
	"file", "bad fd", "write-only file", "O_PATH file", "pipe", "directory", "socket",
	"/proc file", "/dev/zero", "file at its end",
};
static const char *const out_names[OUT_COUNT] = {
	"tcp", "unix", "file", "read-only file", "pipe", "/dev/null", "udp", "unconnected udp",
	"unconnected tcp", "listening tcp", "shut-down tcp", "unix datagram", "bad fd",
};

struct fds {
	int in, out, peer, extra[2];
};

static char err_path[300];

static int open_in(enum in_kind k, struct fds *f)
{
	int p[2];

	switch (k) {
	case IN_FILE: return open(err_path, O_RDONLY);
	case IN_BADFD: return 999;
	case IN_WRONLY: return open(err_path, O_WRONLY);
	case IN_OPATH: return open(err_path, O_PATH);
	case IN_DIR: return open(sc_dir, O_RDONLY | O_DIRECTORY);
	case IN_PROC: return open("/proc/self/status", O_RDONLY);
	case IN_DEVZERO: return open("/dev/zero", O_RDONLY);
	case IN_EOF: {
		int fd = open(err_path, O_RDONLY);

		lseek(fd, 0, SEEK_END);
		return fd;
	}
	case IN_PIPE:
	case IN_SOCK:
		/* with bytes waiting, so that nothing blocks whatever is tried */
		if (k == IN_PIPE ? pipe(p) : socketpair(AF_UNIX, SOCK_STREAM, 0, p))
			return -1;
		if (write(p[1], "0123456789", 10) != 10)
			return -1;
		f->extra[0] = p[1];
		return p[0];
	default:
		return -1;
	}
}

static int open_out(enum out_kind k, struct fds *f)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	char path[320];
	int p[2], s, l;

	switch (k) {
	case OUT_TCP:
	case OUT_UNIX:
	case OUT_TCP_SHUT:
		if (sc_pair(k == OUT_UNIX ? SC_UNIX : SC_TCP4, &s, &f->peer))
			return -1;
		if (k == OUT_TCP_SHUT)
			shutdown(s, SHUT_WR);
		return s;
	case OUT_FILE:
	case OUT_FILE_RDONLY:
		snprintf(path, sizeof(path), "%s/out", sc_dir);
		s = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (k == OUT_FILE_RDONLY) {
			close(s);
			s = open(path, O_RDONLY);
		}
		return s;
	case OUT_PIPE:
		if (pipe(p))
			return -1;
		f->peer = p[0];
		return p[1];
	case OUT_DEVNULL:
		return open("/dev/null", O_WRONLY);
	case OUT_UDP:
	case OUT_UDP_UNCONN:
		l = socket(AF_INET, SOCK_DGRAM, 0);
		if (l < 0 || bind(l, (struct sockaddr *)&sin, len) ||
		    getsockname(l, (struct sockaddr *)&sin, &len))
			return -1;
		f->peer = l;
		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (k == OUT_UDP && connect(s, (struct sockaddr *)&sin, len))
			return -1;
		return s;
	case OUT_TCP_UNCONN:
		return socket(AF_INET, SOCK_STREAM, 0);
	case OUT_TCP_LISTEN:
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(s, (struct sockaddr *)&sin, len) || listen(s, 1))
			return -1;
		return s;
	case OUT_UNIX_DGRAM:
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, p))
			return -1;
		f->peer = p[1];
		return p[0];
	case OUT_BADFD:
		return 998;
	default:
		return -1;
	}
}

/* what reached the reading end, without blocking */
static uint64_t drain(int fd, uint64_t *hash)
{
	char buf[8192];
	uint64_t n = 0;
	ssize_t r;

	*hash = 0xcbf29ce484222325ULL;
	if (fd < 0)
		return 0;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		*hash = sc_hash(*hash, buf, r);
		n += r;
	}
	return n;
}

static void close_fds(struct fds *f)
{
	int *v[] = { &f->in, &f->out, &f->peer, &f->extra[0], &f->extra[1] };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (*v[i] >= 0 && *v[i] < 900)
			close(*v[i]);
}

static void error_case(sc_fn fn, enum in_kind ik, enum out_kind ok, bool ptr,
		       off_t off, size_t count)
{
	struct outcome o[2];
	sc_fn fns[2] = { sc_raw_sendfile, fn };

	for (int m = 0; m < 2; m++) {
		struct fds f = { .peer = -1, .extra = { -1, -1 } };
		int pipes = sc_sigpipes;
		off_t pos = off;
		ssize_t ret;

		memset(&o[m], 0, sizeof(o[m]));
		f.in = open_in(ik, &f);
		f.out = open_out(ok, &f);
		if (f.in < 0 || f.out < 0) {
			sc_fail("setting up %s -> %s: %m", in_names[ik], out_names[ok]);
			close_fds(&f);
			return;
		}
		if (!ptr && ik == IN_FILE)
			lseek(f.in, off, SEEK_SET);
		errno = ERRNO_BEFORE;
		ret = fns[m](f.out, f.in, ptr ? &pos : NULL, count);
		o[m].ret = ret;
		o[m].err = outcome_errno(ret);
		o[m].sigpipes = sc_sigpipes - pipes;
		o[m].after = ptr ? pos : lseek(f.in, 0, SEEK_CUR);
		if (!ptr && o[m].after < 0)
			o[m].after = -errno;
		if (ok == OUT_FILE) {
			char path[320];
			int rd;

			snprintf(path, sizeof(path), "%s/out", sc_dir);
			rd = open(path, O_RDONLY);
			o[m].bytes = drain(rd, &o[m].hash);
			close(rd);
		} else {
			o[m].bytes = drain(f.peer, &o[m].hash);
		}
		close_fds(&f);
	}
	if (!same(&o[0], &o[1], false)) {
		char what[160];

		snprintf(what, sizeof(what), "%s -> %s, %s %lld, count %zu", in_names[ik],
			 out_names[ok], ptr ? "offset" : "position", (long long)off, count);
		report(what, &o[0], &o[1]);
	}
}

int sc_errors(sc_fn fn, const char *name)
{
	int fd = sc_make_file(err_path, sizeof(err_path), 10000, 3);
	int before = sc_failures;

	if (fd < 0) {
		sc_fail("%s: %m", err_path);
		return 1;
	}
	close(fd);
	for (int ik = 0; ik < IN_COUNT; ik++)
		for (int ok = 0; ok < OUT_COUNT; ok++)
			for (int ptr = 0; ptr < 2; ptr++)
				error_case(fn, ik, ok, ptr, ik == IN_FILE ? 7 : 0,
					   ik == IN_PROC ? 4096 : 100);
	/* offsets and counts sendfile judges itself */
	error_case(fn, IN_FILE, OUT_TCP, true, -1, 100);
	error_case(fn, IN_FILE, OUT_TCP, true, INT64_MAX, 100);
	error_case(fn, IN_FILE, OUT_TCP, true, INT64_MAX - 50, 100);
	error_case(fn, IN_FILE, OUT_TCP, true, 10000, 0);
	error_case(fn, IN_FILE, OUT_TCP, true, 9999, SIZE_MAX);
	error_case(fn, IN_FILE, OUT_TCP, true, 5, (size_t)INT64_MAX + 1);
	error_case(fn, IN_FILE, OUT_TCP, false, 10000, 100);
	error_case(fn, IN_FILE, OUT_TCP, false, 0, 0);
	error_case(fn, IN_FILE, OUT_UNIX, false, 20000, 100);
	unlink(err_path);
	printf("%s: %s: %d descriptor cases, %d differ\n", sc_name, name,
	       IN_COUNT * OUT_COUNT * 2 + 9, sc_failures - before);
	return sc_failures - before;
}

/* --- 3. partial transfers: non-blocking, signals ------------------------------ */

static void arm_timer(void)
{
	struct itimerval it = { .it_value.tv_usec = 100000 };

	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * A peer that does not read: partial counts, then an error, and never
 * the error while bytes went: EAGAIN (non-blocking, SO_SNDTIMEO) or EINTR
 * (a signal) only when nothing was sent.  How many partial calls come
 * first depends on when loopback reopens the window: checked call by call.
 */
void sc_partial(sc_fn fn, const char *name, enum sc_transport t, enum sc_partial how)
{
	static const char *const hows[] = { "nonblock", "signal", "sndtimeo" };
	struct timeval tv = { .tv_usec = 200000 };
	int small = 64 * 1024, snd, rcv, fd, calls;
	char path[300];
	off_t pos = 0;
	ssize_t ret;

	fd = sc_make_file(path, sizeof(path), 16 << 20, 5);
	if (fd < 0 || sc_pair(t, &snd, &rcv)) {
		sc_fail("partial: setup: %m");
		return;
	}
	setsockopt(snd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(rcv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (how == SC_NONBLOCK)
		fcntl(snd, F_SETFL, O_NONBLOCK);
	if (how == SC_SNDTIMEO)
		setsockopt(snd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (calls = 0; calls < 50; calls++) {
		if (how == SC_SIGNAL)
			arm_timer();
		ret = fn(snd, fd, &pos, 16 << 20);
		if (ret < 0)
			break;
		if (ret == 0 || ret >= 16 << 20)
			sc_fail("%s %s %s: call %d sent %zd", name, transport_name(t), hows[how],
				calls, ret);
	}
	if (!calls || ret >= 0 || errno != (how == SC_SIGNAL ? EINTR : EAGAIN))
		sc_fail("%s %s %s: after %d partial calls: %zd (%m)", name, transport_name(t),
			hows[how], calls, ret);
	/* the offset moved by every byte that went, and no further */
	close(snd);
	for (char buf[1 << 16]; (ret = read(rcv, buf, sizeof(buf))) > 0 ||
				(ret < 0 && errno == EINTR);)
		pos -= ret > 0 ? ret : 0;
	if (pos)
		sc_fail("%s %s %s: the offset is %lld bytes past what the peer got", name,
			transport_name(t), hows[how], (long long)pos);
	close(rcv);
	close(fd);
	unlink(path);
}

/* --- 4. threads, a signal handler, sendfile64 ----------------------------------- */

#define THREADS		4
#define THREAD_CALLS	25
#define THREAD_COUNT	4099

static char thread_path[300];

static void *thread_main(void *arg)
{
	sc_fn fn = (sc_fn)arg;
	struct sc_sink s;
	int snd, rcv, fd = open(thread_path, O_RDONLY);
	uint64_t want;
	size_t got;
	char *buf = malloc(THREADS * THREAD_CALLS * THREAD_COUNT);
	long bad = 0;

	if (fd < 0 || !buf || sc_pair(SC_UNIX, &snd, &rcv) || sc_sink_start(&s, rcv))
		return (void *)1L;
	/* no offset: each thread's own descriptor has its own position */
	for (int i = 0; i < THREAD_CALLS; i++)
		bad += fn(snd, fd, NULL, THREAD_COUNT) != THREAD_COUNT;
	bad += lseek(fd, 0, SEEK_CUR) != THREAD_CALLS * THREAD_COUNT;
	close(snd);
	sc_sink_wait(&s);
	got = pread(fd, buf, THREAD_CALLS * THREAD_COUNT, 0);
	want = sc_hash(0xcbf29ce484222325ULL, buf, got);
	bad += s.bytes != THREAD_CALLS * THREAD_COUNT || s.hash != want;
	free(buf);
	close(fd);
	return (void *)bad;
}

void sc_threads(sc_fn fn)
{
	pthread_t t[THREADS];
	int fd = sc_make_file(thread_path, sizeof(thread_path), 200000, 7);

	close(fd);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)fn);
	for (int i = 0; i < THREADS; i++) {
		void *bad;

		pthread_join(t[i], &bad);
		if (bad)
			sc_fail("thread %d: %ld calls or checks wrong", i, (long)bad);
	}
	unlink(thread_path);
}

static struct {
	sc_fn fn;
	int sock, fd;
	off_t off;
	ssize_t ret;
} in_handler;

static void sendfile_in_handler(int sig)
{
	int err = errno;

	(void)sig;
	in_handler.ret = in_handler.fn(in_handler.sock, in_handler.fd, &in_handler.off, 1000);
	errno = err;
}

/* the call is async-signal-safe where sendfile(2) is */
void sc_signal_handler(sc_fn fn)
{
	struct sigaction sa = { .sa_handler = sendfile_in_handler };
	char path[300];
	struct sc_sink s;
	int rcv;

	in_handler.fn = fn;
	in_handler.fd = sc_make_file(path, sizeof(path), 5000, 8);
	in_handler.off = 100;
	if (in_handler.fd < 0 || sc_pair(SC_TCP4, &in_handler.sock, &rcv) ||
	    sc_sink_start(&s, rcv)) {
		sc_fail("handler: setup: %m");
		return;
	}
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	close(in_handler.sock);
	sc_sink_wait(&s);
	if (in_handler.ret != 1000 || in_handler.off != 1100 || s.bytes != 1000)
		sc_fail("sendfile in a signal handler: %zd, offset %lld, peer %llu",
		     in_handler.ret, (long long)in_handler.off, (unsigned long long)s.bytes);
	close(in_handler.fd);
	unlink(path);
}
