#!/bin/sh
# kernel-image.sh KVER LINK: Debian's unsigned image of exactly the kernel
# KVER (the same source version as its installed headers), downloaded and
# unpacked once per machine into the cache (scripts/cache.sh,
# images/KVER/VERSION/), and LINK made a symlink to it.  LINK/boot/vmlinuz-KVER
# and LINK/lib/modules/KVER/ result, with a modules.dep so that modprobe can
# resolve dependencies.  The guest scripts only read it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cache.sh"

# kernel-image.sh --unpack KVER VERSION: cache_entry's builder, into
# $ZCOPY_CACHE_TMP
if [ "$1" = --unpack ]; then
	kver=$2 want=$3 dir=$ZCOPY_CACHE_TMP
	pkg=linux-image-$kver-unsigned
	echo "kernel-image: downloading $pkg=$want" >&2
	mkdir -p "$dir/deb"
	cd "$dir/deb"
	if ! apt-get download "$pkg=$want" >/dev/null 2>&1; then
		apt-get update -qq
		apt-get download "$pkg=$want" >/dev/null
	fi
	cd "$dir"
	dpkg-deb -x deb/*.deb .
	rm -rf deb
	mods=lib/modules/$kver
	[ -d "$mods" ] || mods=usr/lib/modules/$kver
	if [ "$mods" != "lib/modules/$kver" ]; then
		mkdir -p lib/modules
		ln -s "../../$mods" "lib/modules/$kver"
	fi
	depmod -b . "$kver"
	exit 0
fi

kver=$1 link=$2
# the image must come from the same source package version as the headers
want=$(dpkg-query -W -f='${source:Version}' "linux-headers-$kver")
entry=$(cache_entry "images/$kver" "$want" "$0" --unpack "$kver" "$want")
mkdir -p "$(dirname "$link")"
rm -rf "$link"
ln -s "$entry" "$link"
