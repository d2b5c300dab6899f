// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy send: file ranges (and a header and trailer) to a TCP or UNIX
 * socket through /dev/zcopy; prints what moved and how.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zcopy.h>

#include "net.h"
#include "nic.h"
#include "output.h"
#include "range.h"
#include "tool.h"

#define MAX_FILES	1000
/* -m sendfile: the reference, without the device */
#define MODE_SENDFILE	(-2)
/* on a terminal, one call per chunk so that progress can be shown */
#define PROGRESS_CHUNK	(64ULL << 20)

static const char send_usage[] =
	"usage: zcopy send [OPTIONS] DEST FILE[:OFFSET[:LEN]]...\n"
	"  DEST                 HOST:PORT (TCP, IPv4 or IPv6) or a UNIX socket path\n"
	"  -m, --mode MODE      auto (default), copy, sg or direct; or sendfile: the\n"
	"                       same bytes with write(2) and sendfile(2), no device\n"
	"  -H, --header TEXT    send TEXT first;  --header-file F: the contents of F\n"
	"  -T, --trailer TEXT   send TEXT last;   --trailer-file F: the contents of F\n"
	"      --sync           return when the stack released the file's pages\n"
	"      --more           more data follows (MSG_MORE)\n"
	"      --nonblock       do not block\n"
	"      --nosignal       EPIPE without SIGPIPE\n"
	"      --direct-fallback  DIRECT mode may use SG where direct I/O is impossible\n";

struct send_opts {
	int mode;
	uint32_t flags;
	char *header, *trailer;
	size_t header_len, trailer_len;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* a whole (small) file into memory, for --header-file/--trailer-file */
static char *slurp(const char *path, size_t *len)
{
	char *buf = malloc(64 * 1024 + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		err_errno(path, fd < 0 ? errno : ENOMEM);
		goto fail;
	}
	n = read(fd, buf, 64 * 1024 + 1);
	close(fd);
	if (n < 0 || n > 64 * 1024) {
		err_errno(path, n < 0 ? errno : EFBIG);
		goto fail;
	}
	*len = n;
	return buf;
fail:
	free(buf);
	return NULL;
}

static int parse_opts(int argc, char **argv, struct send_opts *o)
{
	enum { OPT_SYNC = 256, OPT_MORE, OPT_NONBLOCK, OPT_NOSIGNAL, OPT_FALLBACK, OPT_HFILE, OPT_TFILE };
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "header", required_argument, NULL, 'H' },
		{ "trailer", required_argument, NULL, 'T' },
		{ "header-file", required_argument, NULL, OPT_HFILE },
		{ "trailer-file", required_argument, NULL, OPT_TFILE },
		{ "sync", no_argument, NULL, OPT_SYNC },
		{ "more", no_argument, NULL, OPT_MORE },
		{ "nonblock", no_argument, NULL, OPT_NONBLOCK },
		{ "nosignal", no_argument, NULL, OPT_NOSIGNAL },
		{ "direct-fallback", no_argument, NULL, OPT_FALLBACK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "m:H:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->mode = strcmp(optarg, "sendfile") ? zcopy_mode_parse(optarg) : MODE_SENDFILE;
			if (o->mode < 0 && o->mode != MODE_SENDFILE)
				return err_usage("send: unknown mode '%s'", optarg);
			break;
		case 'H':
			free(o->header);
			o->header = strdup(optarg);
			o->header_len = strlen(optarg);
			break;
		case 'T':
			free(o->trailer);
			o->trailer = strdup(optarg);
			o->trailer_len = strlen(optarg);
			break;
		case OPT_HFILE:
			free(o->header);
			o->header = slurp(optarg, &o->header_len);
			if (!o->header)
				return EXIT_FAIL;
			break;
		case OPT_TFILE:
			free(o->trailer);
			o->trailer = slurp(optarg, &o->trailer_len);
			if (!o->trailer)
				return EXIT_FAIL;
			break;
		case OPT_SYNC: o->flags |= ZCOPY_F_SYNC; break;
		case OPT_MORE: o->flags |= ZCOPY_F_MORE; break;
		case OPT_NONBLOCK: o->flags |= ZCOPY_F_NONBLOCK; break;
		case OPT_NOSIGNAL: o->flags |= ZCOPY_F_NOSIGNAL; break;
		case OPT_FALLBACK: o->flags |= ZCOPY_F_DIRECT_FALLBACK; break;
		case 'h':
			fputs(send_usage, stdout);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2)
		return err_usage("send: need DEST and at least one FILE");
	if (argc - optind - 1 > MAX_FILES)
		return err_usage("send: at most %d files", MAX_FILES);
	return EXIT_OK;
}

