// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy nic IFACE / zcopy route DEST: does the path have scatter-gather?
 * Without it the kernel copies what zcopy hands it by reference.
 */
#include <stdio.h>
#include <string.h>

#include "nic.h"
#include "output.h"
#include "tool.h"

static int print_nic(const struct nic_features *f, const char *dest)
{
	out_open(stdout, opt_json);
	if (dest)
		out_str("destination", "destination:", dest);
	out_str("interface", "interface:", f->ifname);
	out_str("scatter_gather", "scatter-gather:", f->sg ? "on" : "off");
	out_str("checksum_offload", "checksum offload:", f->csum ? "on" : "off");
	out_str("tso", "TSO:", f->tso ? "on" : "off");
	out_str("dma", "device DMA:", f->hw ? "yes" : "no (software device)");
	out_str("zero_copy", "zero-copy:", f->sg ? "yes" : "no: the kernel copies every byte");
	out_close();
	return EXIT_OK;
}

int cmd_nic(int argc, char **argv)
{
	struct nic_features f;

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		if (argc == 2)
			return puts("usage: zcopy nic IFACE") < 0;
		return err_usage("nic: need one interface name");
	}
	if (nic_features(argv[1], &f))
		return EXIT_FAIL;
	return print_nic(&f, NULL);
}

/* the host part of HOST:PORT, [V6]:PORT or a bare address */
static void host_of(const char *dest, char *host, size_t len)
{
	const char *c = strrchr(dest, ':');
	size_t n = c && strchr(dest, ':') == c ? (size_t)(c - dest) : strlen(dest);

	if (dest[0] == '[' && (c = strchr(dest, ']'))) {
		dest++;
		n = c - dest;
	}
	snprintf(host, len, "%.*s", (int)n, dest);
}

int route_features(const char *dest, struct nic_features *f)
{
	char host[256], ifname[IF_NAMESIZE];

	host_of(dest, host, sizeof(host));
	if (nic_route(host, ifname))
		return -1;
	return nic_features(ifname, f) ? -1 : 0;
}

int cmd_route(int argc, char **argv)
{
	struct nic_features f;

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		if (argc == 2)
			return puts("usage: zcopy route HOST[:PORT]") < 0;
		return err_usage("route: need one destination");
	}
	if (strchr(argv[1], '/')) {
		fprintf(stderr, "zcopy: %s: a UNIX socket: no network device, nothing copied by a NIC\n",
			argv[1]);
		return EXIT_FAIL;
	}
	if (route_features(argv[1], &f))
		return EXIT_FAIL;
	return print_nic(&f, argv[1]);
}
