// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy bench: every file-to-socket method against every other, on one
 * transport, in one run.  Runs are interleaved (run 1 of every method,
 * then run 2 ...) so that a slow spell of a noisy machine lands on all
 * methods alike, and every ratio divides figures of the same run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "net.h"
#include "nic.h"
#include "range.h"
#include "tool.h"

#define SMALL_FILE	(16 << 10)	/* a small response: header + 16 KiB file + trailer */
#define SMALL_HDR	200
#define SMALL_TRL	50
#define SMALL_FILES	64		/* served in turn, as a web server serves pages */
#define MAX_STREAMS	64
#define RR_REQUEST	100		/* request/response: what the client asks with */
#define RR_CONNS	8		/* ... and on how many connections at once, besides one */
#define SERVER_CONNS	64		/* rr64: connections one thread serves */

static const char bench_usage[] =
	"usage: zcopy bench [OPTIONS] DEST\n"
	"  DEST                 HOST:PORT or a UNIX socket path; the tool's own sink listens there\n"
	"      --netns NAME     the sink listens in network namespace NAME (ip netns)\n"
	"      --label NAME     the transport's name in the output (default: tcp or unix)\n"
	"  -d, --dir DIR        where the test file is created (default: .)\n"
	"  -s, --size SIZE      the large file (default 256M)\n"
	"  -r, --runs N         runs of each method (default 5)\n"
	"  -w, --workloads L    of warm,cold,small,rr,streams,rr64 (default: all)\n"
	"  -M, --methods L      only these methods (default: all, see below)\n"
	"      --small N        responses in the small and rr workloads (default 2000)\n"
	"      --streams L      concurrent stream counts (default 1,2,4,8)\n"
	"      --csv FILE       append the figures to FILE\n"
	"      --json FILE      write the figures to FILE as JSON\n"
	"      --smoke          4 MiB, 1 run, few responses: every path once, figures meaningless\n"
	"methods: read+write mmap+write sendfile splice zcopy-copy zcopy-sg zcopy-direct\n"
	"         zcopy-auto, and cork+sendfile (small responses over TCP only); the large\n"
	"         file: all but cork+sendfile; small responses (small: pipelined; rr:\n"
	"         each after a 100-byte request, on 1 and on 8 connections): read+write,\n"
	"         sendfile, cork+sendfile, zcopy-copy/sg/auto; streams: sendfile, zcopy-sg;\n"
	"         rr64 (64 connections, one thread, request/response): epoll+cork (an epoll\n"
	"         loop doing cork+sendfile; TCP only), epoll+zcopy (one ioctl per response),\n"
	"         zcopy-uring (one io_uring ring); zcopy-uring also sends the large file\n";

enum { WL_WARM = 1, WL_COLD = 2, WL_SMALL = 4, WL_STREAMS = 8, WL_RR = 16, WL_RR64 = 32 };

struct bench_opts {
	struct bench_endpoint ep;
	const char *label, *dir, *csv, *json;
	uint64_t size;
	unsigned int runs, small, workloads, methods;
	unsigned int streams[8], nstreams;
};

struct bench_ctx {
	struct bench_opts *o;
	struct bench_report rep;
	struct bench_path path;
	int dev, fd;
	int small_fd[SMALL_FILES];
};

static int parse_workloads(const char *list, unsigned int *mask)
{
	static const char *const names[] = { "warm", "cold", "small", "streams", "rr", "rr64" };
	const unsigned int nnames = sizeof(names) / sizeof(names[0]);
	char *copy = strdup(list), *save = NULL;
	int ret = 0;

	*mask = 0;
	for (char *t = strtok_r(copy, ",", &save); t && !ret; t = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = 0; i < nnames && strcmp(t, names[i]); i++)
			;
		if (i == nnames)
			ret = err_usage("bench: unknown workload '%s'", t);
		*mask |= 1U << i;
	}
	free(copy);
	return ret ? ret : (*mask ? 0 : err_usage("bench: no workload"));
}

