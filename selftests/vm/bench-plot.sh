#!/bin/sh
# bench-plot.sh RESULTS.CSV OUT.SVG: throughput and sender CPU per GiB of
# every method on every transport (the warm large-file workload), as
# clustered bars with the min..max of the runs as error bars.
set -eu
csv=$1 svg=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one row per method, per transport three columns: median min max
table() {
	awk -F, -v metric="$1" '
	NR > 1 && $3 == "warm" && $4 == 1 && $8 == metric {
		if (!($2 in tseen)) { tseen[$2] = 1; t[++nt] = $2 }
		if (!($5 in mseen)) { mseen[$5] = 1; m[++nm] = $5 }
		v[$5, $2] = $10 " " $11 " " $12
	}
	END {
		printf "method"
		for (j = 1; j <= nt; j++) printf " %s - -", t[j]
		print ""
		for (i = 1; i <= nm; i++) {
			printf "%s", m[i]
			for (j = 1; j <= nt; j++) printf " %s", ((m[i], t[j]) in v) ? v[m[i], t[j]] : "NaN NaN NaN"
			print ""
		}
	}' "$csv"
}
table throughput >"$tmp/mbps"
table cpu_per_gib >"$tmp/cpu"
nt=$(head -n 1 "$tmp/mbps" | awk '{ print (NF - 1) / 3 }')
kernel=$(awk -F, 'NR == 2 { print $1 }' "$csv")
# a focused run without the warm workload (BENCH_ONLY=cold) has nothing to plot
if [ "$nt" = 0 ]; then
	echo "bench-plot: no warm workload in $csv, no $svg"
	rm -f "$svg"
	exit 0
fi

gnuplot <<GP
set terminal svg size 1100,800 dynamic font "sans,11"
set output "$svg"
set multiplot layout 2,1 title "zcopy bench, Debian $kernel under QEMU TCG: large file, warm cache, 1 stream (median, min..max)"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set key outside right top autotitle columnhead
set xtics rotate by -20 noenhanced
set grid ytics
set yrange [0:*]
set ylabel "throughput, MB/s"
plot for [i=1:$nt] "$tmp/mbps" using 3*i-1:3*i:3*i+1:xtic(1) title columnhead(3*i-1)
set ylabel "sender CPU, s per GiB"
plot for [i=1:$nt] "$tmp/cpu" using 3*i-1:3*i:3*i+1:xtic(1) title columnhead(3*i-1)
unset multiplot
GP
