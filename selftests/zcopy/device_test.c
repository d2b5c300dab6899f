// SPDX-License-Identifier: GPL-2.0
/*
 * The device node, the debugfs directory, ZCOPY_IOC_INFO and the rules
 * every command follows ("General ioctl format" in uapi/linux/zcopy.h,
 * Documentation/abi.rst): exact values, exact errnos, every out member
 * written, and no byte written past the caller's size.
 *
 * The VM loads the module before the tests run, so a missing /dev/zcopy is
 * a failure.  ZCOPY_ALLOW_MISSING=1 turns that into a skip of the whole
 * program, for a quick run on a machine without the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

#define NODE		"/dev/zcopy"
#define DEBUGFS		"/sys/kernel/debug"
#define MISC_MAJOR	10

#define offsetofend(T, m)	(offsetof(T, m) + sizeof(((T *)0)->m))
/* the first version of the struct: up to and including direct_threshold */
#define INFO_SIZE_V1	offsetofend(struct zcopy_info, direct_threshold)
#define INFO_RSVD	offsetof(struct zcopy_info, __reserved)
#define INFO_CMD(dir, size)	_IOC(dir, ZCOPY_IOC_TYPE, 0x00, size)
#define RW		(_IOC_READ | _IOC_WRITE)
/* a fill no member of the answer has by chance */
#define PAT		0xa5
#define __aligned(n)	__attribute__((aligned(n)))
/* braces around EXPECT/ASSERT in loops: each is two statements */

/* no implicit padding: checking every member checks every byte */
_Static_assert(sizeof(struct zcopy_info) ==
	       6 * sizeof(__u32) + 3 * sizeof(__u64) +
	       sizeof(((struct zcopy_info *)0)->__reserved), "padding");
_Static_assert(INFO_SIZE_V1 == INFO_RSVD, "v1 ends where __reserved starts");

static void __attribute__((constructor)) allow_missing(void)
{
	const char *env = getenv("ZCOPY_ALLOW_MISSING");

	if (env && !strcmp(env, "1") && access(NODE, F_OK) && errno == ENOENT) {
		ksft_print_header();
		ksft_exit_skip("%s is missing and ZCOPY_ALLOW_MISSING=1\n", NODE);
	}
}

/*
 * ioctl() as one value the harness prints usefully: 0 on success, the
 * errno of a failure, minus the return value of an unexpected success.
 */
static int ioc(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret == -1 ? errno : -ret;
}

/* MAX_RW_COUNT is INT_MAX & PAGE_MASK: 0x7ffff000 with 4 KiB pages */
static __u64 max_rw_count(void)
{
	return 0x7fffffffULL & ~((__u64)sysconf(_SC_PAGESIZE) - 1);
}

/* the module parameter, read back from sysfs */
static long long direct_threshold_param(void)
{
	FILE *f = fopen("/sys/module/zcopy/parameters/direct_threshold", "r");
	long long v = -1;

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

TEST(device_node)
{
	unsigned int maj, min;
	struct stat st;
	FILE *f;
	int fd;

	ASSERT_EQ(0, stat(NODE, &st)) TH_LOG("%s: %s: is the module loaded?",
					     NODE, strerror(errno));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	/* root only, as documented; the udev rule may widen it on real systems */
	EXPECT_EQ(0600, st.st_mode & 07777);
	/* a misc device, and the very one registered now (not a stale node) */
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));
	f = fopen("/sys/class/misc/zcopy/dev", "r");
	ASSERT_NE(NULL, f) TH_LOG("/sys/class/misc/zcopy/dev: %s", strerror(errno));
	ASSERT_EQ(2, fscanf(f, "%u:%u", &maj, &min));
	fclose(f);
	EXPECT_EQ(makedev(maj, min), st.st_rdev);

	fd = open(NODE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open O_RDWR: %s", strerror(errno));
	/* a stream (stream_open): not seekable */
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	close(fd);
}

