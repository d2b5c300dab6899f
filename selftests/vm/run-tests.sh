#!/bin/sh
# run-tests.sh DIR: run every test listed in DIR/tests, in order, and print
# KTAP the way kselftest's runner does: one top-level result per program,
# its own KTAP output nested behind "# ".  Timeout from DIR/settings.
dir=$1
cd "$dir" || exit 1
limit=$(sed -n 's/^timeout=//p' settings)
# make check-debug's slower kernels put a longer one on the command line
limit=${ZCOPY_TEST_TIMEOUT:-$limit}
tests=$(cat tests)
# a subset: a developer's (make check-vm TESTS=a_test,b_test), or the
# debug kernels' (check-debug.sh leaves out two programs); the top-level
# plan counts the programs that run
[ -n "${ZCOPY_TESTS:-}" ] && tests=$(echo "$ZCOPY_TESTS" | tr , ' ')
n=0
for t in $tests; do n=$((n + 1)); done

uptime_s() { cut -d' ' -f1 /proc/uptime; }
# the harness prints "#  RUN  fixture.case ..." and "#  OK|FAIL  fixture.case"
# around each case: "# time: fixture.case SECONDS s" follows the second
timing='
function now(  l, a) {
	getline l <"/proc/uptime"
	close("/proc/uptime")
	split(l, a, " ")
	return a[1]
}
{ print "# " $0; fflush() }
$1 == "#" && $2 == "RUN" { name = $3; t0 = now() }
$1 == "#" && ($2 == "OK" || $2 == "FAIL") && $3 == name {
	printf "# # time: %s %.2f s\n", name, now() - t0
	fflush()
	name = ""
}'

echo "TAP version 13"
echo "1..$n"
i=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: zcopy: $t"
	# streamed, so that a guest that dies mid-test still shows how far it
	# got; each case's and each program's runtime as a KTAP diagnostic
	t0=$(uptime_s)
	{ timeout "${limit:-120}" "./$t" 2>&1; echo $? >/tmp/rc; } | awk "$timing"
	rc=$(cat /tmp/rc)
	echo "# time: $t $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }') s"
	case $rc in
	0) echo "ok $i selftests: zcopy: $t" ;;
	4) echo "ok $i selftests: zcopy: $t # SKIP" ;;
	124 | 143) echo "not ok $i selftests: zcopy: $t # TIMEOUT ${limit}s" ;;
	*) echo "not ok $i selftests: zcopy: $t # exit=$rc" ;;
	esac
done
