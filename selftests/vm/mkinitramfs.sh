#!/bin/sh
# mkinitramfs.sh KVER IMAGE_DIR ZCOPY_KO TEST_DIR OUT
#
# Build the test VM's root: busybox, kmod, iproute2, ethtool, nginx, curl and wrk
# (and perf with ZCOPY_VM_PERF=1) from the host with the libraries ldd names,
# the kernel modules the tests need (dependencies resolved by modprobe against
# the Debian image), zcopy.ko installed as an "extra" module, and the
# selftest binaries.
set -eu
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
kver=$1 image=$(abs "$2") ko=$(abs "$3") tests=$(abs "$4") out=$(abs "$5")
here=$(cd "$(dirname "$0")" && pwd)
stage=$out.d

rm -rf "$stage" && mkdir -p "$stage"
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin lib lib64 etc proc sys dev tmp run mnt/data root \
	"lib/modules/$kver/extra" usr/libexec/zcopy
# the kernel opens /dev/console before init mounts devtmpfs
mknod -m 600 dev/console c 5 1

cp /bin/busybox bin/busybox
for applet in $(busybox --list); do
	[ -e "bin/$applet" ] || ln -s busybox "bin/$applet"
done

# host programs, each with the shared libraries it needs
copy_prog() {
	src=$(command -v "$1") || { echo "mkinitramfs: $1 not found" >&2; exit 1; }
	dst=${2:-usr/bin/$(basename "$src")}
	rm -f "$dst" && cp "$src" "$dst"
	copy_libs "$src"
}
copy_libs() {
	ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }' |
	while read -r lib; do
		[ -e ".$lib" ] && continue
		mkdir -p ".$(dirname "$lib")"
		cp -L "$lib" ".$lib"
	done
}
# Debian's busybox shell runs its own applets before anything on PATH
# (FEATURE_SH_STANDALONE): its ip, modprobe and insmod would shadow
# iproute2's and kmod's.  dash as /bin/sh looks up PATH like a normal shell.
copy_prog dash bin/sh
copy_prog kmod usr/bin/kmod
for t in insmod rmmod modprobe lsmod modinfo depmod; do
	rm -f "sbin/$t" && ln -s ../usr/bin/kmod "sbin/$t"
done
copy_prog ip usr/sbin/ip
copy_prog ethtool usr/sbin/ethtool
# a real sendfile() server and its clients (nginx_test, make bench): nginx
# runs its worker as nobody:nogroup (getpwnam(), glibc's built-in files
# lookup); curl and wrk connect by address, so no resolver is needed
copy_prog nginx usr/sbin/nginx
copy_prog curl usr/bin/curl
copy_prog wrk usr/bin/wrk
# ZCOPY_VM_PERF=1 (make profile): Debian's perf and its libraries (about
# 30 MB); only then, so that every other boot stays as small and fast
if [ "${ZCOPY_VM_PERF:-0}" = 1 ]; then
	copy_prog perf usr/bin/perf
fi
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group

# kernel modules the guest loads, with what they depend on
modlist="virtio_pci virtio_blk virtio_net e1000e ext4 crc32c_generic veth tls gcm ghash_generic ctr overlay 8021q macvlan bridge bonding"
for m in $modlist; do
	modprobe -d "$image" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r f; do
	rel=${f#"$image"/}
	mkdir -p "$(dirname "$rel")"
	# 6.12 ships .ko.xz; unpacked here, the guest's kmod needs no fallback
	case $f in
	*.xz) xz -dc "$f" >"${rel%.xz}" ;;
	*) cp "$f" "$rel" ;;
	esac
done
cp "$image/lib/modules/$kver"/modules.builtin* "lib/modules/$kver/" 2>/dev/null || true
cp "$image/lib/modules/$kver/modules.order" "lib/modules/$kver/" 2>/dev/null || true
cp "$ko" "lib/modules/$kver/extra/zcopy.ko"
depmod -b . "$kver"
echo "$modlist" >etc/zcopy-modules

# the tests and their runner
cp -r "$tests" usr/libexec/zcopy/selftests
for t in usr/libexec/zcopy/selftests/*; do
	[ -x "$t" ] && [ -f "$t" ] && copy_libs "$t"
done
cp "$here/run-tests.sh" usr/libexec/zcopy/run-tests.sh
cp "$here/debug-end.sh" usr/libexec/zcopy/debug-end.sh
cp "$here/init.sh" init
chmod 755 init usr/libexec/zcopy/run-tests.sh usr/libexec/zcopy/debug-end.sh
echo "$kver" >etc/zcopy-kver

find . | cpio -o -H newc --quiet | gzip -1 >"$out"
