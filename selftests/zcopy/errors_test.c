// SPDX-License-Identifier: GPL-2.0
/*
 * Every way to call ZCOPY_IOC_XFER wrongly, each with its exact errno
 * (Documentation/abi.rst), and nothing sent when it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_util.h"

FIXTURE(err)
{
	int dev, snd, rcv, file;
	char path[256];
};

FIXTURE_SETUP(err)
{
	self->dev = zc_dev();
	ASSERT_LE(0, self->dev);
	self->file = zc_make_file(self->path, sizeof(self->path), "err.dat", 10000, 3);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, zc_pair(ZC_TCP4, &self->snd, &self->rcv));
}

FIXTURE_TEARDOWN(err)
{
	char c;

	/* a failed call sent nothing */
	close(self->snd);
	EXPECT_EQ(0, read(self->rcv, &c, 1));
	close(self->rcv);
	close(self->file);
	unlink(self->path);
	close(self->dev);
}

/* one descriptor, default mode and flags: the errno or 0 */
static int xfer1(FIXTURE_DATA(err) *self, struct zcopy_desc d, uint32_t mode,
		 uint32_t flags)
{
	return zc_xfer(self->dev, self->snd, mode, flags, &d, 1, NULL) < 0 ? errno : 0;
}

TEST_F(err, file_fd)
{
	char dir[256];
	int fd, p[2];

	EXPECT_EQ(EBADF, xfer1(self, zc_file(-1, 0, 0), ZCOPY_MODE_SG, 0));
	EXPECT_EQ(EBADF, xfer1(self, zc_file(1000, 0, 0), ZCOPY_MODE_SG, 0));
	fd = open(self->path, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBADF, xfer1(self, zc_file(fd, 0, 0), ZCOPY_MODE_SG, 0));
	close(fd);
	fd = open(self->path, O_PATH);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EBADF, xfer1(self, zc_file(fd, 0, 0), ZCOPY_MODE_SG, 0));
	close(fd);
	/* a pipe has no file offset: sendfile's ESPIPE */
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(ESPIPE, xfer1(self, zc_file(p[0], 0, 0), ZCOPY_MODE_SG, 0));
	close(p[0]);
	close(p[1]);
	/* a directory: sendfile's EINVAL */
	snprintf(dir, sizeof(dir), "%s", zc_data_dir());
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, xfer1(self, zc_file(fd, 0, 0), ZCOPY_MODE_SG, 0));
	close(fd);
	/* a socket as a file: no offset either, ESPIPE like sendfile */
	EXPECT_EQ(ESPIPE, xfer1(self, zc_file(self->rcv, 0, 0), ZCOPY_MODE_SG, 0));
}

TEST_F(err, offsets)
{
	EXPECT_EQ(EINVAL, xfer1(self, zc_file(self->file, -1, 10), ZCOPY_MODE_SG, 0));
	EXPECT_EQ(EINVAL, xfer1(self, zc_file(self->file, INT64_MIN, 0), ZCOPY_MODE_SG, 0));
	EXPECT_EQ(EINVAL, xfer1(self, zc_file(self->file, INT64_MAX, 1), ZCOPY_MODE_SG, 0));
	EXPECT_EQ(EINVAL, xfer1(self, zc_file(self->file, 1, UINT64_MAX), ZCOPY_MODE_SG, 0));
	EXPECT_EQ(EINVAL, xfer1(self, zc_file(self->file, 0, (uint64_t)INT64_MAX + 1),
				ZCOPY_MODE_SG, 0));
}

