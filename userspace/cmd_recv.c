// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy recv: a sink.  Listens on TCP or a UNIX socket, reads each
 * connection to its end, writes it to a file or discards it, and prints
 * the byte count and an FNV-1a 64 checksum (the same as the selftests').
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "output.h"
#include "tool.h"

static const char recv_usage[] =
	"usage: zcopy recv [OPTIONS] [HOST:]PORT|PATH\n"
	"  -o, --output FILE  write what arrives to FILE (default: discard)\n"
	"  -1, --once         exit after the first connection\n";

uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int drain(int fd, int out, uint64_t *bytes, uint64_t *hash)
{
	static char buf[1 << 16];

	*bytes = 0;
	*hash = FNV1A_INIT;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return 0;
		*hash = fnv1a(*hash, buf, r);
		*bytes += r;
		if (out >= 0 && write(out, buf, r) != r)
			return errno ? errno : EIO;
	}
}

int cmd_recv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	bool once = false;
	int c, l, out = -1;

	while ((c = getopt_long(argc, argv, "o:1h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case '1': once = true; break;
		case 'h': fputs(recv_usage, stdout); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return err_usage("recv: need one [HOST:]PORT or PATH to listen on");
	if (output) {
		out = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0)
			return err_errno(output, errno);
	}
	l = net_listen(argv[optind]);
	if (l < 0)
		return EXIT_FAIL;
	do {
		uint64_t bytes, hash;
		char hex[17];
		int s = accept4(l, NULL, NULL, SOCK_CLOEXEC), err;

		if (s < 0)
			return err_errno("accept", errno);
		err = drain(s, out, &bytes, &hash);
		close(s);
		snprintf(hex, sizeof(hex), "%016" PRIx64, hash);
		out_open(stdout, opt_json);
		out_u64("bytes", "bytes:", bytes);
		out_str("fnv1a64", "checksum (fnv1a64):", hex);
		out_str("error", "error:", err ? strerror(err) : "none");
		out_close();
		if (err)
			return err_errno(argv[optind], err);
	} while (!once);
	close(l);
	if (out >= 0 && close(out))
		return err_errno(output, errno);
	return EXIT_OK;
}
