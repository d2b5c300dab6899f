// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading: refused while the device is open (the fops' .owner
 * pins the module), clean once the last file is closed, and loadable again
 * with everything back.  The module file comes from $ZCOPY_KO; without it
 * nothing here unloads the module (it could not be put back), so every test
 * skips.  Every test leaves the module loaded with its default parameters,
 * because the programs that run after this one need it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define NAME		"zcopy"
#define NODE		"/dev/zcopy"
#define SYSMOD		"/sys/module/zcopy"
#define DEBUGFS		"/sys/kernel/debug"

static bool exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

static bool loaded(void)
{
	return exists(SYSMOD);
}

/*
 * devtmpfs creates and removes the node while (un)registering the misc
 * device, but /dev may be something else (udev): allow it a moment.
 */
static bool wait_node(bool present)
{
	for (int i = 0; i < 200; i++) {
		if (exists(NODE) == present)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/* 0 or the errno: what rmmod does, never waiting for users to go away */
static int unload(void)
{
	return syscall(__NR_delete_module, NAME, O_NONBLOCK) ? errno : 0;
}

/* 0 once the module is in and its node is there, or the errno */
static int load(int ko, const char *params)
{
	if (syscall(__NR_finit_module, ko, params, 0))
		return errno;
	return wait_node(true) ? 0 : ETIMEDOUT;
}

/* a number from a file under /sys/module/zcopy, -1 if unreadable */
static long long sysmod(const char *file)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), SYSMOD "/%s", file);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static bool debugfs_mounted(void)
{
	struct statfs sfs;

	return !statfs(DEBUGFS, &sfs) && sfs.f_type == DEBUGFS_MAGIC;
}

/* the device answers; returns direct_threshold, or -1 */
static long long info_threshold(struct __test_metadata *_metadata)
{
	struct zcopy_info info = { .size = sizeof(info) };
	int fd = zc_dev();
	int ret;

	EXPECT_LE(0, fd) TH_LOG("open %s: %s", NODE, strerror(errno));
	if (fd < 0)
		return -1;
	ret = ioctl(fd, ZCOPY_IOC_INFO, &info);
	close(fd);
	EXPECT_EQ(0, ret) TH_LOG("ZCOPY_IOC_INFO: %s", strerror(errno));
	EXPECT_EQ(ZCOPY_ABI_VERSION, info.abi_version);
	return ret ? -1 : (long long)info.direct_threshold;
}

FIXTURE(module)
{
	int ko;
	/* loaded with non-default parameters: teardown reloads */
	bool dirty;
};

FIXTURE_SETUP(module)
{
	const char *path = getenv("ZCOPY_KO");
	bool was_loaded;
	int ret = 0;

	self->ko = -1;
	self->dirty = false;
	if (!path || !*path)
		return;		/* the tests skip, saying why */
	self->ko = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ko) TH_LOG("ZCOPY_KO=%s: %s", path, strerror(errno));
	/* if it is not, put it back for the programs after this one, but fail */
	was_loaded = loaded();
	if (!was_loaded)
		ret = load(self->ko, "");
	ASSERT_TRUE(was_loaded) TH_LOG("zcopy was not loaded when the test started (reload: %s)",
				       ret ? strerror(ret) : "done");
}

FIXTURE_TEARDOWN(module)
{
	int ret;

	if (self->ko < 0)
		return;
	/* a test that stopped half-way may have left it out, or odd */
	if (self->dirty && loaded())
		EXPECT_EQ(0, unload());
	if (!loaded()) {
		ret = load(self->ko, "");
		EXPECT_EQ(0, ret) TH_LOG("reloading zcopy: %s", strerror(ret));
	}
	close(self->ko);
}

#define NEED_KO() do {							\
	if (self->ko < 0)						\
		SKIP(return, "ZCOPY_KO is not set: no module file to load"); \
} while (0)

