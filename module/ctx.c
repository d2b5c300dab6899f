// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer context's lifetime: one per ZCOPY_IOC_XFER call (or io_uring
 * command), from a cache of its own, so that a small response's call does
 * not zero the whole context at allocation.
 */
#include <linux/mm.h>
#include <linux/poison.h>
#include <linux/slab.h>
#include <linux/stddef.h>

#include "xfer.h"

static struct kmem_cache *zcopy_xfer_cache;

/*
 * With a constructor, the slab does not zero an object at every
 * allocation under init_on_alloc (slab_want_init_on_alloc()), Debian's
 * default: every call zeroes what it reads before writing, the state
 * before @bv_inline (about a fifth of the context) and its pieces.  Most
 * of the context is storage for batches, descriptors and pieces that are
 * written before they are read.  The constructor's zeroing is not relied
 * on.  A constructor also turns init_on_free off for the cache
 * (slab_want_init_on_free()): zcopy_xfer_ctx_free() wipes the context
 * itself then, and KMSAN and tag-based KASAN see no read before write in
 * it, so a KASAN kernel (make check-debug) fills the storage with a
 * pattern at allocation, where a read before write shows.
 */
static void zcopy_xfer_ctx_ctor(void *obj)
{
	memset(obj, 0, sizeof(struct zcopy_xfer_ctx));
}

int zcopy_xfer_init(void)
{
	/* copy_from_user() fills descs_inline: the only user-copy region */
	zcopy_xfer_cache =
		kmem_cache_create_usercopy("zcopy_xfer_ctx", sizeof(struct zcopy_xfer_ctx), 0,
					   SLAB_HWCACHE_ALIGN,
					   offsetof(struct zcopy_xfer_ctx, descs_inline),
					   sizeof_field(struct zcopy_xfer_ctx, descs_inline),
					   zcopy_xfer_ctx_ctor);
	return zcopy_xfer_cache ? 0 : -ENOMEM;
}

void zcopy_xfer_uninit(void)
{
	kmem_cache_destroy(zcopy_xfer_cache);
}

struct zcopy_xfer_ctx *zcopy_xfer_ctx_alloc(void)
{
	struct zcopy_xfer_ctx *x = kmem_cache_alloc(zcopy_xfer_cache, GFP_KERNEL);

	if (!x)
		return NULL;
	memset(x, 0, offsetof(struct zcopy_xfer_ctx, bv_inline));
	if (IS_ENABLED(CONFIG_KASAN))
		memset(&x->bv_inline, POISON_INUSE,
		       sizeof(*x) - offsetof(struct zcopy_xfer_ctx, bv_inline));
	x->res.map_inline = x->map_inline;
	return x;
}

void zcopy_xfer_ctx_free(struct zcopy_xfer_ctx *x)
{
	/* its descriptors and page pointers, as init_on_free=1 asks */
	if (want_init_on_free())
		memset(x, 0, sizeof(*x));
	kmem_cache_free(zcopy_xfer_cache, x);
}
