// SPDX-License-Identifier: GPL-2.0
/*
 * The preload's constructor: the environment, the device, the real
 * sendfile.  It runs before main(), while the process usually still has
 * the privileges it starts with: a server that starts as root and then
 * runs its workers as nobody keeps the descriptor across the change, as
 * it keeps its listening sockets.  Close-on-exec: a program it executes
 * opens its own, if the preload is loaded there too.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

/* the glibc versions of the symbols whose prototype preload.c implements */
#if defined(__x86_64__) && !defined(__ILP32__)
#define SENDFILE_VERSION	"GLIBC_2.2.5"
#define SENDFILE64_VERSION	"GLIBC_2.3"
#elif defined(__aarch64__)
#define SENDFILE_VERSION	"GLIBC_2.17"
#define SENDFILE64_VERSION	"GLIBC_2.17"
#else
#define SENDFILE_VERSION	NULL	/* dlsym(): the default version */
#define SENDFILE64_VERSION	NULL
#endif

struct preload_state preload = { .dev = -1 };

/* no libc below us that has sendfile: the system call itself */
static ssize_t sys_sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	return syscall(SYS_sendfile, out_fd, in_fd, offset, count);
}

static preload_sendfile_fn lookup(const char *name, const char *version)
{
	void *f = NULL;

	/* RTLD_NEXT: another preload behind this one still gets its calls */
	if (version)
		f = dlvsym(RTLD_NEXT, name, version);
	if (!f)
		f = dlsym(RTLD_NEXT, name);
	return f ? (preload_sendfile_fn)f : sys_sendfile;
}

static void resolve(void)
{
	__atomic_store_n(&preload.real_sendfile, lookup("sendfile", SENDFILE_VERSION),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&preload.real_sendfile64, lookup("sendfile64", SENDFILE64_VERSION),
			 __ATOMIC_RELEASE);
}

/*
 * Normally set by the constructor.  A call that comes earlier (from
 * another library's constructor) resolves them itself; dlsym() is not
 * async-signal-safe, but no signal handler runs that early.
 */
preload_sendfile_fn preload_real(bool is64)
{
	preload_sendfile_fn f = __atomic_load_n(is64 ? &preload.real_sendfile64 :
						&preload.real_sendfile, __ATOMIC_ACQUIRE);

	if (f)
		return f;
	resolve();
	return is64 ? preload.real_sendfile64 : preload.real_sendfile;
}

static void off(const char *fmt, const char *what, int err)
{
	snprintf(preload.off_reason, sizeof(preload.off_reason), fmt, what,
		 err ? strerror(err) : "");
}

/*
 * The device, checked: a descriptor that does not answer ZCOPY_IOC_INFO
 * (ZCOPY_DEVICE pointing elsewhere, an older module) or that lacks the
 * mode asked for is not used at all.  Every failure here only means that
 * calls go to sendfile(2); ZCOPY_STATS=1 says why.
 */
static void open_device(void)
{
	struct zcopy_info info;
	int dev = zcopy_open(NULL);

	if (dev < 0) {
		off("%s: %s", "open", errno);
		return;
	}
	/*
	 * Not as stdin, stdout or stderr when the program started with them
	 * closed: it may open them later and count on getting 0, 1 and 2.
	 */
	if (dev <= STDERR_FILENO) {
		int high = fcntl(dev, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);

		close(dev);
		if (high < 0) {
			off("%s: %s", "fcntl", errno);
			return;
		}
		dev = high;
	}
	if (zcopy_get_info(dev, &info)) {
		off("%s: %s", "ZCOPY_IOC_INFO", errno);
		close(dev);
		return;
	}
	if (!(info.modes & (1U << preload.mode)) ||
	    (preload.flags & ~info.xfer_flags)) {
		off("mode %s: %s", zcopy_mode_name(preload.mode), EOPNOTSUPP);
		close(dev);
		return;
	}
	__atomic_store_n(&preload.dev, dev, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void preload_init(void)
{
	const char *v;
	int err = errno;

	resolve();
	v = getenv("ZCOPY_STATS");
	preload.stats = v && !strcmp(v, "1");
	preload_stats_init();

	v = getenv("ZCOPY_PRELOAD");
	if (v && !strcmp(v, "0")) {
		off("%s%s", "ZCOPY_PRELOAD=0", 0);
		goto out;
	}
	v = getenv("ZCOPY_MODE");
	if (v && *v) {
		int mode = zcopy_mode_parse(v);

		if (mode < 0) {
			/* said once, at start: a typo must not go unnoticed */
			fprintf(stderr, "zcopy-preload: unknown ZCOPY_MODE '%s' "
				"(auto, sg, direct, copy): using sendfile(2)\n", v);
			off("%s%s", "unknown ZCOPY_MODE", 0);
			goto out;
		}
		preload.mode = mode;
	}
	/*
	 * DIRECT where the file allows it, SG where it does not (tmpfs): the
	 * device still sends those, rather than sendfile(2) without counters.
	 */
	if (preload.mode == ZCOPY_MODE_DIRECT)
		preload.flags |= ZCOPY_F_DIRECT_FALLBACK;
	open_device();
out:
	errno = err;
}