static int parse_streams(const char *list, struct bench_opts *o)
{
	char *copy = strdup(list), *save = NULL;
	int ret = 0;

	o->nstreams = 0;
	for (char *t = strtok_r(copy, ",", &save); t && !ret; t = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long n = strtoul(t, &end, 10);

		if (*end || !n || n > MAX_STREAMS || o->nstreams == 8)
			ret = err_usage("bench: --streams: 1..%d, at most 8 counts", MAX_STREAMS);
		else
			o->streams[o->nstreams++] = n;
	}
	free(copy);
	return ret;
}

/* names go into JSON and CSV unquoted */
static bool plain_name(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		     strlen(s);
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
	enum { O_NETNS = 256, O_LABEL, O_SMALL, O_STREAMS, O_CSV, O_JSON, O_SMOKE };
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, O_NETNS },
		{ "label", required_argument, NULL, O_LABEL },
		{ "dir", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'r' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "methods", required_argument, NULL, 'M' },
		{ "small", required_argument, NULL, O_SMALL },
		{ "streams", required_argument, NULL, O_STREAMS },
		{ "csv", required_argument, NULL, O_CSV },
		{ "json", required_argument, NULL, O_JSON },
		{ "smoke", no_argument, NULL, O_SMOKE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "d:s:r:w:M:h", opts, NULL)) != -1) {
		switch (c) {
		case O_NETNS:
			o->ep.netns = optarg;
			break;
		case O_LABEL:
			if (!plain_name(optarg))
				return err_usage("bench: --label: letters, digits, '.', '_', '-'");
			o->label = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 's':
			if (parse_size(optarg, &o->size) || o->size < SMALL_FILE)
				return err_usage("bench: --size: a size of at least 16K");
			break;
		case 'r':
			o->runs = strtoul(optarg, &end, 10);
			if (*end || !o->runs || o->runs > 1000)
				return err_usage("bench: --runs: 1..1000");
			break;
		case 'w':
			ret = parse_workloads(optarg, &o->workloads);
			if (ret)
				return ret;
			break;
		case 'M':
			o->methods = bench_method_parse(optarg);
			if (!o->methods)
				return err_usage("bench: --methods: a list of the methods below");
			break;
		case O_SMALL:
			o->small = strtoul(optarg, &end, 10);
			if (*end || !o->small || o->small > 1000000)
				return err_usage("bench: --small: 1..1000000");
			break;
		case O_STREAMS:
			ret = parse_streams(optarg, o);
			if (ret)
				return ret;
			break;
		case O_CSV:
			o->csv = optarg;
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_SMOKE:
			o->size = 4 << 20;
			o->runs = 1;
			o->small = 20;
			o->streams[0] = 1;
			o->streams[1] = 2;
			o->nstreams = 2;
			break;
		case 'h':
			fputs(bench_usage, stdout);
			return -1;
		default:
			fputs(bench_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return err_usage("bench: need one DEST");
	o->ep.dest = argv[optind];
	if (!o->label)
		o->label = net_is_unix(o->ep.dest) ? "unix" : "tcp";
	return EXIT_OK;
}

/* a file of @size bytes at @path, created once and reused by every run */
static int open_file(const char *path, uint64_t size, int *fdp)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return err_errno(path, errno);
	}
	*fdp = fd;
	if ((uint64_t)st.st_size == size)
		return EXIT_OK;
	/* real blocks, not a sparse file: cold reads must come from the disk */
	buf = malloc(1 << 20);
	if (!buf)
		return err_errno(path, ENOMEM);
	for (size_t i = 0; i < (1 << 20); i++)
		buf[i] = (char)(i * 2654435761U >> 13);
	errno = 0;
	if (ftruncate(fd, 0))
		goto fail;
	for (uint64_t done = 0; done < size;) {
		size_t n = size - done < (1 << 20) ? size - done : (1 << 20);
		ssize_t w;

		buf[0] = (char)(done >> 20);	/* no two MiB alike */
		w = pwrite(fd, buf, n, done);
		if (w <= 0)
			goto fail;
		done += w;
	}
	if (fsync(fd))
		goto fail;
	free(buf);
	return EXIT_OK;
fail:
	free(buf);
	return err_errno(path, errno ? errno : EIO);
}

