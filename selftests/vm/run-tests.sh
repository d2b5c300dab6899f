#!/bin/sh
# run-tests.sh DIR: run every test listed in DIR/tests, in order, and print
# KTAP the way kselftest's runner does: one top-level result per program,
# its own KTAP output nested behind "# ".  Timeout from DIR/settings.
dir=$1
cd "$dir" || exit 1
limit=$(sed -n 's/^timeout=//p' settings)
tests=$(cat tests)
n=0
for t in $tests; do n=$((n + 1)); done

echo "TAP version 13"
echo "1..$n"
i=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: zcopy: $t"
	# streamed, so that a guest that dies mid-test still shows how far it got
	t0=$(date +%s)
	{ timeout "${limit:-120}" "./$t" 2>&1; echo $? >/tmp/rc; } | sed 's/^/# /'
	rc=$(cat /tmp/rc)
	# make check-debug reports how long each program takes under KASAN
	[ "${ZCOPY_VM_DEBUG:-}" = 1 ] && echo "# time: $t $(($(date +%s) - t0)) s"
	case $rc in
	0) echo "ok $i selftests: zcopy: $t" ;;
	4) echo "ok $i selftests: zcopy: $t # SKIP" ;;
	124 | 143) echo "not ok $i selftests: zcopy: $t # TIMEOUT ${limit}s" ;;
	*) echo "not ok $i selftests: zcopy: $t # exit=$rc" ;;
	esac
done
