// SPDX-License-Identifier: GPL-2.0
/*
 * One measured run: N sending threads, each on its own connection, and
 * what it cost them.  CPU time and context switches come from each sending
 * thread's own accounting (RUSAGE_THREAD), so the sinks' reading and the
 * tool's bookkeeping are not charged to the method (in request/response
 * runs the sender's reads of the requests are: a server makes them too).  The clock runs from
 * the first send to the last sink's EOF: bytes in a socket buffer are not
 * "sent" until the receiver has them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "net.h"
#include "tool.h"

struct stream {
	const struct bench_job *job;
	unsigned int idx;
	struct bench_sender snd;
	struct bench_tally tally;
	struct rusage r0, r1;
	uint64_t iowq0, iowq1;	/* BM_URING: this process's io-wq CPU time, ns */
	pthread_t thread;
	bool started;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv(const struct timeval *t)
{
	return t->tv_sec + t->tv_usec / 1e6;
}

/* the file's pages in the page cache now (mincore), or -1 */
static int64_t cached_bytes(int fd)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *vec;
	struct stat st;
	int64_t n = 0;
	size_t pages;
	void *map;

	if (fd < 0 || fstat(fd, &st) || !st.st_size)
		return fd < 0 || st.st_size ? -1 : 0;
	pages = (st.st_size + pg - 1) / pg;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	vec = malloc(pages);
	if (vec && !mincore(map, st.st_size, vec))
		for (size_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	else
		n = -1;
	free(vec);
	munmap(map, st.st_size);
	return n < 0 ? -1 : n * pg;
}

/* bytes the block device under the file has read, from its sysfs stat */
static uint64_t disk_read_bytes(int fd)
{
	unsigned long long ios, merges, sectors = 0;
	struct stat st;
	char path[64];
	FILE *f;

	if (fd < 0 || fstat(fd, &st))
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(path, "re");
	if (!f)
		return 0;	/* tmpfs and friends: no device, no reads */
	if (fscanf(f, "%llu %llu %llu", &ios, &merges, &sectors) != 3)
		sectors = 0;
	fclose(f);
	return sectors * 512;
}

/* packets the interface has transmitted (sysfs), or 0 when there is none */
static uint64_t tx_packets(const struct bench_path *p)
{
	unsigned long long n = 0;
	char path[96];
	FILE *f;

	if (!p->known)
		return 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_packets", p->ifname);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

void bench_drop_cache(int fd)
{
	int d;

	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	/* root (the VM): everything, so that no metadata is cached either */
	d = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (d >= 0) {
		sync();
		if (write(d, "3", 1) != 1)
			perror("drop_caches");
		close(d);
	}
}

/*
 * Request/response over TCP: no Nagle, as web servers set on keep-alive
 * connections (nginx's tcp_nodelay).  Otherwise a response's last small
 * write waits for the ACK of its first part, which the client delays
 * (40 ms), because it only speaks again after the whole response.
 */
static int set_nodelay(int sock)
{
	int on = 1;

	if (setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)))
		return err_errno("bench: TCP_NODELAY", errno);
	return 0;
}

/* request/response: the sink's request, read whole before the response */
static int read_request(struct stream *s, size_t len)
{
	char buf[512];

	if (len > sizeof(buf)) {
		s->tally.error = EINVAL;
		return -1;
	}
	for (size_t got = 0; got < len;) {
		ssize_t r = read(s->snd.sock, buf, len - got);

		s->tally.syscalls++;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			s->tally.error = r < 0 ? errno : ENODATA;
			return -1;
		}
		got += r;
	}
	return 0;
}

/*
 * Nanoseconds on CPU of this process's io-wq workers (iou-wrk-*), from
 * /proc/self/task/TID/schedstat: where io_uring runs a transfer that
 * would block.  Their time is the sender's as much as its own thread's,
 * but RUSAGE_THREAD does not see it.  They are the thread's own (its
 * io_uring context's) and exit with it: read while it runs.  Only one
 * thread of a run uses a ring (one stream, or the server).
 */
