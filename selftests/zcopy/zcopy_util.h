/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the zcopy kselftests: the device, descriptors,
 * connected socket pairs, a receiving thread that checksums what arrives,
 * and test files with known contents.
 */
#ifndef ZCOPY_UTIL_H
#define ZCOPY_UTIL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/zcopy.h>

#define ZC_MIB	(1024 * 1024)

/* /dev/zcopy, or -1 with errno */
int zc_dev(void);

/*
 * One ZCOPY_IOC_XFER; @x (may be NULL) receives the results.  Returns the
 * ioctl's result: bytes sent, or -1 with errno.
 */
long zc_xfer(int dev, int sock, uint32_t mode, uint32_t flags,
	     const struct zcopy_desc *d, unsigned int n, struct zcopy_xfer *x);
struct zcopy_desc zc_file(int fd, int64_t offset, uint64_t len);
struct zcopy_desc zc_buf(const void *p, size_t len);

/* FNV-1a, to compare what was sent with what arrived */
#define ZC_HASH_INIT	0xcbf29ce484222325ULL
uint64_t zc_hash(uint64_t h, const void *p, size_t n);
/* hash of [off, off + len) of a file, cut at its end */
uint64_t zc_hash_file(int fd, off_t off, size_t len, size_t *got);

/*
 * A file of @size bytes with contents derived from @seed, created under
 * the test data directory ($ZCOPY_DATA: the VM's ext4 disk, else /tmp).
 * Returns an O_RDONLY fd, or -1.  The path is written to @path.
 */
int zc_make_file(char *path, size_t pathlen, const char *name, size_t size,
		 unsigned int seed);
const char *zc_data_dir(void);

/* connected stream pairs: @snd is ours, @rcv the peer's */
enum zc_transport { ZC_TCP4, ZC_TCP6, ZC_UNIX };
int zc_pair(enum zc_transport t, int *snd, int *rcv);
/* a loopback TCP/IPv4 pair whose segments are @mss bytes */
int zc_tcp4_pair_mss(int mss, int *snd, int *rcv);
const char *zc_transport_name(enum zc_transport t);

/* a thread reading @fd to EOF, counting and hashing */
struct zc_sink {
	int fd;
	pthread_t thread;
	uint64_t bytes;
	uint64_t hash;
	int error;
	/* zc_sink_start_at(): @at(@at_arg) once @at_after bytes arrived */
	uint64_t at_after;
	void (*at)(void *arg);
	void *at_arg;
	bool at_done;
	/* zc_sink_start_kill(): @kill_sig to @kill_thread */
	pthread_t kill_thread;
	int kill_sig;
};
int zc_sink_start(struct zc_sink *s, int fd);
/*
 * The same, and once @after bytes have arrived, signal @sig to the thread
 * that called this: a signal that surely comes while that thread is in
 * the middle of sending.
 */
int zc_sink_start_kill(struct zc_sink *s, int fd, uint64_t after, int sig);
/* the same, calling @fn(@arg) in the sink's thread instead */
int zc_sink_start_at(struct zc_sink *s, int fd, uint64_t after, void (*fn)(void *), void *arg);
/* joins; closes the sink's fd */
void zc_sink_wait(struct zc_sink *s);

/*
 * The VM's scratch disk (a small ext4 with the serial zcscratch): mounted
 * on ZC_SCRATCH with mount(8)'s @opts (NULL: none), for tests that shut
 * it down or need other mount options: 0; 1 when the machine has no such
 * disk; -1 when the mount failed.  zc_scratch_umount(): umount(8)'s status.
 */
#define ZC_SCRATCH	"/mnt/zcscratch"
int zc_scratch_mount(const char *opts);
int zc_scratch_umount(void);

/* run a shell command; returns its exit status, -1 on failure to run */
int zc_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* read one "name value" line from a debugfs file of the module */
int zc_debugfs_record(uint64_t id, const char *name, uint64_t *value);

/* drop the page cache (needs root) */
int zc_drop_caches(void);
/*
 * The same for @fd alone, for a test that then asserts an empty page
 * cache: drop_caches leaves the folios still held by the per-CPU LRU
 * batches; POSIX_FADV_DONTNEED drains them (lru_add_drain_all()) and
 * tries again.  0, or -1.
 */
int zc_drop_file_cache(int fd);
/* pages of the first @size bytes of @fd in the page cache (mincore), -1 on error */
size_t zc_resident_pages(int fd, size_t size);
/* segments TCP retransmitted on @sock so far (tail loss probes included), -1 on error */
long zc_tcp_retransmits(int sock);

/* the module's debugfs directory */
#define ZC_DEBUGFS	"/sys/kernel/debug/zcopy"

/* write a string to a file (debugfs, procfs, sysfs); 0 or -1 with errno */
int zc_write_str(const char *path, const char *s);
/* the first line of a small file, without its newline; 0 or -1 */
int zc_read_str(const char *path, char *buf, size_t len);
/* a number from a small file, -1 if unreadable */
long long zc_read_ll(const char *path);
/* "key=" and a number in a ZCOPY_STATS line (the preload's), or -1 */
long long zc_stats_field(const char *line, const char *key);

/*
 * One row of debugfs's "totals" table, by mode name: transfers, errors,
 * then the counters in the order of struct zcopy_counters (up to @n
 * values).  0, or -1 when the file or the row cannot be read.
 */
int zc_totals_row(const char *mode, uint64_t *v, int n);

/*
 * debugfs's "live": the module's objects of transfers alive now, one
 * "name count" line per type (Documentation/counters.rst).
 */
#define ZC_LIVE_MAX	32
struct zc_live {
	int n;
	char name[ZC_LIVE_MAX][32];
	long long count[ZC_LIVE_MAX];
};
/* 0, or -1 when the file cannot be read or a line not parsed */
int zc_live_read(struct zc_live *l);
/* the count of @name, or LLONG_MIN when there is no such line */
long long zc_live_get(const struct zc_live *l, const char *name);
/*
 * Poll up to @ms milliseconds until every count is 0 (SYNC notifications
 * go when the stack frees the skbs).  @l holds the last read.
 */
bool zc_live_wait_zero(struct zc_live *l, int ms);
/* "name=count ..." of the non-zero counts, "none" if all are 0; @buf */
const char *zc_live_str(const struct zc_live *l, char *buf, size_t len);

/*
 * kprobes on kernel functions, as independent witnesses of what the kernel
 * did: zc_kprobes_add() replaces every probe with one on each of @funcs
 * and returns how many could be placed (0: no kprobe events in this
 * kernel); zc_kprobe_hits() is the sum of their hits so far, -1 if
 * unreadable.
 */
int zc_kprobes_add(const char *const *funcs, size_t n);
void zc_kprobes_del(void);
long zc_kprobe_hits(void);
/*
 * A probe given as "func name=$argN:u32" records that argument of every
 * hit in the trace buffer (emptied by zc_kprobes_add()): the number of
 * hits that recorded @arg, the sum and the largest value of @arg over them.
 * 0, or -1 if unreadable.
 */
int zc_kprobe_arg_stats(const char *arg, long *n, long *sum, long *max);

/* an errno that Documentation/abi.rst lists for ZCOPY_IOC_XFER */
bool zc_xfer_errno_documented(int err);

#endif
