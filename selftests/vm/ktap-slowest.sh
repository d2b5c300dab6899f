#!/bin/sh
# ktap-slowest.sh N LABEL=KTAP...: the N slowest test cases of the runs,
# from the "# time:" diagnostics run-tests.sh writes into the KTAP (one per
# case, nested, and one per program), slowest first.
set -eu
n=$1
shift
for arg in "$@"; do
	label=${arg%%=*} file=${arg#*=}
	[ -r "$file" ] || continue
	awk -v k="$label" '
		/^# selftests: zcopy: / { prog = $4 }
		/^# # time: / { printf "%s %s %s:%s\n", $5, k, prog, $4 }
	' "$file"
done | sort -k1,1gr | head -n "$n" |
	awk '{ printf "  %8.2f s  %-10s %s\n", $1, $2, $3 }'
