#!/bin/sh
# check-debug.sh BUILD_DIR LINE...: `make check-debug`.  For each kernel
# line (6.1, 6.12): build or reuse the debug kernel (scripts/debug-kernel.sh),
# build zcopy.ko against it with gcov, boot the test VM on it and run the
# whole kselftest suite, then judge what only a debug kernel can tell:
# kmemleak after unloading the module, fail-nth present, and the module's
# line coverage (BUILD_DIR/debug/LINE/coverage/).  KASAN, lockdep and WARN
# splats fail the run in run-vm.sh like in `make check`.
#
# Writes "pass fail skip" to BUILD_DIR/debug/vm-totals; exits non-zero on
# any failure.  Environment: KMAKE_FLAGS (from the Makefile),
# ZCOPY_FUZZ_CALLS (default 100000), ZCOPY_STRESS_SECONDS (default 60),
# ZCOPY_DEBUG_VM_TIMEOUT (seconds per
# kernel, default 3600), ZCOPY_DEBUG_TEST_TIMEOUT (seconds per test program,
# default 1500), ZCOPY_DEBUG_VM_MEM (default 2G).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# absolute: Kbuild's M= must be
mkdir -p "$1/debug" && O=$(cd "$1" && pwd)
shift
lines=$*
calls=${ZCOPY_FUZZ_CALLS:-100000}
stress=${ZCOPY_STRESS_SECONDS:-60}
limit=${ZCOPY_DEBUG_VM_TIMEOUT:-3600}
# per program: KASAN, lockdep and kmemleak under TCG make the suite 3-10x
# slower than on Debian's kernels (sendfile_test: 650 s on 6.1)
test_limit=${ZCOPY_DEBUG_TEST_TIMEOUT:-1500}
mem=${ZCOPY_DEBUG_VM_MEM:-2G}
kflags=${KMAKE_FLAGS:-W=1 KCFLAGS=-Werror}

tp=0 tf=0 ts=0
bad() { echo "debug: $line: $*"; tf=$((tf + 1)); }

# per-line coverage of each module/*.c from its .gcov file: executable
# lines are those gcov gives a count ("#####"/"=====" never ran)
gcov_lines() {
	awk -F: '{ c = $1; gsub(/ /, "", c) }
		c ~ /^[0-9]+\*?$/ { print $2 + 0, 1 }
		c == "#####" || c == "=====" { print $2 + 0, 0 }' "$1"
}

