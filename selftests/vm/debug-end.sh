#!/bin/sh
# debug-end.sh: the end of a `make check-debug` guest run, called by init
# after the tests when the kernel command line holds ZCOPY_VM_DEBUG=1.
#
# Console (ttyS0), where run-vm.sh looks for splats: the kmemleak report.
# ttyS3 (run-vm.sh's ZCOPY_VM_DATA=1), for selftests/vm/check-debug.sh:
#   fail-nth: yes|no
#   kmemleak: N          (reported objects; -1: kmemleak unavailable)
#   gcov-begin
#   <base64 of a gzip'ed tar of the module's .gcda files>
#   gcov-end
data=/dev/ttyS3
dbg=/sys/kernel/debug

# fault injection per task, which the fail-nth tests rely on
if [ -e "/proc/$$/task/$$/fail-nth" ]; then f=yes; else f=no; fi
echo "fail-nth: $f" >$data

# Unload first: leaks that only an unload shows (objects a module global
# still pointed at) become unreferenced, and the exit path counts in the
# coverage.  gcov keeps an unloaded module's counters (gcov_persist=1).
rmmod zcopy 2>/dev/null || echo "debug-end: zcopy was not loaded"

# gcov's debugfs files report size 0: copy them with cat before tar
rm -rf /tmp/gcov && mkdir -p /tmp/gcov
if [ -d "$dbg/gcov" ]; then
	find "$dbg/gcov" -name '*.gcda' | while read -r f; do
		rel=${f#"$dbg/gcov/"}
		mkdir -p "/tmp/gcov/$(dirname "$rel")"
		cat "$f" >"/tmp/gcov/$rel"
	done
fi
echo gcov-begin >$data
(cd /tmp/gcov && tar -cf - . | gzip | base64) >$data
echo gcov-end >$data

# kmemleak: an object must be unreferenced in a scan after its checksum
# stopped changing, so scan twice with a pause, as kmemleak.rst advises.
if [ -w "$dbg/kmemleak" ]; then
	echo scan >"$dbg/kmemleak"
	sleep 6
	echo scan >"$dbg/kmemleak"
	cat "$dbg/kmemleak" >/tmp/kmemleak
	n=$(grep -c 'unreferenced object' /tmp/kmemleak)
	echo "kmemleak: $n" >$data
	if [ "$n" -gt 0 ]; then
		echo "debug-end: kmemleak report:"
		cat /tmp/kmemleak
	fi
else
	echo "kmemleak: -1" >$data
fi