TEST(debugfs_dir)
{
	struct statfs sfs;
	struct stat st;

	/* the VM mounts debugfs; elsewhere try to, as the kernel's tests do */
	if (statfs(DEBUGFS, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL))
			SKIP(return, "debugfs is not mounted on %s and mounting it failed: %s",
			     DEBUGFS, strerror(errno));
	}
	ASSERT_EQ(0, stat(DEBUGFS "/zcopy", &st)) TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	/* the module's files are root's alone */
	ASSERT_EQ(0, stat(DEBUGFS "/zcopy/transfers", &st)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, st.st_mode & 0077);
}

FIXTURE(dev)
{
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = zc_dev();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", NODE, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/*
 * The members of the first version, exactly: each has one right value, so
 * a member left as it was before the call is caught.
 */
static void check_info_v1(struct __test_metadata *_metadata,
			  const struct zcopy_info *info)
{
	const __u32 all = ZCOPY_F_SYNC | ZCOPY_F_MORE | ZCOPY_F_NONBLOCK |
			  ZCOPY_F_NOSIGNAL | ZCOPY_F_DIRECT_FALLBACK;

	EXPECT_EQ(ZCOPY_ABI_VERSION, info->abi_version);
	EXPECT_EQ((1U << ZCOPY_MODE_COUNT) - 1, info->modes);
	EXPECT_EQ(all, info->xfer_flags);
	EXPECT_EQ(1024, info->max_descs);
	/* > 0 is the ABI; 64 KiB is what Documentation/abi.rst promises */
	EXPECT_LT(0, info->max_buf_bytes);
	EXPECT_EQ(64 * 1024, info->max_buf_bytes);
	EXPECT_EQ(max_rw_count(), info->max_xfer_bytes);
	/* the default: nothing changes it between the VM's load and this test */
	EXPECT_EQ(4 * ZC_MIB, info->direct_threshold);
	EXPECT_EQ(direct_threshold_param(), (long long)info->direct_threshold);
}

/*
 * Every out member gets a defined value, whatever was in it before: fill
 * the struct with a pattern (but valid size, flags and __reserved, which
 * are inputs) and check each member.  0x00 and 0xff as well, so that no
 * member can pass by matching the fill.
 */
TEST_F(dev, info)
{
	static const unsigned char fills[] = { PAT, 0x00, 0xff };
	struct zcopy_info info;

	for (size_t p = 0; p < sizeof(fills); p++) {
		memset(&info, fills[p], sizeof(info));
		info.size = sizeof(info);
		info.flags = 0;
		memset(info.__reserved, 0, sizeof(info.__reserved));

		ASSERT_EQ(0, ioc(self->fd, ZCOPY_IOC_INFO, &info))
			TH_LOG("fill 0x%02x", fills[p]);
		/* inputs come back as they went in */
		EXPECT_EQ(sizeof(info), info.size);
		EXPECT_EQ(0, info.flags);
		check_info_v1(_metadata, &info);
		for (int i = 0; i < 4; i++) {
			EXPECT_EQ(0, info.__reserved[i]) TH_LOG("__reserved[%d]", i);
		}
	}
}

/*
 * An older, shorter struct (any size from the first version up): the kernel
 * fills what is there, writes no byte past @size, and does not look at the
 * (non-zero) bytes past @size either.
 */
TEST_F(dev, info_short_sizes)
{
	unsigned char buf[sizeof(struct zcopy_info) + 16] __aligned(8);
	struct zcopy_info *info = (void *)buf;

	for (size_t size = INFO_SIZE_V1; size <= sizeof(*info); size++) {
		memset(buf, PAT, sizeof(buf));
		info->size = size;
		info->flags = 0;
		memset(buf + INFO_RSVD, 0, size - INFO_RSVD);

		ASSERT_EQ(0, ioc(self->fd, ZCOPY_IOC_INFO, info)) TH_LOG("size %zu", size);
		EXPECT_EQ(size, info->size);
		check_info_v1(_metadata, info);
		for (size_t i = INFO_RSVD; i < size; i++) {
			ASSERT_EQ(0, buf[i]) TH_LOG("size %zu: byte %zu", size, i);
		}
		for (size_t i = size; i < sizeof(buf); i++) {
			ASSERT_EQ(PAT, buf[i]) TH_LOG("size %zu: byte %zu written", size, i);
		}
	}
}

/* below the first version: EINVAL, and nothing written back */
TEST_F(dev, info_size_too_small)
{
	unsigned char buf[sizeof(struct zcopy_info)] __aligned(8);
	struct zcopy_info *info = (void *)buf;

	for (size_t size = 0; size < INFO_SIZE_V1; size++) {
		memset(buf, 0, sizeof(buf));
		memset(buf + 8, PAT, INFO_RSVD - 8);
		info->size = size;

		EXPECT_EQ(EINVAL, ioc(self->fd, ZCOPY_IOC_INFO, info)) TH_LOG("size %zu", size);
		for (size_t i = 8; i < INFO_RSVD; i++) {
			ASSERT_EQ(PAT, buf[i]) TH_LOG("size %zu: byte %zu written", size, i);
		}
	}
}

/*
 * A newer, longer struct: accepted when the part this module does not know
 * is zero, E2BIG when any byte of it is not (wherever it is, up to the
 * last byte of a page), and E2BIG beyond a page even when all zero (as
 * clone3()).
 */
TEST_F(dev, info_size_larger)
{
	const size_t sizes[] = { sizeof(struct zcopy_info) + 1,
				 sizeof(struct zcopy_info) + 64, 4096 };
	unsigned char *buf = calloc(1, 3 * 4096 + 8);
	struct zcopy_info *info = (void *)buf;

	ASSERT_NE(NULL, buf);
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t size = sizes[s];

		memset(buf, 0, size);
		info->size = size;
		ASSERT_EQ(0, ioc(self->fd, ZCOPY_IOC_INFO, info)) TH_LOG("size %zu", size);
		EXPECT_EQ(size, info->size);
		check_info_v1(_metadata, info);

		for (size_t i = sizeof(*info); i < size; i += (size > 256 ? 509 : 1)) {
			memset(buf, 0, size);
			info->size = size;
			buf[i] = 0x01;
			EXPECT_EQ(E2BIG, ioc(self->fd, ZCOPY_IOC_INFO, info))
				TH_LOG("size %zu, byte %zu set", size, i);
		}
		/* the very last byte */
		memset(buf, 0, size);
		info->size = size;
		buf[size - 1] = 0x80;
		EXPECT_EQ(E2BIG, ioc(self->fd, ZCOPY_IOC_INFO, info)) TH_LOG("size %zu", size);
	}
	/* past a page: refused before anything is read */
	memset(buf, 0, 3 * 4096 + 8);
	info->size = 4096 + 8;
	EXPECT_EQ(E2BIG, ioc(self->fd, ZCOPY_IOC_INFO, info));
	info->size = UINT32_MAX;
	EXPECT_EQ(E2BIG, ioc(self->fd, ZCOPY_IOC_INFO, info));
	free(buf);
}

