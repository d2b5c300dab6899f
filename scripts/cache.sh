#!/bin/sh
# cache.sh: the machine-wide cache of what the test runs download or build
# once and every checkout reuses.  Sourced by kernel-image.sh and
# debug-kernel.sh; documented in Documentation/testing.rst, "The cache".
#
#   $ZCOPY_CACHE (default /var/cache/zcopy)
#     images/KVER/PKGVERSION/   a Debian kernel image, unpacked
#     debug/LINE/KEY/           a debug kernel: image/, tree/, kernelrelease
#
# An entry is named by everything it is made from (a package version, a
# hash of the inputs), so a cache can never change a result: other inputs
# mean another entry.  Entries are made in a temporary directory beside
# their final name and rename()d into place, under a lock per slot
# (flock(1)); an entry in place is complete and never written again.
#
# cache_entry SLOT KEY COMMAND [ARGS...]: print the entry's directory,
# running COMMAND first when it is not there yet, with the directory to
# fill in $ZCOPY_CACHE_TMP.  COMMAND is a program, not a shell function:
# its own process keeps its own `set -e` whatever context the caller is in.
# A slot keeps its two most recently used entries: the newest and the one
# before, so that reverting a change of inputs finds its entry again; older
# ones are removed once a new one is in place.  Using an entry touches it.

: "${ZCOPY_CACHE:=/var/cache/zcopy}"
# absolute: the builders change directory, and links point into it
ZCOPY_CACHE=$(mkdir -p "$ZCOPY_CACHE" && cd "$ZCOPY_CACHE" && pwd -P) || exit 1

cache_entry() {
	_slot=$ZCOPY_CACHE/$1 _key=$2
	shift 2
	_final=$_slot/$_key
	if [ -e "$_final/.complete" ]; then
		# most recently used: the last a new entry would remove
		touch "$_final" 2>/dev/null
		echo "$_final"
		return 0
	fi
	mkdir -p "$_slot" || return 1
	(
		# one builder per slot; the others wait here, then find it done
		flock 9 || exit 1
		[ -e "$_final/.complete" ] && exit 0
		# no builder is alive while we hold the lock: what a killed
		# one left half-way goes first
		rm -rf "$_slot"/.tmp-*
		_tmp=$_slot/.tmp-$_key-$$
		mkdir -p "$_tmp" || exit 1
		trap 'rm -rf "$_tmp"' INT TERM HUP
		# the builder's output goes to stderr: stdout is the answer; it
		# does not inherit the lock
		if ! ZCOPY_CACHE_TMP=$_tmp "$@" >&2 9>&-; then
			rm -rf "$_tmp"
			exit 1
		fi
		trap - INT TERM HUP
		touch "$_tmp/.complete"
		rm -rf "$_final"
		mv -T "$_tmp" "$_final" || exit 1
		touch "$_final"
		# builds that died half-way, and all but the entry used last
		# before this one (ls -t: newest first, by the touches above)
		rm -rf "$_slot"/.tmp-*
		ls -1td "$_slot"/*/ | tail -n +3 | while IFS= read -r _old; do
			rm -rf "$_old"
		done
		exit 0
	) 9>"$_slot.lock" || return 1
	echo "$_final"
}
