#!/bin/sh
# check.sh BUILD_DIR KVER...: for each kernel, build the guest and run the
# kselftests in QEMU; print each kernel's KTAP summary and write the totals
# "pass fail skip" to BUILD_DIR/vm-totals.  Exits non-zero on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
O=$1
shift
tp=0 tf=0 ts=0
for kver in "$@"; do
	kdir=$O/kernels/$kver
	"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image" || { tf=$((tf + 1)); continue; }
	"$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" \
		"$O/selftests" "$kdir/initramfs.cpio.gz" || { tf=$((tf + 1)); continue; }
	"$here/run-vm.sh" "$kver" "$kdir/image" "$kdir/initramfs.cpio.gz" "$kdir/vm" >"$kdir/vm.out"
	grep -v '^RESULT' "$kdir/vm.out"
	set -- $(sed -n 's/^RESULT //p' "$kdir/vm.out") 0 1 0
	echo "== $kver: $1 passed, $2 failed, $3 skipped (KTAP: $kdir/vm/results.ktap)"
	tp=$((tp + $1)) tf=$((tf + $2)) ts=$((ts + $3))
done
echo "$tp $tf $ts" >"$O/vm-totals"
[ "$tf" -eq 0 ]
