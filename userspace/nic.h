/* SPDX-License-Identifier: GPL-2.0 */
/* What a network interface offers, and which one a destination uses. */
#ifndef ZCOPY_NIC_H
#define ZCOPY_NIC_H

#include <net/if.h>
#include <stdbool.h>

struct nic_features {
	char ifname[IF_NAMESIZE];
	bool sg;	/* tx-scatter-gather */
	bool csum;	/* any tx checksum offload */
	bool tso;	/* tx-tcp-segmentation */
	bool hw;	/* backed by a device: transmits by DMA */
};

/* ethtool netlink (libnl-genl): 0 or a negative libnl error, message printed */
int nic_features(const char *ifname, struct nic_features *f);
/* rtnetlink (libnl-route): the egress interface toward @host; 0 or -1 */
int nic_route(const char *host, char *ifname);

#endif
