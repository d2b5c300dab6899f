#!/bin/sh
# check.sh BUILD_DIR KVER...: for each kernel, build the guest and run the
# kselftests in QEMU; print each kernel's KTAP summary, the five slowest
# test cases, and write the totals "pass fail skip" to BUILD_DIR/vm-totals.
# Exits non-zero on any failure.
#
# The kernels' VMs run at the same time when the machine has the memory for
# all of them (each guest is its own QEMU with its own disk, ports and
# output directory); ZCOPY_VM_PARALLEL=0 runs them one after the other.
# On 2 cores the 4 vCPUs share them: measured, the suite still takes 0.7x
# the serial wall time, because much of it waits (links, timers, sleeps).
# Their output is printed per kernel, in order, once all have ended.
set -u
here=$(cd "$(dirname "$0")" && pwd)
O=$1
shift

# one kernel's image and guest, one after the other (apt takes one
# download at a time); 0, or 1 with the reason in $kdir/vm.out
prepare() {
	kver=$1 kdir=$O/kernels/$1
	t0=$(date +%s)
	mkdir -p "$kdir"
	{
		"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image" &&
		"$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" \
			"$O/selftests" "$kdir/initramfs.cpio.gz"
	} >"$kdir/prepare.log" 2>&1 || {
		{ cat "$kdir/prepare.log"; echo "RESULT 0 1 0"; } >"$kdir/vm.out"
		return 1
	}
	echo "vm: $kver: image and guest $(($(date +%s) - t0)) s" >"$kdir/vm.out"
}

# one kernel's VM; its summary appended to $kdir/vm.out
vm() {
	kver=$1 kdir=$O/kernels/$1
	t1=$(date +%s)
	"$here/run-vm.sh" "$kver" "$kdir/image" "$kdir/initramfs.cpio.gz" "$kdir/vm" 2>&1
	echo "vm: $kver: VM $(($(date +%s) - t1)) s"
}

# what one guest needs (run-vm.sh: -m 1G) and QEMU's own share, in KiB
need=$((1536 * 1024 * $#))
avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
parallel=${ZCOPY_VM_PARALLEL:-1}
if [ "$parallel" = 1 ] && [ "$#" -gt 1 ] && [ "${avail:-0}" -lt $((need + 2097152)) ]; then
	echo "vm: $((avail / 1024)) MiB available, $((need / 1024)) MiB for $# guests: one at a time"
	parallel=0
fi
if [ "$parallel" = 1 ] && [ "$#" -gt 1 ]; then
	echo "vm: $# guests at the same time"
	# sharing the cores, each takes longer: the hang limit grows with it
	: "${ZCOPY_VM_TIMEOUT:=900}"
	export ZCOPY_VM_TIMEOUT
fi

pids=
trap 'kill $pids 2>/dev/null' INT TERM HUP
for kver in "$@"; do
	prepare "$kver" || continue
	if [ "$parallel" = 1 ]; then
		vm "$kver" >>"$O/kernels/$kver/vm.out" &
		pids="$pids $!"
	else
		vm "$kver" >>"$O/kernels/$kver/vm.out"
	fi
done
wait
trap - INT TERM HUP

tp=0 tf=0 ts=0 ktaps=
for kver in "$@"; do
	kdir=$O/kernels/$kver
	grep -v '^RESULT' "$kdir/vm.out"
	set -- $(sed -n 's/^RESULT //p' "$kdir/vm.out") 0 1 0
	echo "== $kver: $1 passed, $2 failed, $3 skipped (KTAP: $kdir/vm/results.ktap)"
	tp=$((tp + $1)) tf=$((tf + $2)) ts=$((ts + $3))
	ktaps="$ktaps $kver=$kdir/vm/results.ktap"
done
echo "vm: the five slowest test cases:"
# shellcheck disable=SC2086 # one argument per kernel
"$here/ktap-slowest.sh" 5 $ktaps
echo "$tp $tf $ts" >"$O/vm-totals"
[ "$tf" -eq 0 ]
