#!/bin/sh
# Runs inside the VM for `make bench` (bench-nginx.sh): nginx serving files
# over veth (scatter-gather on) to wrk in a peer network namespace, with
# keep-alive, in four configurations: its own sendfile, through the preload
# in ZCOPY_MODE=sg and auto, and its own `directio 4m`.  The runs are
# interleaved (run 1 of every configuration, then run 2...), so that a
# change in the host's load falls on all of them alike.
#
# Prints, between markers, raw.csv (one line per wrk run; bench-nginx.sh
# takes the medians) and checks.csv (per configuration: what curl and the
# device's debugfs totals showed).  Settings from bench-nginx.conf.
set -u
cd "$(dirname "$0")" || exit 1
. ./bench-nginx.conf
here=$PWD
data=${ZCOPY_DATA:-/mnt/data}/nginx
run=/tmp/nginx-bench
addr=192.0.2.1 port=8080
out=/tmp/nginx-bench-out
rm -rf "$run" "$out" "$data" && mkdir -p "$run" "$out" "$data"
rc=0
fail() { echo "bench-nginx: $*"; rc=1; }

echo "machine: guest $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)"
echo "nginx: $(nginx -v 2>&1), $(wrk -v 2>&1 | head -n 1), $(curl --version | head -n 1)"

# wrk in its own namespace, nginx in this one (on $addr)
. ./guest-veth.sh
veth_pair znpeer vn0 vn1
ethtool -K vn0 sg on tso on >/dev/null
ethtool -k vn0 | grep -E '^(scatter-gather|tcp-segmentation-offload):'

for f in $FILES; do
	name=${f%%:*} size=${f#*:}
	dd if=/dev/urandom of="$data/$name" bs=$((size < 1048576 ? size : 1048576)) \
		count=$((size < 1048576 ? 1 : size / 1048576)) 2>/dev/null
done
sync
(cd "$data" && sha256sum -- *) >"$run/sums"

# the exact figures: wrk's summary and latency from its Lua hook, in µs
cat >"$run/report.lua" <<'EOF'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("WRK %d %d %d %.0f %.0f %d\n", summary.requests,
		summary.duration, summary.bytes, latency:percentile(50),
		latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

# nginx.conf for configuration $1: only directio differs; nginx's advice for
# directio is output buffers of a useful size (its default is 2 x 32k)
conf() {
	extra=
	[ "$1" = directio ] && extra="directio 4m; output_buffers 2 1m;"
	cat >"$run/nginx.conf" <<EOF
daemon off;
worker_processes 1;
user nobody nogroup;
error_log stderr warn;
pid $run/nginx.pid;
events { worker_connections 256; }
http {
	access_log off;
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 60;
	keepalive_requests 100000000;
	$extra
	client_body_temp_path $run/body;
	proxy_temp_path $run/proxy;
	fastcgi_temp_path $run/fastcgi;
	uwsgi_temp_path $run/uwsgi;
	scgi_temp_path $run/scgi;
	server { listen $addr:$port; root $data; }
}
EOF
}

# start nginx for configuration $1; sets $master and $worker
start() {
	conf "$1"
	case $1 in
	sg | auto)
		env LD_PRELOAD="$here/libzcopy-preload.so" ZCOPY_MODE="$1" ZCOPY_STATS=1 \
			nginx -p "$run" -c "$run/nginx.conf" -e stderr 2>>"$out/$1.err" & ;;
	*) nginx -p "$run" -c "$run/nginx.conf" -e stderr 2>>"$out/$1.err" & ;;
	esac
	master=$! worker=
	for _ in $(seq 500); do
		worker=$(awk -v m="$master" '$4 == m { print $1 }' /proc/[0-9]*/stat 2>/dev/null)
		[ -n "$worker" ] && ip netns exec znpeer curl -s -o /dev/null \
			"http://$addr:$port/" 2>/dev/null && return 0
		sleep 0.02
	done
	fail "$1: nginx did not start"
	return 1
}

stop() {
	kill -QUIT "$master"
	wait "$master" || fail "$1: nginx exited with $?"
}

# the worker's CPU time in clock ticks (utime + stime)
ticks() { awk '{ print $14 + $15 }' "/proc/$worker/stat"; }
cached_kb() { awk '$1 == "Cached:" { print $2 }' /proc/meminfo; }
# the mode's debugfs totals row: transfers errors req sent cpu_copy ... direct
totals() { awk -v m="$1" '$1 == m { $1 = ""; print }' /sys/kernel/debug/zcopy/totals; }

