#!/bin/sh
# bench-nginx.sh BUILD_DIR KVER [quick]: nginx serving files to wrk in the
# test VM (bench-nginx-guest.sh), in four configurations: native sendfile,
# the preload in ZCOPY_MODE=sg and auto, nginx's `directio 4m`.  Writes to
# BUILD_DIR/bench-nginx/KVER[-icount]/: table.txt (medians of the runs),
# targets.txt (issue 13's targets, met or not), raw.csv (every wrk run),
# checks.csv (curl's checksums and the device's debugfs totals), guest.log.
# `make bench` runs it after bench.sh; `make bench-nginx` alone.
#
# BENCH_CLOCK=icount, as for bench.sh: one vCPU whose clock counts
# instructions (QEMU -icount shift=0,sleep=off); nginx, wrk and the stack
# share it, so that req/s is the inverse of the instructions a request
# costs all of them, and the ratios do not move with the host's load.
# The cold file's disk waits jump that clock to the next timer: its MB/s
# is only indicative there.  BENCH_CLOCK=normal (the default): 2 vCPUs.
#
# BENCH_PROFILE=1: no table; `perf record -a -g` (cpu-clock) of wrk runs
# against native and sg on the 16 KiB and 1 MiB files, and per run the
# samples per request by thread and by symbol, in
# BUILD_DIR/bench-nginx/KVER[-icount]-profile/profile.txt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
O=$1 kver=$2 kind=${3:-full}
clock=${BENCH_CLOCK:-normal} profile=${BENCH_PROFILE:-0}
kdir=$O/kernels/$kver
case $clock in
normal) sfx='' icount=0 vm_clock="TCG, 2 vCPUs" limit=1600 guest_limit=1500 ;;
icount) sfx=-icount icount=1 vm_clock="TCG -icount shift=0,sleep=off, 1 vCPU"
	limit=5400 guest_limit=20000 ;;
*) echo "bench-nginx: BENCH_CLOCK=$clock: normal or icount"; exit 1 ;;
esac
[ "$profile" = 1 ] && sfx=$sfx-profile
# one set of directories per kernel, clock and kind: runs at once share none
res=$O/bench-nginx/$kver$sfx guest=$O/bench-nginx-guest-$kver$sfx vm=$kdir/bench-nginx$sfx-vm

rm -rf "$guest" "$res" && mkdir -p "$guest" "$res"
cp "$here/bench-nginx-guest.sh" "$guest/bench-nginx"
cp "$here/guest-veth.sh" "$guest/"
cp "$O/lib/libzcopy-preload.so" "$guest/"
echo bench-nginx >"$guest/tests"
echo "timeout=$guest_limit" >"$guest/settings"
[ "$profile" = 1 ] && cp "$(command -v perf)" "$guest/perf"
# issue 13's files; the 64 MiB one is read cold (caches dropped before each run)
{
	# BENCH_NGINX_FILES / BENCH_NGINX_CONFIGS: a focused run of some of them
	echo "FILES=\"${BENCH_NGINX_FILES:-f1k:1024 f16k:16384 f1m:1048576 f64m:67108864}\""
	echo "CONFIGS=\"${BENCH_NGINX_CONFIGS:-native sg auto directio}\""
	echo 'CONNS=4 COLD_CONNS=1'
	if [ "$kind" = quick ]; then
		echo 'RUNS=1 DURATION=1 COLD_DURATION=2'
	elif [ "$clock" = icount ]; then
		# instruction-counted: runs of a few seconds already agree to 0.1 %
		echo 'RUNS=5 DURATION=2 COLD_DURATION=4'
	else
		echo 'RUNS=5 DURATION=3 COLD_DURATION=6'
	fi
	# a sample every PERIOD ns of cpu-clock (instructions under icount)
	if [ "$profile" = 1 ]; then
		echo 'PROFILE="native sg" PROFILE_FILES="f16k f1m" PERIOD=50000'
	else
		echo 'PROFILE='
	fi
} >"$guest/bench-nginx.conf"

"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image"
ZCOPY_VM_PERF=$profile "$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" \
	"$guest" "$vm.cpio.gz"
echo "bench-nginx: booting Debian $kver under QEMU ($vm_clock), $kind run..."
start=$(date +%s)
ZCOPY_VM_MEM=2G ZCOPY_VM_DISK=2G ZCOPY_VM_TIMEOUT=$limit ZCOPY_VM_ICOUNT=$icount \
	"$here/run-vm.sh" "$kver" "$kdir/image" "$vm.cpio.gz" "$vm" >"$vm.out" || true
sed -n 's/^# //p' "$vm/results.ktap" | grep -v '^selftests: ' >"$res/guest.log"
for f in raw.csv checks.csv profile.txt; do
	sed -n "/^=== BEGIN $f\$/,/^=== END $f\$/p" "$res/guest.log" | sed '1d;$d' >"$res/$f"
done
{
	echo "host: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1), $vm_clock, 2 GiB"
	echo "guest kernel: $kver; wall time $(($(date +%s) - start)) s"
	grep -E '^(machine|nginx):' "$res/guest.log"
} | tee "$res/machine.txt"
grep -v '^RESULT' "$vm.out" || true
grep '^bench-nginx:' "$res/guest.log" || true
if [ "$profile" = 1 ]; then
	cat "$res/profile.txt"
	grep -q '^RESULT [0-9]* 0 ' "$vm.out" && [ -s "$res/profile.txt" ] || {
		echo "bench-nginx: the profile failed; the guest's output is in $res/guest.log"
		exit 1
	}
	echo "bench-nginx: profile in $res/profile.txt"
	exit 0
fi
if ! grep -q '^RESULT [0-9]* 0 ' "$vm.out" || [ ! -s "$res/raw.csv" ]; then
	echo "bench-nginx: the run failed; the guest's output is in $res/guest.log"
	exit 1
fi
{
	echo "clock: $clock"
	"$here/bench-nginx-table.sh" "$res/raw.csv" "$res/checks.csv"
} | tee "$res/table.txt"
{
	echo "clock: $clock"
	sed -n '/^targets/,/^$/p' "$res/table.txt"
} >"$res/targets.txt"
echo "bench-nginx: results in $res/ (table.txt targets.txt raw.csv checks.csv guest.log)"
