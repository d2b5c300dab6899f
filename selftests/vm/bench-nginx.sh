#!/bin/sh
# bench-nginx.sh BUILD_DIR KVER [quick]: nginx serving files to wrk in the
# test VM (bench-nginx-guest.sh), in four configurations: native sendfile,
# the preload in ZCOPY_MODE=sg and auto, nginx's `directio 4m`.  Writes to
# BUILD_DIR/bench/KVER-nginx/: table.txt (medians of the runs), targets.txt
# (issue 13's targets, met or not), raw.csv (every wrk run), checks.csv
# (curl's checksums and the device's debugfs totals), guest.log.
# `make bench` runs it after bench.sh; `make bench-nginx` alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
O=$1 kver=$2 kind=${3:-full}
kdir=$O/kernels/$kver
guest=$O/bench-nginx-guest
res=$O/bench/$kver-nginx

rm -rf "$guest" "$res" && mkdir -p "$guest" "$res"
cp "$here/bench-nginx-guest.sh" "$guest/bench-nginx"
cp "$O/lib/libzcopy-preload.so" "$guest/"
echo bench-nginx >"$guest/tests"
echo timeout=1500 >"$guest/settings"
# issue 13's files; the 64 MiB one is read cold (caches dropped before each run)
{
	echo 'FILES="f1k:1024 f16k:16384 f1m:1048576 f64m:67108864"'
	echo 'CONFIGS="native sg auto directio"'
	echo 'CONNS=4 COLD_CONNS=1'
	if [ "$kind" = quick ]; then
		echo 'RUNS=1 DURATION=1 COLD_DURATION=2'
	else
		echo 'RUNS=5 DURATION=3 COLD_DURATION=6'
	fi
} >"$guest/bench-nginx.conf"

"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image"
"$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" "$guest" "$kdir/bench-nginx.cpio.gz"
echo "bench-nginx: booting Debian $kver under QEMU (TCG, 2 vCPUs), $kind run..."
start=$(date +%s)
ZCOPY_VM_MEM=2G ZCOPY_VM_DISK=2G ZCOPY_VM_TIMEOUT=1600 \
	"$here/run-vm.sh" "$kver" "$kdir/image" "$kdir/bench-nginx.cpio.gz" "$kdir/bench-nginx-vm" \
	>"$kdir/bench-nginx-vm.out" || true
sed -n 's/^# //p' "$kdir/bench-nginx-vm/results.ktap" | grep -v '^selftests: ' >"$res/guest.log"
for f in raw.csv checks.csv; do
	sed -n "/^=== BEGIN $f\$/,/^=== END $f\$/p" "$res/guest.log" | sed '1d;$d' >"$res/$f"
done
{
	echo "host: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
	echo "qemu: $(qemu-system-x86_64 --version | head -n 1), TCG, 2 vCPUs, 2 GiB"
	echo "guest kernel: $kver; wall time $(($(date +%s) - start)) s"
	grep -E '^(machine|nginx):' "$res/guest.log"
} | tee "$res/machine.txt"
grep -v '^RESULT' "$kdir/bench-nginx-vm.out" || true
grep '^bench-nginx:' "$res/guest.log" || true
if ! grep -q '^RESULT [0-9]* 0 ' "$kdir/bench-nginx-vm.out" || [ ! -s "$res/raw.csv" ]; then
	echo "bench-nginx: the run failed; the guest's output is in $res/guest.log"
	exit 1
fi
"$here/bench-nginx-table.sh" "$res/raw.csv" "$res/checks.csv" | tee "$res/table.txt"
sed -n '/^targets/,/^$/p' "$res/table.txt" >"$res/targets.txt"
echo "bench-nginx: results in $res/ (table.txt targets.txt raw.csv checks.csv guest.log)"
