#!/bin/sh
# run-vm.sh KVER IMAGE_DIR INITRAMFS OUTDIR
#
# Boot the Debian kernel KVER under QEMU (TCG) with the test initramfs, an
# ext4 disk on virtio-blk and two NIC pairs joined through the host's
# loopback (virtio-net, which has no scatter-gather with this backend, and
# e1000e, a DMA NIC with scatter-gather and checksum offload), then judge
# the run from what the guest reported: QEMU's exit status alone means
# nothing (it is 0 after a guest panic).
# Prints the KTAP summary and, last, "RESULT pass fail skip".
#
# Optional environment for `make check-debug` (unset: the plain run):
#   ZCOPY_VM_APPEND  more kernel parameters; NAME=value ones the kernel does
#                    not know reach init's environment (ZCOPY_FUZZ_CALLS=...)
#   ZCOPY_VM_DATA=1  a fourth serial port, ttyS3, into OUTDIR/data.txt
#   ZCOPY_TESTS      a,b: run only these test programs (make TESTS=a,b)
#   ZCOPY_VM_MACHINE QEMU machine type (default q35)
#   ZCOPY_VM_ICOUNT=1 one vCPU whose clock counts instructions (make bench
#                    BENCH_CLOCK=icount): timings independent of the host's load
#   ZCOPY_VM_SLOW_DISK=SIZE:BPS a second ext4 disk (/dev/vdb) whose reads QEMU
#                    throttles to BPS bytes/s (make bench: DIRECT's overlap)
set -u
kver=$1 image=$2 initrd=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
limit=${ZCOPY_VM_TIMEOUT:-600}
append=${ZCOPY_VM_APPEND:-}
# make check-vm TESTS=...: the guest's run-tests.sh runs only those
[ -n "${ZCOPY_TESTS:-}" ] && append="$append ZCOPY_TESTS=$ZCOPY_TESTS"
# word-split on purpose below: no fourth port at all unless asked for
data_port=
[ "${ZCOPY_VM_DATA:-0}" = 1 ] && data_port="-serial file:$out/data.txt"
# the benchmark needs room for a 1 GiB file and its page cache
mem=${ZCOPY_VM_MEM:-1G}
disk=${ZCOPY_VM_DISK:-512M}
# q35, not pc: pc's ACPI _PRT is an AML While loop over 128 slots, which a
# KASAN+lockdep kernel under TCG interprets so slowly that it hits ACPICA's
# 30 s loop timeout once per PCI device (150 s per boot, AE_AML_LOOP_TIMEOUT);
# q35's routing table is a static package
machine=${ZCOPY_VM_MACHINE:-q35}
# ZCOPY_VM_ICOUNT=1: guest time is instructions (1 ns each), idle time is
# skipped, one vCPU (icount needs a single TCG thread); the hung-task
# detector goes off, because skipped idle time stretches disk waits
smp=2 clock=
if [ "${ZCOPY_VM_ICOUNT:-0}" = 1 ]; then
	smp=1 clock="-icount shift=0,sleep=off"
	append="$append sysctl.kernel.hung_task_timeout_secs=0"
fi

rm -rf "$out" && mkdir -p "$out"
# a fresh sparse ext4 disk each run
truncate -s "$disk" "$out/disk.img"
mkfs.ext4 -q -F "$out/disk.img"
# a small ext4 disk that tests may shut down or remount (serial zcscratch);
# every disk is a -device of its own, in this order, so that the guest names
# them vda (data), vdb (slow, if any), then the scratch disk
# (-drive if=virtio would be created after every -device)
truncate -s 64M "$out/scratch.img"
mkfs.ext4 -q -F "$out/scratch.img"
slow=
if [ -n "${ZCOPY_VM_SLOW_DISK:-}" ]; then
	truncate -s "${ZCOPY_VM_SLOW_DISK%%:*}" "$out/slow.img"
	mkfs.ext4 -q -F "$out/slow.img"
	slow="-drive file=$out/slow.img,if=none,id=slow,format=raw,throttling.bps-read=${ZCOPY_VM_SLOW_DISK#*:}
	      -device virtio-blk-pci,drive=slow"