/* explicit lengths, so that a partial call can be resumed exactly */
static int resolve(struct zcopy_desc *d, const struct file_range *r, const char *arg)
{
	struct stat st;
	uint64_t end;

	d->type = ZCOPY_DESC_FILE;
	d->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0)
		return err_errno(r->path, errno);
	if (fstat(d->fd, &st))
		return err_errno(r->path, errno);
	end = r->len ? (uint64_t)r->offset + r->len : (uint64_t)st.st_size;
	if (end > (uint64_t)st.st_size)
		end = st.st_size;
	d->offset = r->offset;
	d->len = end > (uint64_t)r->offset ? end - r->offset : 0;
	if (!d->len)
		fprintf(stderr, "zcopy: %s: nothing to send in this range\n", arg);
	return EXIT_OK;
}

struct send_result {
	uint64_t sent;
	unsigned int calls;
	uint64_t first_id, last_id;
	struct zcopy_counters c;
	int error;
};

/*
 * Everything, in as many calls as it takes: a short call (non-blocking
 * socket, signal) is resumed where it stopped, more than 1024 descriptors
 * take several calls, and on a terminal each call carries at most
 * PROGRESS_CHUNK bytes so that progress can be shown.
 */
static void send_all(int dev, int sock, const struct send_opts *o,
		     struct zcopy_desc *d, unsigned int n, uint64_t total,
		     struct send_result *res)
{
	static struct zcopy_desc call[1024];
	bool progress = isatty(STDERR_FILENO) && !opt_json;
	double t0 = now();
	unsigned int i = zcopy_advance(d, n, 0, 0);

	while (i < n) {
		uint64_t budget = progress ? PROGRESS_CHUNK : UINT64_MAX;
		struct zcopy_xfer x;
		unsigned int j, k = 0;
		ssize_t ret;

		for (j = i; j < n && budget && k < 1024; j++) {
			if (!d[j].len)
				continue;
			call[k] = d[j];
			if (call[k].len > budget)
				call[k].len = budget;
			budget -= call[k].len;
			k++;
		}
		ret = zcopy_send(dev, sock, call, k, o->mode, o->flags, &x);
		if (x.xfer_id) {
			res->first_id = res->first_id ? res->first_id : x.xfer_id;
			res->last_id = x.xfer_id;
			zcopy_counters_add(&res->c, &x.counters);
			res->calls++;
		}
		if (ret < 0) {
			res->error = errno;
			break;
		}
		if (ret == 0)
			break;	/* the files ended early */
		res->sent += ret;
		i = zcopy_advance(d, n, i, ret);
		if (progress && now() - t0 > 1)
			fprintf(stderr, "\r%llu of %llu bytes (%.0f%%)",
				(unsigned long long)res->sent, (unsigned long long)total,
				100.0 * res->sent / total);
	}
	if (progress && now() - t0 > 1)
		fputc('\n', stderr);
}

/*
 * The same bytes the classic way, for comparison: buffers with write(2),
 * files with sendfile(2), resumed after short calls.  No counters: only
 * the device can say what moved how.
 */
static void send_classic(int sock, struct zcopy_desc *d, unsigned int n,
			 struct send_result *res)
{
	unsigned int i = zcopy_advance(d, n, 0, 0);

	while (i < n) {
		ssize_t ret;

		if (d[i].type == ZCOPY_DESC_BUF) {
			ret = write(sock, (const void *)(uintptr_t)d[i].addr, d[i].len);
		} else {
			off_t off = d[i].offset;

			ret = sendfile(sock, d[i].fd, &off, d[i].len);
		}
		res->calls++;
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			res->error = errno;
			break;
		}
		if (ret == 0)
			break;
		res->sent += ret;
		i = zcopy_advance(d, n, i, ret);
	}
}

