// SPDX-License-Identifier: GPL-2.0
/* ZCOPY_IOC_XFER: one call, and every byte of a vector in as many calls. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "zcopy.h"

/*
 * zcopy_send_all()'s calls: descriptors copied out of the caller's array
 * (so that empty ones, which the kernel would read as "to the end of the
 * file", are left out), and at most 1 GiB per call.  A call's bytes then
 * never reach MAX_RW_COUNT, the kernel's clamp, and a short call with no
 * error can only mean that a file ended early.
 */
#define SEND_ALL_DESCS	64
#define SEND_ALL_BYTES	(1ULL << 30)

ssize_t zcopy_send(int dev, int sock, const struct zcopy_desc *descs, unsigned int n,
		   unsigned int mode, unsigned int flags, struct zcopy_xfer *result)
{
	struct zcopy_xfer x = {
		.size = sizeof(x),
		.flags = flags,
		.sock_fd = sock,
		.mode = mode,
		.descs = (uintptr_t)descs,
		.ndescs = n,
	};
	long ret = ioctl(dev, ZCOPY_IOC_XFER, &x);
	int err = errno;

	if (result)
		memcpy(result, &x, sizeof(x));
	errno = err;
	return ret;
}

/*
 * The device cuts a file range that goes past the end of its file when
 * the call starts, and goes on with the next descriptor: the bytes it
 * reports are then not a prefix of the vector, and no cursor could say
 * where the stream is.  So such a range fails the call here, before
 * anything is sent.  0, or ENODATA.
 */
static int check_call(const struct zcopy_desc *call, unsigned int k)
{
	for (unsigned int i = 0; i < k; i++) {
		struct stat st;

		/* what the kernel refuses (not a regular file) it reports itself */
		if (call[i].type != ZCOPY_DESC_FILE || fstat(call[i].fd, &st) ||
		    !S_ISREG(st.st_mode) || call[i].offset < 0)
			continue;
		if ((uint64_t)call[i].offset + call[i].len > (uint64_t)st.st_size)
			return ENODATA;
	}
	return 0;
}

/*
 * The next call's descriptors from @d[@i..@n): returns how many, their
 * bytes in *@bytes, and whether bytes of @d follow them in *@more.
 */
static unsigned int fill_call(struct zcopy_desc *call, const struct zcopy_desc *d,
			      unsigned int n, unsigned int i, uint64_t *bytes, bool *more)
{
	uint64_t budget = SEND_ALL_BYTES;
	unsigned int k = 0;

	*more = false;
	for (; i < n; i++) {
		if (!d[i].len)
			continue;
		if (k == SEND_ALL_DESCS || !budget) {
			*more = true;
			break;
		}
		call[k] = d[i];
		if (call[k].len > budget) {
			call[k].len = budget;
			*more = true;
		}
		budget -= call[k].len;
		k++;
	}
	*bytes = SEND_ALL_BYTES - budget;
	return k;
}

int zcopy_send_all(int dev, int sock, struct zcopy_desc *d, unsigned int n,
		   unsigned int mode, unsigned int flags, struct zcopy_counters *sum)
{
	struct zcopy_desc call[SEND_ALL_DESCS];
	unsigned int i = zcopy_advance(d, n, 0, 0);

	while (i < n) {
		struct zcopy_xfer x;
		uint64_t want;
		bool more;
		unsigned int k = fill_call(call, d, n, i, &want, &more);
		int err = check_call(call, k);
		ssize_t ret;

		if (err) {
			errno = err;
			return -1;
		}
		/* more of the vector follows this call: MSG_MORE, full segments */
		ret = zcopy_send(dev, sock, call, k, mode, flags | (more ? ZCOPY_F_MORE : 0), &x);
		if (x.xfer_id && sum)
			zcopy_counters_add(sum, &x.counters);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* a file shrank since check_call(): where the stream is, is lost */
		if (x.counters.bytes_requested < want) {
			errno = ENODATA;
			return -1;
		}
		i = zcopy_advance(d, n, i, ret);
		if ((uint64_t)ret == want)
			continue;
		/* short: the socket's reason, or none when a file ended */
		if (x.error == EINTR)
			continue;
		errno = x.error ? x.error : ENODATA;
		return -1;
	}
	return 0;
}
