// SPDX-License-Identifier: GPL-2.0
/*
 * Everything at once: 16 threads send mixed transfers (every mode, SYNC,
 * MORE, NONBLOCK, buffers, files on ext4 and tmpfs, TCP4, TCP6 and UNIX)
 * while other threads truncate, extend and overwrite the source files,
 * shut down, close and put kTLS on the sockets in use, reset the peers
 * (SO_LINGER 0), read and write debugfs, and try to unload the module.
 *
 * Then: no call failed with an errno abi.rst does not list; every peer
 * that nobody disturbed received exactly the bytes the calls reported;
 * every unload attempt was refused (EWOULDBLOCK: the device is open);
 * debugfs's per-mode totals equal the sums of what the ioctls returned,
 * counter by counter; once every file is closed the module's reference
 * count is back to 0 (nothing in flight: SYNC notifications hold a module
 * reference until the stack releases them) and so is every counter of its
 * live objects (debugfs "live"), and it unloads and loads again ($ZCOPY_KO;
 * without it the module is left alone).
 *
 * ZCOPY_STRESS_SECONDS sets the duration (default 5).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define NWORKERS	16
#define NFILES		4		/* the last one on tmpfs */
#define FILE_MAX	(1 << 20)
#define NCOUNTERS	10
#define MAX_ERRNO	140
#define DEFAULT_THRESHOLD	"4194304"

static const char *const mode_names[] = { "auto", "copy", "sg", "direct" };

struct acct {
	uint64_t transfers, errors, c[NCOUNTERS];
};

struct worker {
	pthread_t thread;
	uint64_t rng;
	pthread_mutex_t lock;
	int sock;		/* the socket in use, for the chaos thread; -1 */
	bool hit;		/* the chaos thread acted on it */
	struct acct acct[ZCOPY_MODE_COUNT];
	uint64_t calls, bytes, conns, undisturbed, mismatches, bad_out;
	uint64_t errnos[MAX_ERRNO];
	uint64_t odd;		/* errnos abi.rst does not list */
	int odd_errno;
	int dev_errno;
};

static struct {
	atomic_bool stop;
	int rfd[NFILES], wfd[NFILES];
	char path[NFILES][256];
	int nullfd;
	struct worker w[NWORKERS];
	atomic_uint_fast64_t last_id;
	/* the helpers' counts */
	uint64_t mutations, chaos[4], dbg_reads, dbg_fail, rmmod_ok, rmmod_tries;
	uint64_t rmmod_errnos[MAX_ERRNO];
	char hdr[70000];
} st;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool stopped(void)
{
	return atomic_load(&st.stop);
}

/* the receiving end: reads to EOF, or resets the connection part-way */
struct peer {
	int fd;
	pthread_t thread;
	int64_t reset_after;	/* bytes, -1: never */
	bool slow;
	uint64_t bytes;
	bool did_reset;
	int err;
};

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	char buf[1 << 16];

	for (;;) {
		ssize_t r = read(p->fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			p->err = r < 0 ? errno : 0;
			break;
		}
		p->bytes += r;
		if (p->reset_after >= 0 && p->bytes >= (uint64_t)p->reset_after) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			/* close with SO_LINGER 0: RST for TCP */
			setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
			p->did_reset = true;
			break;
		}
		if (p->slow)
			usleep(1000);
	}
	close(p->fd);
	return NULL;
}

static void count_errno(uint64_t *hist, int err)
{
	hist[err > 0 && err < MAX_ERRNO ? err : 0]++;
}

/* one call's results into the worker's sums */
static void account(struct worker *w, const struct zcopy_xfer *x, uint32_t mode,
		    long ret, int err)
{
	const uint64_t *c = (const uint64_t *)&x->counters;

	w->calls++;
	if (ret < 0) {
		count_errno(w->errnos, err);
		if (!zc_xfer_errno_documented(err)) {
			w->odd++;
			w->odd_errno = err;
		}
	} else {
		w->bytes += ret;
	}
	if (!x->xfer_id)
		return;		/* refused before it got an id: not recorded */
	w->acct[mode].transfers++;
	if (x->error) {
		w->acct[mode].errors++;
		if (!zc_xfer_errno_documented(x->error)) {
			w->odd++;
			w->odd_errno = x->error;
		}
	}
	for (int i = 0; i < NCOUNTERS; i++)
		w->acct[mode].c[i] += c[i];
	if (x->bytes_sent != (ret < 0 ? 0 : (uint64_t)ret) ||
	    x->counters.bytes_sent != x->bytes_sent ||
	    (ret < 0 && x->error != err))
		w->bad_out++;
	atomic_store(&st.last_id, x->xfer_id);
}

