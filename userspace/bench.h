/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy bench: the classic file-to-socket techniques and the device's
 * modes, measured in one run on one transport.
 *
 * bench_method.c  how each method sends one item (the only code that moves data)
 * bench_sink.c    the receiving end: accept, (request,) read, discard, count
 * bench_run.c     one measured run: rusage, clocks, page cache, disk reads
 * bench_report.c  medians, ratios to sendfile, the table, CSV and JSON
 * cmd_bench.c     options and the workloads
 */
#ifndef ZCOPY_BENCH_H
#define ZCOPY_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/zcopy.h>

struct io_uring;

enum bench_method {
	BM_READWRITE,	/* read(2) into a 32 KiB buffer, write(2) it */
	BM_MMAP,	/* mmap(2) the file, write(2) the mapping */
	BM_SENDFILE,	/* sendfile(2) */
	BM_SPLICE,	/* splice(2) file -> pipe -> socket */
	BM_CORK,	/* TCP_CORK, write(header), sendfile, write(trailer), uncork */
	BM_DEV_COPY,	/* /dev/zcopy, each mode */
	BM_DEV_SG,
	BM_DEV_DIRECT,
	BM_DEV_AUTO,
	/* one thread serving many connections (bench_server.c) */
	BM_EPOLL_CORK,	/* epoll loop, cork+sendfile per response */
	BM_EPOLL_DEV,	/* epoll loop, one zcopy ioctl (SG) per response */
	BM_URING,	/* /dev/zcopy through io_uring (SG); receives too */
	BM_COUNT,
};

#define BENCH_RW_BUF	(32 << 10)

/* one response: an optional header, a file range, an optional trailer */
struct bench_item {
	const void *hdr;
	size_t hdr_len;
	int fd;
	off_t off;
	uint64_t len;
	const void *trl;
	size_t trl_len;
};

/* what one sending thread did, summed over the items it sent */
struct bench_tally {
	uint64_t bytes;		/* payload the sender handed to the socket */
	uint64_t syscalls;	/* counted by the tool, one per call it made */
	uint64_t items;
	struct zcopy_counters dev;	/* device modes: the module's own counters */
	int error;		/* errno of the call that failed, or 0 */
};

/* per-thread sending state: buffers and a pipe, set up outside the clock */
struct bench_sender {
	enum bench_method m;
	int dev;		/* /dev/zcopy */
	int sock;
	int pipe[2];		/* BM_SPLICE */
	char *buf;		/* BM_READWRITE */
	struct io_uring *ring;	/* BM_URING: set up by the first send */
};

int bench_sender_init(struct bench_sender *s, enum bench_method m, int dev);
void bench_sender_fini(struct bench_sender *s);
/* send one item completely, or record the error in @t and return -1 */
int bench_send_item(struct bench_sender *s, const struct bench_item *it,
		    struct bench_tally *t);
const char *bench_method_name(enum bench_method m);
bool bench_method_is_device(enum bench_method m);
/* what sends one item for @m: itself, or the method an event loop calls */
enum bench_method bench_method_base(enum bench_method m);
/* parse a comma-separated list into a bitmask of (1 << method); 0 on error */
unsigned int bench_method_parse(const char *list);

/*
 * bench_server.c: one thread answering the requests of @nconns
 * connections; connection i gets items[i * nitems ...], one per request.
 */
struct bench_server {
	enum bench_method m;		/* BM_EPOLL_CORK, BM_EPOLL_DEV or BM_URING */
	struct bench_sender *snd;	/* one per connection (its method: m's base) */
	unsigned int nconns;
	const struct bench_item *items;
	unsigned int nitems;
	size_t request;
};
int bench_serve(const struct bench_server *sv, struct bench_tally *t);

/* bench_sink.c: a listening socket (in a named network namespace) and sinks */
struct bench_endpoint {
	const char *dest;	/* HOST:PORT or a UNIX path, for connect() */
	const char *netns;	/* /run/netns/NAME of the listener, or NULL */
	int listen_fd;
	bool is_unix;
};

struct bench_sink;

int bench_endpoint_open(struct bench_endpoint *ep);
void bench_endpoint_close(struct bench_endpoint *ep);
/*
 * A thread that accepts one connection and reads it to EOF.  @request
 * non-zero: request/response, as an HTTP client without pipelining: before
 * each of the @n items it writes @request bytes and reads the whole item.
 */
struct bench_sink *bench_sink_start(struct bench_endpoint *ep, size_t request,
				    const struct bench_item *items, unsigned int n);
/*
 * One thread driving @nconns request/response connections at once, as wrk
 * does: an epoll loop over non-blocking sockets, each sending @request
 * bytes and reading the whole item before its next request; accepted in
 * connect() order, connection i reads items[i * n ...].  @cpu >= 0: it
 * runs on that CPU only.
 */
