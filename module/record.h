/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transfer records and totals, for debugfs.
 */
#ifndef _ZCOPY_RECORD_H
#define _ZCOPY_RECORD_H

#include <linux/if.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "zcopy.h"

/**
 * struct zcopy_record - what one transfer did
 * @id: transfer id (returned by the ioctl)
 * @mode: requested ZCOPY_MODE_*
 * @flags: ZCOPY_F_* flags
 * @ndescs: descriptors
 * @error: errno that ended the transfer early (positive), 0 if complete
 * @tgid: caller's thread group (a reference), shown as its number in the
 *	pid namespace of whoever reads the record
 * @comm: caller's command name
 * @family: socket family
 * @ifname: egress interface of the first send, "" for none (UNIX, or
 *	nothing was sent)
 * @c: the counters returned by the ioctl
 */
struct zcopy_record {
	u64 id;
	u32 mode;
	u32 flags;
	u32 ndescs;
	int error;
	struct pid *tgid;
	char comm[TASK_COMM_LEN];
	u16 family;
	char ifname[IFNAMSIZ];
	struct zcopy_counters c;
};

/* a counter of struct zcopy_counters, by name, for tables */
struct zcopy_counter_field {
	const char *name;
	size_t offset;
};

extern const struct zcopy_counter_field zcopy_counter_fields[];
extern const unsigned int zcopy_counter_nfields;
extern const char *const zcopy_mode_names[ZCOPY_MODE_COUNT];

int zcopy_record_init(void);
void zcopy_record_uninit(void);
u64 zcopy_record_next_id(void);
void zcopy_record_commit(struct zcopy_record *r);
void zcopy_record_reset(void);
void zcopy_record_show_totals(struct seq_file *m);
void zcopy_record_show_ring(struct seq_file *m);
int zcopy_record_show_one(struct seq_file *m, u64 id);

#endif /* _ZCOPY_RECORD_H */
