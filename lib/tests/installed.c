// SPDX-License-Identifier: GPL-2.0
/*
 * A program built against the installed libzcopy only (test-install.sh):
 * <zcopy.h> and -lzcopy from pkg-config, nothing from the source tree.
 * With "sendfile" it also sends a file over a socket pair with
 * sendfile(2), for the installed preload to take.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zcopy.h>

int main(int argc, char **argv)
{
	char hdr[8] = "abcdefg";
	struct zcopy_desc d[2] = { zcopy_desc_buf(hdr, 7), zcopy_desc_file(0, 0, 5) };
	unsigned int n = 0;
	int fd, sv[2];

	while (zcopy_counter_name(n))
		n++;
	printf("modes:");
	for (unsigned int m = 0; m < ZCOPY_MODE_COUNT; m++)
		printf(" %s", zcopy_mode_name(m));
	printf("\ncounters: %u\nadvance: %u\n", n, zcopy_advance(d, 2, 0, 9));
	fd = zcopy_open(NULL);
	printf("open: %s\n", fd < 0 ? strerror(errno) : "ok");
	if (argc > 1 && !strcmp(argv[1], "sendfile")) {
		off_t off = 0;
		int in = open(argv[0], O_RDONLY);

		if (in < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return 1;
		printf("sendfile: %zd\n", sendfile(sv[0], in, &off, 1000));
	}
	return zcopy_mode_parse("sg") == ZCOPY_MODE_SG ? 0 : 1;
}
