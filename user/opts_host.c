// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* opts_host.c: options of `wattprobe host`: record's, and the VM host's. */
#include <errno.h>
#include <string.h>
#include "opts.h"
#include "opts_int.h"
#include "vm_path.h"

enum {
	OPT_CONNECT = 2000,
	OPT_FEED_DIR,
	OPT_VM,
	OPT_HOST_LISTEN,
	OPT_PID_DIR,
};

static const struct argp_option host_options[] = {
	{ "connect", OPT_CONNECT, "URI", 0,
	  "libvirt to list domains from (default qemu:///system, read-only); none: VMs are "
	  "found by their cgroups and --vm only",
	  0 },
	{ "feed-dir", OPT_FEED_DIR, "DIR", 0,
	  "Write each VM's feed in DIR/NAME (default " HOST_FEED_DIR ")", 0 },
	{ "vm", OPT_VM, "NAME=pidfile:FILE|NAME=cgroup:PATH", 0,
	  "A VM libvirt does not name: the process in FILE, or the cgroup PATH, and what is "
	  "below it (repeatable)",
	  0 },
	{ "libvirt-pid-dir", OPT_PID_DIR, "DIR", 0,
	  "libvirt's qemu pid files (NAME.pid), for domains without a cgroup of their own "
	  "(default /run/libvirt/qemu with a qemu:///system URI)",
	  0 },
	{ "listen", OPT_HOST_LISTEN, "ADDR:PORT", 0,
	  "Serve the VMs' energy on /metrics here (default " HOST_LISTEN_DEFAULT "; none: no "
	  "server)",
	  0 },
	{},
};

static const char host_doc[] =
	"Attribute a VM host's energy to its VMs, and write each VM's share as a feed its guest\n"
	"reads (record -e feed:DIR inside the guest).\n"
	"\n"
	"Samples like record (same options, CSV and summary). A VM is a libvirt domain's cgroups\n"
	"(machine-qemu\\x2dN\\x2dNAME.scope and its libvirt/vcpuN, emulator, iothreadN), or a\n"
	"--vm; its share is the energy attributed to them, per zone, written to its feed at every\n"
	"interval.\n"
	"\n"
	"EXAMPLES:\n"
	"  wattprobe host                   # every libvirt domain; feeds in " HOST_FEED_DIR "\n"
	"  wattprobe host --connect none --vm vm1=pidfile:/run/vm1.pid -o host.csv\n"
	"\v"
	"The feed's format is docs/feed.md; the whole chain, host RAPL to the guest's pods, is\n"
	"docs/reference-architecture.md.";

int vm_spec_parse(const char *spec, char *name, size_t len, bool *is_pidfile, const char **arg)
{
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : 0;

	if (!eq || n == 0 || n >= len || n >= VM_NAME_MAX || memchr(spec, '/', n))
		return -EINVAL;
	memcpy(name, spec, n);
	name[n] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if (!strncmp(eq + 1, "pidfile:", 8)) {
		*is_pidfile = true;
		*arg = eq + 9;
		return **arg ? 0 : -EINVAL;
	}
	if (!strncmp(eq + 1, "cgroup:", 7)) {
		*is_pidfile = false;
		*arg = eq + 8;
		return **arg == '/' ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static error_t host_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct record_env *env = ctx->env;
	char name[VM_NAME_MAX];
	const char *rest;
	bool pidfile;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = ctx;
		return 0;
	case OPT_CONNECT:
		if (!arg[0])
			return opts_fail(ctx, "bad --connect '%s'%s", arg,
					 " (want a libvirt URI, or none)");
		env->connect = strcmp(arg, "none") ? arg : NULL;
		return 0;
	case OPT_FEED_DIR:
		if (!arg[0])
			return opts_fail(ctx, "bad --feed-dir '%s'%s", arg, " (want a directory)");
		env->feed_dir = arg;
		return 0;
	case OPT_VM:
		if (vm_spec_parse(arg, name, sizeof(name), &pidfile, &rest))
			return opts_fail(ctx, "bad --vm '%s'%s", arg,
					 " (want NAME=pidfile:FILE or NAME=cgroup:/PATH)");
		if (env->nvms == HOST_MAX_VMS)
			return opts_fail(ctx, "too many --vm (at most %s)%s", "64", "");
		for (size_t i = 0; i < env->nvms; i++) {
			char other[VM_NAME_MAX];
			const char *r2;
			bool p2;

			vm_spec_parse(env->vms[i], other, sizeof(other), &p2, &r2);
			if (!strcmp(other, name))
				return opts_fail(ctx, "--vm %s given twice%s", name, "");
		}
		env->vms[env->nvms++] = arg;
		return 0;
	case OPT_PID_DIR:
		if (!arg[0])
			return opts_fail(ctx, "bad --libvirt-pid-dir '%s'%s", arg,
					 " (want a directory)");
		env->pid_dir = arg;
		return 0;
	case OPT_HOST_LISTEN:
		env->listen = strcmp(arg, "none") ? arg : NULL;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int host_parse(int argc, char **argv, struct record_env *env, char *errbuf, size_t len)
{
	static const struct argp_child children[] = { { &opts_record_child, 0, NULL, 0 }, {} };
	static const struct argp argp = {
		.options = host_options, .parser = host_opt, .doc = host_doc, .children = children
	};
	struct parse_ctx ctx = { .env = env, .err = errbuf, .len = len };
	int err;

	opts_record_defaults(env);
	env->connect = "qemu:///system";
	env->feed_dir = HOST_FEED_DIR;
	env->listen = HOST_LISTEN_DEFAULT;
	err = opts_run(&argp, argc, argv, &ctx);
	if (!err && !env->by_set)
		env->by = SUM_BY_CGROUP;
	return err;
}
