#!/bin/sh
# nginx-seq.sh BUILD_DIR KVER: nginx's system calls for a keep-alive
# response (nginx-seq.c), natively and through the preload, in the test
# VM under icount (one vCPU whose clock counts instructions), 16 KiB and
# 1 MiB files.  Prints, per run, the instructions one response costs the
# whole guest and how the stack behaved (what sendfile left unsent, the
# context switches, the client's reads); the measurement behind
# performance.rst's explanation of the 16 KiB gap.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
O=$1 kver=$2
kdir=$O/kernels/$kver
guest=$O/nginx-seq-guest-$kver vm=$kdir/nginx-seq-vm
rm -rf "$guest" && mkdir -p "$guest"
cp "$here/nginx-seq-guest.sh" "$guest/nginx-seq-run"
cp "$here/guest-veth.sh" "$guest/"
cp "$O/lib/libzcopy-preload.so" "$guest/"
${CC:-cc} -O2 -Wall -Wextra -Werror -o "$guest/nginx-seq" "$here/nginx-seq.c"
echo nginx-seq-run >"$guest/tests"
echo "timeout=20000" >"$guest/settings"
"$here/../../scripts/kernel-image.sh" "$kver" "$kdir/image"
"$here/mkinitramfs.sh" "$kver" "$kdir/image" "$kdir/src/zcopy.ko" "$guest" "$vm.cpio.gz"
echo "nginx-seq: booting Debian $kver under QEMU (TCG -icount shift=0,sleep=off, 1 vCPU)..."
ZCOPY_VM_MEM=1G ZCOPY_VM_TIMEOUT=1200 ZCOPY_VM_ICOUNT=1 \
	"$here/run-vm.sh" "$kver" "$kdir/image" "$vm.cpio.gz" "$vm" >"$vm.out" || true
sed -n 's/^# nginx-seq: //p' "$vm/results.ktap"
grep -q '^RESULT [0-9]* 0 ' "$vm.out" || {
	echo "nginx-seq: the run failed; see $vm.out and $vm/results.ktap"
	exit 1
}
