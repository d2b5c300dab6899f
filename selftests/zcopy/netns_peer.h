/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A receiving peer in a network namespace of its own, reached through a
 * veth pair or through the second NIC of one of the VM's NIC pairs
 * (virtio-net, e1000e): traffic that really leaves through a device, and
 * stays inside the VM.
 */
#ifndef ZCOPY_NETNS_PEER_H
#define ZCOPY_NETNS_PEER_H

#include <stdint.h>
#include <sys/types.h>

/*
 * veth with scatter-gather on, off, or on without TX checksum offload; the
 * virtio-net pair (no scatter-gather); the e1000e pair (a DMA NIC with
 * scatter-gather and checksum offload), as it is or with `sg off`; and our
 * e1000e under a stacked device that carries the address (zcup0): a VLAN
 * (the peer's end too, tagged), a macvlan, a bridge or an active-backup
 * bond, and the VLAN over the e1000e with `sg off`
 */
enum zc_link {
	ZC_VETH_SG, ZC_VETH_NOSG, ZC_VETH_NOCSUM, ZC_VIRTIO, ZC_E1000E, ZC_E1000E_NOSG,
	ZC_E1000E_VLAN, ZC_E1000E_MACVLAN, ZC_E1000E_BRIDGE, ZC_E1000E_BOND,
	ZC_E1000E_VLAN_NOSG,
};

struct zc_peer {
	enum zc_link link;
	pid_t pid;
	int ctl;		/* socketpair to the child */
	int sock;		/* our connected socket */
	char ifname[16];	/* our end (the NIC or veth) */
	char upper[16];		/* the device over it with our address, or "" */
	char peer_if[16];	/* the peer's end */
	uint64_t bytes;		/* what the peer received, after zc_peer_finish() */
	uint64_t hash;
};

/*
 * Sets up the link, the addresses and a TCP connection to the peer.
 * Returns 0, or -1 with a reason in @why (for SKIP or failure messages).
 */
int zc_peer_start(struct zc_peer *p, enum zc_link link, char *why, size_t whylen);
/* closes our socket, collects the peer's count and hash, cleans up */
int zc_peer_finish(struct zc_peer *p);

#endif
