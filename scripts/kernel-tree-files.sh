#!/bin/sh
# kernel-tree-files.sh DIR: extract, once, the files zcopy borrows from the
# kernel tree (kselftest harness, checkpatch) out of Debian's linux-source
# package into DIR.  Nothing of the kernel tree is committed to this repo.
set -eu
dir=$1
tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
stamp=$dir/.extracted-$(basename "$tarball")
[ -e "$stamp" ] && exit 0
rm -rf "$dir" && mkdir -p "$dir"
top=$(basename "$tarball" .tar.xz)
tar -xf "$tarball" -C "$dir" --strip-components=1 \
	"$top/tools/testing/selftests/kselftest.h" \
	"$top/tools/testing/selftests/kselftest_harness.h" \
	"$top/scripts/checkpatch.pl" \
	"$top/scripts/spelling.txt" \
	"$top/scripts/const_structs.checkpatch"
touch "$stamp"
