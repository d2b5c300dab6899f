// SPDX-License-Identifier: GPL-2.0
/*
 * From samples to figures: per-run values, their median, min and max, the
 * ratio to the reference method taken run by run (so that a slow moment
 * of a noisy machine hits both sides of the ratio), and the three outputs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tool.h"

static const struct {
	const char *key, *unit;
} metric[BX_COUNT] = {
	[BX_MBPS] = { "throughput", "MB/s" },
	[BX_TPS] = { "transfers_per_sec", "1/s" },
	[BX_USER] = { "cpu_user_per_gib", "s/GiB" },
	[BX_SYS] = { "cpu_sys_per_gib", "s/GiB" },
	[BX_CPU] = { "cpu_per_gib", "s/GiB" },
	[BX_SYSCALLS] = { "syscalls_per_transfer", "calls" },
	[BX_SWITCHES] = { "mode_switches_per_transfer", "switches" },
	[BX_VCSW] = { "voluntary_ctx_switches_per_transfer", "switches" },
	[BX_IVCSW] = { "involuntary_ctx_switches_per_transfer", "switches" },
	[BX_CPU_COPIES] = { "cpu_copies", "x payload" },
	[BX_DMA_COPIES] = { "dma_copies", "x payload" },
	[BX_DISK] = { "disk_read", "MiB" },
	[BX_CACHE] = { "page_cache_growth", "% of payload" },
	[BX_PACKETS] = { "packets_per_transfer", "packets" },
	[BX_RATIO_MBPS] = { "throughput_ratio", "x reference" },
	[BX_RATIO_CPU] = { "cpu_per_gib_ratio", "x reference" },
	[BX_CPU_ITEM] = { "cpu_per_transfer", "us" },
	[BX_CAPACITY] = { "transfers_per_cpu_sec", "1/s" },
	[BX_RATIO_CAP] = { "capacity_ratio", "x reference" },
};

static bool is_ratio(unsigned int m)
{
	return m == BX_RATIO_MBPS || m == BX_RATIO_CPU || m == BX_RATIO_CAP;
}

static double per(double v, double d)
{
	return d > 0 ? v / d : 0;
}

static void figures(const struct bench_sample *s, double *v)
{
	double gib = s->bytes / (double)(1ULL << 30);
	double items = s->items ? s->items : 1;

	v[BX_MBPS] = per(s->bytes / 1e6, s->secs);
	v[BX_TPS] = per(s->items, s->secs);
	v[BX_USER] = per(s->user, gib);
	v[BX_SYS] = per(s->sys, gib);
	v[BX_CPU] = per(s->user + s->sys, gib);
	v[BX_SYSCALLS] = s->syscalls / items;
	v[BX_SWITCHES] = 2 * s->syscalls / items;	/* into the kernel and back */
	v[BX_VCSW] = s->vcsw / items;
	v[BX_IVCSW] = s->ivcsw / items;
	v[BX_CPU_COPIES] = per(s->cpu_copy, s->bytes);
	v[BX_DMA_COPIES] = per(s->dma_in + s->dma_out, s->bytes);
	v[BX_DISK] = s->disk_read / (double)(1 << 20);
	v[BX_CACHE] = per(100.0 * s->cache_growth, s->bytes);
	v[BX_PACKETS] = s->packets / items;
	v[BX_CPU_ITEM] = per(1e6 * (s->user + s->sys), s->items);
	v[BX_CAPACITY] = per(s->items, s->user + s->sys);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void stats(double *v, unsigned int n, double *med, double *min, double *max)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*min = v[0];
	*max = v[n - 1];
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_report_add(struct bench_report *r, const char *workload, const char *method,
		     unsigned int streams, const struct bench_sample *s,
		     const char *ref_name, const struct bench_sample *ref, unsigned int runs)
{
	double (*v)[BX_COUNT] = calloc(runs, sizeof(*v));
	double *col = calloc(runs, sizeof(*col));
	struct bench_row *row;

	if (!v || !col || !runs)
		goto nomem;
	if (r->nrows == r->cap) {
		unsigned int cap = r->cap ? 2 * r->cap : 16;
		struct bench_row *rows = realloc(r->rows, cap * sizeof(*rows));

		if (!rows)
			goto nomem;
		r->rows = rows;
		r->cap = cap;
	}
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof(*row));
	row->workload = workload;
	row->method = method;
	row->streams = streams;
	row->runs = runs;
	row->copies_measured = s[0].copies_measured;
	row->ref = ref ? ref_name : NULL;
	for (unsigned int i = 0; i < runs; i++) {
		figures(&s[i], v[i]);
		if (ref) {
			double rv[BX_COUNT];

			figures(&ref[i], rv);
			v[i][BX_RATIO_MBPS] = per(v[i][BX_MBPS], rv[BX_MBPS]);
			v[i][BX_RATIO_CPU] = per(v[i][BX_CPU], rv[BX_CPU]);
			v[i][BX_RATIO_CAP] = per(v[i][BX_CAPACITY], rv[BX_CAPACITY]);
		}
	}
	for (unsigned int m = 0; m < BX_COUNT; m++) {
		for (unsigned int i = 0; i < runs; i++)
			col[i] = v[i][m];
		stats(col, runs, &row->med[m], &row->min[m], &row->max[m]);
	}
	free(v);
	free(col);
	return 0;
nomem:
	free(v);
	free(col);
	return -ENOMEM;
}

void bench_report_free(struct bench_report *r)
{
	free(r->rows);
	r->rows = NULL;
	r->nrows = r->cap = 0;
}

