#!/bin/sh
# debug-kernel.sh LINE OUTDIR: build a small debug kernel (KASAN, kmemleak,
# lockdep, fault injection, gcov, kprobe events) from Debian's
# linux-source-LINE package (LINE: 6.1 or 6.12) and install it the way
# scripts/kernel-image.sh unpacks a Debian image, so that the test VM's
# scripts take it unchanged:
#
#   OUTDIR/image/boot/vmlinuz-KVER, OUTDIR/image/lib/modules/KVER/
#   OUTDIR/tree/          the build tree: zcopy.ko builds with make -C tree M=...
#   OUTDIR/kernelrelease  KVER
#   OUTDIR/build.log      the last build's output
#
# Config: tinyconfig + scripts/debug-kernel.config, then checked line by line.
# Cached: rebuilt only when the fragment, this script or the installed
# source package's version changes (a hash of the three in OUTDIR/.stamp).
set -eu
line=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug-kernel.config
tarball=/usr/src/linux-source-$line.tar.xz
jobs=${ZCOPY_KERNEL_JOBS:-2}

# Fragment options a kernel line may lack without failing the build: none
# so far.  Format: space-separated CONFIG_ names.
OPTIONAL=""

ver=$(dpkg-query -W -f='${Version}' "linux-source-$line" 2>/dev/null) || {
	echo "debug-kernel: linux-source-$line is not installed (run make deps)" >&2
	exit 1
}
[ -r "$tarball" ] || { echo "debug-kernel: no $tarball" >&2; exit 1; }
hash=$( { cat "$frag" "$0"; echo "linux-source-$line $ver"; } | sha256sum | cut -d' ' -f1)

mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ "$(cat "$out/.stamp" 2>/dev/null)" = "$hash" ] && [ -s "$out/kernelrelease" ] &&
	[ -e "$out/image/boot/vmlinuz-$(cat "$out/kernelrelease")" ]; then
	echo "debug-kernel: $line: up to date ($(cat "$out/kernelrelease"))" >&2
	exit 0
fi

start=$(date +%s)
log=$out/build.log
rm -f "$out/.stamp" "$out/kernelrelease"
rm -rf "$out/tree" "$out/image"
mkdir -p "$out/tree" "$out/image/boot"
echo "debug-kernel: $line: building from linux-source-$line $ver (log: $log)" >&2

fail() {
	echo "debug-kernel: $line: $1; last lines of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
}

tar -xf "$tarball" -C "$out/tree" --strip-components=1
cd "$out/tree"
{
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$frag"
	make olddefconfig
} >"$log" 2>&1 || fail "configuration failed"

# Every fragment line must have survived olddefconfig: a dependency that
# Kconfig silently dropped would make the run test less than it says.
bad=""
while IFS= read -r l; do
	case $l in
	CONFIG_*=*)
		sym=${l%%=*}
		grep -qxF "$l" .config && continue
		;;
	"# CONFIG_"*" is not set")
		sym=${l#"# "}
		sym=${sym%" is not set"}
		grep -q "^$sym=" .config || continue
		;;
	*) continue ;;
	esac
	case " $OPTIONAL " in
	*" $sym "*) echo "debug-kernel: $line: optional $sym not as asked" >&2 ;;
	*) bad="$bad $sym" ;;
	esac
done <"$frag"
[ -z "$bad" ] || fail "options not as the fragment asks:$bad"

make -j"$jobs" bzImage modules >>"$log" 2>&1 || fail "build failed"
kver=$(make -s kernelrelease)
make modules_install INSTALL_MOD_PATH="$out/image" >>"$log" 2>&1 ||
	fail "modules_install failed"
cp arch/x86/boot/bzImage "$out/image/boot/vmlinuz-$kver"
cp .config "$out/image/boot/config-$kver"
# the build and source links point into the tree; the guest needs neither
rm -f "$out/image/lib/modules/$kver/build" "$out/image/lib/modules/$kver/source"
depmod -b "$out/image" "$kver"

echo "$kver" >"$out/kernelrelease"
echo "$hash" >"$out/.stamp"
echo "debug-kernel: $line: built $kver in $(($(date +%s) - start)) s" >&2