static uint64_t iowq_ns(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], comm[32] = "";
		unsigned long long ns;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strncmp(comm, "iou-wrk", 7))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static void *stream_main(void *arg)
{
	struct stream *s = arg;
	const struct bench_job *j = s->job;
	const struct bench_item *it = j->items + (size_t)s->idx * j->nitems;

	/* a name of its own, so that a profile can tell the sender from the rest */
	prctl(PR_SET_NAME, "zb-send");
	getrusage(RUSAGE_THREAD, &s->r0);
	s->iowq0 = j->m == BM_URING ? iowq_ns() : 0;
	for (unsigned int i = 0; i < j->nitems; i++)
		if ((j->request && read_request(s, j->request)) ||
		    bench_send_item(&s->snd, it + i, &s->tally))
			break;
	/* the end of the stream: the sink's read() returns 0 */
	shutdown(s->snd.sock, SHUT_WR);
	s->tally.syscalls++;
	s->iowq1 = j->m == BM_URING ? iowq_ns() : 0;
	getrusage(RUSAGE_THREAD, &s->r1);
	return NULL;
}

/*
 * With two CPUs or more, the server runs on CPU 0 and its load generator
 * on CPU 1, so that neither takes the other's CPU (one of them would be
 * measuring the scheduler); with one, they share it.
 */
static bool server_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

void bench_pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/*
 * One thread for every connection (bench_server.c): its tally and CPU time
 * are stream 0's; the other streams' stay 0, so that summarise() adds the
 * same way.
 */
static void *server_main(void *arg)
{
	struct stream *st = arg;
	const struct bench_job *j = st->job;
	struct bench_sender *snd = calloc(j->nstreams, sizeof(*snd));
	struct bench_server sv = {
		.m = j->m, .snd = snd, .nconns = j->nstreams, .items = j->items,
		.nitems = j->nitems, .request = j->request,
	};

	if (!snd) {
		st->tally.error = ENOMEM;
		return NULL;
	}
	bench_pin_self(server_cpus() ? 0 : -1);
	for (unsigned int i = 0; i < j->nstreams; i++)
		snd[i] = st[i].snd;
	getrusage(RUSAGE_THREAD, &st->r0);
	st->iowq0 = j->m == BM_URING ? iowq_ns() : 0;
	bench_serve(&sv, &st->tally);
	st->iowq1 = j->m == BM_URING ? iowq_ns() : 0;
	getrusage(RUSAGE_THREAD, &st->r1);
	free(snd);
	return NULL;
}

/* CPU copies the kernel path makes per payload byte, for the methods the device does not see */
static unsigned int model_cpu_copies(enum bench_method m, const struct bench_path *p)
{
	/* a device without scatter-gather: one more copy, at segmentation */
	unsigned int seg = p->known && !p->sg;

	switch (m) {
	case BM_READWRITE:	/* page cache -> buffer, buffer -> skb */
		return 2 + seg;
	case BM_MMAP:		/* mapping -> skb */
		return 1 + seg;
	default:		/* sendfile, splice: page references */
		return seg;
	}
}

static void summarise(const struct bench_job *j, struct stream *st, double secs,
		      struct bench_sample *o)
{
	for (unsigned int i = 0; i < j->nstreams; i++) {
		struct stream *s = &st[i];

		o->user += tv(&s->r1.ru_utime) - tv(&s->r0.ru_utime);
		o->sys += tv(&s->r1.ru_stime) - tv(&s->r0.ru_stime);
		/* io-wq's work is system time: its workers run in the kernel only */
		o->sys += (s->iowq1 - s->iowq0) / 1e9;
		o->vcsw += s->r1.ru_nvcsw - s->r0.ru_nvcsw;
		o->ivcsw += s->r1.ru_nivcsw - s->r0.ru_nivcsw;
		o->bytes += s->tally.bytes;
		o->syscalls += s->tally.syscalls;
		o->items += s->tally.items;
		o->cpu_copy += s->tally.dev.cpu_copy_bytes;
		o->dma_in += s->tally.dev.dma_in_bytes;
		o->dma_out += s->tally.dev.dma_out_bytes;
	}
	/* @o's system-wide figures (disk, cache, packets) are already in */
	o->secs = secs;
	o->copies_measured = bench_method_is_device(j->m);
	if (!o->copies_measured) {
		/* labelled "model" in the output: the kernel's path, not a count */
		o->cpu_copy = o->bytes * model_cpu_copies(j->m, &j->path);
		o->dma_out = j->path.known && j->path.hw ? o->bytes : 0;
		o->dma_in = o->disk_read;
	}
}