struct bench_sink *bench_loadgen_start(struct bench_endpoint *ep, size_t request,
				       const struct bench_item *items, unsigned int n,
				       unsigned int nconns, int cpu);
/* wait for EOF; the bytes received, or -1 with a message */
int64_t bench_sink_join(struct bench_sink *k);
void bench_sink_cancel(struct bench_sink *k);

/* bench_run.c: one measured run of @nstreams senders */
struct bench_sample {
	double secs;		/* first send to the sinks' EOF */
	double user, sys;	/* the sending threads' own CPU time (RUSAGE_THREAD) */
	long vcsw, ivcsw;
	uint64_t bytes, syscalls, items;
	uint64_t cpu_copy, dma_in, dma_out;
	bool copies_measured;	/* from the device's counters, not the model */
	int64_t cache_growth;	/* bytes of the file newly in the page cache */
	uint64_t disk_read;	/* bytes the file's block device read meanwhile */
	uint64_t packets;	/* packets the egress interface transmitted meanwhile */
};

struct bench_path {		/* the route's interface, for the model and its counters */
	bool known, sg, hw;
	char ifname[16];
};

struct bench_job {
	enum bench_method m;
	int dev;
	struct bench_endpoint *ep;
	const struct bench_item *items;
	unsigned int nitems;	/* per stream */
	unsigned int nstreams;	/* stream i sends items[i * nitems ...] */
	size_t request;		/* bytes the sink asks with before each item, or 0 */
	bool server;		/* one thread serves every stream (bench_server.c) */
	int file_fd;		/* for the page-cache and disk figures, or -1 */
	struct bench_path path;
};

int bench_run(const struct bench_job *job, struct bench_sample *out);
/* the calling thread on CPU @cpu alone; nothing when @cpu < 0 */
void bench_pin_self(int cpu);
/* drop the file's pages from the page cache (and all clean caches if root) */
void bench_drop_cache(int fd);

/* bench_report.c */
enum bench_metric {
	BX_MBPS,	/* payload MB/s */
	BX_TPS,		/* items (responses) per second */
	BX_USER,	/* sender user CPU, s per GiB */
	BX_SYS,		/* sender system CPU, s per GiB */
	BX_CPU,		/* user + system, s per GiB */
	BX_SYSCALLS,	/* per item */
	BX_SWITCHES,	/* user/kernel mode switches per item: 2 per syscall */
	BX_VCSW,	/* voluntary context switches, per run */
	BX_IVCSW,	/* involuntary context switches, per run */
	BX_CPU_COPIES,	/* CPU copies of the payload: cpu_copy bytes / payload */
	BX_DMA_COPIES,	/* DMA copies of the payload: (dma in + out) / payload */
	BX_DISK,	/* MiB the block device read */
	BX_CACHE,	/* page-cache growth, % of the payload */
	BX_PACKETS,	/* packets the egress interface sent, per transfer */
	BX_RATIO_MBPS,	/* MB/s / the reference's MB/s in the same run */
	BX_RATIO_CPU,	/* CPU s/GiB / the reference's in the same run */
	BX_CPU_ITEM,	/* user + system, us per item */
	BX_CAPACITY,	/* items per second of the sender's CPU: 1e6 / BX_CPU_ITEM */
	BX_RATIO_CAP,	/* capacity / the reference's in the same run */
	BX_COUNT,
};

struct bench_row {
	const char *workload;
	const char *method;
	unsigned int streams;
	unsigned int runs;
	bool copies_measured;
	const char *ref;	/* the method the ratios divide by, or NULL */
	/* each figure: the median, min and max over the runs */
	double med[BX_COUNT], min[BX_COUNT], max[BX_COUNT];
};

struct bench_report {
	const char *transport;
	const char *kernel;		/* uname -r: the send path depends on it */
	uint64_t file_bytes;		/* the large file */
	unsigned int small_items;	/* responses in the small workload */
	struct bench_row *rows;
	unsigned int nrows, cap;
};

/*
 * Summarise @runs samples of one method; @ref: the samples of the method
 * named @ref_name in the same runs, or NULL.
 */
int bench_report_add(struct bench_report *r, const char *workload, const char *method,
		     unsigned int streams, const struct bench_sample *s,
		     const char *ref_name, const struct bench_sample *ref, unsigned int runs);
void bench_report_table(const struct bench_report *r, FILE *f);
int bench_report_csv(const struct bench_report *r, const char *path);
void bench_report_json(const struct bench_report *r, FILE *f);
void bench_report_free(struct bench_report *r);

#endif
