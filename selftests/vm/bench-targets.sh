#!/bin/sh
# bench-targets.sh RESULTS.CSV: the benchmark's targets (issue 5), each
# with the figure measured in this run and whether it was met.  Medians
# throughout; "xref" figures are medians of per-run ratios.
set -eu
awk -F, '
NR == 1 { next }
{ v[$2, $3, $4, $5, $8] = $10 }
function get(t, w, s, m, k) {
	return ((t, w, s, m, k) in v) ? v[t, w, s, m, k] + 0 : -1
}
function line(what, val, ok, fmt) {
	if (val < 0) {
		printf "%-62s %10s  %s\n", what, "-", "not measured"
		return
	}
	printf "%-62s " fmt "  %s\n", what, val, ok ? "met" : "MISSED"
}
END {
	t = "veth-sg"
	x = get(t, "warm", 1, "zcopy-sg", "cpu_per_gib_ratio")
	line("SG, 256 MiB warm, veth sg on: CPU/GiB vs sendfile <= 0.8", x, x <= 0.8, "%9.2fx")
	x = get(t, "warm", 1, "zcopy-sg", "throughput_ratio")
	line("SG, 256 MiB warm, veth sg on: throughput vs sendfile >= 1.0", x, x >= 1.0, "%9.2fx")
	a = get(t, "warm", 1, "read+write", "cpu_per_gib"); b = get(t, "warm", 1, "zcopy-sg", "cpu_per_gib")
	x = a >= 0 && b > 0 ? a / b : -1
	line("SG, 256 MiB warm: read+write CPU/GiB / SG CPU/GiB >= 3", x, x >= 3, "%9.2fx")
	x = get(t, "small", 1, "zcopy-sg", "throughput_ratio")
	line("small responses: SG transfers/s vs cork+sendfile >= 1.5", x, x >= 1.5, "%9.2fx")
	x = get(t, "small", 1, "zcopy-auto", "throughput_ratio")
	line("small responses: AUTO transfers/s vs cork+sendfile >= 1.5", x, x >= 1.5, "%9.2fx")
	x = get(t, "cold", 1, "zcopy-direct", "page_cache_growth")
	line("DIRECT, cold file: page-cache growth < 5% of the file", x, x >= 0 && x < 5, "%9.1f%%")
	x = get(t, "cold", 1, "sendfile", "page_cache_growth")
	line("  (sendfile, same file: about all of it)", x, 1, "%9.1f%%")
	x = get(t, "cold", 1, "zcopy-direct", "throughput_ratio")
	line("DIRECT, cold file: throughput vs cold sendfile >= 0.9", x, x >= 0.9, "%9.2fx")
	a = get(t, "streams", 8, "zcopy-sg", "throughput"); b = get(t, "streams", 1, "zcopy-sg", "throughput")
	x = a >= 0 && b > 0 ? a / b : -1
	line("8 streams vs 1 (SG): throughput >= 1.6x", x, x >= 1.6, "%9.2fx")
	a = get(t, "streams", 8, "sendfile", "throughput"); b = get(t, "streams", 1, "sendfile", "throughput")
	x = a >= 0 && b > 0 ? a / b : -1
	line("  (sendfile, the same)", x, 1, "%9.2fx")
}' "$1"
