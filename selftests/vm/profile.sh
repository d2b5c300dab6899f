#!/bin/sh
# profile.sh BUILD_DIR KVER [quick]: `perf record` in the test VM
# (profile-guest.sh) of sendfile against the device's SG mode, on the warm
# 256 MiB file and on the small responses over veth with scatter-gather,
# and write BUILD_DIR/profile/KVER[-icount]/: profile.txt (per method:
# samples per thread and per page moved, the sender's top symbols),
# callgraph.txt (the sender's caller graphs), summary.txt, guest.log.
#
# PROFILE_WORKLOADS: of warm, small, rr, rr64 and cold (default "warm small";
# cold, DIRECT against AUTO, means something only with BENCH_CLOCK=normal).
# BENCH_CLOCK=icount (the default here): one vCPU whose clock counts
# instructions, so that a sample is PERIOD instructions and the per-page
# figures do not move with the host's load; BENCH_CLOCK=normal: the bench's
# own 2 vCPUs, samples of host-paced time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
O=$1 kver=$2 kind=${3:-full}
clock=${BENCH_CLOCK:-icount}
kdir=$O/kernels/$kver
# A sample every PERIOD ns of the guest's cpu-clock.  Each sample costs
# perf thousands of instructions of its own (the callchains), which the
# next period does not count: the samples are proportional to the work,
# one per (PERIOD - that cost) of it, so a small PERIOD inflates the count
# but not the ratios (performance.rst, "Where the CPU goes", calibrates
# it).  The guest's own limit: under icount a disk wait jumps its clock to
# the next timer, so writing the file takes hours of guest time, more when
# the host is loaded (20000 s was once not enough); the host's 3300 s stay.
case $clock in
normal) name=profile icount=0 period=250000 guest_limit=3000
	vm_clock="TCG, 2 vCPUs" ;;
icount) name=profile-icount icount=1 period=50000 guest_limit=200000
	vm_clock="TCG -icount shift=0,sleep=off, 1 vCPU" ;;
*) echo "profile: BENCH_CLOCK=$clock: normal or icount"; exit 1 ;;
esac
# one set of directories per kernel and clock: two runs at once must not
# share a guest directory, an initramfs or a VM's output
res=$O/profile/$kver${name#profile} guest=$O/$name-guest-$kver vm=$kdir/$name-vm

rm -rf "$guest" "$res" && mkdir -p "$guest" "$res"
cp "$here/profile-guest.sh" "$guest/profile"
cp "$here/guest-veth.sh" "$guest/"
cp "$O/userspace/zcopy" "$guest/zcopy"
echo profile >"$guest/tests"
echo "timeout=$guest_limit" >"$guest/settings"
{
	if [ "$kind" = quick ]; then
		echo 'RUNS=1 SIZE=16M COLD_SIZE=16M SMALL=200'
	else
		# the bench's cold file: 1 GiB, AUTO's threshold well below it
		echo 'RUNS=5 SIZE=256M COLD_SIZE=1024M SMALL=2000'
	fi
	echo "PERIOD=$period"
	echo "WORKLOADS=\"${PROFILE_WORKLOADS:-warm small}\""
	echo 'WARM_METHODS="sendfile zcopy-sg"'
	echo 'SMALL_METHODS="sendfile cork+sendfile zcopy-sg"'
	echo 'COLD_METHODS="zcopy-direct zcopy-auto"'
	echo 'RR64_METHODS="epoll+cork epoll+zcopy zcopy-uring"'
} >"$guest/profile.conf"

"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image"
ZCOPY_VM_PERF=1 "$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" "$guest" \
	"$vm.cpio.gz"
echo "profile: booting Debian $kver under QEMU ($vm_clock) with perf, $kind run..."
start=$(date +%s)
ZCOPY_VM_MEM=2G ZCOPY_VM_DISK=2G ZCOPY_VM_TIMEOUT=3300 ZCOPY_VM_ICOUNT=$icount \
	"$here/run-vm.sh" "$kver" "$kdir/image" "$vm.cpio.gz" "$vm" >"$vm.out" || true
sed -n 's/^# //p' "$vm/results.ktap" | grep -v '^selftests: ' >"$res/guest.log"

sed '/^=== BEGIN callgraph/,/^=== END callgraph/d' "$res/guest.log" >"$res/profile.txt"
sed -n '/^=== BEGIN callgraph/,/^=== END callgraph/p' "$res/guest.log" >"$res/callgraph.txt"
{
	echo "host: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1), $vm_clock, 2 GiB"
	echo "guest kernel: $kver; wall time $(($(date +%s) - start)) s"
	grep '^machine:' "$res/guest.log" || true
} >"$res/machine.txt"
grep -v '^RESULT' "$vm.out" || true
if ! grep -q '^RESULT [0-9]* 0 ' "$vm.out" || ! grep -q '^PERPAGE' "$res/guest.log"; then
	echo "profile: the run failed; the guest's output is in $res/guest.log"
	exit 1
fi
"$here/profile-summary.sh" "$res/profile.txt" | tee "$res/summary.txt"
cat "$res/machine.txt"
echo "profile: results in $res/ (summary.txt profile.txt callgraph.txt guest.log)"
