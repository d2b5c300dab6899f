#!/bin/sh
# Runs inside the VM for nginx-seq.sh: nginx-seq's server (nginx's calls
# for a response) and its client in a peer network namespace over veth
# (scatter-gather on), natively and through the preload (ZCOPY_MODE=sg),
# interleaved, three rounds per file size.
set -u
cd "$(dirname "$0")" || exit 1
here=$PWD
data=${ZCOPY_DATA:-/mnt/data}/nginx-seq
rm -rf "$data" && mkdir -p "$data"
. ./guest-veth.sh
veth_pair znseq vs0 vs1
ethtool -K vs0 sg on tso on >/dev/null
# where the stack's softirq work runs: inline, or woken in ksoftirqd
ksoftirqd=
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = ksoftirqd/0 ] && ksoftirqd=$p
done
softirq_state() {
	echo "$(awk '/^NET_RX:/ { print $2 } /^NET_TX:/ { print $2 }' /proc/softirqs | tr '\n' ' ')" \
		"$(awk '/ctxt_switches/ { s += $2 } END { print s }' "$ksoftirqd/status")"
}
rc=0
for size in 16384 1048576; do
	dd if=/dev/urandom of="$data/f$size" bs="$size" count=1 2>/dev/null
	cat "$data/f$size" >/dev/null
	n=5000
	[ "$size" -gt 65536 ] && n=300
	for round in 1 2 3; do
		for cfg in native preload; do
			pre=
			[ "$cfg" = preload ] && pre=$here/libzcopy-preload.so
			before=$(softirq_state)
			env ${pre:+LD_PRELOAD=$pre} ZCOPY_MODE=sg ./nginx-seq serve 192.0.2.1 "$n" \
				"$size" "$data/f$size" >/tmp/nginx-seq.out &
			ip netns exec znseq ./nginx-seq sink 192.0.2.1 "$n" "$size" >/tmp/nginx-seq.sink ||
				rc=1
			wait $! || rc=1
			# shellcheck disable=SC2086 # word-split on purpose: three numbers each
			soft=$(echo $before $(softirq_state) | awk -v n="$n" '{
				printf "softirqs: NET_RX %.2f, NET_TX %.2f, ksoftirqd runs %.2f per response",
					($4 - $1) / n, ($5 - $2) / n, ($6 - $3) / n }')
			echo "nginx-seq: $size $cfg round $round: $(cat /tmp/nginx-seq.out) $(cat /tmp/nginx-seq.sink) $soft"
		done
	done
done
# KTAP for run-tests.sh: no test cases of its own; a failure shows in the exit status
echo "TAP version 13"
echo "1..0 # nginx-seq"
exit "$rc"
