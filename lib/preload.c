// SPDX-License-Identifier: GPL-2.0
/*
 * sendfile() and sendfile64() through the device, with exactly
 * sendfile(2)'s results: the same byte count and errno, SIGPIPE, EAGAIN
 * only when nothing was sent, the offset or the file position updated the
 * same way.  What the device does not take, sendfile(2) itself does.
 *
 * The send path may run in a signal handler and in any thread: it uses
 * the stack, system calls and atomics only, never malloc() or a lock.
 */
#include <errno.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "preload.h"

/*
 * off_t and off64_t are the same type only where off_t is 64 bits: there
 * sendfile and sendfile64 are one function under two names, as in glibc.
 */
_Static_assert(sizeof(off_t) == 8, "libzcopy-preload needs a 64-bit off_t");

static ssize_t real_sendfile(bool is64, int out_fd, int in_fd, off_t *offset,
			     size_t count, int saved_errno)
{
	/* a refused device call must not leave its errno behind a success */
	errno = saved_errno;
	return preload_real(is64)(out_fd, in_fd, offset, count);
}

static ssize_t zcopy_sendfile(bool is64, int out_fd, int in_fd, off_t *offset, size_t count)
{
	int saved_errno = errno;
	int dev = __atomic_load_n(&preload.dev, __ATOMIC_RELAXED);
	struct zcopy_desc d;
	struct zcopy_xfer x;
	ssize_t ret;
	off_t pos;

	/* count 0 is sendfile's no-op (after its checks); the device's "to the end" */
	if (dev < 0 || !count) {
		ret = real_sendfile(is64, out_fd, in_fd, offset, count, saved_errno);
		preload_count_sendfile(ret, false);
		return ret;
	}
	/*
	 * No offset: sendfile reads at the file position and moves it, as
	 * read(2) does.  sendfile does that without the position lock
	 * (fdget(), not fdget_pos()), so two calls doing it concurrently on
	 * one file are no more atomic than these two lseek()s.  A descriptor
	 * without a position (a pipe) is sendfile(2)'s to judge.
	 */
	pos = offset ? *offset : lseek(in_fd, 0, SEEK_CUR);
	if (pos < 0) {
		ret = real_sendfile(is64, out_fd, in_fd, offset, count, saved_errno);
		preload_count_sendfile(ret, true);
		return ret;
	}
	d = zcopy_desc_file(in_fd, pos, count);
	ret = zcopy_send(dev, out_fd, &d, 1, preload.mode, preload.flags, &x);
	/*
	 * No transfer id: the device refused the call before sending anything
	 * (not a socket it takes, not a regular file, a bad descriptor or
	 * offset, direct I/O impossible): nothing happened, and sendfile(2)
	 * gives its own answer, errno included.  ENOTTY means that @dev is no
	 * longer the device (the program closed it, and the number was used
	 * again): it is never asked again.
	 */
	if (!x.xfer_id) {
		if (ret < 0 && errno == ENOTTY)
			__atomic_store_n(&preload.dev, -1, __ATOMIC_RELAXED);
		ret = real_sendfile(is64, out_fd, in_fd, offset, count, saved_errno);
		preload_count_sendfile(ret, true);
		return ret;
	}
	/*
	 * Nothing sent and no error: the range starts at or past the end of
	 * the file as its size says.  A size can be wrong (procfs says 0) and
	 * sendfile reads until a read returns 0, so it has the last word.
	 */
	if (ret == 0) {
		ret = real_sendfile(is64, out_fd, in_fd, offset, count, saved_errno);
		preload_count_sendfile(ret, true);
		return ret;
	}
	preload_count_device(ret, &x.counters);
	if (ret > 0) {
		if (offset)
			*offset = pos + ret;
		else
			lseek(in_fd, pos + ret, SEEK_SET);
		errno = saved_errno;
	}
	return ret;
}

ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	return zcopy_sendfile(false, out_fd, in_fd, offset, count);
}

ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count)
{
	return zcopy_sendfile(true, out_fd, in_fd, offset, count);
}
