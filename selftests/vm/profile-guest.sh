#!/bin/sh
# Runs inside the VM for `make profile`: `perf record` of one `zcopy bench`
# method at a time, on the warm large file and on the small responses over
# veth with scatter-gather, then per method: samples per thread, samples
# per page moved, the sending thread's inclusive shares and top symbols
# (self, no children), and its caller graph between markers for the host.
# profile.conf (written by profile.sh) holds RUNS, SIZE, COLD_SIZE, SMALL,
# PERIOD, WORKLOADS and the methods of each workload.
set -u
cd "$(dirname "$0")"
. ./profile.conf
data=${ZCOPY_DATA:-/mnt/data}
out=/tmp/profile
mkdir -p "$out"
export HOME=/root

# perf resolves kernel and module symbols from /proc/kallsyms, which shows
# addresses only with kptr_restrict 0
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
echo "machine: guest $(uname -r), $(nproc) vCPUs; $(perf --version)"

# the veth pair between two network namespaces, as bench-guest.sh sets it up
. ./guest-veth.sh
veth_pair zbpeer vb0 vb1
ethtool -K vb0 sg on >/dev/null

bench() {
	./zcopy bench -d "$data" --netns zbpeer --small "$SMALL" "$@" 192.0.2.2:7200
}
# creates the files and fills the page cache outside any recording
echo "=== warm-up: zcopy bench -r 1 -w warm,small -M sendfile"
bench -s "$SIZE" -r 1 -w warm,small -M sendfile >/dev/null || exit 1
case " $WORKLOADS " in
*" cold "*) bench -s "$COLD_SIZE" -r 1 -w cold -M zcopy-direct >/dev/null || exit 1 ;;
esac