TEST_F(dev, info_flags_rejected)
{
	for (int bit = 0; bit < 32; bit++) {
		struct zcopy_info info = { .size = sizeof(info), .flags = 1U << bit };

		EXPECT_EQ(EINVAL, ioc(self->fd, ZCOPY_IOC_INFO, &info)) TH_LOG("bit %d", bit);
	}
}

TEST_F(dev, info_reserved_rejected)
{
	struct zcopy_info info;

	/* every byte of __reserved on its own */
	for (size_t i = 0; i < sizeof(info.__reserved); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		((unsigned char *)info.__reserved)[i] = 0x01;
		EXPECT_EQ(EINVAL, ioc(self->fd, ZCOPY_IOC_INFO, &info)) TH_LOG("byte %zu", i);
	}
	/* the part of __reserved inside a shorter @size is checked too */
	memset(&info, 0, sizeof(info));
	info.size = INFO_SIZE_V1 + 8;
	info.__reserved[0] = 1ULL << 63;
	EXPECT_EQ(EINVAL, ioc(self->fd, ZCOPY_IOC_INFO, &info));
}

/*
 * EFAULT for every way the argument can be inaccessible: no pointer, a
 * kernel address, an unmapped page, a struct (or the @size it declares)
 * running into an unmapped page, and a struct that can be read but not
 * written back.
 */
