#!/bin/sh
# bench-nginx-table.sh RAW_CSV CHECKS_CSV: the nginx benchmark's table
# (medians of the runs per configuration and file), the checks, and issue
# 13's targets, met or not.  Each figure is the median of its own runs,
# with the min..max of req/s; a target's ratio is the median of the
# per-run ratios (the configurations' runs are interleaved, so run r of
# each shared the host's state of the moment).
#
#   conns     wrk's connections (keep-alive), one thread
#   req/s     wrk's completed requests per second
#   MB/s      body bytes wrk received per second, 10^6 bytes: what it read,
#             less one header (measured by a HEAD) per completed request
#   cpu%      nginx's worker (utime + stime) over the run: 100 = one vCPU
#   p50, p99  wrk's latency percentiles, ms
#   cacheKiB  growth of the page cache (Cached:) over the run, KiB (the
#             64 MiB file starts cold: its target is in % of its size)
#   dev/wrk   bytes the device sent over the body bytes wrk received, all
#             runs; above 1 by what was still in the socket buffers when
#             wrk closed; "-" where the device is not used
set -eu
raw=$1 checks=$2

gawk -F, '
function median(s,   a, n) {
	n = split(s, a, " ")
	asort(a)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR == 1 { next }
{
	k = $1 SUBSEP $2
	if (!(k in size)) { keys[++nk] = k }
	size[k] = $3
	s = $6 / 1e6
	b = $7 - $5 * $15
	rps[k] = rps[k] " " $5 / s
	lo[k] = (k in lo) && lo[k] < $5 / s ? lo[k] : $5 / s
	hi[k] = hi[k] > $5 / s ? hi[k] : $5 / s
	# per run, for the ratios
	r_rps[k, $4] = $5 / s
	r_mbs[k, $4] = b / s / 1e6
	r_p99[k, $4] = $9
	if ($4 > nruns) nruns = $4
	mbs[k] = mbs[k] " " b / s / 1e6
	cpu[k] = cpu[k] " " $11 / s
	p50[k] = p50[k] " " $8 / 1000
	p99[k] = p99[k] " " $9 / 1000
	cache[k] = cache[k] " " $12
	dev[k] += $13
	body[k] += b
	copy[k] += $14
	conns[k] = $16
	runs[k]++
}
END {
	printf "%-9s %-5s %5s %4s %9s %-15s %8s %6s %8s %8s %9s %8s\n", "config", "file", "conns",
		"runs", "req/s", " min..max", "MB/s", "cpu%", "p50 ms", "p99 ms", "cacheKiB", "dev/wrk"
	for (i = 1; i <= nk; i++) {
		k = keys[i]
		split(k, c, SUBSEP)
		m_rps[k] = median(rps[k]); m_mbs[k] = median(mbs[k]); m_p99[k] = median(p99[k])
		m_cache[k] = median(cache[k]) * 1024 * 100 / size[k]
		d = (c[1] == "sg" || c[1] == "auto") && body[k] ? sprintf("%.3f", dev[k] / body[k]) : "-"
		printf "%-9s %-5s %5d %4d %9.1f %-15s %8.1f %6.1f %8.2f %8.2f %9d %8s\n", c[1], c[2],
			conns[k], runs[k], m_rps[k], sprintf(" %.0f..%.0f", lo[k], hi[k]), m_mbs[k],
			median(cpu[k]), median(p50[k]), m_p99[k], median(cache[k]), d
		if (c[1] == "sg" && copy[k])
			printf "  sg %s: %d bytes copied by the CPU\n", c[2], copy[k]
	}
	print ""
	print "targets (issue 13 item 4):"
	for (p = 1; p <= 2; p++) {
		cfg = p == 1 ? "sg" : "auto"
		split("f16k f1m", fs, " ")
		for (j = 1; j <= 2; j++)
			ratio("req/s " cfg "/native " fs[j], r_rps, cfg SUBSEP fs[j],
			      "native" SUBSEP fs[j], ">=", 1.0)
	}
	ratio("cold f64m MB/s auto/directio", r_mbs, "auto" SUBSEP "f64m",
	      "directio" SUBSEP "f64m", ">=", 1.0)
	k = "auto" SUBSEP "f64m"
	if (k in m_cache)
		printf "  %-36s %8.1f%%  < 5%%     %s\n", "cold f64m auto page-cache growth",
			m_cache[k], m_cache[k] < 5 ? "met" : "MISSED"
	k = "directio" SUBSEP "f64m"
	if (k in m_cache)
		printf "  %-36s %8.1f%%  (reference)\n", "cold f64m directio page-cache growth",
			m_cache[k]
	k = "native" SUBSEP "f64m"
	if (k in m_cache)
		printf "  %-36s %8.1f%%  (reference)\n", "cold f64m native page-cache growth",
			m_cache[k]
	split("f1k f16k f1m f64m", fs, " ")
	for (p = 1; p <= 2; p++)
		for (j = 1; j <= 4; j++) {
			cfg = p == 1 ? "sg" : "auto"
			ratio("p99 " cfg "/native " fs[j], r_p99, cfg SUBSEP fs[j],
			      "native" SUBSEP fs[j], "<=", 1.05)
		}
}
# the median over runs of v[a, run] / v[b, run], against the target
function ratio(what, v, a, b, op, want,   r, s, n, lo, hi, x, ok) {
	s = ""
	for (r = 1; r <= nruns; r++)
		if (((a, r) in v) && v[b, r] > 0) {
			x = v[a, r] / v[b, r]
			s = s " " x
			lo = n++ && lo < x ? lo : x
			hi = hi > x ? hi : x
		}
	if (!n) {
		printf "  %-36s %9s  %s %.2fx   not measured\n", what, "-", op, want
		return
	}
	x = median(s)
	ok = op == ">=" ? x >= want : x <= want
	printf "  %-36s %8.3fx  %s %.2fx   %-6s (runs %.2f..%.2f)\n", what, x, op, want,
		ok ? "met" : "MISSED", lo, hi
}' "$raw"

echo
echo "checks:"
# verify,config,body bytes,device bytes,cpu copies,transfers (curl, run 1)
# stats,config,workers,device_calls,device_bytes,sendfile_calls,declined
awk -F, '
$1 == "verify" {
	printf "  curl %-9s %d bytes of files, identical (sha256); device sent %d bytes in %d transfers, %d copied by the CPU\n",
		$2, $3, $4, $6, $5
}
$1 == "stats" {
	printf "  ZCOPY_STATS %-4s %d workers: %.0f device calls, %.0f bytes; %.0f sendfile(2) calls, %.0f declined\n",
		$2, $3, $4, $5, $6, $7
}' "$checks"
