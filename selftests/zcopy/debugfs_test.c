// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: the records and totals say what the ioctl returned, reset
 * empties them, and the direct-I/O threshold knob steers AUTO mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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

/* the "mode" row of the totals table: transfers, errors, then counters */
static int totals_row(const char *mode, uint64_t *v, int n)
{
	char line[1024], name[16];
	FILE *f = fopen(DBG "totals", "r");
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
	ASSERT_EQ(0, totals_row("sg", v, 12));
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
		ASSERT_EQ(0, totals_row(names[m], v, 12));
		EXPECT_EQ(1, v[0]);
		EXPECT_EQ(0, v[1]);
		for (int i = 0; i < 10; i++) {
			EXPECT_EQ(field(&x[m].counters, i), v[2 + i]);
		}
	}
	EXPECT_NE(0, x[0].counters.cpu_copy_bytes);

	ASSERT_EQ(0, write_file(DBG "reset", "1\n"));
	EXPECT_EQ(0, table_rows());
	ASSERT_EQ(0, totals_row("copy", v, 12));
	EXPECT_EQ(0, v[0]);
	/* a record gone from the table cannot be read by id */
	EXPECT_EQ(-1, zc_debugfs_record(x[0].xfer_id, "bytes_sent", v));
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
	ASSERT_EQ(0, totals_row("sg", v, 2));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(1, v[1]);
}

/* AUTO: DIRECT at or above the threshold, SG below; the knob moves it */
TEST_F(dbg, auto_threshold)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	struct zcopy_info info = { .size = sizeof(info) };
	struct zcopy_xfer x;

	ASSERT_EQ(0, write_file(DBG "direct_threshold", "300000\n"));
	ASSERT_EQ(0, ioctl(self->dev, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(300000, info.direct_threshold);
	ASSERT_EQ(300000, zc_xfer(self->dev, self->snd, ZCOPY_MODE_AUTO, 0, &d, 1, &x));
	EXPECT_EQ(300000, x.counters.direct_bytes);

	ASSERT_EQ(0, write_file(DBG "direct_threshold", "300001\n"));
	ASSERT_EQ(300000, zc_xfer(self->dev, self->snd, ZCOPY_MODE_AUTO, 0, &d, 1, &x));
	EXPECT_EQ(0, x.counters.direct_bytes);
	EXPECT_LT(0, x.counters.sg_entries);
}

TEST_HARNESS_MAIN
