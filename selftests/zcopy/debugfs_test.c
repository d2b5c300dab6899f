// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: the records and totals say what the ioctl returned, reset
 * empties them (also while transfers run), a record names its caller in
 * the reader's pid namespace, the direct-I/O threshold knob steers AUTO
 * mode, and "live" counts the objects of a transfer while it runs and none
 * after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define DBG	"/sys/kernel/debug/zcopy/"

static const char *const fields[] = {
	"bytes_requested", "bytes_sent", "cpu_copy_bytes", "cpu_copy_ops",
	"dma_in_bytes", "dma_out_bytes", "sg_entries", "pages_referenced",
	"direct_bytes", "duration_ns",
};

static uint64_t field(const struct zcopy_counters *c, int i)
{
	return ((const uint64_t *)c)[i];
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int table_rows(void)
{
	char line[1024];
	FILE *f = fopen(DBG "transfers", "r");
	int n = -1;		/* the header */

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

FIXTURE(dbg)
{
	int dev, file, snd, rcv;
	char path[256];
	struct zc_sink sink;
};

FIXTURE_SETUP(dbg)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->file = zc_make_file(self->path, sizeof(self->path), "dbg.dat", 300000, 8);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &self->snd, &self->rcv));
	ASSERT_EQ(0, zc_sink_start(&self->sink, self->rcv));
	ASSERT_EQ(0, write_file(DBG "reset", "1\n"));
}

FIXTURE_TEARDOWN(dbg)
{
	close(self->snd);
	zc_sink_wait(&self->sink);
	write_file(DBG "direct_threshold", "4194304\n");
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

TEST_F(dbg, records_and_totals)
{
	static const uint32_t modes[] = { ZCOPY_MODE_COPY, ZCOPY_MODE_SG, ZCOPY_MODE_DIRECT };
	static const char *const names[] = { "copy", "sg", "direct" };
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	struct zcopy_xfer x[3];
	uint64_t v[12];

	EXPECT_EQ(0, table_rows());
	ASSERT_EQ(0, zc_totals_row("sg", v, 12));
	for (int i = 0; i < 12; i++) {
		EXPECT_EQ(0, v[i]);
	}

	for (int m = 0; m < 3; m++) {
		ASSERT_EQ(300000, zc_xfer(self->dev, self->snd, modes[m], 0, &d, 1, &x[m]));
	}
	EXPECT_EQ(3, table_rows());
	/* every counter of every record, as the ioctl returned it */
	for (int m = 0; m < 3; m++) {
		for (int i = 0; i < 10; i++) {
			uint64_t rec = UINT64_MAX;

			EXPECT_EQ(0, zc_debugfs_record(x[m].xfer_id, fields[i], &rec));
			EXPECT_EQ(field(&x[m].counters, i), rec) TH_LOG("%s %s", names[m], fields[i]);
		}
		/* the per-mode totals are the sums of the calls */
		ASSERT_EQ(0, zc_totals_row(names[m], v, 12));
		EXPECT_EQ(1, v[0]);
		EXPECT_EQ(0, v[1]);
		for (int i = 0; i < 10; i++) {
			EXPECT_EQ(field(&x[m].counters, i), v[2 + i]);
		}
	}
	EXPECT_NE(0, x[0].counters.cpu_copy_bytes);

	ASSERT_EQ(0, write_file(DBG "reset", "1\n"));
	EXPECT_EQ(0, table_rows());
	ASSERT_EQ(0, zc_totals_row("copy", v, 12));
	EXPECT_EQ(0, v[0]);
	/* a record gone from the table cannot be read by id */
	EXPECT_EQ(-1, zc_debugfs_record(x[0].xfer_id, "bytes_sent", v));
}

/*
 * Resets while transfers commit: each transfer is before the last reset
 * (in neither the totals nor the table) or after it (in both), never in
 * one only.
 */
#define RESETS	50

struct reset_load {
	int dev, snd, rcv;
	struct zc_sink sink;
	volatile int *stop;
	int failed;
};

static void *reset_load_run(void *arg)
{
	static const char bytes[1000];
	struct reset_load *l = arg;
	struct zcopy_desc d = zc_buf(bytes, sizeof(bytes));
	struct zcopy_xfer x;

	while (!*l->stop && !l->failed)
		l->failed = zc_xfer(l->dev, l->snd, ZCOPY_MODE_SG, 0, &d, 1, &x) != sizeof(bytes);
	return NULL;
}

TEST_F_TIMEOUT(dbg, reset_while_transfers_commit, 120)
{
	volatile int stop = 0;
	struct reset_load l[2];
	pthread_t t[2];
	uint64_t v[12];
	int rows;

	for (int i = 0; i < 2; i++) {
		l[i].dev = self->dev;
		l[i].stop = &stop;
		l[i].failed = 0;
		ASSERT_EQ(0, zc_pair(ZC_UNIX, &l[i].snd, &l[i].rcv));
		ASSERT_EQ(0, zc_sink_start(&l[i].sink, l[i].rcv));
		ASSERT_EQ(0, pthread_create(&t[i], NULL, reset_load_run, &l[i]));
	}
	for (int r = 0; r < RESETS; r++) {
		if (r)
			usleep(1000);
		ASSERT_EQ(0, write_file(DBG "reset", "1\n"));
	}
	stop = 1;
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, l[i].failed);
		close(l[i].snd);
		zc_sink_wait(&l[i].sink);
	}
	rows = table_rows();
	ASSERT_EQ(0, zc_totals_row("sg", v, 12));
	TH_LOG("after the last of %d resets: %d rows, %llu transfers in the totals",
	       RESETS, rows, (unsigned long long)v[0]);
	/* the premise: the ring (256 records) still holds all of them */
	if (rows >= 256)
		SKIP(return, "%d transfers after the last reset: more than the ring holds", rows);
	EXPECT_EQ((uint64_t)rows, v[0]);
	EXPECT_EQ((uint64_t)rows * 1000, v[3]);
	EXPECT_EQ(0, v[1]);
}