TEST_F(dev, bad_pointer)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct zcopy_info *info;

	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + pg, pg, PROT_NONE));

	EXPECT_EQ(EFAULT, ioc(self->fd, ZCOPY_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, ioc(self->fd, ZCOPY_IOC_INFO, (void *)(-pg)));
	EXPECT_EQ(EFAULT, ioc(self->fd, ZCOPY_IOC_INFO, map + pg));

	/* @size and @flags readable, the rest not */
	info = (void *)(map + pg - 8);
	info->size = sizeof(*info);
	info->flags = 0;
	EXPECT_EQ(EFAULT, ioc(self->fd, ZCOPY_IOC_INFO, info));

	/* the whole struct readable, the longer @size it claims not */
	info = (void *)(map + pg - sizeof(*info));
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info) + 8;
	EXPECT_EQ(EFAULT, ioc(self->fd, ZCOPY_IOC_INFO, info));
	/* the same struct at its own size works: the fault was the tail */
	info->size = sizeof(*info);
	EXPECT_EQ(0, ioc(self->fd, ZCOPY_IOC_INFO, info));

	/* readable but not writable: the copy back faults */
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	ASSERT_EQ(0, mprotect(map, pg, PROT_READ));
	EXPECT_EQ(EFAULT, ioc(self->fd, ZCOPY_IOC_INFO, info));
	munmap(map, 2 * pg);
}

TEST_F(dev, unknown_command)
{
	struct zcopy_info info = { .size = sizeof(info) };

	/* our type, numbers nobody uses */
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IOWR(ZCOPY_IOC_TYPE, 0x7f, struct zcopy_info), &info));
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IOWR(ZCOPY_IOC_TYPE, 0xff, struct zcopy_info), &info));
	/* INFO's number and size, another type */
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IOWR(ZCOPY_IOC_TYPE + 1, 0x00, struct zcopy_info), &info));
	EXPECT_EQ(ENOTTY, ioc(self->fd, _IOWR('T', 0x00, struct zcopy_info), &info));
	/* INFO's type and number, another direction: another command */
	EXPECT_EQ(ENOTTY, ioc(self->fd, INFO_CMD(_IOC_NONE, 0), &info));
	EXPECT_EQ(ENOTTY, ioc(self->fd, INFO_CMD(_IOC_READ, sizeof(info)), &info));
	EXPECT_EQ(ENOTTY, ioc(self->fd, INFO_CMD(_IOC_WRITE, sizeof(info)), &info));
	/* a terminal ioctl on something that is not a terminal */
	EXPECT_EQ(ENOTTY, ioc(self->fd, TCGETS, &info));
	/* none of them touched the struct */
	EXPECT_EQ(0, info.abi_version);
}

/* the size bits of the command number are ignored: @size rules */
TEST_F(dev, info_cmd_size_ignored)
{
	const unsigned int sizes[] = { 0, 8, sizeof(struct zcopy_info) + 64, _IOC_SIZEMASK };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct zcopy_info info = { .size = sizeof(info) };

		EXPECT_EQ(0, ioc(self->fd, INFO_CMD(RW, sizes[i]), &info))
			TH_LOG("size bits %u", sizes[i]);
		EXPECT_EQ(ZCOPY_ABI_VERSION, info.abi_version);
	}
}

TEST_HARNESS_MAIN