static int open_files(struct bench_ctx *c)
{
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/zcopy-bench-%llu.dat", c->o->dir,
		 (unsigned long long)c->o->size);
	ret = open_file(path, c->o->size, &c->fd);
	for (unsigned int i = 0; !ret && (c->o->workloads & (WL_SMALL | WL_RR | WL_RR64)) &&
	     i < SMALL_FILES;
	     i++) {
		snprintf(path, sizeof(path), "%s/zcopy-bench-small-%u.dat", c->o->dir, i);
		ret = open_file(path, SMALL_FILE, &c->small_fd[i]);
	}
	return ret;
}

/* read the file into the page cache, unless it is there already */
static void warm(int fd, uint64_t size)
{
	static char buf[1 << 20];

	posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
	for (uint64_t off = 0; off < size;) {
		ssize_t r = pread(fd, buf, sizeof(buf), off);

		if (r <= 0)
			break;
		off += r;
	}
}

/*
 * @nm methods @m, @runs interleaved runs each, of @items split over
 * @streams streams, each item after a request of @request bytes (0: none);
 * method @ref (an index into @m, or -1) is the reference.
 */
static int measure_job(struct bench_ctx *c, const char *workload, const enum bench_method *m,
		       unsigned int nm, int ref, const struct bench_item *items,
		       unsigned int nitems, unsigned int streams, size_t request, bool cold,
		       bool server)
{
	unsigned int runs = c->o->runs;
	struct bench_sample *s = calloc((size_t)nm * runs, sizeof(*s));
	bool progress = isatty(STDERR_FILENO);
	int ret = EXIT_OK;

	if (!nm)	/* -M left nothing for this workload */
		goto out;
	if (!s)
		return err_errno("bench", ENOMEM);
	if (!cold)
		warm(c->fd, c->o->size);
	for (unsigned int r = 0; r < runs && !ret; r++) {
		for (unsigned int i = 0; i < nm && !ret; i++) {
			struct bench_job j = {
				.m = m[i], .dev = c->dev, .ep = &c->o->ep, .items = items,
				.nitems = nitems / streams, .nstreams = streams,
				.file_fd = c->fd, .path = c->path, .request = request,
				.server = server,
			};

			if (cold)
				bench_drop_cache(c->fd);
			if (progress)
				fprintf(stderr, "\rbench: %s %s, %u stream(s): run %u of %u, %-14s",
					c->o->label, workload, streams, r + 1, runs,
					bench_method_name(m[i]));
			if (bench_run(&j, &s[i * runs + r]))
				ret = EXIT_FAIL;
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	for (unsigned int i = 0; i < nm && !ret; i++)
		if (bench_report_add(&c->rep, workload, bench_method_name(m[i]), streams,
				     &s[i * runs], ref >= 0 ? bench_method_name(m[ref]) : NULL,
				     ref >= 0 ? &s[ref * runs] : NULL, runs))
			ret = err_errno("bench", ENOMEM);
out:
	free(s);
	return ret;
}

static int measure(struct bench_ctx *c, const char *workload, const enum bench_method *m,
		   unsigned int nm, int ref, const struct bench_item *items,
		   unsigned int nitems, unsigned int streams, size_t request, bool cold)
{
	return measure_job(c, workload, m, nm, ref, items, nitems, streams, request, cold, false);
}

/* the selected methods out of @want, in table order; the index of @ref or -1 */
static unsigned int pick(const struct bench_ctx *c, unsigned int want, enum bench_method *m,
			 enum bench_method ref, int *ref_idx)
{
	unsigned int n = 0;

	*ref_idx = -1;
	want &= c->o->methods;
	for (unsigned int i = 0; i < BM_COUNT; i++) {
		if (!(want & (1U << i)) || (bench_method_is_device(i) && c->dev < 0))
			continue;
		if (i == ref)
			*ref_idx = n;
		m[n++] = i;
	}
	return n;
}

static int file_workload(struct bench_ctx *c, const char *name, bool cold)
{
	struct bench_item it = { .fd = c->fd, .len = c->o->size };
	enum bench_method m[BM_COUNT];
	int ref;
	unsigned int n = pick(c, ~(1U << BM_CORK | 1U << BM_EPOLL_CORK | 1U << BM_EPOLL_DEV), m,
			      BM_SENDFILE, &ref);

	return measure(c, name, m, n, ref, &it, 1, 1, 0, cold);
}

/*
 * Many small responses, as an HTTP server sends them: "small" on one
 * connection, pipelined (the client never waits); "rr" each after the
 * client's request, which waits for the whole response before the next,
 * on one connection and on RR_CONNS at once (the server's latency per
 * response is what counts).
 */
static int small_workload(struct bench_ctx *c, bool rr)
{
	static const char hdr[SMALL_HDR] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n";
	static const char trl[SMALL_TRL] = "\r\n-- trailer --\r\n";
	unsigned int want = 1U << BM_READWRITE | 1U << BM_SENDFILE | 1U << BM_DEV_COPY |
			    1U << BM_DEV_SG | 1U << BM_DEV_AUTO;
	struct bench_item *it = calloc(c->o->small, sizeof(*it));
	enum bench_method m[BM_COUNT];
	unsigned int n;
	int ref, ret;

	if (!it)
		return err_errno("bench", ENOMEM);
	/* TCP_CORK is TCP's: over a UNIX socket the reference is plain sendfile */
	if (!c->o->ep.is_unix)
		want |= 1U << BM_CORK;
	n = pick(c, want, m, c->o->ep.is_unix ? BM_SENDFILE : BM_CORK, &ref);
	for (unsigned int i = 0; i < c->o->small; i++)
		it[i] = (struct bench_item){
			.hdr = hdr, .hdr_len = sizeof(hdr), .fd = c->small_fd[i % SMALL_FILES],
			.len = SMALL_FILE, .trl = trl, .trl_len = sizeof(trl),
		};
	for (unsigned int i = 0; i < SMALL_FILES; i++)
		warm(c->small_fd[i], SMALL_FILE);
	if (!rr) {
		ret = measure(c, "small", m, n, ref, it, c->o->small, 1, 0, false);
	} else {
		ret = measure(c, "rr", m, n, ref, it, c->o->small, 1, RR_REQUEST, false);
		if (!ret && c->o->small >= RR_CONNS)
			ret = measure(c, "rr", m, n, ref, it, c->o->small / RR_CONNS * RR_CONNS,
				      RR_CONNS, RR_REQUEST, false);
	}
	free(it);
	return ret;
}

/*
 * Request/response on SERVER_CONNS connections at once, all served by one
 * thread, as an event-loop server serves them: the small responses, each
 * after its request.  The reference is the epoll loop with cork+sendfile
 * (over UNIX, which has no cork, the one with an ioctl per response).
 */
static int server_workload(struct bench_ctx *c)
{
	static const char hdr[SMALL_HDR] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n";
	static const char trl[SMALL_TRL] = "\r\n-- trailer --\r\n";
	unsigned int want = 1U << BM_EPOLL_DEV | 1U << BM_URING;
	unsigned int per = c->o->small / SERVER_CONNS ? c->o->small / SERVER_CONNS : 1;
	unsigned int total = per * SERVER_CONNS;
	struct bench_item *it = calloc(total, sizeof(*it));
	enum bench_method m[BM_COUNT];
	unsigned int n;
	int ref, ret;

	if (!it)
		return err_errno("bench", ENOMEM);
	if (!c->o->ep.is_unix)
		want |= 1U << BM_EPOLL_CORK;
	n = pick(c, want, m, c->o->ep.is_unix ? BM_EPOLL_DEV : BM_EPOLL_CORK, &ref);
	for (unsigned int i = 0; i < total; i++)
		it[i] = (struct bench_item){
			.hdr = hdr, .hdr_len = sizeof(hdr), .fd = c->small_fd[i % SMALL_FILES],
			.len = SMALL_FILE, .trl = trl, .trl_len = sizeof(trl),
		};
	for (unsigned int i = 0; i < SMALL_FILES; i++)
		warm(c->small_fd[i], SMALL_FILE);
	ret = measure_job(c, "rr64", m, n, ref, it, total, SERVER_CONNS, RR_REQUEST, false, true);
	free(it);
	return ret;
}

/* the file split into N ranges, each sent on its own connection at once */
static int streams_workload(struct bench_ctx *c)
{
	unsigned int want = 1U << BM_SENDFILE | 1U << BM_DEV_SG;
	enum bench_method m[BM_COUNT];
	int ref, ret = EXIT_OK;
	unsigned int n = pick(c, want, m, BM_SENDFILE, &ref);

	for (unsigned int k = 0; k < c->o->nstreams && !ret; k++) {
		unsigned int ns = c->o->streams[k];
		uint64_t share = c->o->size / ns / 4096 * 4096;
		struct bench_item it[MAX_STREAMS];

		for (unsigned int i = 0; i < ns; i++)
			it[i] = (struct bench_item){
				.fd = c->fd, .off = (off_t)i * share,
				.len = i == ns - 1 ? c->o->size - i * share : share,
			};
		ret = measure(c, "streams", m, n, ref, it, ns, ns, 0, false);
	}
	return ret;
}

static int run_workloads(struct bench_ctx *c)
{
	int ret = EXIT_OK;

	if (c->o->workloads & WL_WARM)
		ret = file_workload(c, "warm", false);
	if (!ret && (c->o->workloads & WL_COLD))
		ret = file_workload(c, "cold", true);
	if (!ret && (c->o->workloads & WL_SMALL))
		ret = small_workload(c, false);
	if (!ret && (c->o->workloads & WL_RR))
		ret = small_workload(c, true);
	if (!ret && (c->o->workloads & WL_STREAMS))
		ret = streams_workload(c);
	if (!ret && (c->o->workloads & WL_RR64))
		ret = server_workload(c);
	return ret;
}

static int write_outputs(struct bench_ctx *c)
{
	int ret = EXIT_OK;

	if (opt_json)
		bench_report_json(&c->rep, stdout);
	else
		bench_report_table(&c->rep, stdout);
	if (c->o->csv)
		ret = bench_report_csv(&c->rep, c->o->csv);
	if (c->o->json) {
		FILE *f = fopen(c->o->json, "we");

		if (!f)
			return err_errno(c->o->json, errno);
		bench_report_json(&c->rep, f);
		if (fclose(f))
			ret = err_errno(c->o->json, errno);
	}
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = {
		.dir = ".", .size = 256ULL << 20, .runs = 5, .small = 2000,
		.workloads = WL_WARM | WL_COLD | WL_SMALL | WL_RR | WL_STREAMS | WL_RR64,
		.methods = (1U << BM_COUNT) - 1,
		.streams = { 1, 2, 4, 8 }, .nstreams = 4, .ep.listen_fd = -1,
	};
	struct bench_ctx c = { .o = &o, .dev = -1, .fd = -1 };
	struct utsname u;
	struct nic_features f;
	int ret = parse_args(argc, argv, &o);

	/* --help: parse_args() returns -1 after printing the usage */
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	uname(&u);
	c.rep.transport = o.label;
	c.rep.kernel = u.release;
	c.rep.file_bytes = o.size;
	c.rep.small_items = o.small;
	if (!net_is_unix(o.ep.dest) && !route_features(o.ep.dest, &f)) {
		c.path = (struct bench_path){ .known = true, .sg = f.sg, .hw = f.hw };
		snprintf(c.path.ifname, sizeof(c.path.ifname), "%s", f.ifname);
	}
	/* without the module, the classic methods alone */
	c.dev = device_open();
	if (c.dev < 0)
		fputs("zcopy: bench: measuring without the device's modes\n", stderr);
	for (unsigned int i = 0; i < SMALL_FILES; i++)
		c.small_fd[i] = -1;
	ret = open_files(&c);
	if (!ret)
		ret = bench_endpoint_open(&o.ep) ? EXIT_FAIL : EXIT_OK;
	if (!ret)
		ret = run_workloads(&c);
	if (!ret)
		ret = write_outputs(&c);
	bench_endpoint_close(&o.ep);
	bench_report_free(&c.rep);
	if (c.fd >= 0)
		close(c.fd);
	for (unsigned int i = 0; i < SMALL_FILES; i++)
		if (c.small_fd[i] >= 0)
			close(c.small_fd[i]);
	if (c.dev >= 0)
		close(c.dev);
	return ret;
}