/*
 * A record names its caller by the number of its thread group in the pid
 * namespace of whoever reads it: the caller's own (1, the first process
 * of a new namespace) for the caller, the global one for us.
 */
TEST_F(dbg, pid_in_the_readers_namespace)
{
	uint64_t id = 0, pid = 0;
	int pfd[2], status;
	pid_t child;

	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct zcopy_desc d = zc_buf("hello", 5);
		struct zcopy_xfer x;
		uint64_t own = 0;

		if (zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, &d, 1, &x) != 5)
			_exit(1);
		if (zc_debugfs_record(x.xfer_id, "pid", &own) || own != (uint64_t)getpid())
			_exit(2);
		_exit(write(pfd[1], &x.xfer_id, sizeof(x.xfer_id)) == sizeof(x.xfer_id) ? 0 : 3);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("1: send failed, 2: own pid not 1, 3: pipe");
	ASSERT_EQ(sizeof(id), read(pfd[0], &id, sizeof(id)));
	EXPECT_EQ(0, zc_debugfs_record(id, "pid", &pid));
	EXPECT_EQ((uint64_t)child, pid);
	close(pfd[0]);
	close(pfd[1]);
}

/* a failed transfer is recorded with its errno */
TEST_F(dbg, error_recorded)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	struct zcopy_xfer x;
	uint64_t v[2];

	ASSERT_EQ(0, shutdown(self->snd, SHUT_WR));
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, ZCOPY_F_NOSIGNAL, &d, 1, &x));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(EPIPE, x.error);
	EXPECT_NE(0, x.xfer_id);
	ASSERT_EQ(0, zc_debugfs_record(x.xfer_id, "error", &v[0]));
	EXPECT_EQ(EPIPE, v[0]);
	ASSERT_EQ(0, zc_totals_row("sg", v, 2));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(1, v[1]);
}

