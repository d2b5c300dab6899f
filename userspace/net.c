// SPDX-License-Identifier: GPL-2.0
/* Endpoints through getaddrinfo(3); UNIX paths through sockaddr_un. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "net.h"
#include "tool.h"

int net_is_unix(const char *endpoint)
{
	return strchr(endpoint, '/') != NULL;
}

static int unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		err_errno(path, ENAMETOOLONG);
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/* split HOST:PORT, [V6]:PORT or PORT; host may be empty */
static int split(const char *ep, char *host, size_t hlen, const char **port)
{
	const char *c = strrchr(ep, ':');
	size_t n;

	if (!c) {
		host[0] = '\0';
		*port = ep;
		return 0;
	}
	n = c - ep;
	if (n && ep[0] == '[' && ep[n - 1] == ']') {
		ep++;
		n -= 2;
	}
	if (n >= hlen)
		return -1;
	memcpy(host, ep, n);
	host[n] = '\0';
	*port = c + 1;
	return **port ? 0 : -1;
}

static int inet_socket(const char *ep, int passive)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = passive ? AI_PASSIVE : 0,
	}, *res, *ai;
	const char *port;
	char host[256];
	int fd = -1, err, one = 1, saved = 0;

	if (split(ep, host, sizeof(host), &port)) {
		fprintf(stderr, "zcopy: %s: expected HOST:PORT or a UNIX socket path\n", ep);
		return -1;
	}
	err = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (err) {
		fprintf(stderr, "zcopy: %s: %s\n", ep, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if (passive) {
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 16))
				break;
		} else if (!connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			break;
		}
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		err_errno(ep, saved ? saved : EADDRNOTAVAIL);
	return fd;
}

int net_connect(const char *dest)
{
	struct sockaddr_un sun;
	int fd;

	if (!net_is_unix(dest))
		return inet_socket(dest, 0);
	if (unix_addr(dest, &sun))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err_errno(dest, errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int net_listen(const char *where)
{
	struct sockaddr_un sun;
	int fd;

	if (!net_is_unix(where))
		return inet_socket(where, 1);
	if (unix_addr(where, &sun))
		return -1;
	unlink(where);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 16)) {
		err_errno(where, errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