static bool new_group(const struct bench_report *r, unsigned int i)
{
	return !i || strcmp(r->rows[i].workload, r->rows[i - 1].workload) ||
	       r->rows[i].streams != r->rows[i - 1].streams;
}

/*
 * The textbook table, measured: per transfer, how many mode switches;
 * per payload byte, how many CPU and DMA copies; then what it cost.
 */
void bench_report_table(const struct bench_report *r, FILE *f)
{
	for (unsigned int i = 0; i < r->nrows; i++) {
		const struct bench_row *w = &r->rows[i];
		char thr[48];

		if (new_group(r, i)) {
			fprintf(f, "\n%s %s, %s, %u stream%s: median of %u runs [min..max]; xref: ratio to %s in the same run\n",
				r->kernel, r->transport, w->workload, w->streams,
				w->streams > 1 ? "s" : "", w->runs, w->ref ? w->ref : "(none)");
			fprintf(f, "%-14s %-22s %6s %9s %6s %6s %6s %8s %8s %7s %7s %6s %7s %8s %7s %6s\n",
				"method", "MB/s [min..max]", "xref", "xfers/s", "usr", "sys",
				"xref", "switch", "ctxsw", "CPUcopy", "DMAcopy", "disk", "cache",
				"packets", "cpu", "xref");
			fprintf(f, "%-14s %-22s %6s %9s %6s %6s %6s %8s %8s %7s %7s %6s %7s %8s %7s %6s\n",
				"", "", "", "", "s/GiB", "s/GiB", "cpu", "/xfer", "v+i", "/byte",
				"/byte", "MiB", "%", "/xfer", "us/xfer", "cap");
		}
		snprintf(thr, sizeof(thr), "%.0f [%.0f..%.0f]",
			 w->med[BX_MBPS], w->min[BX_MBPS], w->max[BX_MBPS]);
		fprintf(f, "%-14s %-22s %6.2f %9.0f %6.2f %6.2f %6.2f %8.0f %8.1f %6.2f%c %6.2f%c %6.0f %7.1f %8.2f %7.1f %6.2f\n",
			w->method, thr, w->med[BX_RATIO_MBPS], w->med[BX_TPS],
			w->med[BX_USER], w->med[BX_SYS], w->med[BX_RATIO_CPU],
			w->med[BX_SWITCHES], w->med[BX_VCSW] + w->med[BX_IVCSW],
			w->med[BX_CPU_COPIES], w->copies_measured ? ' ' : '*',
			w->med[BX_DMA_COPIES], w->copies_measured ? ' ' : '*',
			w->med[BX_DISK], w->med[BX_CACHE], w->med[BX_PACKETS],
			w->med[BX_CPU_ITEM], w->med[BX_RATIO_CAP]);
	}
	fputs("\n* model: what the kernel path does for that method (the device counts only its own\n"
	      "  transfers); disk reads are measured for every method.\n"
	      "cpu us/xfer: the sender's CPU per transfer; xref cap: its transfers per CPU second\n"
	      "  (1e6 / us/xfer, what it could send with a CPU to itself), to the reference's.\n", f);
}

int bench_report_csv(const struct bench_report *r, const char *path)
{
	FILE *f = fopen(path, "a+e");
	long size;

	if (!f)
		return err_errno(path, errno);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	if (!size)
		fputs("kernel,transport,workload,streams,method,runs,reference,metric,unit,median,min,max,source\n",
		      f);
	for (unsigned int i = 0; i < r->nrows; i++) {
		const struct bench_row *w = &r->rows[i];

		for (unsigned int m = 0; m < BX_COUNT; m++) {
			bool copy = m == BX_CPU_COPIES || m == BX_DMA_COPIES;

			if (is_ratio(m) && !w->ref)
				continue;
			fprintf(f, "%s,%s,%s,%u,%s,%u,%s,%s,%s,%.6g,%.6g,%.6g,%s\n",
				r->kernel, r->transport, w->workload, w->streams, w->method,
				w->runs, w->ref ? w->ref : "",
				metric[m].key, metric[m].unit, w->med[m], w->min[m], w->max[m],
				copy && !w->copies_measured ? "model" : "measured");
		}
	}
	if (fclose(f))
		return err_errno(path, errno);
	return EXIT_OK;
}

/* %g can print inf/nan, which JSON has no words for */
static double json_num(double v)
{
	return isfinite(v) ? v : 0;
}

void bench_report_json(const struct bench_report *r, FILE *f)
{
	fprintf(f, "{\"transport\":\"%s\",\"kernel\":\"%s\","
		"\"file_bytes\":%llu,\"small_items\":%u,\"results\":[",
		r->transport, r->kernel,
		(unsigned long long)r->file_bytes, r->small_items);
	for (unsigned int i = 0; i < r->nrows; i++) {
		const struct bench_row *w = &r->rows[i];

		fprintf(f, "%s{\"workload\":\"%s\",\"streams\":%u,\"method\":\"%s\",\"runs\":%u,"
			"\"reference\":\"%s\",\"copies\":\"%s\",\"metrics\":{",
			i ? "," : "", w->workload, w->streams, w->method, w->runs,
			w->ref ? w->ref : "", w->copies_measured ? "measured" : "model");
		for (unsigned int m = 0, n = 0; m < BX_COUNT; m++) {
			if (is_ratio(m) && !w->ref)
				continue;
			fprintf(f, "%s\"%s\":{\"unit\":\"%s\",\"median\":%.6g,\"min\":%.6g,\"max\":%.6g}",
				n++ ? "," : "", metric[m].key, metric[m].unit,
				json_num(w->med[m]), json_num(w->min[m]), json_num(w->max[m]));
		}
		fputs("}}", f);
	}
	fputs("]}\n", f);
}
