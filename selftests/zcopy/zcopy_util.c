// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the zcopy kselftests (see zcopy_util.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zcopy_util.h"

int zc_dev(void)
{
	return open("/dev/zcopy", O_RDWR | O_CLOEXEC);
}

long zc_xfer(int dev, int sock, uint32_t mode, uint32_t flags,
	     const struct zcopy_desc *d, unsigned int n, struct zcopy_xfer *out)
{
	struct zcopy_xfer x = {
		.size = sizeof(x),
		.flags = flags,
		.sock_fd = sock,
		.mode = mode,
		.descs = (uintptr_t)d,
		.ndescs = n,
	};
	long ret = ioctl(dev, ZCOPY_IOC_XFER, &x);
	int err = errno;

	if (out)
		*out = x;
	errno = err;
	return ret;
}

struct zcopy_desc zc_file(int fd, int64_t offset, uint64_t len)
{
	struct zcopy_desc d = {
		.type = ZCOPY_DESC_FILE, .fd = fd, .offset = offset, .len = len,
	};
	return d;
}

struct zcopy_desc zc_buf(const void *p, size_t len)
{
	struct zcopy_desc d = {
		.type = ZCOPY_DESC_BUF, .len = len, .addr = (uintptr_t)p,
	};
	return d;
}

uint64_t zc_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t zc_hash_file(int fd, off_t off, size_t len, size_t *got)
{
	static char buf[1 << 16];
	uint64_t h = ZC_HASH_INIT;
	size_t done = 0;

	while (done < len) {
		size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t r = pread(fd, buf, want, off + done);

		if (r <= 0)
			break;
		h = zc_hash(h, buf, r);
		done += r;
	}
	if (got)
		*got = done;
	return h;
}

const char *zc_data_dir(void)
{
	const char *d = getenv("ZCOPY_DATA");

	return d && *d ? d : "/tmp";
}

int zc_make_file(char *path, size_t pathlen, const char *name, size_t size,
		 unsigned int seed)
{
	static unsigned char buf[1 << 16];
	size_t done = 0;
	uint32_t x = seed * 2654435761U + 1;
	int fd;

	snprintf(path, pathlen, "%s/%s", zc_data_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (size_t i = 0; i < n; i++) {
			/* xorshift: no page of the file equals another */
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = x;
		}
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		done += n;
	}
	if (fsync(fd) || close(fd))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

const char *zc_transport_name(enum zc_transport t)
{
	return t == ZC_TCP4 ? "tcp4" : t == ZC_TCP6 ? "tcp6" : "unix";
}

/* @mss: both ends' TCP_MAXSEG, as over a NIC's MTU; 0 for loopback's own */
static int zc_tcp_pair(int family, int mss, int *snd, int *rcv)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);
	int l, s = -1, r = -1;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -1;
	if ((mss && setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss))) ||
	    bind(l, (struct sockaddr *)&ss, len) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&ss, &len))
		goto out;
	s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || (mss && setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss))) ||
	    connect(s, (struct sockaddr *)&ss, len))
		goto out;
	r = accept4(l, NULL, NULL, SOCK_CLOEXEC);
out:
	close(l);
	if (r < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	*snd = s;
	*rcv = r;
	return 0;
}

int zc_tcp4_pair_mss(int mss, int *snd, int *rcv)
{
	return zc_tcp_pair(AF_INET, mss, snd, rcv);
}

int zc_pair(enum zc_transport t, int *snd, int *rcv)
{
	int sv[2];

	if (t == ZC_TCP4)
		return zc_tcp_pair(AF_INET, 0, snd, rcv);
	if (t == ZC_TCP6)
		return zc_tcp_pair(AF_INET6, 0, snd, rcv);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	*snd = sv[0];
	*rcv = sv[1];
	return 0;
}

static void *zc_sink_main(void *arg)
{
	static __thread char buf[1 << 16];
	struct zc_sink *s = arg;

	for (;;) {
		/*
		 * recv(), not read(): read() asks security_file_permission(),
		 * whose hits the tests count for the sender alone (parity_test
		 * lsm.sg_file); a pipe (ENOTSOCK) is read.
		 */
		ssize_t r = recv(s->fd, buf, sizeof(buf), 0);

		if (r < 0 && errno == ENOTSOCK)
			r = read(s->fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			s->error = errno;
			break;
		}
		if (r == 0)
			break;
		s->hash = zc_hash(s->hash, buf, r);
		s->bytes += r;
		if (s->at && !s->at_done && s->bytes >= s->at_after) {
			s->at(s->at_arg);
			s->at_done = true;
		}
	}
	return NULL;
}

static void zc_sink_init(struct zc_sink *s, int fd, uint64_t after, void (*fn)(void *),
			 void *arg)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->hash = ZC_HASH_INIT;
	s->at_after = after;
	s->at = fn;
	s->at_arg = arg;
}

static int zc_sink_run(struct zc_sink *s)
{
	return pthread_create(&s->thread, NULL, zc_sink_main, s) ? -1 : 0;
}

int zc_sink_start(struct zc_sink *s, int fd)
{
	zc_sink_init(s, fd, 0, NULL, NULL);
	return zc_sink_run(s);
}

int zc_sink_start_at(struct zc_sink *s, int fd, uint64_t after, void (*fn)(void *), void *arg)
{
	zc_sink_init(s, fd, after, fn, arg);
	return zc_sink_run(s);
}

