// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_IOC_XFER: send a vector of file ranges and buffers to a socket.
 *
 * Everything the caller passed is checked, and every file and buffer is
 * taken, before the first byte is sent, so that a bad descriptor fails the
 * call cleanly.  Then the pieces go out in order; the first error ends the
 * transfer and, as with sendfile(2), is returned only when nothing was sent.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <net/sock.h>

#include "live.h"
#include "record.h"
#include "xfer.h"

#define ZCOPY_XFER_SIZE_V1	offsetofend(struct zcopy_xfer, counters)

struct zcopy_call {
	struct zcopy_xfer args;
	u32 usize;
	struct zcopy_desc *descs;
	struct zcopy_piece *pieces;
	unsigned int npieces;	/* taken so far: what to release */
};

/*
 * @err (-errno) as "error" reports it: the restart codes a pending signal
 * gives are kernel-internal; the caller sees what the syscall layer makes
 * of them without a restart, -EINTR.
 */
static int zcopy_visible_err(int err)
{
	switch (err) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	}
	return err;
}

/* Validate one FILE descriptor and take the file; resolve its length. */
static int zcopy_piece_file(struct zcopy_piece *p, const struct zcopy_desc *d,
			    u32 mode, u32 flags)
{
	struct file *file;
	loff_t size, end;
	int ret;

	if (d->addr)
		return -EINVAL;
	file = fget(d->fd);
	if (!file)
		return -EBADF;
	zcopy_live_inc(ZCOPY_LIVE_FILE_REFS);
	p->file = file;
	/* the checks and errnos of sendfile(2) for its input file */
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (!(file->f_mode & FMODE_PREAD))
		return -ESPIPE;
	if (d->offset < 0 || d->len > MAX_LFS_FILESIZE ||
	    check_add_overflow(d->offset, (loff_t)d->len, &end))
		return -EINVAL;
	if (!S_ISREG(file_inode(file)->i_mode))
		return -EINVAL;
	p->pos = d->offset;
	/* what every read asks first: the security module, fanotify */
	ret = rw_verify_area(READ, file, &p->pos, d->len);
	if (ret < 0)
		return ret;

	size = i_size_read(file_inode(file));
	/* length 0: to the end of the file; past the end: a short transfer */
	end = d->len ? min(end, size) : size;
	p->len = end > p->pos ? end - p->pos : 0;

	/* AUTO: SG below the threshold; at or above it, decided when sent */
	if (mode == ZCOPY_MODE_AUTO &&
	    (size < READ_ONCE(zcopy_direct_threshold) || !zcopy_file_can_direct(file)))
		mode = ZCOPY_MODE_SG;
	if (mode == ZCOPY_MODE_DIRECT && !zcopy_file_can_direct(file)) {
		if (!(flags & ZCOPY_F_DIRECT_FALLBACK))
			return -EOPNOTSUPP;
		mode = ZCOPY_MODE_SG;
	}
	p->mode = mode;
	/*
	 * Direct I/O needs a block device, whose filesystems know their size
	 * (an AUTO piece that goes DIRECT drops @to_eof then).
	 */
	p->to_eof = !d->len && mode != ZCOPY_MODE_DIRECT;
	return 0;
}

static int zcopy_piece_buf(struct zcopy_piece *p, const struct zcopy_desc *d,
			   size_t *buf_bytes)
{
	if (d->fd || d->offset)
		return -EINVAL;
	if (d->len > ZCOPY_MAX_BUF_BYTES - *buf_bytes)
		return -EINVAL;
	*buf_bytes += d->len;
	if (!d->len)
		return 0;
	return zcopy_buf_load(p, d->addr, d->len);
}

/*
 * Take every descriptor; on error the pieces taken so far stay counted.  A
 * short list and its pieces live in the context @x.
 */
