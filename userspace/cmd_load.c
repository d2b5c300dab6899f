// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy load / unload, through libkmod (as modprobe and rmmod do), with
 * messages for the usual causes of failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>

#include "tool.h"

static void explain(int err, const char *what)
{
	switch (err) {
	case EPERM:
		fputs("zcopy: loading and unloading modules needs root (CAP_SYS_MODULE)\n", stderr);
		break;
	case ENOEXEC:
		fprintf(stderr, "zcopy: %s: not a module for the running kernel "
			"(built for another kernel? see modinfo and uname -r)\n", what);
		break;
	case EEXIST:
		fputs("zcopy: the module is already loaded\n", stderr);
		break;
	case EAGAIN:
	case EBUSY:
		fputs("zcopy: the module is in use (/dev/zcopy is open); close it first\n", stderr);
		break;
	case ENOENT:
		fprintf(stderr, "zcopy: %s: no such module (is it installed? make install)\n", what);
		break;
	}
}

/* a path if it names a file, else a module name for the module index */
static struct kmod_module *find(struct kmod_ctx *ctx, const char *what, int *err)
{
	struct kmod_module *mod = NULL;

	if (strchr(what, '/') || !access(what, F_OK))
		*err = -kmod_module_new_from_path(ctx, what, &mod);
	else
		*err = -kmod_module_new_from_name(ctx, what, &mod);
	return *err ? NULL : mod;
}

static int params_join(int argc, char **argv, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);

		if (!strchr(argv[i], '=') || n < 0 || (size_t)n >= len - used)
			return -1;
		used += n;
	}
	return 0;
}

int cmd_load(int argc, char **argv)
{
	const char *what = argc > 1 && !strchr(argv[1], '=') ? argv[1] : "zcopy";
	int first_param = what == argv[1] ? 2 : 1;
	struct kmod_ctx *ctx;
	struct kmod_module *mod;
	char params[1024];
	int err;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		puts("usage: zcopy load [PATH|NAME] [param=value...]");
		return EXIT_OK;
	}
	if (params_join(argc - first_param, argv + first_param, params, sizeof(params)))
		return err_usage("load: parameters are name=value");
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return err_errno("libkmod", ENOMEM);
	mod = find(ctx, what, &err);
	if (!err)
		err = -kmod_module_insert_module(mod, 0, params);
	if (err) {
		err_errno(what, err);
		explain(err, what);
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return err ? EXIT_FAIL : EXIT_OK;
}

int cmd_unload(int argc, char **argv)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	int err;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help")) {
			puts("usage: zcopy unload");
			return EXIT_OK;
		}
		return err_usage("unload: unexpected argument '%s'", argv[1]);
	}
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return err_errno("libkmod", ENOMEM);
	err = -kmod_module_new_from_name(ctx, "zcopy", &mod);
	if (!err && kmod_module_get_initstate(mod) < 0)
		err = ENOENT;
	if (!err)
		err = -kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT);
	if (err) {
		err_errno("zcopy", err);
		explain(err == ENOENT ? 0 : err, "zcopy");
		if (err == ENOENT)
			fputs("zcopy: the module is not loaded\n", stderr);
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return err ? EXIT_FAIL : EXIT_OK;
}
