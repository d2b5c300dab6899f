# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the kselftests on debug kernels (KASAN, kmemleak,
# lockdep, fault injection, gcov) built from Debian's linux-source-6.1 and
# linux-source-6.12, with zcopy.ko's line coverage.  Included by the top
# Makefile; see Documentation/testing.rst, "Debug kernel run".
#
# The kernels are cached machine-wide in $(ZCOPY_CACHE)/debug/<line>/<key>/
# (scripts/cache.sh) and rebuilt only when scripts/debug-kernel.config,
# scripts/debug-kernel.sh, the source package's or the compiler's version
# changes.

DEBUG_LINES	?= 6.1 6.12

.PHONY: check-debug debug-kernels

debug-kernels: deps
	@set -e; for l in $(DEBUG_LINES); do scripts/debug-kernel.sh $$l >/dev/null; done

# Like `make check`: the last line is the whole run's count.
check-debug: deps
	@start=$$(date +%s); rc=0; rm -f $(O)/debug/vm-totals; \
	$(MAKE) --no-print-directory userspace selftests || rc=1; \
	if [ $$rc -eq 0 ]; then \
		KMAKE_FLAGS='$(KMAKE_FLAGS)' selftests/vm/check-debug.sh $(O) $(DEBUG_LINES) || rc=1; \
	fi; \
	set -- $$(cat $(O)/debug/vm-totals 2>/dev/null) 0 0 0; \
	[ $$rc -eq 0 ] || [ $$2 -gt 0 ] || set -- $$1 1 $$3; \
	echo "make check-debug: $$(($$(date +%s) - start)) s"; \
	echo "$$1 passed, $$2 failed, $$3 skipped"; \
	exit $$rc