static int zcopy_call_prepare(struct zcopy_call *call, struct zcopy_xfer_ctx *x)
{
	u64 *requested = &x->c.bytes_requested;
	size_t buf_bytes = 0;
	unsigned int i;
	int ret;

	if (call->args.ndescs <= ZCOPY_DESCS_INLINE) {
		call->descs = x->descs_inline;
		if (copy_from_user(call->descs, u64_to_user_ptr(call->args.descs),
				   array_size(call->args.ndescs, sizeof(*call->descs))))
			return -EFAULT;
		call->pieces = x->pieces_inline;
		memset(call->pieces, 0, array_size(call->args.ndescs, sizeof(*call->pieces)));
	} else {
		/* up to 32 KiB: not worth an order-3 allocation when memory is fragmented */
		call->descs = vmemdup_user(u64_to_user_ptr(call->args.descs),
					   array_size(call->args.ndescs, sizeof(*call->descs)));
		if (IS_ERR(call->descs)) {
			ret = PTR_ERR(call->descs);
			call->descs = NULL;
			return ret;
		}
		zcopy_live_inc(ZCOPY_LIVE_DESCS);
		call->pieces = kvcalloc(call->args.ndescs, sizeof(*call->pieces), GFP_KERNEL);
		if (!call->pieces)
			return -ENOMEM;
		zcopy_live_inc(ZCOPY_LIVE_PIECES);
	}

	*requested = 0;
	for (i = 0; i < call->args.ndescs; i++) {
		const struct zcopy_desc *d = &call->descs[i];
		struct zcopy_piece *p = &call->pieces[i];

		call->npieces = i + 1;
		p->type = d->type;
		switch (d->type) {
		case ZCOPY_DESC_FILE:
			ret = zcopy_piece_file(p, d, call->args.mode, call->args.flags);
			break;
		case ZCOPY_DESC_BUF:
			ret = zcopy_piece_buf(p, d, &buf_bytes);
			break;
		default:
			ret = -EINVAL;
		}
		if (ret)
			return ret;
		/* sendfile's clamp, applied to the whole transfer */
		p->len = min_t(u64, p->len, MAX_RW_COUNT - *requested);
		*requested += p->len;
		cond_resched();
	}
	return 0;
}

static void zcopy_call_release(struct zcopy_call *call, struct zcopy_xfer_ctx *x)
{
	unsigned int i;

	for (i = 0; i < call->npieces; i++) {
		struct zcopy_piece *p = &call->pieces[i];

		if (p->file) {
			fput(p->file);
			zcopy_live_dec(ZCOPY_LIVE_FILE_REFS);
		}
		zcopy_buf_free(p);
	}
	if (call->pieces && call->pieces != x->pieces_inline) {
		zcopy_live_dec(ZCOPY_LIVE_PIECES);
		kvfree(call->pieces);
	}
	if (call->descs && call->descs != x->descs_inline) {
		zcopy_live_dec(ZCOPY_LIVE_DESCS);
		kvfree(call->descs);
	}
}

/*
 * Fragments a transfer can gather: the pages of every piece that goes by
 * reference, and one per descriptor for what ranges straddle; a piece read
 * to its end of file at least a pipe's worth.  Capped at ZCOPY_BATCH_MAX.
 */
static unsigned int zcopy_call_frags(const struct zcopy_call *call)
{
	u64 frags = call->npieces;
	unsigned int i;

	for (i = 0; i < call->npieces && frags < ZCOPY_BATCH_MAX; i++) {
		const struct zcopy_piece *p = &call->pieces[i];
		u64 pages;

		if (p->type == ZCOPY_DESC_BUF) {
			frags += p->frag_page ? 1 : p->npages;
			continue;
		}
		if (p->mode == ZCOPY_MODE_COPY)
			continue;
		pages = DIV_ROUND_UP(offset_in_page(p->pos) + (u64)p->len, PAGE_SIZE);
		frags += p->to_eof ? max_t(u64, pages, PIPE_DEF_BUFFERS) : pages;
	}
	return min_t(u64, frags, ZCOPY_BATCH_MAX);
}

/*
 * AUTO at or above the threshold: what the page cache holds decides.  A
 * range it mostly holds goes SG (direct I/O would read the disk for what
 * is in memory); a cold one DIRECT (it would fill the cache and evict
 * what small files keep there).
 */
