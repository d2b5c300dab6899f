#!/bin/sh
# bench.sh BUILD_DIR KVER [quick]: run `zcopy bench` in the test VM on one
# kernel and write what it measured to BUILD_DIR/bench/KVER/: table.txt
# (as printed), targets.txt (the issue's targets, met or not), results.csv,
# results.json and bench.svg (gnuplot).
#
# BENCH_CLOCK=icount (make bench BENCH_CLOCK=icount): the guest runs on one
# vCPU whose clock counts instructions (QEMU -icount shift=0,sleep=off), so
# that CPU time is "instructions executed in the sender's context" and the
# ratios do not move with the host's load; results go to
# BUILD_DIR/bench/KVER-icount/.  Each run's targets.txt ends with the CPU
# targets of the other clock's latest run, when there is one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
O=$1 kver=$2 kind=${3:-full}
clock=${BENCH_CLOCK:-normal}
kdir=$O/kernels/$kver
# one guest directory per kernel and clock, so that two runs can share the host
guest=$O/bench-guest-$kver-$clock
# icount: a disk wait advances the guest's clock to its next timer, so
# cold-file figures are timer-bound there; a smaller cold file keeps the
# run short (CPU ratios stay meaningful, cold throughput does not)
case $clock in
# A second disk throttled to about the network's speed (256 MiB/s; warm SG
# over veth does 500) shows whether DIRECT overlaps reads and sends;
# throttling counts host time, so not under icount.
normal) res=$O/bench/$kver other=$O/bench/$kver-icount
	vm_clock="TCG, 2 vCPUs" icount=0 limit=1600 guest_limit=1500 cold=1G
	slow_disk=1536M:268435456 ;;
# icount: the guest's limit is in its own time, which a disk wait jumps
# to its next timer: writing the files took 26590 s of it on 6.1 (uring
# kind), as profile.sh found; the host's limit holds the real time
icount) res=$O/bench/$kver-icount other=$O/bench/$kver
	vm_clock="TCG -icount shift=0,sleep=off, 1 vCPU" icount=1 limit=5400 guest_limit=200000
	cold=256M slow_disk= ;;
*) echo "bench: BENCH_CLOCK=$clock: normal or icount"; exit 1 ;;
esac

rm -rf "$guest" "$res" && mkdir -p "$guest" "$res"
cp "$here/bench-guest.sh" "$guest/bench"
cp "$here/guest-veth.sh" "$guest/"
cp "$O/userspace/zcopy" "$guest/zcopy"
# BENCH_PROFILE=1 (with the "uring" kind): the host's perf in the guest,
# a cpu-clock profile of each one-thread server (its libraries come with it)
profile=${BENCH_PROFILE:-0}
[ "$profile" = 1 ] && cp "$(command -v perf)" "$guest/perf"
echo bench >"$guest/tests"
echo "timeout=$guest_limit" >"$guest/settings"
# the issue's workloads; "quick" only shows that the whole run works;
# "uring" runs only the io_uring targets' workloads (veth, warm and rr64)
# and methods
if [ "$kind" = quick ]; then
	printf 'RUNS=1\nSIZE=16M\nCOLD_SIZE=16M\nOTHER_SIZE=16M\nSMALL=100\nSTREAMS=1,2\n'
elif [ "$kind" = uring ]; then
	# the methods of U1..U4 and their references (BENCH_RUNS: fewer for a try)
	printf 'RUNS=%s\nSIZE=256M\nCOLD_SIZE=16M\nOTHER_SIZE=16M\nSMALL=6400\nSTREAMS=1\nONLY=warm,rr64\n' \
		"${BENCH_RUNS:-5}"
	echo "METHODS=sendfile,zcopy-sg,zcopy-uring,epoll+cork,epoll+zcopy"
	echo "PROFILE=$profile"
else
	printf 'RUNS=5\nSIZE=256M\nCOLD_SIZE=%s\nOTHER_SIZE=16M\nSMALL=2000\nSTREAMS=1,2,4,8\n' "$cold"
	# BENCH_ONLY=warm,small,rr (and BENCH_METHODS=sendfile,...): those
	# workloads (and methods) alone, over veth with scatter-gather
	[ -n "${BENCH_ONLY:-}" ] && echo "ONLY=$BENCH_ONLY"
	[ -n "${BENCH_METHODS:-}" ] && echo "METHODS=$BENCH_METHODS"
fi >"$guest/bench.conf"

"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image"
"$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" "$guest" "$kdir/bench.cpio.gz"
echo "bench: booting Debian $kver under QEMU ($vm_clock), $kind run..."
start=$(date +%s)
ZCOPY_VM_MEM=2G ZCOPY_VM_DISK=2G ZCOPY_VM_TIMEOUT=$limit ZCOPY_VM_ICOUNT=$icount \
	ZCOPY_VM_SLOW_DISK=$slow_disk \
	"$here/run-vm.sh" "$kver" "$kdir/image" "$kdir/bench.cpio.gz" "$kdir/bench-vm" \
	>"$kdir/bench-vm.out" || true
sed -n 's/^# //p' "$kdir/bench-vm/results.ktap" | grep -v '^selftests: ' >"$res/guest.log"

# the tables as the tool printed them; the files from between their markers
sed '/^=== BEGIN/,$d' "$res/guest.log" | tee "$res/table.txt"
for f in results.csv results.json; do
	sed -n "/^=== BEGIN $f\$/,/^=== END $f\$/p" "$res/guest.log" | sed '1d;$d' >"$res/$f"
done
{
	echo "host: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1), $vm_clock, 2 GiB"
	echo "guest kernel: $kver; wall time $(($(date +%s) - start)) s"
} | tee "$res/machine.txt"
grep -v '^RESULT' "$kdir/bench-vm.out" || true
if ! grep -q '^RESULT [0-9]* 0 ' "$kdir/bench-vm.out" || [ ! -s "$res/results.csv" ]; then
	echo "bench: the run failed; the guest's output is in $res/guest.log"
	exit 1
fi
"$here/bench-plot.sh" "$res/results.csv" "$res/bench.svg"
echo
{
	echo "clock: $clock"
	"$here/bench-targets.sh" "$res/results.csv"
	if [ -s "$other/results.csv" ]; then
		echo
		echo "the CPU targets of the other clock's latest run ($other):"
		"$here/bench-targets.sh" "$other/results.csv" | grep 'CPU'
	fi
} | tee "$res/targets.txt"
echo "bench: results in $res/ (table.txt targets.txt results.csv results.json bench.svg)"
