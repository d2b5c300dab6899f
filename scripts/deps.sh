#!/bin/sh
# Install every Debian package zcopy needs.  A no-op when all are present,
# so `make`, `make check` and `make demo` can call it every time.
#
# Two kernels are targeted: Debian's 6.1 LTS (bookworm, the sendpage era) and
# 6.12 LTS (bookworm-backports, the MSG_SPLICE_PAGES era).  The headers of
# each are found through the linux-headers-amd64 metapackage of its suite;
# nothing here names a version by hand.
set -eu

# linux-perf: `make profile` copies perf into the VM (bookworm's 6.1 build
# records and reports on the 6.12 guest too)
PKGS="build-essential pkg-config kmod libkmod-dev
libnl-3-dev libnl-genl-3-dev libnl-route-3-dev liburing-dev
qemu-system-x86 busybox-static cpio xz-utils zstd e2fsprogs iproute2 ethtool
sparse linux-source-6.1 coreutils gawk gnuplot-nox
flex bison bc libelf-dev libssl-dev
nginx wrk curl
linux-perf"

BPO=bookworm-backports
BPO_LIST=/etc/apt/sources.list.d/zcopy-backports.sources

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
have_hdr() { ls -d /usr/src/linux-headers-"$1"*-amd64 >/dev/null 2>&1; }
have_hdr 6.1. || missing="$missing linux-headers-6.1"
have_hdr 6.12. || missing="$missing linux-headers-6.12"
# make check-debug's second kernel source: bookworm-backports, like the headers
dpkg-query -W -f='${Status}\n' linux-source-6.12 2>/dev/null | grep -q '^install ok installed' ||
	missing="$missing linux-source-6.12"
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install packages (try: sudo make deps)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# bookworm-backports from the registry apt already uses: copy the first
# stanza of the existing deb822 sources file and change its suite.
if [ ! -e "$BPO_LIST" ]; then
	src=/etc/apt/sources.list.d/debian.sources
	if [ -r "$src" ]; then
		awk -v s="$BPO" 'NF == 0 { exit } /^Suites:/ { $0 = "Suites: " s } { print }' \
			"$src" >"$BPO_LIST"
	else
		# one-line format: reuse the first plain bookworm entry
		awk -v s="$BPO" '$1 == "deb" && $3 == "bookworm" { $3 = s; print; exit }' \
			/etc/apt/sources.list >/etc/apt/sources.list.d/zcopy-backports.list
	fi
fi

# another apt (an unattended upgrade, a second make) may hold the lock: wait for it
APT="apt-get -o DPkg::Lock::Timeout=600"
$APT update -qq
# nginx is for the VM (nginx_test, make bench), never a host service: a
# policy-rc.d that refuses every start keeps its postinst from starting it
# (one the machine already has is left alone)
rcd=/usr/sbin/policy-rc.d
[ -e "$rcd" ] || { printf '#!/bin/sh\nexit 101\n' >"$rcd" && chmod 755 "$rcd" && trap 'rm -f "$rcd"' EXIT; }
$APT install -y -qq --no-install-recommends $PKGS linux-headers-amd64 >/dev/null

# The 6.12 headers: ask the backports metapackage which versioned package it
# points at and install that one alone (installing the metapackage itself
# would replace bookworm's and pull a host kernel image).
ver=$(apt-cache madison linux-headers-amd64 |
	awk -F'|' -v s="$BPO/" 'index($3, s) { gsub(/ /, "", $2); print $2; exit }')
hdr=$(apt-cache show "linux-headers-amd64=$ver" |
	sed -n 's/^Depends: .*\(linux-headers-6\.[0-9.+a-z-]*-amd64\).*/\1/p' | head -n 1)
[ -n "$hdr" ] || { echo "deps: cannot resolve the $BPO kernel headers" >&2; exit 1; }
$APT install -y -qq --no-install-recommends -t "$BPO" "$hdr" >/dev/null
# -t: the backports build, the same upstream version as the 6.12 headers
$APT install -y -qq --no-install-recommends -t "$BPO" linux-source-6.12 >/dev/null
echo "deps: done" >&2
