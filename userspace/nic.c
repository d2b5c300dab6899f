// SPDX-License-Identifier: GPL-2.0
/*
 * The seeds' `ethtool -k eth0 | grep scatter-gather`, answered through
 * libnl for the interface a transfer really takes: ethtool's generic
 * netlink family for the features, rtnetlink for the route.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/ethtool_netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nic.h"

/* the bits of the ACTIVE bitset (verbose form: each bit with its name) */
static void parse_active(struct nlattr *active, struct nic_features *f)
{
	struct nlattr *bs[ETHTOOL_A_BITSET_MAX + 1], *b[ETHTOOL_A_BITSET_BIT_MAX + 1];
	struct nlattr *bit;
	bool nomask;
	int rem;

	if (nla_parse_nested(bs, ETHTOOL_A_BITSET_MAX, active, NULL) ||
	    !bs[ETHTOOL_A_BITSET_BITS])
		return;
	/* a list (no mask): every bit listed is set */
	nomask = bs[ETHTOOL_A_BITSET_NOMASK];
	nla_for_each_nested(bit, bs[ETHTOOL_A_BITSET_BITS], rem) {
		const char *name;

		if (nla_parse_nested(b, ETHTOOL_A_BITSET_BIT_MAX, bit, NULL) ||
		    !b[ETHTOOL_A_BITSET_BIT_NAME])
			continue;
		if (!nomask && !b[ETHTOOL_A_BITSET_BIT_VALUE])
			continue;
		name = nla_get_string(b[ETHTOOL_A_BITSET_BIT_NAME]);
		if (!strcmp(name, "tx-scatter-gather"))
			f->sg = true;
		else if (!strncmp(name, "tx-checksum-ip", 14))
			f->csum = true;
		else if (!strcmp(name, "tx-tcp-segmentation"))
			f->tso = true;
	}
}

static int features_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_FEATURES_MAX, NULL))
		return NL_SKIP;
	if (tb[ETHTOOL_A_FEATURES_ACTIVE])
		parse_active(tb[ETHTOOL_A_FEATURES_ACTIVE], arg);
	return NL_OK;
}

int nic_features(const char *ifname, struct nic_features *f)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *hdr;
	char path[64];
	struct stat st;
	int family, err = -NLE_NOMEM;

	memset(f, 0, sizeof(*f));
	snprintf(f->ifname, sizeof(f->ifname), "%s", ifname);
	if (!sk || !msg)
		goto out;
	err = genl_connect(sk);
	if (err)
		goto out;
	family = genl_ctrl_resolve(sk, ETHTOOL_GENL_NAME);
	if (family < 0) {
		err = family;
		goto out;
	}
	err = -NLE_NOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			 ETHTOOL_MSG_FEATURES_GET, ETHTOOL_GENL_VERSION))
		goto out;
	hdr = nla_nest_start(msg, ETHTOOL_A_FEATURES_HEADER);
	if (!hdr || nla_put_string(msg, ETHTOOL_A_HEADER_DEV_NAME, ifname))
		goto out;
	nla_nest_end(msg, hdr);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, features_cb, f);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	/* a parent device: a NIC that moves bytes by DMA */
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	f->hw = !stat(path, &st);
out:
	if (err < 0)
		fprintf(stderr, "zcopy: %s: %s\n", ifname, nl_geterror(err));
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err < 0 ? err : 0;
}

static int route_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RTA_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtmsg), tb, RTA_MAX, NULL))
		return NL_SKIP;
	if (tb[RTA_OIF])
		*(int *)arg = nla_get_u32(tb[RTA_OIF]);
	return NL_OK;
}

int nic_route(const char *host, char *ifname)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_addr *dst = NULL;
	struct nl_msg *msg = NULL;
	struct rtmsg rtm = {};
	int oif = 0, err;

	if (!sk)
		return -1;
	err = nl_addr_parse(host, AF_UNSPEC, &dst);
	if (err)
		goto out;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err)
		goto out;
	rtm.rtm_family = nl_addr_get_family(dst);
	rtm.rtm_dst_len = nl_addr_get_prefixlen(dst);
	err = -NLE_NOMEM;
	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (!msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) ||
	    nla_put_addr(msg, RTA_DST, dst))
		goto out;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, route_cb, &oif);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	if (err >= 0 && (!oif || !if_indextoname(oif, ifname)))
		err = -NLE_OBJ_NOTFOUND;
out:
	if (err < 0)
		fprintf(stderr, "zcopy: route to %s: %s\n", host, nl_geterror(err));
	nlmsg_free(msg);
	nl_addr_put(dst);
	nl_socket_free(sk);
	return err < 0 ? -1 : 0;
}
