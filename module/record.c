// SPDX-License-Identifier: GPL-2.0
/*
 * Transfer records: a ring of the last ring_size transfers and per-mode
 * totals since load (or the last reset).  Totals are per-CPU so that
 * concurrent transfers never share a cache line for them.  The ring has no
 * global lock: a record goes to the slot its id names (id % ring_size),
 * under that slot's own lock, so concurrent transfers meet only on the
 * atomic that hands out ids.
 *
 * A reset splits the transfers in two, by id: those up to reset_id are
 * before it (neither in the totals nor shown), the others after.  Commits
 * and debugfs readers hold the read side of a per-CPU rwsem (no shared
 * cache line), the reset its write side, so no commit adds to totals that
 * are being zeroed, none of an id before the reset adds to the totals
 * after it, and no reader sees half of a reset.
 */
#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/percpu-rwsem.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>

#include "record.h"

static unsigned int ring_size = 256;
module_param(ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "Transfers kept in debugfs's transfers table (default 256, 1..65536)");

#define ZCOPY_FIELD(f)	{ #f, offsetof(struct zcopy_counters, f) }
const struct zcopy_counter_field zcopy_counter_fields[] = {
	ZCOPY_FIELD(bytes_requested),
	ZCOPY_FIELD(bytes_sent),
	ZCOPY_FIELD(cpu_copy_bytes),
	ZCOPY_FIELD(cpu_copy_ops),
	ZCOPY_FIELD(dma_in_bytes),
	ZCOPY_FIELD(dma_out_bytes),
	ZCOPY_FIELD(sg_entries),
	ZCOPY_FIELD(pages_referenced),
	ZCOPY_FIELD(direct_bytes),
	ZCOPY_FIELD(duration_ns),
};

const unsigned int zcopy_counter_nfields = ARRAY_SIZE(zcopy_counter_fields);

const char *const zcopy_mode_names[ZCOPY_MODE_COUNT] = {
	[ZCOPY_MODE_AUTO] = "auto",
	[ZCOPY_MODE_COPY] = "copy",
	[ZCOPY_MODE_SG] = "sg",
	[ZCOPY_MODE_DIRECT] = "direct",
};

struct zcopy_totals {
	u64 transfers;
	u64 errors;
	struct zcopy_counters c;
};

static struct zcopy_totals __percpu *totals;	/* [ZCOPY_MODE_COUNT] each */
static atomic64_t next_id = ATOMIC64_INIT(0);

struct zcopy_slot {
	spinlock_t lock;	/* protects r */
	struct zcopy_record r;	/* r.id 0: never written */
};

static struct zcopy_slot *ring;
static atomic64_t reset_id = ATOMIC64_INIT(0);	/* ids up to this one are hidden */
/*
 * Commits and readers take the read side, a reset the write side.  Not
 * DEFINE_STATIC_PERCPU_RWSEM(): its RCU callback may still be queued when
 * the module goes, and only percpu_free_rwsem() waits for it.
 */
static struct percpu_rw_semaphore reset_sem;

static u64 zcopy_counter(const struct zcopy_counters *c, unsigned int i)
{
	return *(const u64 *)((const char *)c + zcopy_counter_fields[i].offset);
}

int zcopy_record_init(void)
{
	unsigned int i;
	int ret;

	ring_size = clamp(ring_size, 1U, 65536U);
	ret = percpu_init_rwsem(&reset_sem);
	if (ret)
		return ret;
	ring = kvcalloc(ring_size, sizeof(*ring), GFP_KERNEL);
	if (!ring) {
		percpu_free_rwsem(&reset_sem);
		return -ENOMEM;
	}
	for (i = 0; i < ring_size; i++)
		spin_lock_init(&ring[i].lock);
	totals = __alloc_percpu(sizeof(struct zcopy_totals) * ZCOPY_MODE_COUNT,
				__alignof__(struct zcopy_totals));
	if (!totals) {
		kvfree(ring);
		percpu_free_rwsem(&reset_sem);
		return -ENOMEM;
	}
	return 0;
}

void zcopy_record_uninit(void)
{
	unsigned int i;

	for (i = 0; i < ring_size; i++)
		put_pid(ring[i].r.tgid);
	free_percpu(totals);
	kvfree(ring);
	percpu_free_rwsem(&reset_sem);
}

u64 zcopy_record_next_id(void)
{
	return atomic64_inc_return(&next_id);
}

/* @r's reference to its thread group becomes the ring's, or is dropped */
void zcopy_record_commit(struct zcopy_record *r)
{
	struct pid *drop = r->tgid;
	struct zcopy_slot *slot;
	struct zcopy_totals *t;
	unsigned int i;

	percpu_down_read(&reset_sem);
	if (r->id <= atomic64_read(&reset_id))
		goto out;
	t = get_cpu_ptr(totals) + r->mode;
	t->transfers++;
	if (r->error)
		t->errors++;
	for (i = 0; i < zcopy_counter_nfields; i++)
		*(u64 *)((char *)&t->c + zcopy_counter_fields[i].offset) +=
			zcopy_counter(&r->c, i);
	put_cpu_ptr(totals);

	slot = &ring[r->id % ring_size];
	spin_lock(&slot->lock);
	/* a transfer that took long may commit after a newer one took the slot */
	if (r->id > slot->r.id) {
		drop = slot->r.tgid;
		slot->r = *r;
	}
	spin_unlock(&slot->lock);
out:
	percpu_up_read(&reset_sem);
	put_pid(drop);
}