# curl fetches every file through this nginx: identical, and, through the
# preload, the device sent exactly the bodies (0 CPU copies on SG)
verify() {
	cfg=$1 mode=$1
	[ "$cfg" = sg ] || [ "$cfg" = auto ] || mode=sg
	set -- $(totals "$mode")
	b_x=$1 b_sent=$4 b_copy=$5
	rm -rf "$run/got" && mkdir -p "$run/got"
	urls=
	for f in $FILES; do urls="$urls -O http://$addr:$port/${f%%:*}"; done
	# shellcheck disable=SC2086 # one word per option
	ip netns exec znpeer curl -sS -f --output-dir "$run/got" $urls || fail "$cfg: curl failed"
	(cd "$run/got" && sha256sum -c -s "$run/sums") || fail "$cfg: files differ"
	set -- $(totals "$mode")
	sent=$(($4 - b_sent)) copy=$(($5 - b_copy)) total=0
	for f in $FILES; do total=$((total + ${f#*:})); done
	case $cfg in
	sg | auto)
		[ "$sent" -eq "$total" ] || fail "$cfg: device sent $sent bytes for $total"
		[ "$cfg" != sg ] || [ "$copy" -eq 0 ] || fail "sg: $copy bytes copied by the CPU" ;;
	*)	[ "$sent" -eq 0 ] || fail "$cfg: the device sent $sent bytes" ;;
	esac
	echo "verify,$cfg,$total,$sent,$copy,$(($1 - b_x))" >>"$out/checks.csv"
}

# BENCH_PROFILE=1 (PROFILE="native sg"): instead of the runs, perf record of
# the whole guest (nginx, wrk, the stack share it under icount) during one
# wrk run per configuration and file, and the samples per request it served
# /proc/stat's cpu line: idle + iowait ticks, and all of them
idle_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t }' /proc/stat; }
profile() {
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	export HOME=/root
	echo "=== BEGIN profile.txt"
	echo "$(perf --version); perf record -e cpu-clock -c $PERIOD -a -g, $DURATION s of wrk"
	for cfg in $PROFILE; do
		start "$cfg" || continue
		for name in $PROFILE_FILES; do
			cat "$data/$name" >/dev/null
			# first without perf: the guest's idle time over the run (under
			# icount, idle time is its clock jumping to its next timer)
			i0=$(idle_ticks)
			ip netns exec znpeer wrk -t 1 -c "$CONNS" -d "${DURATION}s" \
				-s "$run/report.lua" "http://$addr:$port/$name" >"$out/wrk.txt" 2>&1
			i1=$(idle_ticks)
			echo "IDLE $cfg $name $(sed -n 's/^WRK //p' "$out/wrk.txt" | awk '{
				printf "requests=%d duration_us=%d p99_us=%d", $1, $2, $5 }') $(echo "$i0 $i1" |
				awk '{ printf "idle=%.1f%% of %d ticks", 100 * ($3 - $1) / ($4 - $2), $4 - $2 }')"
			f=$out/$cfg-$name.data
			perf record -q -N -e cpu-clock -c "$PERIOD" -a -g -o "$f" -- \
				ip netns exec znpeer wrk -t 1 -c "$CONNS" -d "${DURATION}s" \
				-s "$run/report.lua" "http://$addr:$port/$name" >"$out/wrk.txt" 2>&1 ||
				fail "$cfg $name: perf record failed"
			# shellcheck disable=SC2046 # wrk's six figures, one word each
			set -- $(sed -n 's/^WRK //p' "$out/wrk.txt")
			[ $# -eq 6 ] || { fail "$cfg $name: no wrk summary"; continue; }
			reqs=$1
			rep="perf report -i $f --stdio --no-children -n -g none"
			total=$($rep --sort comm 2>/dev/null | awk '!/^#/ && NF >= 3 { t += $2 } END { print t + 0 }')
			echo
			echo "PROFILE $cfg $name requests=$reqs samples=$total per_request=$(awk \
				-v t="$total" -v r="$reqs" 'BEGIN { printf "%.2f", r ? t / r : 0 }')"
			echo "--- samples per request, by thread"
			$rep --sort comm 2>/dev/null | awk -v r="$reqs" '!/^#/ && NF >= 3 {
				printf "%10.3f %8d  %s\n", $2 / r, $2, $3 }' | head -n 8
			echo "--- samples per request, by thread and symbol (self; 5 samples or more)"
			$rep --sort comm,dso,sym 2>/dev/null | awk -v r="$reqs" '!/^#/ && NF >= 6 && $2 >= 5 {
				printf "%10.3f %8d  %-8s %-22s %s\n", $2 / r, $2, $3, $4, $6 }'
			# inclusive: each function with what it calls, nginx's worker only
			# (percentages of all samples, whatever the filter)
			echo "--- samples per request, nginx, inclusive (children; top 80)"
			perf report -i "$f" --stdio --children -n -g none --percentage absolute \
				--comm nginx --sort sym 2>/dev/null | awk -v r="$reqs" -v t="$total" '
				!/^#/ && NF >= 5 { c = $1; sub("%", "", c); c = c * t / 100
				printf "%10.3f %8d  %s\n", c / r, c, $5 }' | head -n 80
			# the self samples under each entry point: the sending call
			# (the device's or sendfile's) and the uncork that may transmit
			for parent in 'zcopy_xfer|do_sendfile' '__sys_setsockopt'; do
				echo "--- samples per request, nginx, self under $parent (5 samples or more)"
				perf report -i "$f" --stdio --no-children -n -g none --percentage absolute \
					--comm nginx --parent "$parent" --sort parent,sym 2>/dev/null |
					awk -v r="$reqs" '!/^#/ && NF >= 5 && $3 != "[other]" {
					if ($2 >= 5 && ++n <= 40)
						printf "%10.3f %8d  %s %s\n", $2 / r, $2, $3, $5
					t[$3] += $2
				} END { for (p in t) printf "%10.3f %8d  %s (all)\n", t[p] / r, t[p], p }' 
			done
			rm -f "$f"
		done
		stop "$cfg"
	done
	echo "=== END profile.txt"
}
if [ -n "$PROFILE" ]; then
	profile
	rm -rf "$data"
	echo "TAP version 13"
	echo "1..0 # bench-nginx profile"
	exit $rc
