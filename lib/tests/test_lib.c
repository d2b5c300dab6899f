// SPDX-License-Identifier: GPL-2.0
/*
 * libzcopy without the module: descriptors, resumption, counters, modes,
 * and every call's failure where there is no device.  Built with ASan and
 * UBSan by `make check-host`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/io_uring.h>

#include "zcopy.h"

static int failed;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "test_lib: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failed++;					\
		}							\
	} while (0)

static void test_desc(void)
{
	static const char buf[] = "header";
	struct zcopy_desc f = zcopy_desc_file(7, 4096, 100);
	struct zcopy_desc b = zcopy_desc_buf(buf, 6);

	CHECK(f.type == ZCOPY_DESC_FILE && f.fd == 7 && f.offset == 4096 && f.len == 100 &&
	      !f.addr, "file descriptor");
	CHECK(b.type == ZCOPY_DESC_BUF && !b.fd && !b.offset && b.len == 6 &&
	      b.addr == (uintptr_t)buf, "buffer descriptor");
}

/*
 * A vector of header (10), empty file range, file (100), trailer (5):
 * after each row's bytes, the cursor and what is left of each descriptor.
 */
static void test_advance(void)
{
	static const struct {
		unsigned int from;
		uint64_t bytes;
		unsigned int next;
		uint64_t left[4];
	} rows[] = {
		{ 0, 0, 0, { 10, 0, 100, 5 } },
		{ 0, 3, 0, { 7, 0, 100, 5 } },
		{ 0, 10, 2, { 0, 0, 100, 5 } },	/* the empty one is skipped */
		{ 0, 11, 2, { 0, 0, 99, 5 } },
		{ 0, 110, 3, { 0, 0, 0, 5 } },
		{ 0, 114, 3, { 0, 0, 0, 1 } },
		{ 0, 115, 4, { 0, 0, 0, 0 } },
		{ 0, 999, 4, { 0, 0, 0, 0 } },	/* more than there is: all done */
		{ 2, 50, 2, { 10, 0, 50, 5 } },
		{ 4, 0, 4, { 10, 0, 100, 5 } },
	};
	char hdr[10], trl[5];

	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct zcopy_desc d[4] = {
			zcopy_desc_buf(hdr, sizeof(hdr)), zcopy_desc_file(3, 0, 0),
			zcopy_desc_file(3, 1000, 100), zcopy_desc_buf(trl, sizeof(trl)),
		};
		unsigned int next = zcopy_advance(d, 4, rows[r].from, rows[r].bytes);

		CHECK(next == rows[r].next, "row %zu: next %u, want %u", r, next, rows[r].next);
		for (int i = 0; i < 4; i++)
			CHECK(d[i].len == rows[r].left[i], "row %zu: desc %d has %llu left, want %llu",
			      r, i, (unsigned long long)d[i].len, (unsigned long long)rows[r].left[i]);
		/* what was consumed moved the start: offsets for files, addresses for buffers */
		CHECK(d[2].offset == (int64_t)(1000 + 100 - d[2].len),
		      "row %zu: file offset %lld", r, (long long)d[2].offset);
		CHECK(d[0].addr == (uintptr_t)hdr + sizeof(hdr) - d[0].len,
		      "row %zu: buffer address", r);
	}
}

static void test_counters(void)
{
	struct zcopy_counters a = { .bytes_requested = 1, .bytes_sent = 2, .duration_ns = 3 };
	struct zcopy_counters b = { .bytes_sent = 10, .direct_bytes = 20, .duration_ns = 30 };
	unsigned int n = 0;

	zcopy_counters_add(&a, &b);
	CHECK(a.bytes_requested == 1 && a.bytes_sent == 12 && a.direct_bytes == 20 &&
	      a.duration_ns == 33 && !a.cpu_copy_bytes, "counters_add");
	while (zcopy_counter_name(n))
		n++;
	CHECK(n == 10, "%u counters", n);
	CHECK(!strcmp(zcopy_counter_name(0), "bytes_requested") &&
	      !strcmp(zcopy_counter_name(9), "duration_ns"), "names");
	CHECK(zcopy_counter_get(&a, 1) == 12 && zcopy_counter_get(&a, 8) == 20 &&
	      zcopy_counter_get(&a, 9) == 33 && zcopy_counter_get(&a, 10) == 0, "values by index");
	/* every name is a member, in the struct's order */
	for (unsigned int i = 0; i < n; i++) {
		struct zcopy_counters one = {};

		((uint64_t *)&one)[i] = 100 + i;
		CHECK(zcopy_counter_get(&one, i) == 100 + i, "counter %u is member %u", i, i);
	}
}

static void test_modes(void)
{
	static const char *const names[] = { "auto", "copy", "sg", "direct" };

	for (unsigned int m = 0; m < ZCOPY_MODE_COUNT; m++) {
		CHECK(zcopy_mode_parse(names[m]) == (int)m, "parse %s", names[m]);
		CHECK(!strcmp(zcopy_mode_name(m), names[m]), "name of %u", m);
	}
	errno = 0;
	CHECK(zcopy_mode_parse("SG") == -1 && errno == EINVAL, "case matters");
	CHECK(zcopy_mode_parse("") == -1 && zcopy_mode_parse(NULL) == -1, "empty");
	CHECK(!strcmp(zcopy_mode_name(ZCOPY_MODE_COUNT), "?"), "unknown mode");
}

