#!/bin/sh
# profile-summary.sh PROFILE.TXT: from profile-guest.sh's output, the
# samples per page moved of each method and their ratio to the workload's
# reference (cork+sendfile for small responses, as in the bench's targets;
# sendfile otherwise), then the sending thread's top symbols per method.
set -eu
awk '
function kv(s,    a) { split(s, a, "="); return a[2] }
# SAMPLES wl method pages= items= period_ns= total= idle= busy= send= sink=
$1 == "SAMPLES" {
	key = $2 " " $3
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
	if (!($2 in first)) first[$2] = $3
	pages = kv($4)
	send[key] = kv($10) / pages; sink[key] = kv($11) / pages; busy[key] = kv($9) / pages
}
END {
	print "samples per 4 KiB page moved: send = thread zb-send (its softirq work included, as"
	print "in the bench'"'"'s CPU figures), sink = thread zb-sink, busy = every sample but"
	print "idle, perf'"'"'s and the tool'"'"'s main thread;"
	print "x: ratio to the reference method (cork+sendfile for small, else sendfile)"
	printf "%-6s %-14s %8s %7s %8s %8s %7s\n", "", "method", "send", "x", "sink", "busy", "x"
	for (i = 1; i <= n; i++) {
		k = order[i]
		split(k, w, " ")
		r = (w[1] " cork+sendfile") in seen ? w[1] " cork+sendfile" : w[1] " " first[w[1]]
		xs = send[r] > 0 ? send[k] / send[r] : 0
		xb = busy[r] > 0 ? busy[k] / busy[r] : 0
		printf "%-6s %-14s %8.4f %7.2f %8.4f %8.4f %7.2f\n", w[1], w[2], send[k], xs,
			sink[k], busy[k], xb
	}
}' "$1"
# the top symbols: the first 12 lines after each "--- top symbols, thread
# zb-send" (rr64's one-thread server: zc-server)
awk '
$1 == "===" && $2 == "PROFILE" { cur = $3 " " $4; sub(":$", "", cur) }
/^--- top symbols, thread (zb-send|zc-server)/ { take = 12; print ""; print "top symbols of " $5 ", " cur " (self %):"; next }
/^---/ || /^===/ { take = 0 }
take > 0 { printf "  %8s %s\n", $1, $4; take-- }' "$1"
