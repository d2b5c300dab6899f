#!/bin/sh
# bench.sh BUILD_DIR KVER [quick]: run `zcopy bench` in the test VM on one
# kernel and write what it measured to BUILD_DIR/bench/KVER/: table.txt
# (as printed), targets.txt (the issue's targets, met or not), results.csv,
# results.json and bench.svg (gnuplot).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
O=$1 kver=$2 kind=${3:-full}
kdir=$O/kernels/$kver
guest=$O/bench-guest
res=$O/bench/$kver

rm -rf "$guest" "$res" && mkdir -p "$guest" "$res"
cp "$here/bench-guest.sh" "$guest/bench"
cp "$O/userspace/zcopy" "$guest/zcopy"
echo bench >"$guest/tests"
echo timeout=1500 >"$guest/settings"
# the issue's workloads; "quick" only shows that the whole run works
if [ "$kind" = quick ]; then
	printf 'RUNS=1\nSIZE=16M\nCOLD_SIZE=16M\nOTHER_SIZE=16M\nSMALL=100\nSTREAMS=1,2\n'
else
	printf 'RUNS=5\nSIZE=256M\nCOLD_SIZE=1G\nOTHER_SIZE=16M\nSMALL=2000\nSTREAMS=1,2,4,8\n'
fi >"$guest/bench.conf"

"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image"
"$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" "$guest" "$kdir/bench.cpio.gz"
echo "bench: booting Debian $kver under QEMU (TCG), $kind run..."
start=$(date +%s)
ZCOPY_VM_MEM=2G ZCOPY_VM_DISK=2G ZCOPY_VM_TIMEOUT=1600 \
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
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1), TCG, 2 vCPUs, 2 GiB"
	echo "guest kernel: $kver; wall time $(($(date +%s) - start)) s"
} | tee "$res/machine.txt"
grep -v '^RESULT' "$kdir/bench-vm.out" || true
if ! grep -q '^RESULT [0-9]* 0 ' "$kdir/bench-vm.out" || [ ! -s "$res/results.csv" ]; then
	echo "bench: the run failed; the guest's output is in $res/guest.log"
	exit 1
fi
"$here/bench-plot.sh" "$res/results.csv" "$res/bench.svg"
echo
"$here/bench-targets.sh" "$res/results.csv" | tee "$res/targets.txt"
echo "bench: results in $res/ (table.txt targets.txt results.csv results.json bench.svg)"