# The next line's kernel is built (when the cache lacks it) while this
# line's guest runs, at nice 19: the guest's vCPUs keep the CPU they use,
# the build takes what they leave idle (links, timers, waits).  The next
# iteration's debug-kernel.sh waits on the cache's lock for that build.
# A failed prefetch is reported by the line's own iteration, which then
# does not build it a second time.
prefetch_pid=
prefetch() {
	mkdir -p "$O/debug/$1"
	nice -n 19 "$top/scripts/debug-kernel.sh" "$1" >/dev/null \
		2>"$O/debug/$1/prefetch.log" &
	prefetch_pid=$!
}
for line in $lines; do
	# the line after this one, if any
	next=$(echo $lines | tr ' ' '\n' | sed -n "/^$line\$/{n;p;}")
	t0=$(date +%s)
	d=$O/debug/$line
	# no figures from an earlier run may stand in for this one's
	rm -rf "$d/coverage" "$d/gcda"
	mkdir -p "$d"
	# the kernel from the machine-wide cache, built there if it is not yet
	if [ -n "$prefetch_pid" ]; then
		wait "$prefetch_pid"
		r=$?
		prefetch_pid=
		cat "$d/prefetch.log"
		[ $r -eq 0 ] || { bad "kernel build failed"; continue; }
	fi
	kd=$("$top/scripts/debug-kernel.sh" "$line") || { bad "kernel build failed"; continue; }
	[ -n "$next" ] && prefetch "$next"
	ln -sfn "$kd" "$d/kernel"
	kver=$(cat "$kd/kernelrelease")
	t1=$(date +%s)

	# zcopy.ko against that tree, in a directory of its own (the top
	# Makefile's kbuild_dir); another kernel starts it afresh
	src=$d/src
	if [ "$(cat "$src/.kernel" 2>/dev/null)" != "$kd" ]; then
		rm -rf "$src"
	fi
	# copies, not symlinks: gcov prints the source next to the counts, and
	# module/ may change while the VM runs; -p keeps mtimes, so make
	# rebuilds only what changed
	mkdir -p "$src/module" "$src/uapi" && ln -sfn "$top/Kbuild" "$src/Kbuild"
	find "$src/module" "$src/uapi" -type l -exec rm -f {} +
	cp -p "$top"/module/*.[ch] "$src/module/" && cp -pR "$top/uapi/." "$src/uapi/"
	echo "$kd" >"$src/.kernel"
	# counters of an earlier run would add up with this one's
	rm -f "$src"/module/*.gcda
	echo "  MODULE  $kver (gcov)"
	# shellcheck disable=SC2086 # KMAKE_FLAGS is a list of make arguments
	make -s -C "$kd/tree" M="$src" ZCOPY_GCOV=1 $kflags modules ||
		{ bad "module build failed"; continue; }

	"$here/mkinitramfs.sh" "$kver" "$kd/image" "$src/zcopy.ko" "$O/selftests" \
		"$d/initramfs.cpio.gz" || { bad "initramfs failed"; continue; }
	# everything the guest would modprobe must be built in: no insmod lines
	for m in $(cat "$d/initramfs.cpio.gz.d/etc/zcopy-modules"); do
		modprobe -d "$kd/image" -S "$kver" --show-depends "$m" 2>/dev/null |
			grep -qx "builtin $m" || bad "$m is not built into the kernel"
	done

	# Not on the debug kernels: libzcopy_test and preload_test drive the
	# module through the same ioctl paths as sendfile_test and xfer_test
	# (the preload's matrix is sendfile_test's), and would add about 10x
	# their plain runtime per kernel; they run on Debian's kernels in
	# make check.  The KTAP plan counts the programs that ran.
	progs=$(grep -vxF -e libzcopy_test -e preload_test "$O/selftests/tests" | paste -sd, -)
	# watchdog_thresh=60: a soft lockup is reported after 120 s instead of
	# 20: a KASAN kernel under TCG on a loaded host had a vCPU stall 22 s
	# in virtio_pci_probe() at boot; RCU stalls likewise (21 s -> 120 s,
	# seen in ACPI's AML interpreter at boot).  Real ones still end the run.
	echo "  VM      $kver (KASAN, kmemleak, lockdep; fuzz_test with $calls calls)"
	ZCOPY_TESTS=${ZCOPY_TESTS:-$progs} \
	ZCOPY_VM_TIMEOUT=$limit ZCOPY_VM_MEM=$mem ZCOPY_VM_DATA=1 \
	ZCOPY_VM_APPEND="watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120 ZCOPY_VM_DEBUG=1 ZCOPY_FUZZ_CALLS=$calls ZCOPY_STRESS_SECONDS=$stress ZCOPY_TEST_TIMEOUT=$test_limit ZCOPY_DIFF_LARGE_MIB=16" \
		"$here/run-vm.sh" "$kver" "$kd/image" "$d/initramfs.cpio.gz" "$d/vm" >"$d/vm.out"
	t2=$(date +%s)
	grep -v '^RESULT' "$d/vm.out"
	sed -n 's/^# time: /debug: time: /p' "$d/vm/results.ktap" 2>/dev/null
	set -- $(sed -n 's/^RESULT //p' "$d/vm.out") 0 1 0
	p=$1 f=$2 s=$3

	# what debug-end.sh reported on ttyS3
	tr -d '\r' <"$d/vm/data.txt" >"$d/vm/data" 2>/dev/null
	grep -qx 'fail-nth: yes' "$d/vm/data" || bad "/proc/<pid>/task/<tid>/fail-nth missing in the guest"
	leaks=$(sed -n 's/^kmemleak: //p' "$d/vm/data")
	case $leaks in
	0) ;;
	'') bad "no kmemleak result from the guest" ;;
	-1) bad "kmemleak unavailable in the guest" ;;
	*) bad "kmemleak: $leaks unreferenced objects (report in $d/vm/console.log)" ;;
	esac

	# coverage: the guest's .gcda next to the .gcno, then gcov per file
	mkdir -p "$d/gcda" "$d/coverage"
	sed -n '/^gcov-begin$/,/^gcov-end$/p' "$d/vm/data" | sed '1d;$d' |
		base64 -d 2>/dev/null | tar -xzf - -C "$d/gcda" 2>/dev/null
	if [ -z "$(find "$d/gcda" -name '*.gcda')" ]; then
		bad "no gcov data from the guest"
	else
		find "$d/gcda" -name '*.gcda' -exec cp {} "$src/module/" \;
		(cd "$d/coverage" && gcov -o "$src/module" "$src"/module/*.c >gcov.log 2>&1)
		for g in "$d"/coverage/*.c.gcov; do
			gcov_lines "$g" >"${g%.gcov}.lines"
		done
		cat "$d"/coverage/*.c.lines >/dev/null 2>&1 || bad "gcov produced nothing"
	fi

	echo "== debug $kver: $p passed, $f failed, $s skipped" \
		"(kernel $((t1 - t0)) s, module+VM $((t2 - t1)) s; KTAP: $d/vm/results.ktap)"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done

# Coverage per file for each line and for the union of the lines (a line
# counts when either kernel ran it; compat.c differs between them).
report=$O/debug/coverage.txt
{
	printf '%-22s' file
	for line in $lines; do printf '%20s' "$line"; done
	printf '%20s\n' "union"
	for lf in $(for line in $lines; do ls "$O/debug/$line/coverage/" 2>/dev/null; done |
		grep '\.c\.lines$' | sort -u) TOTAL; do
		printf '%-22s' "$([ "$lf" = TOTAL ] && echo total || echo "module/${lf%.lines}")"
		for set in $lines union; do
			for line in $lines; do
				[ "$set" = union ] || [ "$set" = "$line" ] || continue
				if [ "$lf" = TOTAL ]; then
					for x in "$O/debug/$line/coverage/"*.c.lines; do
						[ -e "$x" ] && sed "s|^|$(basename "$x") |" "$x"
					done
				else
					x=$O/debug/$line/coverage/$lf
					[ -e "$x" ] && sed "s|^|$lf |" "$x"
				fi
			done | awk '{ k = $1 " " $2; if (!(k in seen)) { seen[k] = 0; n++ }
				if ($3 && !seen[k]) { seen[k] = 1; c++ } }
				END { if (n) printf "%9.1f%% %4d/%-4d", 100 * c / n, c, n
				      else printf "%20s", "-" }'
		done
		echo
	done
} >"$report"
echo "debug: line coverage of zcopy.ko (covered/executable lines; $report):"
cat "$report"

echo "debug: the five slowest test cases:"
# shellcheck disable=SC2046 # one argument per line
"$here/ktap-slowest.sh" 5 $(for line in $lines; do echo "$line=$O/debug/$line/vm/results.ktap"; done)
echo "$tp $tf $ts" >"$O/debug/vm-totals"
[ "$tf" -eq 0 ]
