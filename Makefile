# SPDX-License-Identifier: GPL-2.0
#
# zcopy: kernel module, tool, selftests and the test VM.  `make help`.
#
# The module builds against KDIR, the headers of the kernel it will run on
# (default: the running kernel's, when installed).  Without them, and always
# for `make check`, it builds for the Debian kernels the project tests on:
# the newest installed 6.1 and 6.12 headers (see scripts/kernels.sh).

O		:= $(CURDIR)/build
VERSION		:= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0)
KDIR		?= $(wildcard /lib/modules/$(shell uname -r)/build)
# recursively expanded: resolved only after `deps` has installed headers
TEST_KERNELS	= $(shell scripts/kernels.sh)
KTREE		:= $(O)/kernel-tree
DESTDIR		?=
PREFIX		?= /usr/local
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
LIB_PATHS	= PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR)

KMAKE_FLAGS	:= ZCOPY_VERSION=$(VERSION) W=1 KCFLAGS=-Werror

.PHONY: all deps module module-test-kernels lib userspace selftests kernel-tree \
	style sparse check check-host check-vm demo bench bench-nginx nginx-seq profile modules_install install \
	dkms-install clean help

all: deps module userspace selftests

help:
	@echo 'make            build the module (test kernels, or KDIR), the tool, the selftests'
	@echo 'make check      host tests, style, sparse, then the kselftests in QEMU on each test kernel'
	@echo 'make demo       boot the VM and show the module at work'
	@echo 'make bench      the benchmark in the VM (BENCH_KERNEL=6.12|6.1, BENCH_KIND=full|quick)'
	@echo 'make bench-nginx  its nginx part alone: nginx and wrk in the VM, sendfile vs the preload'
	@echo '                 (BENCH_KERNEL, BENCH_CLOCK; BENCH_PROFILE=1: perf instead of the table)'
	@echo 'make nginx-seq  nginx'"'"'s calls for one response, native vs the preload, per-response cost (icount)'
	@echo 'make profile    perf in the VM: where sendfile and zcopy-sg spend the CPU (BENCH_KERNEL, BENCH_CLOCK)'
	@echo 'make check-debug  the kselftests on debug kernels (KASAN, kmemleak, lockdep, fail-nth, gcov)'
	@echo 'make deps       install the Debian packages needed (no-op when present)'
	@echo 'make style      checkpatch on module/ and uapi/'
	@echo 'make sparse     sparse on the module, for each test kernel'
	@echo 'make install    module (KDIR), tool, libzcopy and its preload, headers, man pages, udev rule'
	@echo '                (DESTDIR, PREFIX; LIBDIR, INCLUDEDIR, MANDIR below PREFIX; SIGN=1: sign the module)'
	@echo 'make dkms-install  register the source with DKMS'

deps:
	@sh scripts/deps.sh

kernel-tree: deps
	@scripts/kernel-tree-files.sh $(KTREE)

# --- the module -------------------------------------------------------------

# Each kernel gets its own build directory: real directories holding
# symlinks to each source file, so that objects for different kernels never
# mix and never land in the source tree.
define kbuild_dir
	mkdir -p $(1) && ln -sfn $(CURDIR)/Kbuild $(1)/Kbuild && \
	cp -rsf $(CURDIR)/module $(CURDIR)/uapi $(1)/
endef

# for KDIR too: a build directory of its own, named after it
KDIR_BUILD	= $(O)/kdir$(abspath $(KDIR))

module: deps
ifneq ($(KDIR),)
	@$(call kbuild_dir,$(KDIR_BUILD))
	$(MAKE) -C $(KDIR) M=$(KDIR_BUILD) $(KMAKE_FLAGS) modules
else
	@$(MAKE) --no-print-directory module-test-kernels
endif

module-test-kernels: deps
	@set -e; for k in $(TEST_KERNELS); do \
		d=$(O)/kernels/$$k/src; $(call kbuild_dir,$$d); \
		echo "  MODULE  $$k"; \
		$(MAKE) -s -C /usr/src/linux-headers-$$k M=$$d $(KMAKE_FLAGS) modules; \
	done

# --- user space ---------------------------------------------------------------