/*
 * The record with this id while the ring still holds it; @pid its thread
 * group's number in the reader's pid namespace (0 when not visible there).
 */
static bool zcopy_record_get(u64 id, struct zcopy_record *r, pid_t *pid)
{
	struct zcopy_slot *slot = &ring[id % ring_size];
	bool found;

	if (id <= atomic64_read(&reset_id))
		return false;
	spin_lock(&slot->lock);
	found = slot->r.id == id;
	if (found) {
		*r = slot->r;
		/* the reference is the slot's: used only under its lock */
		*pid = pid_vnr(r->tgid);
		r->tgid = NULL;
	}
	spin_unlock(&slot->lock);
	return found;
}

void zcopy_record_reset(void)
{
	unsigned int i;
	int cpu;

	percpu_down_write(&reset_sem);
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(totals, cpu), 0,
		       sizeof(struct zcopy_totals) * ZCOPY_MODE_COUNT);
	atomic64_set(&reset_id, atomic64_read(&next_id));
	/* hidden records hold no process (nor its pid namespace) any more */
	for (i = 0; i < ring_size; i++) {
		struct pid *tgid;

		spin_lock(&ring[i].lock);
		tgid = ring[i].r.tgid;
		ring[i].r.tgid = NULL;
		spin_unlock(&ring[i].lock);
		put_pid(tgid);
	}
	percpu_up_write(&reset_sem);
}

void zcopy_record_show_totals(struct seq_file *m)
{
	unsigned int mode, i;
	int cpu;

	/* never half of a reset */
	percpu_down_read(&reset_sem);
	seq_printf(m, "%-8s %10s %8s", "mode", "transfers", "errors");
	for (i = 0; i < zcopy_counter_nfields; i++)
		seq_printf(m, " %s", zcopy_counter_fields[i].name);
	seq_putc(m, '\n');
	for (mode = 0; mode < ZCOPY_MODE_COUNT; mode++) {
		struct zcopy_totals sum = {};

		for_each_possible_cpu(cpu) {
			const struct zcopy_totals *t = per_cpu_ptr(totals, cpu) + mode;

			sum.transfers += t->transfers;
			sum.errors += t->errors;
			for (i = 0; i < zcopy_counter_nfields; i++)
				*(u64 *)((char *)&sum.c + zcopy_counter_fields[i].offset) +=
					zcopy_counter(&t->c, i);
		}
		seq_printf(m, "%-8s %10llu %8llu", zcopy_mode_names[mode],
			   sum.transfers, sum.errors);
		for (i = 0; i < zcopy_counter_nfields; i++)
			seq_printf(m, " %llu", zcopy_counter(&sum.c, i));
		seq_putc(m, '\n');
	}
	percpu_up_read(&reset_sem);
}

static void zcopy_record_row(struct seq_file *m, const struct zcopy_record *r, pid_t pid)
{
	unsigned int i;

	seq_printf(m, "%llu %d %s %s 0x%x %u %u %s %d", r->id, pid, r->comm,
		   zcopy_mode_names[r->mode], r->flags, r->family, r->ndescs,
		   r->ifname[0] ? r->ifname : "-", r->error);
	for (i = 0; i < zcopy_counter_nfields; i++)
		seq_printf(m, " %llu", zcopy_counter(&r->c, i));
	seq_putc(m, '\n');
}

/* oldest first; each record is copied under its slot's lock, printed outside it */
void zcopy_record_show_ring(struct seq_file *m)
{
	u64 last = atomic64_read(&next_id);
	u64 first = max_t(u64, atomic64_read(&reset_id), last - min_t(u64, last, ring_size));
	struct zcopy_record r;
	unsigned int f;
	pid_t pid;
	u64 id;

	seq_puts(m, "id pid comm mode flags family ndescs ifname error");
	for (f = 0; f < zcopy_counter_nfields; f++)
		seq_printf(m, " %s", zcopy_counter_fields[f].name);
	seq_putc(m, '\n');

	/* ids still in flight, or overwritten while we print, are skipped */
	percpu_down_read(&reset_sem);
	for (id = first + 1; id <= last; id++)
		if (zcopy_record_get(id, &r, &pid))
			zcopy_record_row(m, &r, pid);
	percpu_up_read(&reset_sem);
}

/* one record, "name value" per line; -ENOENT when no longer in the ring */
int zcopy_record_show_one(struct seq_file *m, u64 id)
{
	struct zcopy_record r;
	unsigned int i;
	pid_t pid;

	if (!zcopy_record_get(id, &r, &pid))
		return -ENOENT;

	seq_printf(m, "id %llu\npid %d\ncomm %s\nmode %s\nflags 0x%x\nfamily %u\n"
		   "ndescs %u\nifname %s\nerror %d\n", r.id, pid, r.comm,
		   zcopy_mode_names[r.mode], r.flags, r.family, r.ndescs,
		   r.ifname[0] ? r.ifname : "-", r.error);
	for (i = 0; i < zcopy_counter_nfields; i++)
		seq_printf(m, "%s %llu\n", zcopy_counter_fields[i].name,
			   zcopy_counter(&r.c, i));
	return 0;
}