int bench_run(const struct bench_job *j, struct bench_sample *o)
{
	struct stream *st = calloc(j->nstreams, sizeof(*st));
	struct bench_sink **sinks = calloc(j->nstreams, sizeof(*sinks));
	int64_t cache0 = cached_bytes(j->file_fd), cache1, got = 0;
	uint64_t disk0 = disk_read_bytes(j->file_fd), pkt0 = tx_packets(&j->path);
	unsigned int i, nsinks = 0;
	double t0 = 0;
	int ret = -1;

	memset(o, 0, sizeof(*o));
	if (!st || !sinks) {
		err_errno("bench", ENOMEM);
		goto out;
	}
	/*
	 * A one-thread server's connections all go to one load generator,
	 * on a CPU of its own when there are two (the server takes CPU 0).
	 */
	if (j->server) {
		sinks[0] = bench_loadgen_start(j->ep, j->request, j->items, j->nitems,
					       j->nstreams, server_cpus() ? 1 : -1);
		if (!sinks[0])
			goto out;
		nsinks = 1;
	}
	for (i = 0; i < j->nstreams; i++) {
		int err = bench_sender_init(&st[i].snd, j->server ? bench_method_base(j->m) : j->m,
					    j->dev);

		st[i].job = j;
		st[i].idx = i;
		if (err) {
			err_errno("bench sender", -err);
			goto out;
		}
		if (!j->server) {
			sinks[i] = bench_sink_start(j->ep, j->request,
						    j->items + (size_t)i * j->nitems, j->nitems);
			if (!sinks[i])
				goto out;
			nsinks++;
		}
		st[i].snd.sock = net_connect(j->ep->dest);
		if (st[i].snd.sock < 0)
			goto out;
		if (j->request && !j->ep->is_unix && set_nodelay(st[i].snd.sock))
			goto out;
	}
	t0 = now();
	for (i = 0; i < (j->server ? 1 : j->nstreams); i++) {
		int err = pthread_create(&st[i].thread, NULL, j->server ? server_main : stream_main,
					 &st[i]);

		if (err) {
			err_errno("bench thread", err);
			break;
		}
		st[i].started = true;
		/* a profile (perf --sort comm) tells the server from its clients */
		if (j->server)
			pthread_setname_np(st[i].thread, "zc-server");
	}
	for (i = 0; i < j->nstreams; i++)
		if (st[i].started)
			pthread_join(st[i].thread, NULL);
	ret = 0;
	for (i = 0; i < j->nstreams; i++) {
		if (!st[i].started && !(j->server && i))
			ret = -1;
		if (st[i].tally.error) {
			fprintf(stderr, "zcopy: bench: %s, stream %u: %s\n",
				bench_method_name(j->m), i, strerror(st[i].tally.error));
			ret = -1;
		}
	}
out:
	/* EOF for every connection; on failure, cancel sinks still in accept() */
	for (i = 0; st && i < j->nstreams && st[i].job; i++) {
		if (st[i].snd.sock >= 0)
			close(st[i].snd.sock);
		bench_sender_fini(&st[i].snd);
	}
	for (i = 0; i < nsinks; i++) {
		int64_t n = -1;

		if (ret)
			bench_sink_cancel(sinks[i]);	/* readers finish at EOF first */
		else
			n = bench_sink_join(sinks[i]);
		got = n < 0 || got < 0 ? -1 : got + n;
	}
	if (!ret) {
		double secs = now() - t0;

		cache1 = cached_bytes(j->file_fd);
		o->cache_growth = cache0 >= 0 && cache1 >= 0 ? cache1 - cache0 : 0;
		o->disk_read = disk_read_bytes(j->file_fd) - disk0;
		o->packets = tx_packets(&j->path) - pkt0;
		summarise(j, st, secs, o);
		/* what the sinks counted is the proof that the bytes arrived */
		if (got != (int64_t)o->bytes) {
			fprintf(stderr, "zcopy: bench: %s: sent %llu bytes, the sinks received %lld\n",
				bench_method_name(j->m), (unsigned long long)o->bytes,
				(long long)got);
			ret = -1;
		}
	}
	free(st);
	free(sinks);
	return ret;
}
