#!/bin/sh
# debug-kernel.sh LINE: build a small debug kernel (KASAN, kmemleak,
# lockdep, fault injection, gcov, kprobe events) from Debian's
# linux-source-LINE package (LINE: 6.1 or 6.12), once per machine, into the
# cache (scripts/cache.sh, debug/LINE/KEY/), and print that directory.  It
# holds the kernel the way scripts/kernel-image.sh unpacks a Debian image,
# so that the test VM's scripts take it unchanged:
#
#   DIR/image/boot/vmlinuz-KVER, DIR/image/lib/modules/KVER/
#   DIR/tree/          the build tree: zcopy.ko builds with make -C tree M=...
#   DIR/kernelrelease  KVER
#   DIR/key            what KEY is the hash of
#   DIR/build.log      the build's output
#
# Config: tinyconfig + scripts/debug-kernel.config, then checked line by line.
# KEY is a hash of that fragment, this script, the source package's version
# and the compiler's: a change to any of them builds a new kernel (the slot
# keeps its two most recently used ones); otherwise the cached one is used.
set -eu
mode=use
[ "$1" = --build ] && mode=build && shift
line=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cache.sh"
frag=$here/debug-kernel.config
tarball=/usr/src/linux-source-$line.tar.xz
jobs=${ZCOPY_KERNEL_JOBS:-$(nproc)}

# Fragment options a kernel line may lack without failing the build: none
# so far.  Format: space-separated CONFIG_ names.
OPTIONAL=""

ver=$(dpkg-query -W -f='${Version}' "linux-source-$line" 2>/dev/null) || {
	echo "debug-kernel: linux-source-$line is not installed (run make deps)" >&2
	exit 1
}
[ -r "$tarball" ] || { echo "debug-kernel: no $tarball" >&2; exit 1; }
cc=$(gcc --version | head -n 1)
inputs="linux-source-$line $ver
$cc
debug-kernel.config $(sha256sum <"$frag" | cut -d' ' -f1)
debug-kernel.sh $(sha256sum <"$0" | cut -d' ' -f1)"
key=$(echo "$inputs" | sha256sum | cut -c1-16)

# debug-kernel.sh --build LINE: cache_entry's builder, into $ZCOPY_CACHE_TMP
if [ "$mode" = build ]; then
	out=$ZCOPY_CACHE_TMP
	start=$(date +%s)
	log=$out/build.log
	mkdir -p "$out/tree" "$out/image/boot"
	echo "$inputs" >"$out/key"
	echo "debug-kernel: $line: building $key from linux-source-$line $ver (log: $log)" >&2

	# the temporary directory goes with a failed build: its log stays
	fail() {
		kept=$ZCOPY_CACHE/debug/$line-failed-build.log
		cp "$log" "$kept"
		echo "debug-kernel: $line: $1; last lines of $kept:" >&2
		tail -n 40 "$log" >&2
		exit 1
	}

	tar -xf "$tarball" -C "$out/tree" --strip-components=1 >"$log" 2>&1 ||
		fail "unpacking $tarball failed"
	cd "$out/tree"
	# &&, not a block under set -e: a || context switches set -e off, and
	# only the last command's status would count
	{
		make tinyconfig &&
			scripts/kconfig/merge_config.sh -m .config "$frag" &&
			make olddefconfig
	} >>"$log" 2>&1 || fail "configuration failed"

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
	echo "debug-kernel: $line: built $kver in $(($(date +%s) - start)) s" >&2
	exit 0
fi

dir=$(cache_entry "debug/$line" "$key" "$0" --build "$line")
echo "debug-kernel: $line: $dir ($(cat "$dir/kernelrelease"))" >&2
echo "$dir"