static void zcopy_piece_auto(struct zcopy_piece *p, size_t reported)
{
	/* also when the file can no longer be read directly (chattr +j) */
	if ((reported && zcopy_residency_mostly_cached(p->file, p->pos, reported)) ||
	    !zcopy_file_can_direct(p->file)) {
		p->mode = ZCOPY_MODE_SG;
		return;
	}
	p->mode = ZCOPY_MODE_DIRECT;
	if (p->to_eof) {
		p->to_eof = false;
		p->len = reported;
	}
}

/* one piece, gathered into the batch: bytes gathered (or sent), or -errno */
static ssize_t zcopy_send_piece(struct zcopy_xfer_ctx *x, struct zcopy_piece *p,
				size_t reported)
{
	ssize_t ret;

	if (p->type == ZCOPY_DESC_BUF)
		return zcopy_send_buf(x, p);

	if (p->mode == ZCOPY_MODE_AUTO)
		zcopy_piece_auto(p, reported);
	/* readable directly when the call was checked, but no longer */
	else if (p->mode == ZCOPY_MODE_DIRECT && (x->flags & ZCOPY_F_DIRECT_FALLBACK) &&
		 !zcopy_file_can_direct(p->file))
		p->mode = ZCOPY_MODE_SG;
	/* SG sends page-cache pages: the ones ZCOPY_F_SYNC is about */
	if (p->mode == ZCOPY_MODE_SG && (x->flags & ZCOPY_F_SYNC))
		x->sync_pages = true;
	/*
	 * DIRECT reads bypass the page cache and count their own reads; the
	 * others count what the file reported, as they read it.
	 */
	zcopy_residency_start(&x->res, p->file, p->pos,
			      p->mode == ZCOPY_MODE_DIRECT ? 0 : reported);
	switch (p->mode) {
	case ZCOPY_MODE_COPY:
		ret = zcopy_send_file_copy(x, p);
		break;
	case ZCOPY_MODE_DIRECT:
		ret = zcopy_send_file_direct(x, p);
		break;
	default:
		ret = zcopy_send_file_sg(x, p);
	}
	x->sync_pages = false;
	return ret;
}

/*
 * Has a piece sent to its end of file really reached it?  1 when the next
 * read returns 0; 0 when there is more (the piece stopped for another
 * reason), -errno when the read fails (the reason it stopped).
 */
static int zcopy_file_at_eof(struct file *file, loff_t pos)
{
	char c;
	ssize_t r = zcopy_kernel_read(file, &c, 1, &pos);

	return r ? min_t(ssize_t, r, 0) : 1;
}

/*
 * Gather every piece in order into the batch, which goes to the socket
 * whenever it is full and once at the end; returns bytes sent, or -errno
 * if none.  A short piece ends the transfer: going on would leave a hole
 * in the stream.  What was gathered before a read failed is still sent;
 * after the socket stopped (a failed or short send, a signal), nothing is.
 */
static ssize_t zcopy_call_send(struct zcopy_call *call, struct zcopy_xfer_ctx *x,
			       int *error)
{
	/* what MAX_RW_COUNT leaves for files that turn out longer than reported */
	size_t slack = MAX_RW_COUNT - x->c.bytes_requested;
	ssize_t total, ret = 0;
	unsigned int i;
	int err = 0;

	for (i = 0; i < call->npieces; i++) {
		struct zcopy_piece *p = &call->pieces[i];
		size_t reported = p->len;

		/*
		 * Until the read returns 0, within the call's clamp.  MSG_MORE
		 * keeps following the reported sizes (@left): a regular file's
		 * is exact, and a wrong one costs a push, never a stall.
		 */
		if (p->to_eof)
			p->len += slack;
		if (!p->len)
			continue;
		ret = zcopy_send_piece(x, p, reported);
		if (ret < 0) {
			err = ret;
			break;
		}
		p->gathered = ret;
		/* the batch's last fragment, if any, is this piece's last */
		if (ret && x->batch.n)
			x->batch.frag[x->batch.n - 1].flags |= ZCOPY_FRAG_END;
		if (p->to_eof) {
			if (ret > reported)
				slack -= ret - reported;
			else
				x->left -= min_t(size_t, x->left, reported - ret);
		}
		if (x->halted) {
			err = x->stop_err;
			break;
		}
		/*
		 * Short: what stopped the send; else the file's read, which
		 * splice_direct_to_actor() does not report once bytes went:
		 * an error, or the end of the file (a piece sent to its end
		 * of file goes on with the next).
		 */
		if (ret < p->len) {
			err = x->stop_err;
			if (!err && p->type == ZCOPY_DESC_FILE) {
				err = zcopy_file_at_eof(p->file, p->pos + ret);
				if (err > 0) {
					err = 0;
					if (p->to_eof)
						continue;
				}
			}
			break;
		}
	}
	/* what is gathered goes now (or is dropped, if the socket stopped) */
	ret = zcopy_batch_flush(x);
	if (!err)
		err = ret;
	total = x->c.bytes_sent;
	*error = -zcopy_visible_err(err);
	/* bytes announced with MSG_MORE will not come: push what is queued */
	if (total && x->more_sent)
		zcopy_sock_flush(x);
	return total ? total : err;
}