fi

echo "config,file,size,run,requests,duration_us,wrk_bytes,p50_us,p99_us,errors,cpu_ticks,cached_kb_growth,device_bytes,device_cpu_copy,header_bytes,conns" >"$out/raw.csv"
r=0
while [ $r -lt "$RUNS" ]; do
	r=$((r + 1))
	for cfg in $CONFIGS; do
		start "$cfg" || continue
		[ $r -eq 1 ] && verify "$cfg"
		mode=$cfg
		[ "$cfg" = sg ] || [ "$cfg" = auto ] || mode=sg
		for f in $FILES; do
			name=${f%%:*} size=${f#*:} dur=$DURATION conns=$CONNS
			# a response's header, from a HEAD (no body, no sendfile): what
			# wrk read, less the headers, is the bodies it received
			hdr=$(ip netns exec znpeer curl -sI -o /dev/null -w '%{size_header}' \
				"http://$addr:$port/$name")
			# the largest file: cold, from the disk, for every configuration,
			# one request at a time
			if [ "$size" -ge 67108864 ]; then
				sync
				echo 3 >/proc/sys/vm/drop_caches
				dur=$COLD_DURATION conns=$COLD_CONNS
				# one request may take longer than wrk's 2 s timeout
				# (which it counts as an error): under icount a disk
				# wait jumps the clock to its next timer
				wrk_timeout=--timeout=$((COLD_DURATION * 4))s
			else
				# warm: its pages cached before the run
				cat "$data/$name" >/dev/null
				wrk_timeout=
			fi
			set -- $(totals "$mode")
			d0=$4 c0=$5
			k0=$(cached_kb) t0=$(ticks)
			# shellcheck disable=SC2086 # no word when empty
			ip netns exec znpeer wrk -t 1 -c "$conns" -d "${dur}s" --latency $wrk_timeout \
				-s "$run/report.lua" "http://$addr:$port/$name" >"$out/wrk.txt" 2>&1
			t1=$(ticks) k1=$(cached_kb)
			set -- $(totals "$mode")
			dev=$(($4 - d0)) copy=$(($5 - c0))
			sed 's/^/  /' "$out/wrk.txt" >>"$out/wrk.log"
			set -- $(sed -n 's/^WRK //p' "$out/wrk.txt")
			[ $# -eq 6 ] || { fail "$cfg $name: no wrk summary"; continue; }
			[ "$6" -eq 0 ] || fail "$cfg $name: wrk counted $6 errors"
			echo "$cfg,$name,$size,$r,$1,$2,$3,$4,$5,$6,$((t1 - t0)),$((k1 - k0)),$dev,$copy,$hdr,$conns" >>"$out/raw.csv"
			echo "run $r $cfg $name: $1 requests in $2 us, p50 $4 us, p99 $5 us"
		done
		stop "$cfg"
	done
done

# the preload's line from each worker: every sendfile() went to the device
for cfg in sg auto; do
	[ -s "$out/$cfg.err" ] || continue
	grep -v 'zcopy-preload:' "$out/$cfg.err" | head -n 5
	awk -v c="$cfg" '/zcopy-preload:/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] }
		n++
	} END {
		printf "stats,%s,%d,%.0f,%.0f,%.0f,%.0f\n", c, n, v["device_calls"], v["device_bytes"],
			v["sendfile_calls"], v["declined"]
	}' "$out/$cfg.err" >>"$out/checks.csv"
done

echo "=== BEGIN raw.csv"
cat "$out/raw.csv"
echo "=== END raw.csv"
echo "=== BEGIN checks.csv"
cat "$out/checks.csv"
echo "=== END checks.csv"
echo "=== BEGIN wrk.log"
cat "$out/wrk.log"
echo "=== END wrk.log"
rm -rf "$data"
# KTAP for run-tests.sh: no test cases of its own; a failure shows in the exit status
echo "TAP version 13"
echo "1..0 # bench-nginx"
exit $rc
