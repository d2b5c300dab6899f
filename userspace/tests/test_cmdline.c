// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line table test, as ethtool's test-cmdline.c: each row is an argv
 * and the exit code the tool must give.  Runs the (sanitized) binary named
 * by argv[1] with /dev/zcopy replaced by a file that is not the device, so
 * that no row depends on the module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct row {
	const char *args[10];
	int exit_code;
};

static const struct row rows[] = {
	{ { NULL }, 2 },
	{ { "--help" }, 0 },
	{ { "-h" }, 0 },
	{ { "--bogus" }, 2 },
	{ { "nosuchcommand" }, 2 },
	{ { "info", "extra" }, 2 },
	/* not the device: the ioctl fails, an operational error */
	{ { "info" }, 1 },
	{ { "-j", "info" }, 1 },
	{ { "send" }, 2 },
	{ { "send", "127.0.0.1:9" }, 2 },
	{ { "send", "--help" }, 0 },
	{ { "send", "-m", "fast", "127.0.0.1:9", "f" }, 2 },
	{ { "send", "127.0.0.1:9", "f:-1" }, 2 },
	{ { "send", "127.0.0.1:9", "/nonexistent/file" }, 1 },
	{ { "send", "--bogus", "127.0.0.1:9", "f" }, 2 },
	{ { "bench" }, 2 },
	{ { "bench", "--help" }, 0 },
	{ { "bench", "-r", "0", "127.0.0.1:9" }, 2 },
	{ { "bench", "-w", "hot", "127.0.0.1:9" }, 2 },
	{ { "bench", "-M", "sendfile,nope", "127.0.0.1:9" }, 2 },
	{ { "bench", "--streams", "0", "127.0.0.1:9" }, 2 },
	{ { "bench", "--label", "a b", "127.0.0.1:9" }, 2 },
	{ { "bench", "-s", "1K", "127.0.0.1:9" }, 2 },
	{ { "bench", "-d", "/nonexistent", "127.0.0.1:9" }, 1 },
	{ { "recv" }, 2 },
	{ { "recv", "1", "2" }, 2 },
	{ { "recv", "--help" }, 0 },
	{ { "stats", "--id", "1", "--reset" }, 2 },
	{ { "stats", "extra" }, 2 },
	{ { "stats", "--help" }, 0 },
	{ { "load", "--help" }, 0 },
	{ { "load", "zcopy", "notaparam" }, 2 },
	{ { "unload", "extra" }, 2 },
	{ { "nic" }, 2 },
	{ { "nic", "a", "b" }, 2 },
	{ { "route" }, 2 },
	{ { "route", "--help" }, 0 },
	{ { "verify", "extra" }, 2 },
	{ { "verify", "--help" }, 0 },
	{ { "verify" }, 1 },
	{ { "run" }, 2 },
	{ { "run", "--help" }, 0 },
	{ { "run", "-m", "fast", "--", "true" }, 2 },
	{ { "run", "--bogus", "true" }, 2 },
	{ { "run", "-p", "/nonexistent.so", "--", "true" }, 1 },
	/* the command's exit status; 127 when there is none, as env(1) */
	{ { "run", "-p", "/dev/null", "--", "true" }, 0 },
	{ { "run", "-p", "/dev/null", "--", "false" }, 1 },
	{ { "run", "-p", "/dev/null", "-m", "sg", "--", "sh", "-c", "exit 7" }, 7 },
	{ { "run", "-p", "/dev/null", "--", "/nonexistent/program" }, 127 },
};

static int run(const char *tool, const struct row *r)
{
	const char *argv[12] = { tool };
	int status, i;
	pid_t pid;

	for (i = 0; i < 10 && r->args[i]; i++)
		argv[i + 1] = r->args[i];
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* keep the table's output out of the test log */
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		setenv("ZCOPY_DEVICE", "/dev/null", 1);
		execv(tool, (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	size_t n = sizeof(rows) / sizeof(rows[0]), failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-ZCOPY\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		int got = run(argv[1], &rows[i]);

		if (got != rows[i].exit_code) {
			fprintf(stderr, "test_cmdline: row %zu (%s ...): exit %d, want %d\n",
				i, rows[i].args[0] ? rows[i].args[0] : "(none)", got,
				rows[i].exit_code);
			failed++;
		}
	}
	printf("test_cmdline: %zu rows, %zu failed\n", n, failed);
	return failed ? 1 : 0;
}
