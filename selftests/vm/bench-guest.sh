#!/bin/sh
# Runs inside the VM for `make bench`: `zcopy bench` on every transport,
# then the results between markers on stdout for the host to collect.
# Sizes and run counts come from bench.conf, written by bench.sh.
set -u
cd "$(dirname "$0")"
. ./bench.conf
data=${ZCOPY_DATA:-/mnt/data}
out=/tmp/bench
mkdir -p "$out"

echo "machine: guest $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)"

# TCP between two network namespaces over a veth pair
. ./guest-veth.sh
veth_pair zbpeer vb0 vb1

rc=0 n=0
bench() {
	label=$1
	shift
	n=$((n + 1))
	echo
	echo "=== $label: zcopy bench $*"
	./zcopy bench -d "$data" -r "$RUNS" --csv "$out/results.csv" \
		--json "$out/$n-$label.json" --label "$label" "$@" || rc=1
}

ethtool -K vb0 sg on >/dev/null
if [ -n "${ONLY:-}" ]; then
	# a focused run (bench.sh's "uring" kind): these workloads alone
	bench veth-sg --netns zbpeer -s "$SIZE" -w "$ONLY" ${METHODS:+-M "$METHODS"} \
		--small "$SMALL" 192.0.2.2:7100
	# who uses the CPUs while each one-thread server runs: the server
	# thread (zc-server, with the softirq work done in its context), the
	# load generator (zc-client), the idle vCPUs (swapper), the rest
	# (symbols and call chains: PROFILE_WORKLOADS=rr64 make profile)
	if [ "${PROFILE:-0}" = 1 ] && [ -x ./perf ]; then
		for m in epoll+cork epoll+zcopy zcopy-uring; do
			echo
			echo "=== profile: veth-sg rr64 $m (perf record -a -F 499, cpu-clock)"
			./perf record -q -a -F 499 -o "/tmp/perf-$m.data" -- \
				./zcopy bench --netns zbpeer -d "$data" -s 16M -r 1 -w rr64 -M "$m" \
				--small "$SMALL" 192.0.2.2:7110 2>&1 | grep -E '^(epoll|zcopy-uring)'
			./perf report -q -i "/tmp/perf-$m.data" --stdio --sort comm 2>/dev/null | head -8
		done
	fi
else
bench veth-sg --netns zbpeer -s "$SIZE" -w warm,small,rr,streams,rr64 \
	--small "$SMALL" --streams "$STREAMS" 192.0.2.2:7100
# The disk's raw O_DIRECT read speed, of the cold file bench LABEL left in
# DIR, goes into the CSV as method "dd-odirect", for bench-targets.sh.
raw_read() {
	f=$(ls "$2"/zcopy-bench-[0-9]*.dat | head -n 1)
	sync && echo 3 >/proc/sys/vm/drop_caches
	# busybox's dd prints no rate; /proc/uptime ticks in 10 ms
	t0=$(cut -d ' ' -f 1 /proc/uptime)
	dd if="$f" of=/dev/null bs=4M iflag=direct 2>/dev/null || rc=1
	t1=$(cut -d ' ' -f 1 /proc/uptime)
	mbps=$(awk -v b="$(stat -c %s "$f")" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%.3f", b / 1e6 / (t1 - t0) }')
	echo "$1: raw O_DIRECT read of $f: $mbps MB/s"
	echo "$(uname -r),$1,cold,1,dd-odirect,1,,throughput,MB/s,$mbps,$mbps,$mbps,measured" \
		>>"$out/results.csv"
}

# the direct-I/O target: a file too big to keep, cold; sendfile for
# reference, AUTO to show it picks DIRECT for it
bench veth-sg --netns zbpeer -s "$COLD_SIZE" -w cold -M sendfile,zcopy-direct,zcopy-auto \
	192.0.2.2:7101
raw_read veth-sg "$data"
# the same from a disk throttled to about the network's speed (bench.sh):
# a read-then-send loop reaches at most half of min(disk, network), an
# overlapped one all of it.  Without it (BENCH_CLOCK=icount) vdb is the
# 64 MiB scratch disk (run-vm.sh), which the cold file does not fit on.
if [ -b /dev/vdb ] && [ "$(cat /sys/block/vdb/serial 2>/dev/null)" != zcscratch ] &&
	mkdir -p /mnt/slow && mount -t ext4 /dev/vdb /mnt/slow; then
	bench veth-slowdisk --netns zbpeer -d /mnt/slow -s "$COLD_SIZE" -w cold \
		-M sendfile,zcopy-direct,zcopy-auto 192.0.2.2:7104
	raw_read veth-slowdisk /mnt/slow
	rm -f /mnt/slow/zcopy-bench-*.dat
	umount /mnt/slow
fi
# without scatter-gather the stack copies at segmentation: the CPU pays
ethtool -K vb0 sg off >/dev/null
ethtool -k vb0 | grep -E '^(scatter-gather|tcp-segmentation-offload):'
bench veth-nosg --netns zbpeer -s "$OTHER_SIZE" -w warm,small --small "$SMALL" 192.0.2.2:7102
ethtool -K vb0 sg on >/dev/null
bench loopback -s "$OTHER_SIZE" -w warm,small --small "$SMALL" 127.0.0.1:7103
bench unix -s "$OTHER_SIZE" -w warm,small --small "$SMALL" /tmp/zcopy-bench.sock
fi
rm -f "$data"/zcopy-bench-*.dat

echo "=== BEGIN results.csv"
cat "$out/results.csv"
echo "=== END results.csv"
echo "=== BEGIN results.json"
first=1
printf '['
for f in "$out"/*.json; do
	[ $first -eq 1 ] || printf ','
	first=0
	cat "$f"
done
echo ']'
echo "=== END results.json"
# KTAP for run-tests.sh: no test cases of its own; a failure shows in the exit status
echo "TAP version 13"
echo "1..0 # bench"
exit $rc