static unsigned int make_descs(uint64_t *s, struct zcopy_desc *d)
{
	unsigned int n = 1 + rnd(s) % 4;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t r = rnd(s);

		if (r % 4 == 0) {
			/* a header or trailer; sometimes a big one */
			size_t len = r % 16 ? rnd(s) % 2000 : rnd(s) % 16000;

			d[i] = zc_buf(st.hdr + rnd(s) % 1000, len);
		} else {
			int f = rnd(s) % NFILES;
			int64_t off = r % 8 ? (int64_t)(rnd(s) % FILE_MAX) : 0;
			uint64_t len = r % 3 ? rnd(s) % (FILE_MAX / 2) : 0;

			d[i] = zc_file(st.rfd[f], off, len);
		}
	}
	return n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct timeval tv = { .tv_sec = 2 };
	int dev = zc_dev();

	if (dev < 0) {
		w->dev_errno = errno;
		return NULL;
	}
	while (!stopped()) {
		static const enum zc_transport ts[] = {
			ZC_TCP4, ZC_TCP4, ZC_TCP4, ZC_TCP6, ZC_UNIX, ZC_UNIX,
		};
		struct peer p = { .reset_after = -1 };
		uint64_t sent = 0;
		int s, ncalls;
		bool hit;

		if (zc_pair(ts[rnd(&w->rng) % 6], &s, &p.fd))
			continue;
		/* no call may sleep for ever, whatever the chaos does */
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (rnd(&w->rng) % 4 == 0)
			p.reset_after = rnd(&w->rng) % 400000;
		p.slow = rnd(&w->rng) % 8 == 0;
		if (pthread_create(&p.thread, NULL, peer_main, &p)) {
			close(s);
			close(p.fd);
			continue;
		}
		pthread_mutex_lock(&w->lock);
		w->sock = s;
		w->hit = false;
		pthread_mutex_unlock(&w->lock);

		ncalls = 1 + rnd(&w->rng) % 3;
		for (int i = 0; i < ncalls && !stopped(); i++) {
			struct zcopy_desc d[4];
			unsigned int n = make_descs(&w->rng, d);
			uint64_t r = rnd(&w->rng);
			uint32_t mode = r % ZCOPY_MODE_COUNT;
			uint32_t flags = (r & 0x10 ? ZCOPY_F_NOSIGNAL : 0) |
					 (r % 4 == 0 ? ZCOPY_F_SYNC : 0) |
					 (r % 8 == 1 ? ZCOPY_F_MORE : 0) |
					 (r % 6 == 2 ? ZCOPY_F_NONBLOCK : 0) |
					 (r & 0x100 ? ZCOPY_F_DIRECT_FALLBACK : 0);
			struct zcopy_xfer x;
			long ret;
			int err;

			ret = zc_xfer(dev, s, mode, flags, d, n, &x);
			err = errno;
			account(w, &x, mode, ret, err);
			if (ret > 0)
				sent += ret;
			if (ret < 0 && (err == EPIPE || err == ECONNRESET || err == ENOTSOCK ||
					err == EOPNOTSUPP || err == EBADF))
				break;
		}

		pthread_mutex_lock(&w->lock);
		hit = w->hit;
		w->sock = -1;
		pthread_mutex_unlock(&w->lock);
		/* what chaos left at this number (maybe /dev/null) goes */
		close(s);
		pthread_join(p.thread, NULL);
		w->conns++;
		if (!hit && !p.did_reset && !p.err) {
			w->undisturbed++;
			if (p.bytes != sent)
				w->mismatches++;
		}
	}
	close(dev);
	return NULL;
}

