/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libzcopy: programs' access to /dev/zcopy (installed as <zcopy.h>).
 *
 * The device's ABI is <linux/zcopy.h> (Documentation/abi.rst); this
 * library only saves every program the same few dozen lines around it:
 * opening the device, filling descriptors, the ioctl itself, resuming a
 * short call, and naming modes and counters.  Every function is
 * documented in its section 3 manual page (zcopy_open(3), zcopy_send(3),
 * ...) and in Documentation/libzcopy.rst.
 *
 * Functions that return int or ssize_t fail with -1 and errno set; none
 * prints anything.  zcopy_send(), zcopy_advance(), zcopy_desc_*() and the
 * counter and mode helpers are async-signal-safe: no allocation, no lock.
 */
#ifndef ZCOPY_H
#define ZCOPY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/zcopy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- the device: zcopy_open(3) ------------------------------------------ */

/*
 * Open the device read-write and close-on-exec: @path, or when NULL
 * $ZCOPY_DEVICE (ignored in set-user-ID programs), else "/dev/zcopy".
 * Returns the descriptor; ENOENT usually means the module is not loaded.
 */
int zcopy_open(const char *path);

/* ZCOPY_IOC_INFO into @info (its size member is set here): 0 or -1 */
int zcopy_get_info(int dev, struct zcopy_info *info);

/* --- descriptors: zcopy_desc_file(3) ------------------------------------ */

/* bytes [@offset, @offset + @len) of file @fd; @len 0: to its end */
struct zcopy_desc zcopy_desc_file(int fd, int64_t offset, uint64_t len);
/* @len bytes at @buf, copied when the transfer starts */
struct zcopy_desc zcopy_desc_buf(const void *buf, size_t len);

/* --- sending: zcopy_send(3) ---------------------------------------------- */

/*
 * One ZCOPY_IOC_XFER of @descs[0..@n) to socket @sock with @mode
 * (ZCOPY_MODE_*) and @flags (ZCOPY_F_*).  Returns the bytes sent, or -1
 * with errno when nothing was.  When @result is not NULL it receives the
 * ioctl's struct, also on failure: result->xfer_id is 0 when the device
 * refused the call before sending (a bad descriptor, a socket it does not
 * take), and then nothing at all happened.
 */
ssize_t zcopy_send(int dev, int sock, const struct zcopy_desc *descs, unsigned int n,
		   unsigned int mode, unsigned int flags, struct zcopy_xfer *result);

/*
 * After a call that sent @bytes from @descs[@next..@n): consume them
 * (lengths shrink, offsets and addresses grow) and return the index of the
 * first descriptor with bytes left, skipping empty ones; @n when all went.
 * A length of 0 counts as empty here, so give files explicit lengths, and
 * within the file: the device cuts a range past the end of its file and
 * goes on with the next descriptor, and the count is then no prefix.
 */
unsigned int zcopy_advance(struct zcopy_desc *descs, unsigned int n, unsigned int next,
			   uint64_t bytes);

/*
 * Send every byte of @descs[0..@n), in as many calls as it takes (a short
 * call is resumed where it stopped, a signal is not an error, long vectors
 * are split).  The descriptors are consumed as they go, so after a
 * failure another call with the same array goes on where this one
 * stopped: EAGAIN on a non-blocking socket means "poll, then call again".
 * As for zcopy_advance(), a length of 0 is empty, not "to the end".  When
 * @sum is not NULL the counters of every call are added to it.  Returns 0
 * when everything was sent; -1 with errno otherwise: the socket's error,
 * or ENODATA when a file is shorter than its descriptor (found before
 * sending it; if the file shrinks while it is sent, the descriptors no
 * longer say where the stream is).
 */
int zcopy_send_all(int dev, int sock, struct zcopy_desc *descs, unsigned int n,
		   unsigned int mode, unsigned int flags, struct zcopy_counters *sum);

/* --- io_uring: zcopy_uring_prep_send(3) --------------------------------- */

/* the kernel's (<linux/io_uring.h>, also liburing's <liburing.h>) */
struct io_uring_sqe;
struct io_uring_cqe;

/*
 * 1 when the module takes ZCOPY_IOC_XFER through io_uring (ABI version 2),
 * 0 when not, -1 with errno when the info ioctl failed.
 */
int zcopy_uring_supported(int dev);

/*
 * Fill @sqe (from io_uring_get_sqe(), say) with one ZCOPY_IOC_XFER of
 * @descs[0..@n) to @sock, as zcopy_send() would make it; @x is set up
 * here, and receives the results at the completion.  @x and @descs must
 * stay valid until then.  The SQE's user_data is @x; set another after
 * this call if the program needs one (zcopy_uring_result() then cannot
 * find @x).  Submitting is the program's: io_uring_submit() and friends,
 * with as many SQEs per call as it likes.
 */
void zcopy_uring_prep_send(struct io_uring_sqe *sqe, int dev, int sock,
			   const struct zcopy_desc *descs, unsigned int n, unsigned int mode,
			   unsigned int flags, struct zcopy_xfer *x);
/* the same for a struct the caller filled itself (size, sock_fd, ...) */
void zcopy_uring_prep_xfer(struct io_uring_sqe *sqe, int dev, struct zcopy_xfer *x);

/*
 * A completion of such an SQE: the bytes sent, or -1 with errno (the
 * ioctl's result, as zcopy_send() returns it).  @x (may be NULL) receives
 * the struct from the CQE's user_data: its bytes_sent, error, xfer_id and
 * counters were written before the CQE was posted.
 */
ssize_t zcopy_uring_result(const struct io_uring_cqe *cqe, struct zcopy_xfer **x);

/* --- counters and modes: zcopy_counters_add(3), zcopy_mode_name(3) ------- */

/* @sum += @c, member by member */
void zcopy_counters_add(struct zcopy_counters *sum, const struct zcopy_counters *c);
/*
 * The counters by index, in the order of struct zcopy_counters:
 * "bytes_requested", "bytes_sent", ...; NULL (and 0) past the last.
 */
const char *zcopy_counter_name(unsigned int index);
uint64_t zcopy_counter_get(const struct zcopy_counters *c, unsigned int index);

/* "auto", "copy", "sg", "direct": ZCOPY_MODE_*, or -1 with errno EINVAL */
int zcopy_mode_parse(const char *name);
/* the name of @mode, "?" if there is no such mode */
const char *zcopy_mode_name(unsigned int mode);

#ifdef __cplusplus
}
#endif

#endif /* ZCOPY_H */
