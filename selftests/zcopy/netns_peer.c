// SPDX-License-Identifier: GPL-2.0
/* A receiving peer in its own network namespace (see netns_peer.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns_peer.h"
#include "zcopy_util.h"

#define PEER_PORT	5001

/* addresses from the documentation ranges: they never leave the VM */
static const char *local_addr(enum zc_link l)
{
	return l == ZC_VIRTIO ? "198.51.100.1" : "192.0.2.1";
}

static const char *peer_addr(enum zc_link l)
{
	return l == ZC_VIRTIO ? "198.51.100.2" : "192.0.2.2";
}

static const char *peer_ifname(enum zc_link l)
{
	return l == ZC_VIRTIO ? "eth1" : "vz1";
}

static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* in the child: configure its end, accept one connection, count it */
static void peer_main(int ctl, enum zc_link link)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	uint64_t res[2] = { 0, ZC_HASH_INIT };
	static char buf[1 << 16];
	int l, s, one = 1;

	if (unshare(CLONE_NEWNET) || write(ctl, "n", 1) != 1 || wait_byte(ctl))
		_exit(1);
	if (zc_sh("ip link set lo up && ip addr add %s/24 dev %s && ip link set %s up",
		  peer_addr(link), peer_ifname(link), peer_ifname(link)))
		_exit(2);
	inet_pton(AF_INET, peer_addr(link), &sin.sin_addr);
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (void *)&sin, sizeof(sin)) || listen(l, 1))
		_exit(3);
	if (write(ctl, "r", 1) != 1)
		_exit(4);
	s = accept(l, NULL, NULL);
	if (s < 0)
		_exit(5);
	for (;;) {
		ssize_t r = read(s, buf, sizeof(buf));

		if (r <= 0)
			break;
		res[0] += r;
		res[1] = zc_hash(res[1], buf, r);
	}
	if (write(ctl, res, sizeof(res)) != sizeof(res))
		_exit(6);
	_exit(0);
}

/* a physical NIC comes back to the initial namespace when the peer's dies */
static int wait_for_link(const char *ifname)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s", ifname);
	for (int i = 0; i < 500; i++) {
		if (!stat(path, &st))
			return 0;
		usleep(10000);
	}
	return -1;
}

int zc_peer_start(struct zc_peer *p, enum zc_link link, char *why, size_t whylen)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	int sv[2], err;

	memset(p, 0, sizeof(*p));
	p->link = link;
	p->sock = -1;
	p->ifname = link == ZC_VIRTIO ? "eth0" : "vz0";
	if (link == ZC_VIRTIO && (wait_for_link("eth0") || wait_for_link("eth1"))) {
		snprintf(why, whylen, "no virtio-net pair eth0/eth1 in this VM");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	p->pid = fork();
	if (p->pid == 0) {
		close(sv[0]);
		peer_main(sv[1], link);
	}
	close(sv[1]);
	p->ctl = sv[0];
	if (p->pid < 0 || wait_byte(p->ctl)) {
		snprintf(why, whylen, "cannot start the peer namespace");
		return -1;
	}
	if (link == ZC_VIRTIO)
		err = zc_sh("ip link set eth1 netns %d", p->pid);
	else
		err = zc_sh("ip link add vz0 type veth peer name vz1 netns %d && "
			    "ethtool -K vz0 sg %s >/dev/null", p->pid,
			    link == ZC_VETH_SG ? "on" : "off");
	err = err ?: zc_sh("ip addr add %s/24 dev %s && ip link set %s up",
			   local_addr(link), p->ifname, p->ifname);
	if (err || write(p->ctl, "g", 1) != 1 || wait_byte(p->ctl)) {
		snprintf(why, whylen, "cannot set up %s", p->ifname);
		return -1;
	}
	inet_pton(AF_INET, peer_addr(link), &sin.sin_addr);
	p->sock = socket(AF_INET, SOCK_STREAM, 0);
	if (p->sock < 0 || connect(p->sock, (void *)&sin, sizeof(sin))) {
		snprintf(why, whylen, "connect to the peer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int zc_peer_finish(struct zc_peer *p)
{
	uint64_t res[2];
	int ret = -1, status;

	if (p->sock >= 0)
		close(p->sock);
	if (p->pid > 0) {
		if (read(p->ctl, res, sizeof(res)) == sizeof(res)) {
			p->bytes = res[0];
			p->hash = res[1];
			ret = 0;
		}
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
	}
	close(p->ctl);
	if (p->link == ZC_VIRTIO) {
		wait_for_link("eth1");
		/* eth0 stays, with its address: remove it for the next test */
		zc_sh("ip addr flush dev eth0");
	} else {
		/* deleting one end deletes the pair, addresses and all */
		zc_sh("ip link del vz0 2>/dev/null");
	}
	return ret;
}
