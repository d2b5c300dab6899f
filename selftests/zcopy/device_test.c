// SPDX-License-Identifier: GPL-2.0
/*
 * The device node, the info ioctl and the ABI rules every command follows
 * (Documentation/abi.rst): exact errnos for every malformed argument.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define INFO_SIZE_V1	(offsetof(struct zcopy_info, direct_threshold) + \
			 sizeof(((struct zcopy_info *)0)->direct_threshold))

TEST(device_node)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat("/dev/zcopy", &st)) TH_LOG("is the module loaded?");
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* root only, as documented; the udev rule may widen it on real systems */
	EXPECT_EQ(0600, st.st_mode & 0777);
	fd = zc_dev();
	ASSERT_LE(0, fd);
	/* a stream: not seekable */
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	close(fd);
}

TEST(debugfs_dir)
{
	struct stat st;

	if (stat("/sys/kernel/debug/zcopy", &st))
		ASSERT_EQ(0, stat("/sys/kernel/debug", &st))
			TH_LOG("debugfs not mounted");
	ASSERT_EQ(0, stat("/sys/kernel/debug/zcopy", &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	/* debugfs is for root only */
	EXPECT_EQ(0, stat("/sys/kernel/debug/zcopy/transfers", &st));
	EXPECT_EQ(0, st.st_mode & 0077);
}

FIXTURE(dev)
{
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = zc_dev();
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/zcopy: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, info)
{
	struct zcopy_info info;

	/* a pattern everywhere the kernel must write */
	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	info.flags = 0;
	memset(info.__reserved, 0, sizeof(info.__reserved));
	ASSERT_EQ(0, ioctl(self->fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(ZCOPY_ABI_VERSION, info.abi_version);
	EXPECT_EQ(0xfU, info.modes);
	EXPECT_EQ(ZCOPY_F_MORE | ZCOPY_F_NONBLOCK | ZCOPY_F_NOSIGNAL |
		  ZCOPY_F_DIRECT_FALLBACK, info.xfer_flags & ~ZCOPY_F_SYNC);
	EXPECT_EQ(1024U, info.max_descs);
	EXPECT_EQ(64U * 1024, info.max_buf_bytes);
	EXPECT_EQ(0x7ffff000ULL, info.max_xfer_bytes);
	EXPECT_EQ(4ULL * ZC_MIB, info.direct_threshold);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(0, info.__reserved[i]);
	}
}

/* an older, shorter struct: the kernel writes no byte past its size */
TEST_F(dev, info_short_size)
{
	unsigned char buf[sizeof(struct zcopy_info) + 16];
	struct zcopy_info *info = (void *)buf;

	memset(buf, 0xa5, sizeof(buf));
	memset(buf, 0, INFO_SIZE_V1);
	info->size = INFO_SIZE_V1;
	ASSERT_EQ(0, ioctl(self->fd, ZCOPY_IOC_INFO, info));
	EXPECT_EQ(ZCOPY_ABI_VERSION, info->abi_version);
	for (size_t i = INFO_SIZE_V1; i < sizeof(buf); i++) {
		ASSERT_EQ(0xa5, buf[i]) TH_LOG("byte %zu written", i);
	}
}

TEST_F(dev, info_size_too_small)
{
	struct zcopy_info info = { .size = INFO_SIZE_V1 - 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.size = 0;
	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

/* a newer, longer struct: zero tail accepted, non-zero tail is E2BIG */
TEST_F(dev, info_size_larger)
{
	unsigned char buf[sizeof(struct zcopy_info) + 64] = {};
	struct zcopy_info *info = (void *)buf;

	info->size = sizeof(buf);
	EXPECT_EQ(0, ioctl(self->fd, ZCOPY_IOC_INFO, info));
	EXPECT_EQ(ZCOPY_ABI_VERSION, info->abi_version);
	for (size_t i = sizeof(*info); i < sizeof(buf); i++) {
		ASSERT_EQ(0, buf[i]);
	}

	buf[sizeof(buf) - 1] = 1;
	info->size = sizeof(buf);
	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, info));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(dev, info_flags_rejected)
{
	struct zcopy_info info = { .size = sizeof(info), .flags = 1 };

	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.flags = 0x80000000U;
	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, info_reserved_rejected)
{
	for (int i = 0; i < 4; i++) {
		struct zcopy_info info = { .size = sizeof(info) };

		info.__reserved[i] = 1ULL << (i * 16);
		EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, &info));
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(dev, bad_pointer)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, ZCOPY_IOC_INFO, unmapped));
	EXPECT_EQ(EFAULT, errno);
	munmap(unmapped, 4096);
}

TEST_F(dev, unknown_command)
{
	struct zcopy_info info = { .size = sizeof(info) };

	/* our type, unknown number */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(ZCOPY_IOC_TYPE, 0x7f, struct zcopy_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* our number, another type */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(ZCOPY_IOC_TYPE + 1, 0x00, struct zcopy_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* our number, wrong direction */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(ZCOPY_IOC_TYPE, 0x00, struct zcopy_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* a terminal ioctl */
	EXPECT_EQ(-1, ioctl(self->fd, TCGETS, &info));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