/*
 * Bytes of room a socket needs beyond the transfer's own, for what TCP and
 * UNIX charge per skb besides the data (heads, truesize rounding).
 */
#define ZCOPY_NOWAIT_SLACK	(16 * 1024)

/*
 * Would this call wait, by the blocking rules of its socket?  io_uring's
 * inline attempt must not: such a call goes to io-wq instead, before any
 * of it was sent.  A non-blocking call never waits for the socket.  A
 * blocking one does under ZCOPY_F_SYNC (for the stack's release), for
 * direct I/O (AUTO may choose it), and when the socket lacks room for the
 * whole transfer: TCP and UNIX wait once their queued bytes reach
 * sk_sndbuf, and charge each skb's overhead on top of the data, hence the
 * quarter and the slack.  What the page cache lacks is read inline, as a
 * non-blocking call reads it.
 */
static bool zcopy_call_would_wait(const struct zcopy_call *call,
				  struct zcopy_xfer_ctx *x)
{
	u64 need = x->c.bytes_requested;
	unsigned int i;

	if (x->msg_flags & MSG_DONTWAIT)
		return false;
	if (x->flags & ZCOPY_F_SYNC)
		return true;
	for (i = 0; i < call->npieces; i++) {
		const struct zcopy_piece *p = &call->pieces[i];

		if (p->type == ZCOPY_DESC_FILE && p->len &&
		    (p->mode == ZCOPY_MODE_DIRECT || p->mode == ZCOPY_MODE_AUTO))
			return true;
	}
	return zcopy_sock_room(x) < need + need / 4 + ZCOPY_NOWAIT_SLACK;
}

static int zcopy_call_check(const struct zcopy_xfer *a)
{
	if (a->flags & ~ZCOPY_F_ALL)
		return -EINVAL;
	if (a->mode >= ZCOPY_MODE_COUNT)
		return -EINVAL;
	if (!a->ndescs || a->ndescs > ZCOPY_MAX_DESCS)
		return -EINVAL;
	if (a->__reserved0 || a->__reserved1 ||
	    memchr_inv(a->counters.__reserved, 0, sizeof(a->counters.__reserved)))
		return -EINVAL;
	return 0;
}

/**
 * zcopy_xfer - ZCOPY_IOC_XFER, from the ioctl or from io_uring
 * @uarg: the caller's struct zcopy_xfer
 * @run: ZCOPY_RUN_*: 0 for the ioctl
 * @punt: with ZCOPY_RUN_NOWAIT: set when the call would wait, and was not
 *	started (nothing sent, no record); the caller runs it again without
 *	ZCOPY_RUN_NOWAIT where it may wait
 *
 * Return: bytes sent, or -errno when nothing was sent.  From the ioctl a
 * signal may give a restart code (the syscall layer decides); from
 * io_uring, which cannot restart, it is -EINTR.
 */