/*
 * AUTO: SG below the threshold; at or above it DIRECT for a file the page
 * cache does not hold, SG for one it does.  The knob moves the threshold.
 */
TEST_F(dbg, auto_threshold)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	struct zcopy_info info = { .size = sizeof(info) };
	struct zcopy_xfer x;

	ASSERT_EQ(0, write_file(DBG "direct_threshold", "300000\n"));
	ASSERT_EQ(0, ioctl(self->dev, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(300000, info.direct_threshold);
	/* cold: DIRECT, which leaves it cold */
	ASSERT_EQ(0, zc_drop_caches());
	ASSERT_EQ(300000, zc_xfer(self->dev, self->snd, ZCOPY_MODE_AUTO, 0, &d, 1, &x));
	EXPECT_EQ(300000, x.counters.direct_bytes);

	/* below the threshold: SG, which fills the page cache */
	ASSERT_EQ(0, write_file(DBG "direct_threshold", "300001\n"));
	ASSERT_EQ(300000, zc_xfer(self->dev, self->snd, ZCOPY_MODE_AUTO, 0, &d, 1, &x));
	EXPECT_EQ(0, x.counters.direct_bytes);
	EXPECT_LT(0, x.counters.sg_entries);

	/* warm, at the threshold: SG */
	ASSERT_EQ(0, write_file(DBG "direct_threshold", "300000\n"));
	ASSERT_EQ(300000, zc_xfer(self->dev, self->snd, ZCOPY_MODE_AUTO, 0, &d, 1, &x));
	EXPECT_EQ(0, x.counters.direct_bytes);
	EXPECT_EQ(0, x.counters.dma_in_bytes);
	EXPECT_LT(0, x.counters.sg_entries);
}

/* debugfs's "live", in its order (module/live.h) */
static const char *const live_names[] = {
	"xfer_ctx", "descs", "pieces", "file_refs", "sock_refs", "buf_arrays",
	"buf_pages", "frag_refs", "sync", "residency", "copy_bufs", "batches",
	"direct_pages", "direct_reads", "cache_refs",
};
#define NLIVE	(sizeof(live_names) / sizeof(live_names[0]))

/* the file: root's only, every type by name, all 0 when nothing runs */
TEST_F(dbg, live_idle)
{
	struct zc_live l;
	struct stat st;
	char buf[512];

	ASSERT_EQ(0, stat(DBG "live", &st));
	EXPECT_EQ(0400, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(-1, write_file(DBG "live", "0\n"));
	ASSERT_EQ(0, zc_live_read(&l));
	ASSERT_EQ(NLIVE, l.n);
	for (size_t i = 0; i < NLIVE; i++) {
		EXPECT_STREQ(live_names[i], l.name[i]);
	}
	/* a SYNC notification of an earlier program may still be in the stack */
	EXPECT_TRUE(zc_live_wait_zero(&l, 5000)) TH_LOG("idle: %s",
							zc_live_str(&l, buf, sizeof(buf)));
}

/* every kind of object, freed when the transfer returns */
TEST_F(dbg, live_after_transfers)
{
	static char small[100], big[3 * 4096 + 5];
	struct zcopy_desc d[3] = {
		zc_buf(small, sizeof(small)),
		zc_file(self->file, 0, 0),
		zc_buf(big, sizeof(big)),
	};
	const size_t total = sizeof(small) + 300000 + sizeof(big);
	static const struct {
		uint32_t mode, flags;
	} calls[] = {
		{ ZCOPY_MODE_COPY, 0 }, { ZCOPY_MODE_SG, 0 }, { ZCOPY_MODE_DIRECT, 0 },
		{ ZCOPY_MODE_AUTO, 0 }, { ZCOPY_MODE_SG, ZCOPY_F_SYNC },
	};
	struct zc_live l;
	char buf[512];

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		ASSERT_EQ(total, zc_xfer(self->dev, self->snd, calls[i].mode, calls[i].flags,
					 d, 3, NULL)) TH_LOG("call %zu: %s", i, strerror(errno));
		EXPECT_TRUE(zc_live_wait_zero(&l, 5000))
			TH_LOG("after call %zu: %s", i, zc_live_str(&l, buf, sizeof(buf)));
	}
	/* more descriptors than the context holds: arrays of their own */
	{
		struct zcopy_desc many[9];

		for (size_t i = 0; i < 9; i++)
			many[i] = i == 4 ? zc_file(self->file, 0, 0) : zc_buf(small, sizeof(small));
		ASSERT_EQ(8 * sizeof(small) + 300000,
			  zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, many, 9, NULL))
			TH_LOG("9 descriptors: %s", strerror(errno));
		EXPECT_TRUE(zc_live_wait_zero(&l, 5000))
			TH_LOG("after 9 descriptors: %s", zc_live_str(&l, buf, sizeof(buf)));
		/* a bad address in the ninth: EFAULT, nothing left */
		many[8] = zc_buf(NULL, sizeof(small));
		EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, many, 9, NULL));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_TRUE(zc_live_wait_zero(&l, 5000))
			TH_LOG("after EFAULT of 9: %s", zc_live_str(&l, buf, sizeof(buf)));
	}
	/* and after a call that failed half-way through taking its descriptors */
	d[2] = zc_buf(NULL, sizeof(big));
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, d, 3, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_TRUE(zc_live_wait_zero(&l, 5000))
		TH_LOG("after EFAULT: %s", zc_live_str(&l, buf, sizeof(buf)));
}

