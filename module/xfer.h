/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One transfer in progress: what every mode and the socket side share.
 */
#ifndef _ZCOPY_XFER_H
#define _ZCOPY_XFER_H

#include <linux/bits.h>
#include <linux/bitmap.h>
#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/if.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>

#include "zcopy.h"

/* most page fragments handed to the socket in one call (one lock hold) */
#define ZCOPY_BATCH_MAX		256
/*
 * A batch of up to this many fragments lives in the transfer's context: a
 * response of a header, a few pages and a trailer allocates nothing more
 * (Debian's init_on_alloc zeroes every allocation).
 */
#define ZCOPY_BATCH_INLINE	16
/* pages of a residency window kept in the context (4 MiB of file) */
#define ZCOPY_RES_INLINE	1024
/*
 * Descriptors of a call whose copy, and pieces, live in the context: a
 * response's header, file and trailer, or a few more.
 */
#define ZCOPY_DESCS_INLINE	8

/**
 * struct zcopy_piece - one descriptor, validated and resolved
 * @type: ZCOPY_DESC_FILE or ZCOPY_DESC_BUF
 * @mode: FILE: the mode this piece is sent with (AUTO resolved)
 * @file: FILE: a reference of our own, dropped at the end
 * @pos: FILE: next byte to send
 * @len: bytes of this piece still to send (cut at EOF and at MAX_RW_COUNT)
 * @to_eof: FILE of length 0: sent until the file's read returns 0, as
 *	sendfile(2) is, not to the size the file reports (procfs reports 0,
 *	sysfs a page, NFS or FUSE a stale one); @len is that reported size
 * @pages: BUF: the bytes, copied from user memory into pages of our own
 * @npages: BUF: number of @pages
 * @frag_page: BUF of up to a page: instead of @pages, a reference to the
 *	task's page fragment holding the bytes at @frag_offset
 * @frag_offset: see @frag_page
 * @gathered: bytes of this piece gathered for the socket (account.c)
 */
struct zcopy_piece {
	u32 type;
	u32 mode;
	struct file *file;
	loff_t pos;
	size_t len;
	bool to_eof;
	struct page **pages;
	unsigned int npages;
	struct page *frag_page;
	unsigned int frag_offset;
	size_t gathered;
};

/* what a batch fragment is, for what its release drops and what it counts */
enum {
	ZCOPY_FRAG_BUF		= BIT(0),	/* bytes of a BUF, copied from user memory */
	ZCOPY_FRAG_BUF_FIRST	= BIT(1),	/* a BUF's first fragment: one copy op */
	ZCOPY_FRAG_CACHE	= BIT(2),	/* @put: a page-cache (or splice pipe) page */
	ZCOPY_FRAG_DIRECT	= BIT(3),	/* @put: a page DIRECT read into */
	ZCOPY_FRAG_END		= BIT(4),	/* a descriptor's last fragment */
};

/**
 * struct zcopy_frag - what the module holds for one fragment of a batch
 * @put: our page reference, dropped once the socket call returned (the
 *	socket takes its own); NULL when the piece owns the page (BUF)
 * @flags: ZCOPY_FRAG_*
 */
struct zcopy_frag {
	struct page *put;
	unsigned int flags;
};

/**
 * struct zcopy_batch - fragments gathered from the descriptors, in order,
 *	for one socket call (batch.c)
 * @bv: the fragments
 * @frag: what each holds
 * @n: fragments gathered
 * @cap: room in @bv and @frag: ZCOPY_BATCH_INLINE, or the transfer's size
 *	up to ZCOPY_BATCH_MAX
 * @len: their bytes
 * @pages: pages they span, each fragment's counted apart (what
 *	pages_referenced counts when the socket takes them all)
 * @buf_bytes: bytes of BUF fragments among them
 * @buf_ops: BUF copies they stand for (ZCOPY_FRAG_BUF_FIRST fragments)
 * @sync: they are page-cache pages under ZCOPY_F_SYNC's notification
 *
 * A small transfer's @bv and @frag are the context's bv_inline and
 * frag_inline.
 */
struct zcopy_batch {
	struct bio_vec *bv;
	struct zcopy_frag *frag;
	unsigned int n;
	unsigned int cap;
	size_t len;
	size_t pages;
	size_t buf_bytes;
	unsigned int buf_ops;
	bool sync;
};

