# ktap-summary.awk: check and count the KTAP that run-tests.sh printed.
#
# Counts the test cases inside each program (the nested "# ok N" lines),
# checks every plan against what was reported, and prints
#   RESULT pass fail skip
# as its last line.  A program that failed without a failing case of its
# own (crash, timeout, bad plan) counts as one failure.
function close_prog() {
	if (prog == "")
		return
	if (plan < 0 || plan != seen) {
		printf "ktap: %s: plan 1..%d but %d results\n", prog, plan, seen
		bad++
	}
	prog = ""
}
/^1\.\.[0-9]+$/ { top_plan = substr($0, 4) + 0; next }
/^# selftests: zcopy: / { close_prog(); prog = $4; plan = -1; seen = 0; pfail = 0; next }
/^# 1\.\.[0-9]+/ { if (prog != "") plan = substr($2, 4) + 0; next }
/^# (not )?ok [0-9]+ / {
	if (prog == "")
		next
	seen++
	if ($2 == "not") { fail++; pfail++; print "ktap: FAIL " prog ": " substr($0, 3) }
	else if ($0 ~ /# SKIP/) { skip++; print "ktap: SKIP " prog ": " substr($0, 3) }
	else pass++
	next
}
/^(not )?ok [0-9]+ selftests: zcopy: / {
	top_seen++
	if ($1 == "not" && pfail == 0) { fail++; print "ktap: FAIL " $0 }
	close_prog()
	next
}
/^ZCOPY-VM-COMPLETE$/ { complete = 1 }
END {
	close_prog()
	if (top_plan == 0 || top_plan != top_seen) {
		printf "ktap: top-level plan 1..%d but %d programs reported\n", top_plan, top_seen
		bad++
	}
	if (!complete) {
		print "ktap: no completion token from the guest"
		bad++
	}
	printf "RESULT %d %d %d\n", pass, fail + bad, skip
}
