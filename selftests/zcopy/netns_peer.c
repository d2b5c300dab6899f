// SPDX-License-Identifier: GPL-2.0
/* A receiving peer in its own network namespace (see netns_peer.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns_peer.h"
#include "zcopy_util.h"

#define PEER_PORT	5001

static bool is_nic_pair(enum zc_link l)
{
	switch (l) {
	case ZC_VIRTIO:
	case ZC_E1000E:
	case ZC_E1000E_NOSG:
	case ZC_E1000E_VLAN:
	case ZC_E1000E_MACVLAN:
	case ZC_E1000E_BRIDGE:
	case ZC_E1000E_BOND:
	case ZC_E1000E_VLAN_NOSG:
		return true;
	default:
		return false;
	}
}

/* our stacked device over the NIC, "" for none */
static const char *upper_cmd(enum zc_link l)
{
	switch (l) {
	case ZC_E1000E_VLAN:
	case ZC_E1000E_VLAN_NOSG:
		return "ip link add link %s name zcup0 type vlan id 10";
	case ZC_E1000E_MACVLAN:
		return "ip link add link %s name zcup0 type macvlan mode bridge";
	case ZC_E1000E_BRIDGE:
		return "ip link add zcup0 type bridge && ip link set %s master zcup0";
	case ZC_E1000E_BOND:
		/* a slave is enslaved down; the bond's carrier follows it (miimon) */
		return "ip link add zcup0 type bond mode active-backup miimon 50 && "
		       "ip link set %s down && ip link set %s master zcup0";
	default:
		return "";
	}
}

static bool nic_sg_off(enum zc_link l)
{
	return l == ZC_E1000E_NOSG || l == ZC_E1000E_VLAN_NOSG;
}

static bool is_vlan(enum zc_link l)
{
	return l == ZC_E1000E_VLAN || l == ZC_E1000E_VLAN_NOSG;
}

/* addresses from the documentation ranges: they never leave the VM */
static const char *local_addr(enum zc_link l)
{
	return is_nic_pair(l) ? "198.51.100.1" : "192.0.2.1";
}

static const char *peer_addr(enum zc_link l)
{
	return is_nic_pair(l) ? "198.51.100.2" : "192.0.2.2";
}

/*
 * The two NICs of a pair are the interfaces bound to its driver, in name
 * order (the VM adds the virtio-net pair, then the e1000e pair).  0, or
 * -1 when the VM does not have two.
 */
static int nic_pair(const char *driver, char a[16], char b[16])
{
	struct dirent **names;
	int n, found = 0;

	n = scandir("/sys/class/net", &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char path[300], target[256];
		ssize_t len;

		snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", names[i]->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = 0;
			const char *drv = strrchr(target, '/');

			if (!strcmp(drv ? drv + 1 : target, driver) && found < 2)
				snprintf(found++ ? b : a, 16, "%.15s", names[i]->d_name);
		}
		free(names[i]);
	}
	free(n >= 0 ? names : NULL);
	return found == 2 ? 0 : -1;
}

static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* in the child: configure its end, accept one connection, count it */
static void peer_main(int ctl, enum zc_link link, const char *ifname)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	uint64_t res[2] = { 0, ZC_HASH_INIT };
	static char buf[1 << 16];
	int l, s, one = 1;

	if (unshare(CLONE_NEWNET) || write(ctl, "n", 1) != 1 || wait_byte(ctl))
		_exit(1);
	/* tagged frames come in: the peer's end is a VLAN of its NIC too */
	if (is_vlan(link)) {
		if (zc_sh("ip link set %s up && ip link add link %s name zcup0 type vlan id 10",
			  ifname, ifname))
			_exit(2);
		ifname = "zcup0";
	}
	if (zc_sh("ip link set lo up && ip addr add %s/24 dev %s && ip link set %s up",
		  peer_addr(link), ifname, ifname))
		_exit(2);
	/* a NIC reports its link seconds after it was set up (e1000e) */
	if (is_nic_pair(link) &&
	    zc_sh("for i in $(seq 1000); do ip link show %s | grep -q LOWER_UP && exit 0; "
		  "sleep 0.01; done; exit 1", ifname))
		_exit(7);
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