# idle-loop symbols: the time a vCPU had nothing to run
idle_re='idle|safe_halt|mwait|poll_idle'
rc=0
for wl in $WORKLOADS; do
	case $wl in
	warm) methods=$WARM_METHODS size=$SIZE items=$RUNS
		pages=$(($(echo "$SIZE" | sed 's/M$//') * 256 * RUNS)) ;;
	# the page cache dropped before every run (AUTO against DIRECT)
	cold) methods=$COLD_METHODS size=$COLD_SIZE items=$RUNS
		pages=$(($(echo "$COLD_SIZE" | sed 's/M$//') * 256 * RUNS)) ;;
	small) methods=$SMALL_METHODS size=$SIZE
		pages=$((SMALL * 4 * RUNS)) items=$((SMALL * RUNS)) ;;
	# request/response: the bench runs it on 1 and on 8 connections
	rr) methods=$SMALL_METHODS size=$SIZE
		pages=$((SMALL * 4 * RUNS * 2)) items=$((SMALL * RUNS * 2)) ;;
	# one server thread, 64 connections, one load generator thread
	rr64) methods=$RR64_METHODS size=$SIZE
		pages=$((SMALL / 64 * 64 * 4 * RUNS)) items=$((SMALL / 64 * 64 * RUNS)) ;;
	*) echo "profile: unknown workload $wl"; exit 1 ;;
	esac
	# the sending and the receiving threads' names
	snd=zb-send rcv=zb-sink
	[ "$wl" = rr64 ] && snd=zc-server rcv=zc-client
	for m in $methods; do
		f=$out/$wl-$m.data
		echo
		echo "=== PROFILE $wl $m: perf record -e cpu-clock -c $PERIOD -a -g -- zcopy bench -r $RUNS -w $wl -M $m"
		perf record -q -N -e cpu-clock -c "$PERIOD" -a -g -o "$f" -- \
			./zcopy bench -d "$data" --netns zbpeer -s "$size" --small "$SMALL" \
			-r "$RUNS" -w "$wl" -M "$m" 192.0.2.2:7200 || rc=1
		rep="perf report -i $f --stdio --no-children -n -g none"
		# "samples comm" per thread name
		$rep --sort comm 2>/dev/null | awk '!/^#/ && NF >= 3 { print $2, $3 }' >"$out/comm"
		idle=$($rep --comm swapper --sort sym 2>/dev/null |
			awk -v re="$idle_re" '!/^#/ && NF >= 4 && $4 ~ re { n += $2 } END { print n + 0 }')
		# busy: every sample but idle, perf's own and the tool's main thread
		# (its pread() that warms the file before each measurement)
		awk -v wl="$wl" -v m="$m" -v pages="$pages" -v items="$items" -v idle="$idle" \
			-v period="$PERIOD" -v snd="$snd" -v rcv="$rcv" '
			{ n[$2] = $1; total += $1 }
			END {
				busy = total - idle - n["perf"] - n["perf-exec"] - n["zcopy"]
				printf "SAMPLES %s %s pages=%d items=%d period_ns=%d total=%d idle=%d busy=%d send=%d sink=%d\n",
					wl, m, pages, items, period, total, idle, busy, n[snd], n[rcv]
				printf "PERPAGE %s %s send=%.3f sink=%.3f busy=%.3f\n",
					wl, m, n[snd] / pages, n[rcv] / pages, busy / pages
			}' "$out/comm"
		sed 's/^/  comm: /' "$out/comm" | head -n 8
		# perf's --comm filters by a thread's last name, and the runs'
		# threads reuse thread ids (a sink's id later names a sender):
		# --sort comm,sym keys every sample by the name it ran under
		total=$(awk '{ t += $1 } END { print t + 0 }' "$out/comm")
		send=$(awk -v c="$snd" '$2 == c { print $1 }' "$out/comm")
		sink=$(awk -v c="$rcv" '$2 == c { print $1 }' "$out/comm")
		# inclusive shares: each function with all it calls (children)
		echo "--- inclusive (children %, self %), thread $snd"
		$rep --children --sort comm,sym 2>/dev/null |
			awk -v t="$total" -v n="${send:-0}" -v c="$snd" '!/^#/ && $4 == c && n > 0 {
				c = $1; sub("%", "", c); c = c * t / n
				if (c >= 2) printf "%8.2f%% %8.2f%% %8d  %s %s\n", c, 100 * $3 / n, $3, $5, $6
			}' | head -n 40
		# the peer's receive in the sender's context: under one vCPU the
		# softirq a transmit raises (veth -> backlog -> TCP receive of the
		# other end) runs at once, in the thread that sent
		# (perf script: a sample's line with its comm, then a tab-indented
		# line per frame, then an empty line)
		# Also the share in the TCP/IP stack at all: a sample with a frame
		# of TCP (sending, receiving, the backlog at release_sock) or of
		# the softirq receive; the rest is what the method itself runs
		# (system call entry, epoll, io_uring, the device outside
		# tcp_sendmsg, the page cache, user space).
		perf script -i "$f" -F comm,ip,sym 2>/dev/null | awk -v c="$snd" -v wl="$wl" -v m="$m" '
			function end() {
				if (cur == c) { n++; if (rx) r++; if (st) k++ }
				cur = ""; rx = st = 0
			}
			/^[ \t]*$/ { end(); next }
			/^\t/ {
				if ($0 ~ / net_rx_action/) rx = 1
				if ($0 ~ / (net_rx_action|_*tcp_[a-z0-9_.]*|release_sock|sock_(send|recv)msg)($|[+ ])/) st = 1
				next
			}
			{ end(); cur = $1 }
			END {
				end()
				printf "RXSHARE %s %s thread=%s samples=%d in_net_rx_action=%d share=%.3f in_stack=%d share=%.3f\n",
					wl, m, c, n, r, n ? r / n : 0, k, n ? k / n : 0
			}'
		for c in $snd $rcv; do
			[ $c = $snd ] && k=${send:-0} lines=30 || k=${sink:-0} lines=10
			echo "--- top symbols, thread $c (self %, of its samples)"
			$rep --sort comm,sym 2>/dev/null |
				awk -v c="$c" -v n="$k" '!/^#/ && $3 == c && n > 0 {
					printf "%8.2f%% %8d  %s %s\n", 100 * $2 / n, $2, $4, $5 }' |
				head -n "$lines"
		done
		echo "=== BEGIN callgraph $wl $m"
		perf report -i "$f" --stdio --no-children --sort comm,sym \
			-g caller,0.5,callee,function,percent --percent-limit 0.3 2>/dev/null |
			grep -v '^#' | sed 's/ *$//' |
			awk -v c="$snd" 'BEGIN { RS = ""; ORS = "\n\n" } $2 == c' | head -n 600
		echo "=== END callgraph $wl $m"
		rm -f "$f"
	done
done
# KTAP for run-tests.sh: no test cases of its own; a failure shows in the exit status
echo "TAP version 13"
echo "1..0 # profile"
exit $rc
