#!/bin/sh
# test-install.sh DIR: `make install DESTDIR=DIR`, then check what a user
# of the library gets: every file in its place, the SONAME and symbol
# versions, a man page for every exported function, and a program built
# only from the installed files (pkg-config with PKG_CONFIG_SYSROOT_DIR),
# linked both ways, and run under the installed tool's `zcopy run`.
# The default PREFIX, so that the build tree's tool is not rebuilt for it.
set -eu
dest=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
prefix=/usr/local
lib=$dest$prefix/lib
failed=0
fail() { echo "test-install: $*" >&2; failed=1; }

rm -rf "$dest" && mkdir -p "$dest"
# the module too, for the first test kernel: below DESTDIR as well
kernel=$("$top/scripts/kernels.sh" | head -n 1)
make -s -C "$top" install KDIR="/usr/src/linux-headers-$kernel" DESTDIR="$dest" PREFIX=$prefix \
	>"$dest/install.log" 2>&1 ||
	{ cat "$dest/install.log"; echo "test-install: make install failed" >&2; exit 1; }
ls "$dest/lib/modules/$kernel"/*/zcopy.ko* >/dev/null 2>&1 ||
	fail "zcopy.ko not installed below DESTDIR/lib/modules/$kernel"

for f in sbin/zcopy share/man/man8/zcopy.8 include/zcopy.h include/linux/zcopy.h \
	lib/libzcopy.so.1.1.0 lib/libzcopy.so.1 lib/libzcopy.so lib/libzcopy.a \
	lib/libzcopy-preload.so lib/pkgconfig/zcopy.pc share/man/man3/libzcopy.3 \
	share/man/man3/libzcopy-preload.3; do
	[ -e "$dest$prefix/$f" ] || fail "$prefix/$f not installed"
done
[ "$(readlink "$lib/libzcopy.so.1")" = libzcopy.so.1.1.0 ] || fail "libzcopy.so.1 is not a link"
readelf -d "$lib/libzcopy.so.1.1.0" | grep -q 'SONAME.*\[libzcopy.so.1\]' || fail "no SONAME libzcopy.so.1"

# exported: exactly the version script's names, each at the version of
# its node (LIBZCOPY_1, LIBZCOPY_1.1), each declared in the header and
# with a man page
want=$(sed -n 's/^\t\t\(zcopy_[a-z_0-9]*\);$/\1/p' "$top/lib/libzcopy.map" | sort)
got=$(objdump -T "$lib/libzcopy.so.1.1.0" | awk '$2 == "g" && $4 == ".text" { print $NF }' | sort)
[ -n "$want" ] && [ "$want" = "$got" ] || fail "exported symbols differ from libzcopy.map: $got"
want_v=$(awk '/^LIBZCOPY_[0-9.]* \{/ { v = $1 } /^\t\tzcopy_/ { sub(/;$/, "", $1); print $1, v }' \
	"$top/lib/libzcopy.map" | sort)
got_v=$(objdump -T "$lib/libzcopy.so.1.1.0" | awk '$2 == "g" && $4 == ".text" { print $NF, $(NF - 1) }' |
	sort)
[ "$want_v" = "$got_v" ] || fail "symbol versions differ from libzcopy.map: $got_v"
for s in $want; do
	grep -q "[ *]$s(" "$dest$prefix/include/zcopy.h" || fail "$s not declared in zcopy.h"
	page=$dest$prefix/share/man/man3/$s.3
	[ -f "$page" ] || { fail "no man page $s.3"; continue; }
	target=$(sed -n 's/^\.so //p' "$page")
	[ -z "$target" ] || [ -f "$dest$prefix/share/man/$target" ] || fail "$s.3 links to missing $target"
	grep -q "$s" "$dest$prefix/share/man/${target:-man3/$s.3}" || fail "$s not in its page"
done
if command -v groff >/dev/null; then
	for p in "$dest$prefix"/share/man/man3/*.3 "$dest$prefix"/share/man/man8/zcopy.8; do
		grep -q '^\.so ' "$p" && continue
		w=$(groff -man -Tutf8 -ww -z "$p" 2>&1) && [ -z "$w" ] || fail "$(basename "$p"): $w"
	done
fi

# a program from the installed files only
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$(pkg-config --cflags --libs zcopy) || fail "pkg-config zcopy"
case $flags in *"-I$dest$prefix/include"*"-L$lib"*"-lzcopy"*) ;; *) fail "pkg-config: $flags" ;; esac
[ "$(pkg-config --modversion zcopy)" = 1.1.0 ] || fail "pkg-config version"
cc -std=gnu11 -Wall -Wextra -Werror -o "$dest/installed" "$here/installed.c" $flags ||
	fail "cannot build against the installed files"
cc -std=gnu11 -Wall -Wextra -Werror -o "$dest/installed-static" "$here/installed.c" \
	$(pkg-config --cflags zcopy) "$lib/libzcopy.a" || fail "cannot link libzcopy.a"
readelf -d "$dest/installed" | grep -q 'NEEDED.*\[libzcopy.so.1\]' || fail "not linked with libzcopy.so.1"
readelf -d "$dest/installed-static" | grep -q 'libzcopy' && fail "libzcopy.a linked dynamically"
objdump -T "$dest/installed" | grep -q '(LIBZCOPY_1) *zcopy_advance' || fail "no versioned reference"
want_out="modes: auto copy sg direct
counters: 10
advance: 1"
for p in installed installed-static; do
	out=$(LD_LIBRARY_PATH=$lib ZCOPY_DEVICE=/nonexistent "$dest/$p") || fail "$p failed"
	case $out in "$want_out"*"open: No such file or directory") ;; *) fail "$p: $out" ;; esac
done

# the installed tool finds the installed preload (../lib beside sbin) and
# the preload takes a sendfile() call (to sendfile(2): no module here)
out=$("$dest$prefix/sbin/zcopy" run -- sh -c 'echo "$LD_PRELOAD"' 2>/dev/null)
[ "$out" = "$lib/libzcopy-preload.so" ] || fail "zcopy run: LD_PRELOAD=$out"
err=$(LD_LIBRARY_PATH=$lib ZCOPY_DEVICE=/nonexistent "$dest$prefix/sbin/zcopy" run --stats -m sg -- \
	"$dest/installed" sendfile 2>&1 >"$dest/run.out") || fail "zcopy run installed: $err"
grep -q '^sendfile: 1000$' "$dest/run.out" || fail "sendfile under the preload: $(cat "$dest/run.out")"
case $err in *"zcopy-preload: pid="*" mode=sg device=off "*" sendfile_calls=1 sendfile_bytes=1000 "*) ;;
	*) fail "no stats line from the installed preload: $err" ;; esac

[ $failed = 0 ] && rm -rf "$dest" && echo "test-install: ok"
exit $failed