struct blocked {
	int dev, sock;
	uint32_t mode;
	const struct zcopy_desc *d;
	long ret;
	int err;
};

static void *blocked_main(void *arg)
{
	struct blocked *b = arg;

	b->ret = zc_xfer(b->dev, b->sock, b->mode, 0, b->d, 3, NULL);
	b->err = errno;
	return NULL;
}

/*
 * A transfer blocked on a full UNIX socket holds exactly what it took:
 * the context (which holds its three descriptors and their pieces, so no
 * array of either), the file and the socket, the header in the
 * page fragment, the trailer's pages, and what its mode needs: COPY its
 * buffer (and a batch for the buffers alone, which the context holds); SG
 * and DIRECT a batch of 78 fragments, more than the context holds, and SG
 * a reference of each of the file's page-cache pages, DIRECT the pages it
 * read into.  No residency map: the window fits in the context.
 */
TEST_F_TIMEOUT(dbg, live_in_flight, 120)
{
	static char hdr[60], trailer[2 * 4096 + 100];
	const struct zcopy_desc d[3] = {
		zc_buf(hdr, sizeof(hdr)),
		zc_file(self->file, 0, 0),
		zc_buf(trailer, sizeof(trailer)),
	};
	const size_t total = sizeof(hdr) + 300000 + sizeof(trailer);
	const long page = sysconf(_SC_PAGESIZE);
	static const uint32_t modes[] = { ZCOPY_MODE_COPY, ZCOPY_MODE_SG, ZCOPY_MODE_DIRECT };
	static const char *const names[] = { "copy", "sg", "direct" };

	for (int m = 0; m < 3; m++) {
		/* what the call holds while it waits in the file's send */
		const long long file_pages = (300000 + page - 1) / page;
		const long long want[NLIVE] = {
			1, 0, 0, 1, 1, 1,
			(sizeof(trailer) + page - 1) / page, 1, 0,
			0,
			modes[m] == ZCOPY_MODE_COPY,
			modes[m] != ZCOPY_MODE_COPY,
			modes[m] == ZCOPY_MODE_DIRECT ? file_pages : 0,
			/* DIRECT's reads: done, the batch waits in the last send */
			0,
			modes[m] == ZCOPY_MODE_SG ? file_pages : 0,
		};
		struct timeval tv = { .tv_sec = 20 };
		struct blocked b = { .dev = self->dev, .mode = modes[m], .d = d };
		int sndbuf = 4096, rcv, same = 0;
		struct zc_live l = {};
		struct zc_sink sink;
		char buf[512];
		pthread_t th;

		ASSERT_EQ(0, zc_pair(ZC_UNIX, &b.sock, &rcv));
		ASSERT_EQ(0, setsockopt(b.sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));
		ASSERT_EQ(0, setsockopt(b.sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
		ASSERT_EQ(0, pthread_create(&th, NULL, blocked_main, &b));
		/* the peer reads nothing: wait until the counts settle on @want */
		for (int i = 0; i < 1000 && same < NLIVE; i++) {
			usleep(10000);
			if (zc_live_read(&l) || l.n != NLIVE)
				continue;
			same = 0;
			for (size_t t = 0; t < NLIVE; t++)
				same += l.count[t] == want[t];
		}
		for (size_t t = 0; t < NLIVE; t++) {
			EXPECT_EQ(want[t], l.count[t]) TH_LOG("%s: %s", names[m], l.name[t]);
		}
		/* let it finish */
		ASSERT_EQ(0, zc_sink_start(&sink, rcv));
		pthread_join(th, NULL);
		close(b.sock);
		zc_sink_wait(&sink);
		EXPECT_EQ(total, b.ret) TH_LOG("%s: %s", names[m], strerror(b.err));
		EXPECT_EQ(total, sink.bytes);
		EXPECT_TRUE(zc_live_wait_zero(&l, 5000))
			TH_LOG("%s, after: %s", names[m], zc_live_str(&l, buf, sizeof(buf)));
	}
}

/*
 * DIRECT reads ahead: while the batch of a 2 MiB file's first chunk waits
 * in a send to a full socket, the read of the second chunk was issued
 * before that send, so both chunks' pages (2 x 256) are the module's and
 * one pair of read states is live.
 */
TEST_F_TIMEOUT(dbg, live_direct_read_ahead, 120)
{
	static char hdr[60];
	const long page = sysconf(_SC_PAGESIZE);
	const size_t size = 2 * ZC_MIB;
	struct timeval tv = { .tv_sec = 20 };
	struct zcopy_desc d[3];
	struct blocked b = { .dev = self->dev, .mode = ZCOPY_MODE_DIRECT, .d = d };
	int sndbuf = 4096, rcv, fd, i;
	struct zc_live l = {};
	struct zc_sink sink;
	char path[256], buf[512];
	long long pages = 0, reads = 0;
	pthread_t th;

	fd = zc_make_file(path, sizeof(path), "dbg-ahead.dat", size, 9);
	ASSERT_LE(0, fd);
	d[0] = zc_buf(hdr, sizeof(hdr));
	d[1] = zc_file(fd, 0, 0);
	d[2] = zc_buf(hdr, sizeof(hdr));
	ASSERT_EQ(0, zc_pair(ZC_UNIX, &b.sock, &rcv));
	ASSERT_EQ(0, setsockopt(b.sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));
	ASSERT_EQ(0, setsockopt(b.sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_main, &b));
	for (i = 0; i < 1000 && pages != 2 * 256 * 4096 / page; i++) {
		usleep(10000);
		if (zc_live_read(&l))
			continue;
		pages = zc_live_get(&l, "direct_pages");
		reads = zc_live_get(&l, "direct_reads");
	}
	EXPECT_EQ(2 * 256 * 4096 / page, pages) TH_LOG("%s", zc_live_str(&l, buf, sizeof(buf)));
	EXPECT_EQ(1, reads);
	ASSERT_EQ(0, zc_sink_start(&sink, rcv));
	pthread_join(th, NULL);
	close(b.sock);
	zc_sink_wait(&sink);
	EXPECT_EQ((long)(size + 2 * sizeof(hdr)), b.ret) TH_LOG("%s", strerror(b.err));
	EXPECT_EQ(size + 2 * sizeof(hdr), sink.bytes);
	EXPECT_TRUE(zc_live_wait_zero(&l, 5000))
		TH_LOG("after: %s", zc_live_str(&l, buf, sizeof(buf)));
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