# libzcopy (.so, .a) and libzcopy-preload.so
lib:
	@$(MAKE) --no-print-directory -C lib O=$(O)/lib

# the tool links libzcopy.a; LIBDIR is where `zcopy run` looks last
userspace: deps lib
	@$(MAKE) --no-print-directory -C userspace O=$(O)/userspace LIB_O=$(O)/lib LIBDIR=$(LIBDIR)

# The VM runs the tool from the selftests directory (tool_test), and the
# preload from there too: the guest copies that directory whole, and
# `zcopy run` looks for the preload next to itself first.
selftests: kernel-tree userspace
	@$(MAKE) --no-print-directory -C selftests/zcopy \
		KSFT_INC=$(KTREE)/tools/testing/selftests OUT=$(O)/selftests \
		LIB_INC=$(CURDIR)/lib LIB_A=$(O)/lib/libzcopy.a
	@cp $(O)/userspace/zcopy $(O)/selftests/zcopy
	@cp $(O)/lib/libzcopy-preload.so $(O)/selftests/libzcopy-preload.so

# --- checks -------------------------------------------------------------------

style: kernel-tree
	$(KTREE)/scripts/checkpatch.pl --no-tree --strict --quiet \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f \
		$(wildcard module/*.c module/*.h) uapi/linux/zcopy.h

# sparse (C=2: every file) on each test kernel; any warning from our files fails
sparse: deps
	@set -e; for k in $(TEST_KERNELS); do \
		d=$(O)/kernels/$$k/sparse; $(call kbuild_dir,$$d); \
		echo "  SPARSE  $$k"; \
		$(MAKE) -s -C /usr/src/linux-headers-$$k M=$$d C=2 $(KMAKE_FLAGS) modules \
			>$$d.log 2>&1 || { cat $$d.log; exit 1; }; \
		if grep -E '(module|uapi)/.*: (warning|error):' $$d.log; then exit 1; fi; \
	done

check-host: userspace
	@$(MAKE) --no-print-directory -C userspace O=$(O)/userspace LIB_O=$(O)/lib check
	@$(MAKE) --no-print-directory -C lib O=$(O)/lib check
	@sh lib/tests/test-install.sh $(O)/install-test
	@sh scripts/tests/test-cache.sh

# TESTS=a_test,b_test: only these programs, for development (run-vm.sh
# puts ZCOPY_TESTS on the guest's kernel command line); also check-debug
export ZCOPY_TESTS := $(TESTS)
check-vm: module-test-kernels selftests
	@selftests/vm/check.sh $(O) $(TEST_KERNELS)

# The README's test command.  The last line is the whole run's count.
check: deps
	@start=$$(date +%s); rc=0; \
	$(MAKE) --no-print-directory all style sparse check-host || rc=1; \
	if [ $$rc -eq 0 ]; then $(MAKE) --no-print-directory check-vm || rc=1; fi; \
	set -- $$(cat $(O)/vm-totals 2>/dev/null) 0 0 0; \
	[ $$rc -eq 0 ] || [ $$2 -gt 0 ] || set -- $$1 1 $$3; \
	echo "make check: $$(($$(date +%s) - start)) s"; \
	echo "$$1 passed, $$2 failed, $$3 skipped"; \
	exit $$rc

demo: all
	@selftests/vm/demo.sh $(O) $(word 2,$(TEST_KERNELS))

# The benchmark in the VM: BENCH_KERNEL=6.1 for the sendpage-era kernel,
# BENCH_KIND=quick for a short run that only shows everything works;
# BENCH_ONLY=warm,small (BENCH_METHODS=...) for those alone, without nginx.
BENCH_KERNEL	?= 6.12
BENCH_KIND	?= full
bench: all
	@k=$$(echo $(TEST_KERNELS) | tr ' ' '\n' | grep '^$(BENCH_KERNEL)\.' | head -n 1); \
	test -n "$$k" || { echo 'bench: no test kernel $(BENCH_KERNEL).*'; exit 1; }; \
	selftests/vm/bench.sh $(O) $$k $(BENCH_KIND) && \
	{ test -n "$(BENCH_ONLY)" || selftests/vm/bench-nginx.sh $(O) $$k $(BENCH_KIND); }

# perf record in the VM, sendfile against zcopy-sg (Documentation/performance.rst,
# "Where the CPU goes"); BENCH_CLOCK=normal for the bench's 2 vCPUs instead of icount
profile: all
	@k=$$(echo $(TEST_KERNELS) | tr ' ' '\n' | grep '^$(BENCH_KERNEL)\.' | head -n 1); \
	test -n "$$k" || { echo 'profile: no test kernel $(BENCH_KERNEL).*'; exit 1; }; \
	selftests/vm/profile.sh $(O) $$k $(BENCH_KIND)

# only nginx's part of it: nginx and wrk in the VM (Documentation/performance.rst);
# BENCH_CLOCK=icount as for bench, BENCH_PROFILE=1 for perf record instead
bench-nginx: all
	@k=$$(echo $(TEST_KERNELS) | tr ' ' '\n' | grep '^$(BENCH_KERNEL)\.' | head -n 1); \
	test -n "$$k" || { echo 'bench: no test kernel $(BENCH_KERNEL).*'; exit 1; }; \
	selftests/vm/bench-nginx.sh $(O) $$k $(BENCH_KIND)

# nginx's system calls for a response without nginx (nginx-seq.c), under icount
nginx-seq: all
	@k=$$(echo $(TEST_KERNELS) | tr ' ' '\n' | grep '^$(BENCH_KERNEL)\.' | head -n 1); \
	test -n "$$k" || { echo 'nginx-seq: no test kernel $(BENCH_KERNEL).*'; exit 1; }; \
	selftests/vm/nginx-seq.sh $(O) $$k

# --- installation -----------------------------------------------------------

# DESTDIR is Kbuild's INSTALL_MOD_PATH: DESTDIR/lib/modules/<release>/.
# Debian's headers ask for signing with a key they do not ship: SIGN=1
# keeps Kbuild's signing, for headers that have their key.
SIGN		?= 0
modules_install:
	@test -n "$(KDIR)" || { echo 'no kernel headers: set KDIR=/path/to/headers'; exit 1; }
	@$(call kbuild_dir,$(KDIR_BUILD))
	$(MAKE) -C $(KDIR) M=$(KDIR_BUILD) $(KMAKE_FLAGS) modules
	$(MAKE) -C $(KDIR) M=$(KDIR_BUILD) $(KMAKE_FLAGS) \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(abspath $(DESTDIR))) \
		$(if $(filter 1,$(SIGN)),,CONFIG_MODULE_SIG_ALL=) modules_install

# the module only where there are headers to build it against
install: userspace
	install -D -m 0755 $(O)/userspace/zcopy $(DESTDIR)$(PREFIX)/sbin/zcopy
	install -D -m 0644 userspace/zcopy.8 $(DESTDIR)$(MANDIR)/man8/zcopy.8
	install -D -m 0644 uapi/linux/zcopy.h $(DESTDIR)$(INCLUDEDIR)/linux/zcopy.h
	@$(MAKE) --no-print-directory -C lib O=$(O)/lib DESTDIR=$(abspath $(DESTDIR)) $(LIB_PATHS) install
	install -D -m 0644 userspace/60-zcopy.rules $(DESTDIR)/etc/udev/rules.d/60-zcopy.rules
ifneq ($(KDIR),)
	$(MAKE) modules_install
else
	@echo 'install: no kernel headers for the running kernel: module not installed (set KDIR)'
endif

dkms-install:
	@test -n "$(VERSION)"
	rm -rf $(DESTDIR)/usr/src/zcopy-$(VERSION)
	mkdir -p $(DESTDIR)/usr/src/zcopy-$(VERSION)
	cp -r Kbuild dkms.conf module uapi $(DESTDIR)/usr/src/zcopy-$(VERSION)/
	sed -i 's/@VERSION@/$(VERSION)/' $(DESTDIR)/usr/src/zcopy-$(VERSION)/dkms.conf
	dkms add zcopy/$(VERSION)

clean:
	rm -rf $(O)

# make check-debug (debug kernels, KASAN/kmemleak/lockdep, coverage)
include mk/check-debug.mk
