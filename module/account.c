// SPDX-License-Identifier: GPL-2.0
/*
 * What a transfer tells the rest of the kernel, as sendfile(2) does in
 * do_sendfile(): the task's I/O accounting (/proc/PID/io) and fsnotify.
 *
 * A transfer accounts as one sendfile(2) call: rchar grows by the file
 * bytes it sent, wchar by all the bytes it sent (BUF bytes were never read
 * from a file), syscr and syscw by one each, also when it sent nothing;
 * every file that sent bytes gets an access event (IN_ACCESS, FAN_ACCESS)
 * and the socket a modify event, once something was sent.
 *
 * The module's own reads of a file (COPY's chunks, the end-of-file probe)
 * use zcopy_kernel_read(), which accounts nothing: kernel_read() would count
 * each of them as a read(2) of its own.
 */
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/sched/xacct.h>
#include <linux/uio.h>

#include "xfer.h"

/**
 * zcopy_kernel_read - kernel_read() without read(2)'s accounting
 * @file: the file, opened for reading
 * @buf: kernel memory to read into
 * @count: bytes to read
 * @pos: file offset, advanced by what was read
 *
 * What every read asks first (rw_verify_area(): the security module,
 * fanotify permission events), then the file's ->read_iter(), as
 * __kernel_read() calls it.
 *
 * Return: bytes read, 0 at the end of the file, or -errno.
 */
ssize_t zcopy_kernel_read(struct file *file, void *buf, size_t count, loff_t *pos)
{
	struct kvec iov = { .iov_base = buf, .iov_len = count };
	struct kiocb kiocb;
	struct iov_iter iter;
	ssize_t ret;

	/* what __kernel_read() refuses (it also warns; a FILE piece may be any file) */
	if (!(file->f_mode & FMODE_CAN_READ) || !file->f_op->read_iter || file->f_op->read)
		return -EINVAL;
	ret = rw_verify_area(READ, file, pos, count);
	if (ret)
		return ret;
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = *pos;
	iov_iter_kvec(&iter, ITER_DEST, &iov, 1, count);
	ret = file->f_op->read_iter(&kiocb, &iter);
	if (ret > 0)
		*pos = kiocb.ki_pos;
	return ret;
}

/**
 * zcopy_account_xfer - account a transfer that ran, as sendfile(2)
 * @x: the transfer, its socket still held
 * @pieces: its pieces, in order, each with the bytes it gathered
 * @n: number of @pieces
 *
 * The bytes sent are the first bytes gathered: a piece sent bytes when the
 * stream reached it.
 */
void zcopy_account_xfer(struct zcopy_xfer_ctx *x, const struct zcopy_piece *pieces,
			unsigned int n)
{
	u64 total = x->c.bytes_sent, at = 0, file_bytes = 0;
	unsigned int i;

	for (i = 0; i < n && at < total; i++) {
		const struct zcopy_piece *p = &pieces[i];
		u64 part = min_t(u64, p->gathered, total - at);

		if (p->type == ZCOPY_DESC_FILE && part) {
			file_bytes += part;
			fsnotify_access(p->file);
		}
		at += p->gathered;
	}
	add_rchar(current, file_bytes);
	add_wchar(current, total);
	inc_syscr(current);
	inc_syscw(current);
	if (total)
		fsnotify_modify(x->sock_file);
}
