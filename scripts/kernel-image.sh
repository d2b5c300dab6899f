#!/bin/sh
# kernel-image.sh KVER DIR: download Debian's unsigned image of exactly the
# kernel KVER (the same version as its installed headers) and unpack it into
# DIR, once.  DIR/boot/vmlinuz-KVER and DIR/lib/modules/KVER/ result, with a
# modules.dep so that modprobe can resolve dependencies.
set -eu
kver=$1 dir=$2
stamp=$dir/.unpacked
[ -e "$stamp" ] && exit 0

pkg=linux-image-$kver-unsigned
# the image must come from the same source package version as the headers
want=$(dpkg-query -W -f='${source:Version}' "linux-headers-$kver")
rm -rf "$dir" && mkdir -p "$dir/deb"
cd "$dir/deb"
if ! apt-get download "$pkg=$want" >/dev/null 2>&1; then
	apt-get update -qq
	apt-get download "$pkg=$want" >/dev/null
fi
dpkg-deb -x ./*.deb ..
cd .. && rm -rf deb
mods=lib/modules/$kver
[ -d "$mods" ] || mods=usr/lib/modules/$kver
[ "$mods" = "lib/modules/$kver" ] || { mkdir -p lib/modules; ln -s "../../$mods" "lib/modules/$kver"; }
depmod -b . "$kver"
touch .unpacked