static int wait_for_carrier(const char *ifname)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
	for (int i = 0; i < 1000; i++) {
		if (zc_read_ll(path) == 1)
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
	p->ctl = -1;
	if (is_nic_pair(link)) {
		const char *drv = link == ZC_VIRTIO ? "virtio_net" : "e1000e";

		if (nic_pair(drv, p->ifname, p->peer_if)) {
			snprintf(why, whylen, "no %s NIC pair in this VM", drv);
			p->link = ZC_VETH_SG;	/* nothing of a pair to reset */
			return -1;
		}
	} else {
		strcpy(p->ifname, "vz0");
		strcpy(p->peer_if, "vz1");
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	p->pid = fork();
	if (p->pid == 0) {
		close(sv[0]);
		peer_main(sv[1], link, p->peer_if);
	}
	close(sv[1]);
	p->ctl = sv[0];
	if (p->pid < 0 || wait_byte(p->ctl)) {
		snprintf(why, whylen, "cannot start the peer namespace");
		goto fail;
	}
	if (is_nic_pair(link))
		err = zc_sh("ip link set %s netns %d", p->peer_if, p->pid) ?:
		      (link == ZC_VIRTIO ? 0 :
		       zc_sh("ethtool -K %s sg %s >/dev/null", p->ifname,
			     nic_sg_off(link) ? "off" : "on"));
	else
		err = zc_sh("ip link add vz0 type veth peer name vz1 netns %d && "
			    "ethtool -K vz0 sg %s tx %s >/dev/null", p->pid,
			    link == ZC_VETH_NOSG ? "off" : "on",
			    link == ZC_VETH_NOCSUM ? "off" : "on");
	if (!err && *upper_cmd(link)) {
		strcpy(p->upper, "zcup0");
		/* one a killed case left behind would hold our NIC */
		zc_sh("ip link del zcup0 2>/dev/null");
		err = zc_sh(upper_cmd(link), p->ifname, p->ifname) ?:
		      zc_sh("ip link set %s up", p->ifname);
	}
	err = err ?: zc_sh("ip addr add %s/24 dev %s && ip link set %s up", local_addr(link),
			   *p->upper ? p->upper : p->ifname, *p->upper ? p->upper : p->ifname);
	if (err || write(p->ctl, "g", 1) != 1 || wait_byte(p->ctl)) {
		snprintf(why, whylen, "cannot set up %s", p->ifname);
		goto fail;
	}
	/* e1000e takes seconds to report a link after it was set up */
	if (is_nic_pair(link) && (wait_for_carrier(p->ifname) ||
				  (*p->upper && wait_for_carrier(p->upper)))) {
		snprintf(why, whylen, "%s: no carrier", *p->upper ? p->upper : p->ifname);
		goto fail;
	}
	inet_pton(AF_INET, peer_addr(link), &sin.sin_addr);
	p->sock = socket(AF_INET, SOCK_STREAM, 0);
	if (p->sock < 0 || connect(p->sock, (void *)&sin, sizeof(sin))) {
		snprintf(why, whylen, "connect to the peer: %s", strerror(errno));
		goto fail;
	}
	return 0;

fail:
	/* the harness skips the teardown of a failed setup: leave nothing */
	if (p->pid > 0)
		kill(p->pid, SIGKILL);
	zc_peer_finish(p);
	p->pid = 0;
	return -1;
}

int zc_peer_finish(struct zc_peer *p)
{
	uint64_t res[2];
	int ret = -1, status;

	if (p->sock >= 0)
		close(p->sock);
	p->sock = -1;
	if (p->pid > 0) {
		if (read(p->ctl, res, sizeof(res)) == sizeof(res)) {
			p->bytes = res[0];
			p->hash = res[1];
			ret = 0;
		}
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
	}
	if (p->ctl >= 0)
		close(p->ctl);
	p->ctl = -1;
	if (is_nic_pair(p->link)) {
		wait_for_link(p->peer_if);
		/* a bond's slave or a bridge's port is set free, a VLAN goes */
		if (*p->upper)
			zc_sh("ip link del %s", p->upper);
		*p->upper = 0;
		/* ours stays, with its address and features: reset them */
		zc_sh("ip addr flush dev %s", p->ifname);
		if (nic_sg_off(p->link))
			zc_sh("ethtool -K %s sg on >/dev/null", p->ifname);
	} else {
		/* deleting one end deletes the pair, addresses and all */
		zc_sh("ip link del vz0 2>/dev/null");
	}
	return ret;
}