/* truncate, extend and overwrite the source files */
static void *mutator_main(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	static char junk[1 << 16];

	memset(junk, 0x5a, sizeof(junk));
	while (!stopped()) {
		int f = rnd(&s) % NFILES;

		switch (rnd(&s) % 3) {
		case 0:
			if (ftruncate(st.wfd[f], rnd(&s) % FILE_MAX))
				break;
			break;
		case 1:
			if (ftruncate(st.wfd[f], FILE_MAX))
				break;
			break;
		default:
			if (pwrite(st.wfd[f], junk, rnd(&s) % sizeof(junk), rnd(&s) % FILE_MAX) < 0)
				break;
		}
		st.mutations++;
		usleep(rnd(&s) % 3000);
	}
	return NULL;
}

/* shut down, close (dup2 over the number) and kTLS the sockets in use */
static void *chaos_main(void *arg)
{
	uint64_t s = 0x2545f4914f6cdd1dULL;

	while (!stopped()) {
		struct worker *w = &st.w[rnd(&s) % NWORKERS];
		int act = rnd(&s) % 4;

		pthread_mutex_lock(&w->lock);
		if (w->sock >= 0) {
			switch (act) {
			case 0:
				shutdown(w->sock, SHUT_WR);
				break;
			case 1:
				shutdown(w->sock, SHUT_RDWR);
				break;
			case 2:
				/* close() without letting the number be reused */
				dup2(st.nullfd, w->sock);
				break;
			default:
				setsockopt(w->sock, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"));
			}
			w->hit = true;
			st.chaos[act]++;
		}
		pthread_mutex_unlock(&w->lock);
		usleep(2000 + rnd(&s) % 8000);
	}
	return NULL;
}

static int read_all(const char *path)
{
	char buf[1 << 14];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return r < 0 ? -1 : 0;
}

/* debugfs: totals, the table, records by id, the threshold knob */
static void *debugfs_main(void *arg)
{
	uint64_t i = 0;

	while (!stopped()) {
		char id[32], buf[4096];
		int fd;

		if (read_all(ZC_DEBUGFS "/totals") || read_all(ZC_DEBUGFS "/transfers"))
			st.dbg_fail++;
		fd = open(ZC_DEBUGFS "/transfer", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			snprintf(id, sizeof(id), "%llu",
				 (unsigned long long)atomic_load(&st.last_id));
			/* the record may be gone already: ENOENT is fine */
			if (write(fd, id, strlen(id)) > 0 && read(fd, buf, sizeof(buf)) < 0 &&
			    errno != ENOENT && errno != EINVAL)
				st.dbg_fail++;
			close(fd);
		} else {
			st.dbg_fail++;
		}
		if (++i % 20 == 0)
			zc_write_str(ZC_DEBUGFS "/direct_threshold",
				     i % 40 ? "262144" : DEFAULT_THRESHOLD);
		st.dbg_reads++;
		usleep(3000);
	}
	return NULL;
}

/* rmmod while everything runs: must always be refused */
static void *rmmod_main(void *arg)
{
	while (!stopped()) {
		st.rmmod_tries++;
		if (!syscall(__NR_delete_module, "zcopy", O_NONBLOCK))
			st.rmmod_ok++;
		else
			count_errno(st.rmmod_errnos, errno);
		usleep(20000);
	}
	return NULL;
}

static void log_errnos(struct __test_metadata *_metadata, const char *what,
		       const uint64_t *hist)
{
	char line[1024];
	int len = 0;

	for (int e = 0; e < MAX_ERRNO; e++)
		if (hist[e])
			len += snprintf(line + len, sizeof(line) - len, " %s=%llu",
					e ? strerrorname_np(e) ?: "?" : "other",
					(unsigned long long)hist[e]);
	TH_LOG("%s:%s", what, len ? line : " none");
}

/* SYNC notifications go when the stack frees the skbs: allow 30 s */
static bool wait_refcnt_zero(void)
{
	for (int i = 0; i < 3000; i++) {
		if (zc_read_ll("/sys/module/zcopy/refcnt") == 0)
			return true;
		usleep(10000);
	}
	return false;
}

static bool wait_node(bool present)
{
	struct stat sb;

	for (int i = 0; i < 200; i++) {
		if (!stat("/dev/zcopy", &sb) == present)
			return true;
		usleep(10000);
	}
	return false;
}

FIXTURE(stress)
{
	int dev;
	int seconds;
};

FIXTURE_SETUP(stress)
{
	const char *env = getenv("ZCOPY_STRESS_SECONDS");
	char name[32];

	self->seconds = env && *env ? atoi(env) : 5;
	if (self->seconds < 1)
		self->seconds = 1;
	/* the program's limit is 600 s (settings): keep room for the checks */
	if (self->seconds > 480)
		self->seconds = 480;
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/zcopy: %s", strerror(errno));
	st.nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, st.nullfd);
	for (int f = 0; f < NFILES; f++) {
		snprintf(name, sizeof(name), "stress%d.dat", f);
		if (f == NFILES - 1) {
			/* tmpfs: DIRECT needs the fallback flag here */
			snprintf(st.path[f], sizeof(st.path[f]), "/tmp/zcopy-stress.dat");
			st.wfd[f] = open(st.path[f], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			ASSERT_EQ(0, ftruncate(st.wfd[f], FILE_MAX / 2));
			st.rfd[f] = open(st.path[f], O_RDONLY | O_CLOEXEC);
		} else {
			st.rfd[f] = zc_make_file(st.path[f], sizeof(st.path[f]), name,
						 FILE_MAX, 40 + f);
			st.wfd[f] = open(st.path[f], O_RDWR | O_CLOEXEC);
		}
		ASSERT_LE(0, st.rfd[f]);
		ASSERT_LE(0, st.wfd[f]);
	}
	memset(st.hdr, 'h', sizeof(st.hdr));
	signal(SIGPIPE, SIG_IGN);
	/* totals from zero: they must equal what this test's calls returned */
	ASSERT_EQ(0, zc_write_str(ZC_DEBUGFS "/reset", "1\n"))
		TH_LOG("reset: %s", strerror(errno));
}

FIXTURE_TEARDOWN(stress)
{
	for (int f = 0; f < NFILES; f++) {
		close(st.rfd[f]);
		close(st.wfd[f]);
		unlink(st.path[f]);
	}
	close(st.nullfd);
	if (self->dev >= 0)
		close(self->dev);
	zc_write_str(ZC_DEBUGFS "/direct_threshold", DEFAULT_THRESHOLD);
}

TEST_F_TIMEOUT(stress, everything_at_once, 560)
{
	pthread_t helpers[4];
	void *(*const helper_fn[4])(void *) = {
		mutator_main, chaos_main, debugfs_main, rmmod_main,
	};
	struct acct sum[ZCOPY_MODE_COUNT] = {};
	uint64_t errnos[MAX_ERRNO] = {}, calls = 0, bytes = 0, conns = 0, undisturbed = 0;
	uint64_t mismatches = 0, bad_out = 0, odd = 0;
	const char *ko = getenv("ZCOPY_KO");
	struct zcopy_info info = { .size = sizeof(info) };
	struct timespec t0, t1;
	struct zc_live live;
	char lbuf[512];
	int kofd;

	TH_LOG("%d workers for %d s (ZCOPY_STRESS_SECONDS)", NWORKERS, self->seconds);
	for (int i = 0; i < NWORKERS; i++) {
		st.w[i].rng = 0x12345678ULL * (i + 1) + time(NULL);
		st.w[i].sock = -1;
		pthread_mutex_init(&st.w[i].lock, NULL);
		ASSERT_EQ(0, pthread_create(&st.w[i].thread, NULL, worker_main, &st.w[i]));
	}
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_create(&helpers[i], NULL, helper_fn[i], NULL));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sleep(self->seconds);
	atomic_store(&st.stop, true);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(st.w[i].thread, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(helpers[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (int i = 0; i < NWORKERS; i++) {
		struct worker *w = &st.w[i];

		EXPECT_EQ(0, w->dev_errno) TH_LOG("worker %d: open: %s", i, strerror(w->dev_errno));
		EXPECT_EQ(0, w->odd) TH_LOG("worker %d: undocumented errno %d (%s)", i,
					    w->odd_errno, strerror(w->odd_errno));
		calls += w->calls;
		bytes += w->bytes;
		conns += w->conns;
		undisturbed += w->undisturbed;
		mismatches += w->mismatches;
		bad_out += w->bad_out;
		odd += w->odd;
		for (int e = 0; e < MAX_ERRNO; e++)
			errnos[e] += w->errnos[e];
		for (int m = 0; m < ZCOPY_MODE_COUNT; m++) {
			sum[m].transfers += w->acct[m].transfers;
			sum[m].errors += w->acct[m].errors;
			for (int c = 0; c < NCOUNTERS; c++)
				sum[m].c[c] += w->acct[m].c[c];
		}
	}
	TH_LOG("%llu calls, %llu bytes, %llu connections (%llu undisturbed) in %.1f s",
	       (unsigned long long)calls, (unsigned long long)bytes,
	       (unsigned long long)conns, (unsigned long long)undisturbed,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	log_errnos(_metadata, "failed calls", errnos);
	TH_LOG("%llu file changes; chaos: %llu shut_wr, %llu shut_rdwr, %llu closed, %llu ktls; "
	       "%llu debugfs rounds", (unsigned long long)st.mutations,
	       (unsigned long long)st.chaos[0], (unsigned long long)st.chaos[1],
	       (unsigned long long)st.chaos[2], (unsigned long long)st.chaos[3],
	       (unsigned long long)st.dbg_reads);
	log_errnos(_metadata, "refused unloads", st.rmmod_errnos);

	EXPECT_EQ(0, odd);
	/* something got through, or this tested nothing */
	EXPECT_LT(0, bytes);
	EXPECT_LT(0, undisturbed);
	/* a peer nobody disturbed got exactly what the calls reported */
	EXPECT_EQ(0, mismatches);
	/* the out members agree with the return value */
	EXPECT_EQ(0, bad_out);
	EXPECT_EQ(0, st.dbg_fail);
	/* the open device pins the module: every unload refused, EWOULDBLOCK */
	EXPECT_EQ(0, st.rmmod_ok);
	EXPECT_LT(0, st.rmmod_tries);
	EXPECT_EQ(st.rmmod_tries, st.rmmod_errnos[EWOULDBLOCK]);

	/* debugfs totals = the sums of the per-call results, counter by counter */
	for (int m = 0; m < ZCOPY_MODE_COUNT; m++) {
		uint64_t v[2 + NCOUNTERS];

		ASSERT_EQ(0, zc_totals_row(mode_names[m], v, 2 + NCOUNTERS));
		EXPECT_EQ(sum[m].transfers, v[0]) TH_LOG("%s transfers", mode_names[m]);
		EXPECT_EQ(sum[m].errors, v[1]) TH_LOG("%s errors", mode_names[m]);
		for (int c = 0; c < NCOUNTERS; c++) {
			EXPECT_EQ(sum[m].c[c], v[2 + c]) TH_LOG("%s counter %d", mode_names[m], c);
		}
		TH_LOG("%-6s %llu transfers, %llu with an error, %llu bytes sent", mode_names[m],
		       (unsigned long long)v[0], (unsigned long long)v[1],
		       (unsigned long long)v[3]);
	}

	/* everything closed: nothing of the module may stay in flight */
	EXPECT_EQ(0, zc_write_str(ZC_DEBUGFS "/direct_threshold", DEFAULT_THRESHOLD));
	close(self->dev);
	self->dev = -1;
	EXPECT_TRUE(wait_refcnt_zero()) TH_LOG("refcnt %lld after every file was closed",
					       zc_read_ll("/sys/module/zcopy/refcnt"));
	/* every object freed, every reference dropped: SYNC ones too, by now */
	EXPECT_TRUE(zc_live_wait_zero(&live, 5000))
		TH_LOG("live objects after every file was closed: %s",
		       zc_live_str(&live, lbuf, sizeof(lbuf)));

	if (!ko || !*ko) {
		TH_LOG("ZCOPY_KO not set: unload and reload not tried");
		return;
	}
	kofd = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, kofd) TH_LOG("ZCOPY_KO=%s: %s", ko, strerror(errno));
	EXPECT_EQ(0, syscall(__NR_delete_module, "zcopy", O_NONBLOCK))
		TH_LOG("unload after the stress: %s", strerror(errno));
	EXPECT_TRUE(wait_node(false));
	/* back for the programs that run after this one, whatever happened */
	if (access("/sys/module/zcopy", F_OK)) {
		EXPECT_EQ(0, syscall(__NR_finit_module, kofd, "", 0))
			TH_LOG("reload: %s", strerror(errno));
	}
	close(kofd);
	ASSERT_TRUE(wait_node(true));
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	EXPECT_EQ(0, ioctl(self->dev, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(4 * ZC_MIB, info.direct_threshold);
}

TEST_HARNESS_MAIN
