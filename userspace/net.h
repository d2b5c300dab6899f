/* SPDX-License-Identifier: GPL-2.0 */
/* Endpoints: HOST:PORT (TCP over IPv4 or IPv6) or a UNIX socket path. */
#ifndef ZCOPY_NET_H
#define ZCOPY_NET_H

/* a connected socket, or -1 with a message printed */
int net_connect(const char *dest);
/* a listening socket, or -1 with a message printed; [HOST:]PORT or a path */
int net_listen(const char *where);
/* "unix" when the endpoint is a path (contains a '/') */
int net_is_unix(const char *endpoint);

#endif
