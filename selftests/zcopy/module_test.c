// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading: refused while the device is open, clean after,
 * loadable again.  The module's .ko comes from $ZCOPY_KO.  Every test
 * leaves the module loaded, because the tests after it need it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

static int delete_module(const char *name, int flags)
{
	return syscall(__NR_delete_module, name, flags);
}

static int finit_module(int fd, const char *params, int flags)
{
	return syscall(__NR_finit_module, fd, params, flags);
}

static bool loaded(void)
{
	struct stat st;

	return !stat("/sys/module/zcopy", &st);
}

/* the node comes from devtmpfs asynchronously to finit_module's return */
static bool wait_for_node(void)
{
	struct stat st;

	for (int i = 0; i < 200; i++) {
		if (!stat("/dev/zcopy", &st))
			return true;
		usleep(10000);
	}
	return false;
}

FIXTURE(module)
{
	int ko;
};

FIXTURE_SETUP(module)
{
	const char *path = getenv("ZCOPY_KO");

	if (!path)
		SKIP(return, "ZCOPY_KO is not set: no module file to load");
	self->ko = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ko) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_TRUE(loaded()) TH_LOG("the VM loads zcopy before the tests");
}

FIXTURE_TEARDOWN(module)
{
	if (self->ko < 0)
		return;
	if (!loaded())
		finit_module(self->ko, "", 0);
	close(self->ko);
}

TEST_F(module, busy_while_open)
{
	int fd = zc_dev();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, delete_module("zcopy", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(loaded());
	/* the open device still works */
	struct zcopy_info info = { .size = sizeof(info) };

	EXPECT_EQ(0, ioctl(fd, ZCOPY_IOC_INFO, &info));
	close(fd);
}

TEST_F(module, unload_and_reload)
{
	struct zcopy_info info = { .size = sizeof(info) };
	struct stat st;
	int fd;

	ASSERT_EQ(0, delete_module("zcopy", O_NONBLOCK)) TH_LOG("%s", strerror(errno));
	EXPECT_FALSE(loaded());
	EXPECT_NE(0, stat("/sys/kernel/debug/zcopy", &st));

	ASSERT_EQ(0, finit_module(self->ko, "", 0)) TH_LOG("%s", strerror(errno));
	ASSERT_TRUE(wait_for_node());
	fd = zc_dev();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(ZCOPY_ABI_VERSION, info.abi_version);
	close(fd);
	EXPECT_EQ(0, stat("/sys/kernel/debug/zcopy", &st));
}

TEST_F(module, load_twice)
{
	EXPECT_EQ(-1, finit_module(self->ko, "", 0));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(module, parameters)
{
	struct zcopy_info info = { .size = sizeof(info) };
	int fd;

	ASSERT_EQ(0, delete_module("zcopy", O_NONBLOCK));
	ASSERT_EQ(0, finit_module(self->ko, "direct_threshold=12345 ring_size=7", 0));
	ASSERT_TRUE(wait_for_node());
	fd = zc_dev();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(12345ULL, info.direct_threshold);
	close(fd);
	/* back to the defaults for the tests that follow */
	ASSERT_EQ(0, delete_module("zcopy", O_NONBLOCK));
	ASSERT_EQ(0, finit_module(self->ko, "", 0));
	ASSERT_TRUE(wait_for_node());
}

TEST_HARNESS_MAIN
