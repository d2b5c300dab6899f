/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sendfile(2)'s cases, for testing a replacement of it (the preload):
 * every case runs through the raw system call and through the function
 * under test, and whatever differs (byte count, errno, offset or file
 * position, SIGPIPE, the bytes at the peer) is reported with sc_fail()
 * and counted in sc_failures.
 */
#ifndef SENDFILE_CASES_H
#define SENDFILE_CASES_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef ssize_t (*sc_fn)(int out_fd, int in_fd, off_t *offset, size_t count);

/* syscall(SYS_sendfile): what no library can interpose */
ssize_t sc_raw_sendfile(int out_fd, int in_fd, off_t *offset, size_t count);

/*
 * Files go to @dir; messages start with @name.  Installs SIGPIPE and
 * SIGALRM handlers without SA_RESTART that count into these.
 */
void sc_init(const char *dir, const char *name);
extern volatile sig_atomic_t sc_sigpipes, sc_sigalrms;
extern int sc_failures;
void sc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum sc_transport { SC_TCP4, SC_TCP6, SC_UNIX };
int sc_pair(enum sc_transport t, int *snd, int *rcv);

/* a thread reading @fd to its end, counting and hashing (FNV-1a) */
struct sc_sink {
	int fd;
	pthread_t thread;
	uint64_t bytes, hash;
};
int sc_sink_start(struct sc_sink *s, int fd);
void sc_sink_wait(struct sc_sink *s);	/* joins, closes the fd */
uint64_t sc_hash(uint64_t h, const void *p, size_t n);
/* @size bytes of contents from @seed in @dir, open read-only; path in @path */
int sc_make_file(char *path, size_t len, size_t size, unsigned int seed);

/* 1. sizes x offsets x counts x @ts x blocking or not x offset or position */
struct sc_matrix_result {
	int cases, differ;
	long positive;		/* calls of @fn that sent bytes */
};
void sc_matrix(sc_fn fn, const char *name, bool full, const enum sc_transport *ts,
	       unsigned int nts, struct sc_matrix_result *r);
/* 2. input and output descriptors of every kind, bad offsets and counts */
int sc_errors(sc_fn fn, const char *name);
/* 3. a peer that does not read: partial counts, then EAGAIN or EINTR */
enum sc_partial { SC_NONBLOCK, SC_SIGNAL, SC_SNDTIMEO };
void sc_partial(sc_fn fn, const char *name, enum sc_transport t, enum sc_partial how);
/* 4. threads sending at once; a call from a signal handler */
void sc_threads(sc_fn fn);
void sc_signal_handler(sc_fn fn);

#endif