/**
 * struct zcopy_residency - which pages of the FILE piece being sent were in
 *	the page cache before this transfer could have read them (residency.c)
 * @file: the piece's file
 * @mapping: where its data is cached; NULL when dma_in_bytes does not
 *	apply (no block device) or the piece is empty
 * @stacked: the data lives below a stacked filesystem (overlayfs), whose
 *	readahead state is not @file's
 * @last: last page of the piece's reported range: later pages are not counted
 * @ws: first page of the window
 * @we: end of the window: pages [@ws, @we) were looked up before any read
 *	of this transfer could reach them
 * @cap: pages @map has room for
 * @map: bit i set: page @ws + i was resident, or has been counted
 * @map_inline: the context's map of ZCOPY_RES_INLINE pages: @map while the
 *	window fits it
 */
struct zcopy_residency {
	struct file *file;
	struct address_space *mapping;
	bool stacked;
	pgoff_t last;
	pgoff_t ws;
	pgoff_t we;
	unsigned long cap;
	unsigned long *map;
	unsigned long *map_inline;
};

/**
 * struct zcopy_xfer_ctx - state of one ZCOPY_IOC_XFER call
 * @sock: the connected socket
 * @sock_file: reference keeping @sock alive
 * @flags: ZCOPY_F_* of the call
 * @msg_flags: MSG_DONTWAIT / MSG_NOSIGNAL for every send
 * @left: bytes of the whole transfer still to send; while more follow,
 *	sends carry MSG_MORE
 * @more_sent: the last send carried MSG_MORE: a transfer that ends there
 *	pushes what is queued (see zcopy_sock_flush())
 * @egress_hw: the devices that transmit (the route's device, or those at
 *	the bottom of its stack) are backed by hardware (have a parent
 *	device), so what the socket sends leaves by DMA
 * @csum_copies: a device on the way cannot checksum the socket's protocol:
 *	the stack copies shared (page-cache, spliced) fragments to checksum
 *	them (see zcopy_sock_path())
 * @stack_copies: the network stack will copy what it is handed on the
 *	current path (see zcopy_sock_path())
 * @family: socket family
 * @ifname: egress interface of the first send, "" for none (UNIX, or
 *	nothing was sent)
 * @sync_pages: ZCOPY_F_SYNC applies to the page-cache pages being gathered
 * @sync: ZCOPY_F_SYNC release notification of this transfer (plain TCP only)
 * @sync_sent: pages under @sync's notification went to the socket: the
 *	call waits for their release
 * @res: page-cache residency of the FILE piece being sent (dma_in)
 * @stop_err: why the transfer stopped before its end (-errno): the error
 *	of the send that failed, or what made the socket take less than it
 *	was offered, or -ERESTARTSYS for a pending signal, or the read that
 *	failed; 0 while it goes on
 * @halted: nothing more goes to the socket: a send failed or was short, or
 *	a signal is pending (what is gathered is dropped); after a read
 *	error, what was gathered before it is still sent
 * @batch: the fragments gathered for the next socket call
 * @uring_inline: io_uring's inline attempt (ZCOPY_RUN_NOWAIT): runs in the
 *	submitting task, where io_uring's task-work notification
 *	(TIF_NOTIFY_SIGNAL) is not a signal to the caller
 * @c: the counters of this transfer
 * @bv_inline: @batch's fragments, up to ZCOPY_BATCH_INLINE
 * @frag_inline: what they hold
 * @map_inline: @res's map while its window fits
 * @descs_inline: the caller's descriptors, up to ZCOPY_DESCS_INLINE
 * @pieces_inline: the pieces resolved from them
 *
 * The context comes from a cache of its own, not zeroed at allocation
 * (zcopy_xfer_ctx_alloc()): everything before @bv_inline is zeroed by the
 * call, the storage from @bv_inline on is written before it is read, and
 * of @pieces_inline only the pieces the call uses are zeroed.
 */
struct zcopy_xfer_ctx {
	struct socket *sock;
	struct file *sock_file;
	u32 flags;
	int msg_flags;
	size_t left;
	bool more_sent;
	bool egress_hw;
	bool stack_copies;
	bool csum_copies;
	u16 family;
	char ifname[IFNAMSIZ];
	bool sync_pages;
	struct zcopy_sync *sync;
	bool sync_sent;
	struct zcopy_residency res;
	int stop_err;
	bool halted;
	struct zcopy_batch batch;
	bool uring_inline;
	struct zcopy_counters c;

	/* not zeroed at allocation: see above */
	struct bio_vec bv_inline[ZCOPY_BATCH_INLINE];
	struct zcopy_frag frag_inline[ZCOPY_BATCH_INLINE];
	unsigned long map_inline[BITS_TO_LONGS(ZCOPY_RES_INLINE)];
	struct zcopy_desc descs_inline[ZCOPY_DESCS_INLINE];
	struct zcopy_piece pieces_inline[ZCOPY_DESCS_INLINE];
};