static void zc_sink_kill(void *arg)
{
	struct zc_sink *s = arg;

	pthread_kill(s->kill_thread, s->kill_sig);
}

int zc_sink_start_kill(struct zc_sink *s, int fd, uint64_t after, int sig)
{
	zc_sink_init(s, fd, after, zc_sink_kill, s);
	s->kill_thread = pthread_self();
	s->kill_sig = sig;
	return zc_sink_run(s);
}

void zc_sink_wait(struct zc_sink *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

int zc_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int zc_scratch_mount(const char *opts)
{
	/* a case that failed in its setup (no teardown) may have left it */
	zc_sh("umount " ZC_SCRATCH " 2>/dev/null");
	if (zc_sh("for b in /sys/block/*; do grep -qx zcscratch $b/serial 2>/dev/null && "
		  "ln -sf /dev/${b##*/} /dev/zcscratch && exit 0; done; exit 1"))
		return 1;
	return zc_sh("mkdir -p " ZC_SCRATCH " && mount -t ext4 %s%s /dev/zcscratch " ZC_SCRATCH,
		     opts ? "-o " : "", opts ? opts : "") ? -1 : 0;
}

int zc_scratch_umount(void)
{
	return zc_sh("umount " ZC_SCRATCH);
}

int zc_debugfs_record(uint64_t id, const char *name, uint64_t *value)
{
	char line[256], key[64];
	uint64_t v;
	int ret = -1;
	FILE *f;

	f = fopen("/sys/kernel/debug/zcopy/transfer", "r+");
	if (!f)
		return -1;
	if (fprintf(f, "%" PRIu64 "\n", id) < 0 || fflush(f))
		goto out;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %" SCNu64, key, &v) == 2 && !strcmp(key, name)) {
			*value = v;
			ret = 0;
			break;
		}
	}
out:
	fclose(f);
	return ret;
}

size_t zc_resident_pages(int fd, size_t size)
{
	size_t page = sysconf(_SC_PAGESIZE), n = (size + page - 1) / page, count = -1;
	unsigned char *vec = calloc(n, 1);
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

	if (p != MAP_FAILED && vec && !mincore(p, size, vec)) {
		count = 0;
		for (size_t i = 0; i < n; i++)
			count += vec[i] & 1;
	}
	if (p != MAP_FAILED)
		munmap(p, size);
	free(vec);
	return count;
}

int zc_drop_file_cache(int fd)
{
	if (zc_drop_caches())
		return -1;
	return posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) ? -1 : 0;
}

int zc_drop_caches(void)
{
	int fd, ok;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, "3", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

int zc_write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;
	int err;

	if (fd < 0)
		return -1;
	r = write(fd, s, len);
	err = errno;
	close(fd);
	if (r != (ssize_t)len) {
		errno = r < 0 ? err : EIO;
		return -1;
	}
	return 0;
}

int zc_read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

long long zc_read_ll(const char *path)
{
	char buf[64], *end;
	long long v;

	if (zc_read_str(path, buf, sizeof(buf)))
		return -1;
	v = strtoll(buf, &end, 0);
	return end == buf ? -1 : v;
}

int zc_totals_row(const char *mode, uint64_t *v, int n)
{
	char line[1024], name[16];
	FILE *f = fopen(ZC_DEBUGFS "/totals", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		int used;

		if (sscanf(p, "%15s%n", name, &used) != 1 || strcmp(name, mode))
			continue;
		p += used;
		ret = 0;
		for (int i = 0; i < n; i++) {
			if (sscanf(p, "%" SCNu64 "%n", &v[i], &used) != 1) {
				ret = -1;
				break;
			}
			p += used;
		}
	}
	fclose(f);
	return ret;
}

int zc_live_read(struct zc_live *l)
{
	char line[256];
	FILE *f = fopen(ZC_DEBUGFS "/live", "r");
	int ret = 0;

	l->n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (l->n == ZC_LIVE_MAX ||
		    sscanf(line, "%31s %lld", l->name[l->n], &l->count[l->n]) != 2) {
			ret = -1;
			break;
		}
		l->n++;
	}
	fclose(f);
	return ret;
}

long long zc_live_get(const struct zc_live *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->name[i], name))
			return l->count[i];
	return LLONG_MIN;
}

static bool zc_live_zero(const struct zc_live *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->count[i])
			return false;
	return l->n > 0;
}

bool zc_live_wait_zero(struct zc_live *l, int ms)
{
	for (int waited = 0;; waited += 10) {
		if (!zc_live_read(l) && zc_live_zero(l))
			return true;
		if (waited >= ms)
			return false;
		usleep(10000);
	}
}

const char *zc_live_str(const struct zc_live *l, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < l->n && used < len; i++)
		if (l->count[i])
			used += snprintf(buf + used, len - used, "%s%s=%lld", used ? " " : "",
					 l->name[i], l->count[i]);
	if (!l->n)
		snprintf(buf, len, "unreadable");
	else if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

bool zc_xfer_errno_documented(int err)
{
	switch (err) {
	case EBADF: case ESPIPE: case EINVAL: case ENOTSOCK: case EOPNOTSUPP:
	case ENOTCONN: case EFAULT: case EAGAIN: case EINTR: case EPIPE:
	case ECONNRESET: case ENOMEM: case ENOBUFS: case EPERM: case EACCES:
	case E2BIG:
		return true;
	}
	return false;
}

long long zc_stats_field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = line ? strstr(line, pat) : NULL;
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

long zc_tcp_retransmits(int sock)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_total_retrans;
}
