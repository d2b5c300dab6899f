/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print call produces both outputs: "label: value" lines for people,
 * or a JSON object (-j) keyed by the key argument, as iproute2's
 * json_print.h does.
 */
#ifndef ZCOPY_OUTPUT_H
#define ZCOPY_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

void out_open(FILE *f, int json);
void out_close(void);
void out_u64(const char *key, const char *label, uint64_t v);
void out_str(const char *key, const char *label, const char *s);
void out_list_begin(const char *key, const char *label);
void out_list_str(const char *s);
void out_list_end(void);

#endif