/* no module here: each call fails cleanly, with the errno of what it met */
static void test_no_device(void)
{
	struct zcopy_desc d[2];
	struct zcopy_counters sum = {};
	struct zcopy_xfer x;
	struct zcopy_info info;
	int fd, sv[2];
	char c = 'x';

	setenv("ZCOPY_DEVICE", "/nonexistent/zcopy", 1);
	errno = 0;
	CHECK(zcopy_open(NULL) == -1 && errno == ENOENT, "ZCOPY_DEVICE is used: %m");
	fd = zcopy_open("/dev/null");
	CHECK(fd >= 0, "an explicit path wins: %m");
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "close-on-exec");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "read-write");
	unsetenv("ZCOPY_DEVICE");

	/* /dev/null answers no ioctl: ENOTTY, and nothing was done */
	memset(&info, 0xff, sizeof(info));
	CHECK(zcopy_get_info(fd, &info) == -1 && errno == ENOTTY, "info: %m");
	CHECK(info.size == sizeof(info), "info: size set");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		CHECK(0, "socketpair: %m");
		close(fd);
		return;
	}
	d[0] = zcopy_desc_buf(&c, 1);
	d[1] = zcopy_desc_file(fd, 0, 10);	/* not a regular file: the kernel judges */
	memset(&x, 0xff, sizeof(x));
	CHECK(zcopy_send(fd, sv[0], d, 2, ZCOPY_MODE_SG, ZCOPY_F_MORE, &x) == -1 &&
	      errno == ENOTTY, "send: %m");
	/* the struct as it was passed, for callers that look */
	CHECK(x.size == sizeof(x) && x.flags == ZCOPY_F_MORE && x.sock_fd == sv[0] &&
	      x.mode == ZCOPY_MODE_SG && x.descs == (uintptr_t)d && x.ndescs == 2 &&
	      !x.xfer_id, "send: result");
	CHECK(zcopy_send(-1, sv[0], d, 2, 0, 0, NULL) == -1 && errno == EBADF, "send: bad dev");
	CHECK(zcopy_send_all(fd, sv[0], d, 2, 0, 0, &sum) == -1 && errno == ENOTTY,
	      "send_all: %m");
	CHECK(d[0].len == 1 && d[1].len == 10 && !sum.bytes_sent, "send_all: nothing consumed");
	/* a range past the end of its file: refused before any call (else EBADF) */
	{
		char path[] = "/tmp/test_lib-XXXXXX";
		int f = mkstemp(path);

		CHECK(f >= 0 && write(f, "12345", 5) == 5, "temporary file: %m");
		unlink(path);
		d[0] = zcopy_desc_buf(&c, 1);
		d[1] = zcopy_desc_file(f, 0, 10);
		CHECK(zcopy_send_all(-1, sv[0], d, 2, 0, 0, NULL) == -1 && errno == ENODATA,
		      "send_all: short file: %m");
		d[1].len = 5;
		CHECK(zcopy_send_all(-1, sv[0], d, 2, 0, 0, NULL) == -1 && errno == EBADF,
		      "send_all: the whole file: %m");
		close(f);
	}
	/* nothing to send is success without a call */
	d[0].len = d[1].len = 0;
	CHECK(zcopy_send_all(-1, sv[0], d, 2, 0, 0, NULL) == 0, "send_all: empty vector");
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

/* the SQE the module reads, the CQE it posts: no ring needed */
static void test_uring(void)
{
	struct zcopy_desc d[1] = { zcopy_desc_file(3, 0, 100) };
	struct io_uring_sqe sqe;
	struct io_uring_cqe cqe = {};
	struct zcopy_xfer x, *got = NULL;
	const struct zcopy_uring_cmd *cmd = (const void *)sqe.cmd;
	int fd;

	memset(&sqe, 0xff, sizeof(sqe));
	memset(&x, 0xff, sizeof(x));
	zcopy_uring_prep_send(&sqe, 9, 4, d, 1, ZCOPY_MODE_SG, ZCOPY_F_MORE, &x);
	CHECK(sqe.opcode == IORING_OP_URING_CMD && sqe.fd == 9 && sqe.cmd_op == ZCOPY_IOC_XFER &&
	      !sqe.flags && !sqe.ioprio && !sqe.uring_cmd_flags && !sqe.__pad1,
	      "prep: the command");
	CHECK(cmd->xfer == (uintptr_t)&x && !cmd->__reserved && sqe.user_data == (uintptr_t)&x,
	      "prep: the command area and user_data");
	CHECK(x.size == sizeof(x) && x.flags == ZCOPY_F_MORE && x.sock_fd == 4 &&
	      x.mode == ZCOPY_MODE_SG && x.descs == (uintptr_t)d && x.ndescs == 1 &&
	      !x.xfer_id && !x.bytes_sent && !x.__reserved0 && !x.__reserved1,
	      "prep: the struct");
	cqe.user_data = sqe.user_data;
	cqe.res = 1234;
	CHECK(zcopy_uring_result(&cqe, &got) == 1234 && got == &x, "result: bytes");
	cqe.res = -EPIPE;
	errno = 0;
	CHECK(zcopy_uring_result(&cqe, NULL) == -1 && errno == EPIPE, "result: error");
	/* /dev/null answers no info ioctl */
	fd = open("/dev/null", O_RDWR);
	CHECK(zcopy_uring_supported(fd) == -1 && errno == ENOTTY, "supported: %m");
	close(fd);
}

int main(void)
{
	test_desc();
	test_advance();
	test_counters();
	test_modes();
	test_no_device();
	test_uring();
	printf("test_lib: %s\n", failed ? "FAILED" : "ok");
	return failed ? 1 : 0;
}