static void print_result(const struct send_result *r, double secs, uint64_t total,
			 bool device)
{
	out_open(stdout, opt_json);
	out_u64("bytes", "bytes sent:", r->sent);
	out_u64("requested", "bytes requested:", total);
	out_u64("usec", "time (us):", (uint64_t)(secs * 1e6));
	out_u64("mbytes_per_sec", "MB/s:", secs > 0 ? (uint64_t)(r->sent / secs / 1e6) : 0);
	out_u64("calls", "ioctl calls:", r->calls);
	out_u64("first_id", "transfer ids from:", r->first_id);
	out_u64("last_id", "transfer ids to:", r->last_id);
	out_str("error", "error:", r->error ? strerror(r->error) : "none");
	/* sendfile(2) reports no counters: print none rather than zeros */
	if (!device)
		out_str("counters", "counters:", "none (only the device counts)");
	for (unsigned int i = 0; device && zcopy_counter_name(i); i++) {
		char label[40];

		snprintf(label, sizeof(label), "%s:", zcopy_counter_name(i));
		out_u64(zcopy_counter_name(i), label, zcopy_counter_get(&r->c, i));
	}
	out_close();
}

int cmd_send(int argc, char **argv)
{
	struct send_opts o = { .mode = ZCOPY_MODE_AUTO };
	struct send_result res = {};
	struct zcopy_desc *d = NULL;
	unsigned int n = 0;
	uint64_t total = 0;
	int dev = -1, sock = -1, ret, nfiles;
	double t0;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		goto out;
	nfiles = argc - optind - 1;
	d = calloc(nfiles + 2, sizeof(*d));
	if (!d) {
		ret = err_errno("send", ENOMEM);
		goto out;
	}
	if (o.header)
		d[n++] = zcopy_desc_buf(o.header, o.header_len);
	for (int f = 0; f < nfiles; f++) {
		const char *arg = argv[optind + 1 + f];
		struct file_range r;

		if (parse_range(arg, &r)) {
			ret = err_usage("send: bad range '%s' (FILE[:OFFSET[:LEN]])", arg);
			goto out;
		}
		d[n].fd = -1;
		ret = resolve(&d[n++], &r, arg);
		if (ret)
			goto out;
	}
	if (o.trailer)
		d[n++] = zcopy_desc_buf(o.trailer, o.trailer_len);
	for (unsigned int i = 0; i < n; i++)
		total += d[i].len;

	ret = EXIT_FAIL;
	if (o.mode != MODE_SENDFILE) {
		dev = device_open();
		if (dev < 0)
			goto out;
	}
	sock = net_connect(argv[optind]);
	if (sock < 0)
		goto out;

	/* say up front when the path will make the kernel copy anyway */
	if (!net_is_unix(argv[optind])) {
		struct nic_features f;

		if (!route_features(argv[optind], &f) && !f.sg)
			fprintf(stderr, "zcopy: the route to %s leaves through %s, which has no "
				"scatter-gather: expect CPU copies\n", argv[optind], f.ifname);
	}

	t0 = now();
	if (o.mode == MODE_SENDFILE)
		send_classic(sock, d, n, &res);
	else
		send_all(dev, sock, &o, d, n, total, &res);
	print_result(&res, now() - t0, total, o.mode != MODE_SENDFILE);
	if (res.error)
		ret = err_errno(argv[optind], res.error);
	else
		ret = res.sent == total ? EXIT_OK : EXIT_FAIL;
out:
	if (sock >= 0)
		close(sock);
	if (dev >= 0)
		close(dev);
	for (unsigned int i = 0; d && i < n; i++)
		if (d[i].type == ZCOPY_DESC_FILE && d[i].fd >= 0)
			close(d[i].fd);
	free(d);
	free(o.header);
	free(o.trailer);
	/* --help: parse_opts() returns -1 after printing the usage */
	return ret < 0 ? EXIT_OK : ret;
}