/*
 * The transfer stops here, for @err (-errno): remembered for the caller's
 * "error", which the ioctl's count alone cannot tell after a partial send.
 */
static inline int zcopy_stop(struct zcopy_xfer_ctx *x, int err)
{
	x->stop_err = err;
	return err;
}

/*
 * As sendfile(2) at every batch (splice_to_socket(), splice_from_pipe_next()):
 * a pending signal, fatal or not (the freezer's too), ends the transfer
 * before the next batch; -ERESTARTSYS lets the syscall layer restart or
 * return EINTR when nothing was sent.
 */
static inline int zcopy_check_signal(struct zcopy_xfer_ctx *x)
{
	/*
	 * signal_pending() includes TIF_NOTIFY_SIGNAL, which io_uring sets on
	 * the submitter to run its completions, and io-wq on a worker to
	 * cancel its request: only the second ends a transfer.
	 */
	if (x->uring_inline ? !task_sigpending(current) : !signal_pending(current))
		return 0;
	x->halted = true;
	return zcopy_stop(x, -ERESTARTSYS);
}

/* sock.c */
bool zcopy_sock_plain_tcp(const struct sock *sk);
int zcopy_sock_get(int fd, struct zcopy_xfer_ctx *x);
void zcopy_sock_put(struct zcopy_xfer_ctx *x);
ssize_t zcopy_send_pages(struct zcopy_xfer_ctx *x, struct bio_vec *bv,
			 const struct zcopy_frag *frag, unsigned int n, size_t len,
			 size_t pages, bool sync);
ssize_t zcopy_send_kvec(struct zcopy_xfer_ctx *x, void *buf, size_t len);
void zcopy_sock_flush(struct zcopy_xfer_ctx *x);
size_t zcopy_sock_room(struct zcopy_xfer_ctx *x);
size_t zcopy_sock_cut(struct zcopy_xfer_ctx *x, size_t want);

/* batch.c: gathering fragments, one socket call per batch */
int zcopy_batch_init(struct zcopy_xfer_ctx *x, unsigned int want);
void zcopy_batch_free(struct zcopy_xfer_ctx *x);
int zcopy_batch_add_slow(struct zcopy_xfer_ctx *x, struct page *page, unsigned int offset,
			 unsigned int len, struct page *put, unsigned int flags);
int zcopy_batch_flush(struct zcopy_xfer_ctx *x);

/* page-cache pages under SYNC go in socket calls of their own */
static inline bool zcopy_frag_sync(const struct zcopy_xfer_ctx *x, unsigned int flags)
{
	return (flags & ZCOPY_FRAG_CACHE) && x->sync_pages;
}

/* pages a fragment of @len bytes at @offset spans: what pages_referenced counts */
static inline size_t zcopy_frag_pages(unsigned int offset, size_t len)
{
	return DIV_ROUND_UP(offset_in_page(offset) + len, PAGE_SIZE);
}

/**
 * zcopy_batch_push - append a fragment; the caller made room for it
 * @x: the transfer
 * @page: first page of the fragment
 * @offset: its offset in @page (may reach into the following pages of a
 *	compound page)
 * @len: its bytes
 * @put: our reference to drop after the send, or NULL
 * @flags: ZCOPY_FRAG_*
 */
static inline void zcopy_batch_push(struct zcopy_xfer_ctx *x, struct page *page,
				    unsigned int offset, unsigned int len,
				    struct page *put, unsigned int flags)
{
	struct zcopy_batch *b = &x->batch;

	b->sync = zcopy_frag_sync(x, flags);
	bvec_set_page(&b->bv[b->n], page, len, offset);
	b->frag[b->n].put = put;
	b->frag[b->n].flags = flags;
	b->n++;
	b->len += len;
	b->pages += zcopy_frag_pages(offset, len);
	if (flags & ZCOPY_FRAG_BUF) {
		b->buf_bytes += len;
		b->buf_ops += !!(flags & ZCOPY_FRAG_BUF_FIRST);
	}
}

/**
 * zcopy_batch_add - append a fragment, sending the batch first when full
 * @x: the transfer
 * @page: see zcopy_batch_push()
 * @offset: see zcopy_batch_push()
 * @len: see zcopy_batch_push()
 * @put: our reference, now the batch's: dropped after the send, or at
 *	once when the transfer is halted
 * @flags: ZCOPY_FRAG_*
 *
 * Return: 0, or -errno when the transfer is halted (nothing appended).
 */
static inline int zcopy_batch_add(struct zcopy_xfer_ctx *x, struct page *page,
				  unsigned int offset, unsigned int len,
				  struct page *put, unsigned int flags)
{
	struct zcopy_batch *b = &x->batch;

