#!/bin/sh
# demo.sh BUILD_DIR KVER: boot the test VM on one kernel and show the module
# at work instead of running the test suite.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
O=$1 kver=$2
kdir=$O/kernels/$kver
demo=$O/demo

rm -rf "$demo" && mkdir -p "$demo"
cp "$here/demo-guest.sh" "$demo/demo"
cp "$O/userspace/zcopy" "$demo/zcopy"
echo demo >"$demo/tests"
echo timeout=300 >"$demo/settings"

"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image"
"$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" "$demo" "$kdir/demo.cpio.gz"
echo "demo: booting Debian $kver under QEMU (TCG)..."
"$here/run-vm.sh" "$kver" "$kdir/image" "$kdir/demo.cpio.gz" "$kdir/demo-vm" >"$kdir/demo-vm.out" || true
# the guest's output, without the KTAP framing
sed -n 's/^# //p' "$kdir/demo-vm/results.ktap" | grep -v '^selftests: '
grep -v '^RESULT' "$kdir/demo-vm.out" || true
grep -q '^RESULT [0-9]* 0 ' "$kdir/demo-vm.out"
