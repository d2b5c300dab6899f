/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One transfer in progress: what every mode and the socket side share.
 */
#ifndef _ZCOPY_XFER_H
#define _ZCOPY_XFER_H

#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/if.h>
#include <linux/net.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>

#include "zcopy.h"

/* most page fragments handed to the socket in one call (one lock hold) */
#define ZCOPY_BATCH	PIPE_DEF_BUFFERS

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
 * @egress_hw: the egress device is backed by hardware (has a parent
 *	device), so what the socket sends leaves by DMA
 * @csum_copies: the egress device cannot checksum the socket's protocol:
 *	the stack copies shared (page-cache, spliced) fragments to checksum
 *	them (see zcopy_sock_path())
 * @stack_copies: the network stack will copy what it is handed on the
 *	current path (see zcopy_sock_path())
 * @family: socket family
 * @ifname: egress interface, "" for none (UNIX)
 * @sync_pages: ZCOPY_F_SYNC applies to the pages being sent (page cache)
 * @sync: ZCOPY_F_SYNC release notification of this transfer (TCP only)
 * @res: page-cache residency of the FILE piece being sent (dma_in)
 * @stop_err: why the transfer stopped before its end (-errno): the error
 *	of the send that failed, or what made the socket take less than it
 *	was offered, or -ERESTARTSYS for a pending signal; 0 while it goes on
 * @bv: scratch batch of page fragments
 * @c: the counters of this transfer
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
	struct zcopy_residency *res;
	int stop_err;
	struct bio_vec bv[ZCOPY_BATCH];
	struct zcopy_counters c;
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
	return signal_pending(current) ? zcopy_stop(x, -ERESTARTSYS) : 0;
}

/* sock.c */
bool zcopy_sock_plain_tcp(const struct sock *sk);
int zcopy_sock_get(int fd, struct zcopy_xfer_ctx *x);
void zcopy_sock_put(struct zcopy_xfer_ctx *x);
ssize_t zcopy_send_pages(struct zcopy_xfer_ctx *x, struct bio_vec *bv,
			 unsigned int n, size_t len);
ssize_t zcopy_send_page_array(struct zcopy_xfer_ctx *x, struct page **pages,
			      size_t skip, size_t len);
ssize_t zcopy_send_kvec(struct zcopy_xfer_ctx *x, void *buf, size_t len);
void zcopy_sock_flush(struct zcopy_xfer_ctx *x);

/* compat.c: the one place where the 6.1 and 6.12 send paths differ */
ssize_t zcopy_compat_send_pages(struct socket *sock, struct bio_vec *bv,
				unsigned int n, size_t len, int flags);

/* sync.c: ZCOPY_F_SYNC */
struct zcopy_sync;
struct zcopy_sync *zcopy_sync_new(void);
ssize_t zcopy_sync_send_pages(struct zcopy_sync *s, struct socket *sock,
			      struct bio_vec *bv, unsigned int n, size_t len,
			      int flags);
int zcopy_sync_wait(struct zcopy_sync *s, struct zcopy_counters *c, long timeo);
void zcopy_sync_complete(struct sk_buff *skb, struct ubuf_info *uarg,
			 bool zerocopy_success);
void zcopy_compat_ubuf_init(struct ubuf_info *uarg);
void zcopy_sync_uninit(void);

/* residency.c: which pages of a file range were in the page cache */
bool zcopy_residency_applies(struct file *file);
struct zcopy_residency *zcopy_residency_scan(struct file *file, loff_t pos,
					     size_t len);
u64 zcopy_residency_missing(struct zcopy_residency *res, loff_t from,
			    loff_t to);
void zcopy_residency_free(struct zcopy_residency *res);

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