long zcopy_xfer(void __user *uarg, unsigned int run, bool *punt)
{
	struct zcopy_call call = {};
	struct zcopy_xfer_ctx *x;
	struct zcopy_record rec = {};
	struct zcopy_xfer *a = &call.args;
	u64 start = ktime_get_ns();
	ssize_t ret;
	int error = 0;

	ret = zcopy_copy_args_in(a, sizeof(*a), ZCOPY_XFER_SIZE_V1, uarg, &call.usize);
	if (ret)
		return ret;
	ret = zcopy_call_check(a);
	if (ret)
		return ret;

	x = zcopy_xfer_ctx_alloc();
	if (!x)
		return -ENOMEM;
	zcopy_live_inc(ZCOPY_LIVE_XFER_CTX);
	ret = zcopy_call_prepare(&call, x);
	if (ret)
		goto out_release;
	ret = zcopy_batch_init(x, zcopy_call_frags(&call));
	if (ret)
		goto out_release;
	/* sendfile(2) looks at its output only after its input */
	ret = zcopy_sock_get(a->sock_fd, x);
	if (ret)
		goto out_release;

	x->flags = a->flags;
	x->left = x->c.bytes_requested;
	if ((a->flags & ZCOPY_F_NONBLOCK) || (x->sock_file->f_flags & O_NONBLOCK))
		x->msg_flags |= MSG_DONTWAIT;
	/*
	 * From io_uring, as its own sends: an io-wq worker's SIGPIPE would
	 * kill the whole process, the inline attempt's would not.
	 */
	if ((a->flags & ZCOPY_F_NOSIGNAL) || (run & ZCOPY_RUN_URING))
		x->msg_flags |= MSG_NOSIGNAL;
	if (run & ZCOPY_RUN_NOWAIT) {
		if (zcopy_call_would_wait(&call, x)) {
			*punt = true;
			zcopy_sock_put(x);
			ret = -EAGAIN;
			goto out_release;
		}
		/* the room is there: a send that still finds none ends short */
		x->msg_flags |= MSG_DONTWAIT;
		x->uring_inline = true;
	}
	/*
	 * From the first send: every fragment of the call is noted, as an skb
	 * copied for its page-cache pages copies them too.  kTLS and
	 * sockmaps take no notification: their SYNC pages go by copy, as UNIX.
	 */
	if ((a->flags & ZCOPY_F_SYNC) && x->family != AF_UNIX &&
	    zcopy_sock_plain_tcp(x->sock->sk)) {
		x->sync = zcopy_sync_new();
		if (!x->sync) {
			zcopy_sock_put(x);
			ret = -ENOMEM;
			goto out_release;
		}
	}

	ret = zcopy_call_send(&call, x, &error);
	zcopy_account_xfer(x, call.pieces, call.npieces);
	/* the stack's references go before the socket's file reference */
	if (x->sync) {
		long timeo = sock_sndtimeo(x->sock->sk, x->msg_flags & MSG_DONTWAIT);
		int err = zcopy_sync_wait(x->sync, &x->c, timeo);

		if (err && !error)
			error = -zcopy_visible_err(err);
	}
	zcopy_sock_put(x);

	x->c.duration_ns = ktime_get_ns() - start;
	rec.id = zcopy_record_next_id();
	rec.mode = a->mode;
	rec.flags = a->flags;
	rec.ndescs = a->ndescs;
	rec.error = error;
	rec.tgid = get_task_pid(current, PIDTYPE_TGID);
	/* the caller's own name: always terminated, no task_lock() needed */
	strscpy_pad(rec.comm, current->comm, sizeof(rec.comm));
	rec.family = x->family;
	memcpy(rec.ifname, x->ifname, sizeof(rec.ifname));
	rec.c = x->c;
	zcopy_record_commit(&rec);

	a->bytes_sent = x->c.bytes_sent;
	a->xfer_id = rec.id;
	a->error = error;
	a->counters = x->c;
	if (zcopy_copy_args_out(uarg, a, sizeof(*a), call.usize) && ret >= 0)
		ret = -EFAULT;

out_release:
	zcopy_batch_free(x);
	zcopy_residency_free(&x->res);
	zcopy_call_release(&call, x);
	zcopy_xfer_ctx_free(x);
	zcopy_live_dec(ZCOPY_LIVE_XFER_CTX);
	if (run & ZCOPY_RUN_URING)
		ret = zcopy_visible_err(ret);
	return ret;
}