	if (unlikely(x->halted || b->n == b->cap ||
		     (b->n && b->sync != zcopy_frag_sync(x, flags))))
		return zcopy_batch_add_slow(x, page, offset, len, put, flags);
	zcopy_batch_push(x, page, offset, len, put, flags);
	return 0;
}

/* account.c: /proc/PID/io and fsnotify, as sendfile(2) */
ssize_t zcopy_kernel_read(struct file *file, void *buf, size_t count, loff_t *pos);
void zcopy_account_xfer(struct zcopy_xfer_ctx *x, const struct zcopy_piece *pieces,
			unsigned int n);

/* compat.c: the one place where the 6.1 and 6.12 send paths differ */
ssize_t zcopy_compat_send_pages(struct socket *sock, struct bio_vec *bv,
				const struct zcopy_frag *frag, unsigned int n,
				size_t len, int flags);

/* sync.c: ZCOPY_F_SYNC */
struct zcopy_sync;
struct zcopy_sync *zcopy_sync_new(void);
/* where zcopy_sync_note() put the fragments of one send */
struct zcopy_sync_pos {
	u32 seq;
	unsigned int first;
};

/* how fragments were sent, for zcopy_sync_note() */
enum zcopy_sync_how {
	ZCOPY_SYNC_BY_REF,
	ZCOPY_SYNC_BY_COPY,
	ZCOPY_SYNC_COUNTED,
};

void zcopy_sync_note(struct zcopy_sync *s, struct sock *sk, const struct bio_vec *bv,
		     unsigned int n, enum zcopy_sync_how how, struct zcopy_sync_pos *pos);
void zcopy_sync_keep(struct zcopy_sync *s, struct sock *sk,
		     const struct zcopy_sync_pos *pos, ssize_t sent);
ssize_t zcopy_sync_send_pages(struct zcopy_sync *s, struct socket *sock,
			      struct bio_vec *bv, unsigned int n, size_t len,
			      int flags);
int zcopy_sync_wait(struct zcopy_sync *s, struct zcopy_counters *c, long timeo);
void zcopy_sync_complete(struct sk_buff *skb, struct ubuf_info *uarg,
			 bool zerocopy_success);
void zcopy_compat_ubuf_init(struct ubuf_info *uarg);
int zcopy_compat_verify_chunk(struct file *file, loff_t pos, size_t len);
void zcopy_sync_uninit(void);

/* residency.c: which pages of a file range were in the page cache */
void zcopy_residency_start(struct zcopy_residency *res, struct file *file,
			   loff_t pos, size_t len);
int zcopy_residency_before_read(struct zcopy_residency *res, loff_t next, loff_t pos,
				size_t len);
u64 __zcopy_residency_count(struct zcopy_residency *res, loff_t from, loff_t to);
void zcopy_residency_free(struct zcopy_residency *res);
bool zcopy_residency_mostly_cached(struct file *file, loff_t pos, size_t len);

/**
 * zcopy_residency_count - bytes the device read for [@from, @to)
 * @res: the piece's record
 * @from: first byte this transfer takes from the page cache
 * @to: end of those bytes
 *
 * Return: PAGE_SIZE for every page of the range that lies in a looked-up
 * window, was not resident there and was not counted before (the device
 * reads whole pages, including the tail page of a file); pages beyond
 * every window were found resident by the lookup that sends them.
 */
static inline u64 zcopy_residency_count(struct zcopy_residency *res, loff_t from, loff_t to)
{
	/* nothing looked up (a warm file): every page found was resident */
	if (!res->mapping || res->we == res->ws)
		return 0;
	return __zcopy_residency_count(res, from, to);
}

/* ctx.c: the transfer context's cache */
int zcopy_xfer_init(void);
void zcopy_xfer_uninit(void);
struct zcopy_xfer_ctx *zcopy_xfer_ctx_alloc(void);
void zcopy_xfer_ctx_free(struct zcopy_xfer_ctx *x);

/* the modes */
ssize_t zcopy_send_file_sg(struct zcopy_xfer_ctx *x, struct zcopy_piece *p);
ssize_t zcopy_send_file_copy(struct zcopy_xfer_ctx *x, struct zcopy_piece *p);
ssize_t zcopy_send_file_direct(struct zcopy_xfer_ctx *x, struct zcopy_piece *p);
bool zcopy_file_can_direct(struct file *file);

/* buf.c */
int zcopy_buf_load(struct zcopy_piece *p, u64 uaddr, size_t len);
ssize_t zcopy_send_buf(struct zcopy_xfer_ctx *x, struct zcopy_piece *p);
void zcopy_buf_free(struct zcopy_piece *p);

#endif /* _ZCOPY_XFER_H */