fi

# UDP ports for the NIC pairs: derived from the PID so that parallel runs
# do not collide; both ends stay on 127.0.0.1.
base=$((20000 + ($$ % 10000) * 4))
p0=$base p1=$((base + 1)) p2=$((base + 2)) p3=$((base + 3))

start=$(date +%s)
timeout -k 10 "$limit" qemu-system-x86_64 \
	-machine "$machine" -accel tcg -cpu max -m "$mem" -smp "$smp" $clock \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$image/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 hung_task_panic=1${append:+ $append}" \
	-serial "file:$out/console.log" \
	-serial "file:$out/results.tap" \
	-serial "file:$out/dmesg.log" \
	$data_port \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-drive "file=$out/disk.img,if=none,id=data,format=raw" \
	-device virtio-blk-pci,drive=data $slow \
	-drive "file=$out/scratch.img,if=none,id=scratch,format=raw" \
	-device virtio-blk-pci,drive=scratch,serial=zcscratch \
	-netdev "socket,id=n0,udp=127.0.0.1:$p1,localaddr=127.0.0.1:$p0" \
	-device virtio-net-pci,netdev=n0 \
	-netdev "socket,id=n1,udp=127.0.0.1:$p0,localaddr=127.0.0.1:$p1" \
	-device virtio-net-pci,netdev=n1 \
	-netdev "socket,id=n2,udp=127.0.0.1:$p3,localaddr=127.0.0.1:$p2" \
	-device e1000e,netdev=n2 \
	-netdev "socket,id=n3,udp=127.0.0.1:$p2,localaddr=127.0.0.1:$p3" \
	-device e1000e,netdev=n3 \
	</dev/null >"$out/qemu.log" 2>&1
rc=$?
echo "vm: $kver: QEMU exited $rc after $(($(date +%s) - start)) s" >&2
rm -f "$out/disk.img" "$out/slow.img" "$out/scratch.img"
# a guest that never started wrote none of these; the verdict below says why
touch "$out/console.log" "$out/dmesg.log" "$out/results.tap"

verdict=0
case $rc in
1)	# isa-debug-exit from the end of init, or QEMU refusing to start
	# (then there is no KTAP at all; a guest's runner always writes some)
	if [ ! -s "$out/results.tap" ]; then
		echo "vm: $kver: QEMU did not start the guest:"
		cat "$out/qemu.log"
		verdict=1
	fi ;;
124 | 137) echo "vm: $kver: guest did not finish within ${limit}s (killed)"; verdict=1 ;;
*) echo "vm: $kver: QEMU exit status $rc is not the guest's completion signal"; verdict=1 ;;
esac

# Any of these in the kernel's log fails the run, whatever the tests said.
splat='BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|scheduling while atomic|soft lockup|blocked for more than|general protection fault|Call Trace'
if cat "$out/console.log" "$out/dmesg.log" | grep -aEq "$splat"; then
	echo "vm: $kver: kernel reported a problem:"
	cat "$out/console.log" "$out/dmesg.log" | grep -aE -A20 "$splat" | head -n 60
	verdict=1
fi
if [ $verdict -ne 0 ]; then
	echo "vm: $kver: last lines of the console ($out/console.log):"
	tail -n 30 "$out/console.log"
fi

tr -d '\r' <"$out/results.tap" >"$out/results.ktap"
awk -f "$here/ktap-summary.awk" "$out/results.ktap" >"$out/summary"
grep -v '^RESULT' "$out/summary"
set -- $(sed -n 's/^RESULT //p' "$out/summary")
pass=$1 fail=$2 skip=$3
[ $verdict -ne 0 ] && fail=$((fail + 1))
echo "RESULT $pass $fail $skip"
