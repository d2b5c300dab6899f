#!/bin/sh
# profile-summary.sh PROFILE.TXT: from profile-guest.sh's output, the
# samples per page moved of each method (and their ratio to the workload's
# first method, sendfile), then the sending thread's top symbols side by
# side, one column per method.
set -eu
awk '
function kv(s,    a) { split(s, a, "="); return a[2] }
$1 == "SAMPLES" { key = $2 " " $3; period[key] = kv($6) }
$1 == "PERPAGE" {
	key = $2 " " $3
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
	if (!($2 in ref)) ref[$2] = kv($4)
	send[key] = kv($4); sink[key] = kv($5); busy[key] = kv($6)
	send_ns[key] = kv($7); busy_ns[key] = kv($8)
}
END {
	print "samples per 4 KiB page moved (sender = thread zb-send, its softirq work included;"
	print "busy = every sample but idle, perf and the tool'"'"'s main thread; ns of guest clock:"
	print "instructions under icount)"
	printf "%-6s %-14s %9s %9s %9s %9s %9s %9s\n", "", "method", "send", "x first", "send ns",
		"sink", "busy", "busy ns"
	for (i = 1; i <= n; i++) {
		k = order[i]
		split(k, w, " ")
		x = ref[w[1]] > 0 ? send[k] / ref[w[1]] : 0
		printf "%-6s %-14s %9.3f %9.2f %9.0f %9.3f %9.3f %9.0f\n", w[1], w[2], send[k], x,
			send_ns[k], sink[k], busy[k], busy_ns[k]
	}
}' "$1"
echo
# the top symbols: the first 12 lines after each "--- top symbols, thread zb-send"
awk '
$1 == "===" && $2 == "PROFILE" { cur = $3 " " $4 }
/^--- top symbols, thread zb-send/ { take = 12; print ""; print "top symbols of zb-send, " cur " (self %):"; next }
/^---/ || /^===/ { take = 0 }
take > 0 { printf "  %8s %s\n", $1, $4; take-- }' "$1"
