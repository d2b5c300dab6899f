#!/bin/sh
# Print the release names (uname -r) of the Debian kernels zcopy is tested
# on, one per line: the newest installed headers of each LTS line.  The
# versions come from what `make deps` installed, never from this file.
set -eu
for line in ${ZCOPY_KERNEL_LINES:-6.1 6.12}; do
	dir=$(ls -d /usr/src/linux-headers-"$line".*-amd64 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$dir" ]; then
		echo "kernels: no linux-headers for $line installed (run make deps)" >&2
		exit 1
	fi
	basename "$dir" | sed 's/^linux-headers-//'
done