TEST_F(err, descriptors)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	static struct zcopy_desc many[1025];
	static char big[64 * 1024 + 1];
	struct zcopy_desc two[2];
	void *unmapped;

	d.type = 0;
	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_SG, 0));
	d.type = 3;
	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_SG, 0));
	d = zc_file(self->file, 0, 0);
	d.addr = 1;
	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_SG, 0));
	d = zc_buf("x", 1);
	d.fd = 1;
	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_SG, 0));
	d = zc_buf("x", 1);
	d.offset = 1;
	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_SG, 0));
	/* buffers together above the 64 KiB cap */
	EXPECT_EQ(EINVAL, xfer1(self, zc_buf(big, sizeof(big)), ZCOPY_MODE_SG, 0));
	two[0] = zc_buf(big, 40000);
	two[1] = zc_buf(big, 40000);
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, two, 2, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* descriptor counts */
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, &d, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	for (int i = 0; i < 1025; i++)
		many[i] = zc_file(self->file, 0, 1);
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, many, 1025, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* bad user memory */
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, NULL, 1, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, unmapped, 1, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(EFAULT, xfer1(self, zc_buf(unmapped, 10), ZCOPY_MODE_SG, 0));
	EXPECT_EQ(EFAULT, xfer1(self, zc_buf(NULL, 10), ZCOPY_MODE_SG, 0));
	/* an error in a later descriptor: nothing of the first is sent */
	two[0] = zc_file(self->file, 0, 0);
	two[1] = zc_file(-1, 0, 0);
	EXPECT_EQ(-1, zc_xfer(self->dev, self->snd, ZCOPY_MODE_SG, 0, two, 2, NULL));
	EXPECT_EQ(EBADF, errno);
	munmap(unmapped, 4096);
}

TEST_F(err, args)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	unsigned char buf[sizeof(struct zcopy_xfer) + 8] = {};
	struct zcopy_xfer *x = (void *)buf;

	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_COUNT, 0));
	EXPECT_EQ(EINVAL, xfer1(self, d, 0xffffffff, 0));
	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_SG, 0x80000000));
	EXPECT_EQ(EINVAL, xfer1(self, d, ZCOPY_MODE_SG, 0x20));

	x->size = sizeof(*x);
	x->sock_fd = self->snd;
	x->mode = ZCOPY_MODE_SG;
	x->descs = (uintptr_t)&d;
	x->ndescs = 1;
	x->__reserved0 = 1;
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
	EXPECT_EQ(EINVAL, errno);
	x->__reserved0 = 0;
	x->__reserved1 = 1;
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
	EXPECT_EQ(EINVAL, errno);
	x->__reserved1 = 0;
	x->counters.__reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
	EXPECT_EQ(EINVAL, errno);
	x->counters.__reserved[3] = 0;
	x->size = 8;
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
	EXPECT_EQ(EINVAL, errno);
	x->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, x));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(self->dev, ZCOPY_IOC_XFER, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(err, sockets)
{
	struct zcopy_desc d = zc_file(self->file, 0, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s, sv[2];

	EXPECT_EQ(-1, zc_xfer(self->dev, -1, ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, zc_xfer(self->dev, self->file, ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(ENOTSOCK, errno);

	s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_EQ(-1, zc_xfer(self->dev, s, ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(ENOTCONN, errno);
	sin.sin_port = 0;
	ASSERT_EQ(0, bind(s, (void *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(s, 1));
	EXPECT_EQ(-1, zc_xfer(self->dev, s, ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(ENOTCONN, errno);
	close(s);

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_EQ(-1, zc_xfer(self->dev, s, ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(ENOTCONN, errno);
	close(s);

	/* not a stream */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_port = htons(9);
	ASSERT_EQ(0, connect(s, (void *)&sin, sizeof(sin)));
	EXPECT_EQ(-1, zc_xfer(self->dev, s, ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(s);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	EXPECT_EQ(-1, zc_xfer(self->dev, sv[0], ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	EXPECT_EQ(-1, zc_xfer(self->dev, sv[0], ZCOPY_MODE_SG, 0, &d, 1, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(sv[0]);
	close(sv[1]);
}

/* DIRECT needs a block-device filesystem with O_DIRECT; tmpfs has neither */
TEST_F(err, direct_unsupported)
{
	char path[] = "/tmp/zcopy-direct-XXXXXX";
	struct zcopy_xfer x;
	struct zcopy_desc d;
	char buf[100];
	int fd;
	long ret;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(100, write(fd, self->path, 100));
	d = zc_file(fd, 0, 0);
	EXPECT_EQ(EOPNOTSUPP, xfer1(self, d, ZCOPY_MODE_DIRECT, 0));
	/* with the fallback flag DIRECT sends through the page cache */
	ret = zc_xfer(self->dev, self->snd, ZCOPY_MODE_DIRECT, ZCOPY_F_DIRECT_FALLBACK,
		      &d, 1, &x);
	EXPECT_EQ(100, ret);
	EXPECT_EQ(0, x.counters.direct_bytes);
	ASSERT_EQ(100, recv(self->rcv, buf, 100, MSG_WAITALL));
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
