#!/bin/sh
# /init of the zcopy test VM.
#
# ttyS0: kernel console.  ttyS1: KTAP results, then the completion token.
# ttyS2: the kernel log at the end, for the host to scan.
# The run counts as complete only when this script reaches its last lines:
# a panic, a hang or a crash of init never writes the token.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# events (the tests' kprobe witnesses) without the scheduler hooks that
# record command names: their live patching of try_to_wake_up() on every
# enable and disable once ended in "Oops: int3" on the other vCPU under TCG
{ echo 0 >/sys/kernel/tracing/options/record-cmd
  echo 0 >/sys/kernel/tracing/options/record-tgid; } 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
exec </dev/console >/dev/ttyS0 2>&1

kver=$(cat /etc/zcopy-kver)
for m in $(cat /etc/zcopy-modules); do
	modprobe "$m" || echo "init: modprobe $m failed"
done
ip link set lo up

# the ext4 disk, so that file reads can come from a block device
mount -t ext4 /dev/vda /mnt/data || echo "init: cannot mount /dev/vda"

# the module under test, loaded through kmod like a user would
modprobe zcopy || echo "init: modprobe zcopy failed"

export ZCOPY_KO=/lib/modules/$kver/extra/zcopy.ko
export ZCOPY_DATA=/mnt/data
/usr/libexec/zcopy/run-tests.sh /usr/libexec/zcopy/selftests >/dev/ttyS1 2>&1
# make check-debug puts ZCOPY_VM_DEBUG=1 on the kernel command line (the
# kernel hands unknown NAME=value parameters to init's environment)
if [ "${ZCOPY_VM_DEBUG:-}" = 1 ]; then
	/usr/libexec/zcopy/debug-end.sh
fi

sync
umount /mnt/data
dmesg >/dev/ttyS2
echo ZCOPY-VM-COMPLETE >/dev/ttyS1
# isa-debug-exit: QEMU exits with status (0 << 1) | 1 = 1
printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
# not reached when the device is there; never report success otherwise
poweroff -f