TEST_F(module, busy_while_open)
{
	struct zcopy_info info = { .size = sizeof(info) };
	int fd, fd2;

	NEED_KO();
	/* nothing left behind by the programs that ran before */
	ASSERT_EQ(0, sysmod("refcnt"));

	fd = zc_dev();
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", NODE, strerror(errno));
	EXPECT_EQ(1, sysmod("refcnt"));
	EXPECT_EQ(EWOULDBLOCK, unload());
	ASSERT_TRUE(loaded());
	/* the refused unload left the open file working */
	EXPECT_EQ(0, ioctl(fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(ZCOPY_ABI_VERSION, info.abi_version);

	/* any open file pins it, not only the first one */
	fd2 = zc_dev();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(2, sysmod("refcnt"));
	close(fd);
	EXPECT_EQ(EWOULDBLOCK, unload());
	ASSERT_TRUE(loaded());
	close(fd2);

	/* the last close dropped the last reference: now it goes */
	EXPECT_EQ(0, sysmod("refcnt"));
	ASSERT_EQ(0, unload());
	EXPECT_FALSE(loaded());
	ASSERT_EQ(0, load(self->ko, ""));
	EXPECT_EQ(4 * ZC_MIB, info_threshold(_metadata));
}

/*
 * Several cycles, so that anything init or exit leaves behind (a debugfs
 * directory, the misc minor, records) shows up as a failed load.
 */
TEST_F(module, unload_and_reload)
{
	bool dbg = debugfs_mounted();

	NEED_KO();
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, unload()) TH_LOG("cycle %d", i);
		EXPECT_FALSE(loaded());
		/* everything the module made went with it */
		EXPECT_TRUE(wait_node(false));
		EXPECT_EQ(-1, zc_dev());
		EXPECT_FALSE(exists(DEBUGFS "/zcopy"));

		ASSERT_EQ(0, load(self->ko, "")) TH_LOG("cycle %d", i);
		EXPECT_TRUE(loaded());
		EXPECT_EQ(0, sysmod("refcnt"));
		EXPECT_EQ(4 * ZC_MIB, info_threshold(_metadata));
		if (dbg) {
			EXPECT_TRUE(exists(DEBUGFS "/zcopy/transfers"));
		}
	}
}

/*
 * A SYNC transfer's notification holds the module until the network stack
 * released the last page, and drops that hold only from a callback that
 * module exit waits for: unloading right after the transfer (as soon as
 * the reference is gone, polled) must neither fail for long nor leave
 * module code running (the debug kernels' KASAN would see it).
 */
TEST_F_TIMEOUT(module, unload_right_after_sync, 180)
{
	char path[256];
	struct zc_sink sink;
	int dev, file, snd, rcv, ret = EWOULDBLOCK;
	struct zcopy_desc d;

	NEED_KO();
	file = zc_make_file(path, sizeof(path), "module-sync.dat", ZC_MIB, 13);
	ASSERT_LE(0, file);
	for (int round = 0; round < 3; round++) {
		dev = zc_dev();
		ASSERT_LE(0, dev);
		ASSERT_EQ(0, zc_pair(ZC_TCP4, &snd, &rcv));
		ASSERT_EQ(0, zc_sink_start(&sink, rcv));
		d = zc_file(file, 0, 0);
		EXPECT_EQ(ZC_MIB, zc_xfer(dev, snd, ZCOPY_MODE_SG, ZCOPY_F_SYNC, &d, 1, NULL));
		close(dev);
		close(snd);
		zc_sink_wait(&sink);
		self->dirty = true;
		/* the notification's reference goes one RCU grace period later */
		for (int i = 0; i < 500; i++) {
			ret = unload();
			if (ret != EWOULDBLOCK)
				break;
			usleep(1000);
		}
		ASSERT_EQ(0, ret) TH_LOG("round %d: %s", round, strerror(ret));
		EXPECT_FALSE(loaded());
		ASSERT_EQ(0, load(self->ko, ""));
		self->dirty = false;
	}
	close(file);
	unlink(path);
}

TEST_F(module, load_twice)
{
	NEED_KO();
	EXPECT_EQ(-1, syscall(__NR_finit_module, self->ko, "", 0));
	EXPECT_EQ(EEXIST, errno);
	/* the loaded one is undisturbed */
	EXPECT_TRUE(loaded());
	EXPECT_EQ(0, sysmod("refcnt"));
	EXPECT_EQ(4 * ZC_MIB, info_threshold(_metadata));
}

/* parameters at load time, and direct_threshold changed at run time */
TEST_F(module, parameters)
{
	FILE *f;

	NEED_KO();
	ASSERT_EQ(0, unload());
	self->dirty = true;
	ASSERT_EQ(0, load(self->ko, "direct_threshold=12345 ring_size=7"));
	EXPECT_EQ(12345, sysmod("parameters/direct_threshold"));
	EXPECT_EQ(7, sysmod("parameters/ring_size"));
	EXPECT_EQ(12345, info_threshold(_metadata));

	/* 0644: the info ioctl follows a change through sysfs */
	f = fopen(SYSMOD "/parameters/direct_threshold", "w");
	ASSERT_NE(NULL, f) TH_LOG("%s", strerror(errno));
	fprintf(f, "%d\n", 65536);
	EXPECT_EQ(0, fclose(f));
	EXPECT_EQ(65536, info_threshold(_metadata));

	/* back to the defaults for what runs next */
	ASSERT_EQ(0, unload());
	ASSERT_EQ(0, load(self->ko, ""));
	self->dirty = false;
	EXPECT_EQ(4 * ZC_MIB, info_threshold(_metadata));
	EXPECT_EQ(4 * ZC_MIB, sysmod("parameters/direct_threshold"));
}

TEST_HARNESS_MAIN
