// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* opts.c: command-line options of each subcommand, parsed into structs tests can inspect. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duration.h"
#include "opts.h"
#include "opts_int.h"

enum {
	OPT_TOP = 1000,
	OPT_ATTACH,
	OPT_CGROUP_MODE,
	OPT_PMU,
	OPT_MAX_CGROUPS,
	OPT_BTF,
	OPT_POWERCAP,
	OPT_PODS,
	OPT_PODS_REFRESH,
	OPT_NODE,
	OPT_FLUX_NS,
	OPT_GROUPS,
	OPT_BY,
	OPT_KEPLER,
	OPT_LISTEN,
	OPT_METRICS_BY,
	OPT_KEPLER_COMPAT,
	OPT_FOLD_BELOW,
	OPT_MAX_TERMINATED,
};

/* Parser state shared by both subcommands: where to put a one-line error. */

int opts_fail(struct parse_ctx *ctx, const char *fmt, const char *a, const char *b)
{
	snprintf(ctx->err, ctx->len, fmt, a, b);
	return EINVAL;
}

int opts_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_attach(const char *s, enum probe_attach *out)
{
	static const char *const names[] = { "auto", "tp_btf", "raw_tp", "tracepoint" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum probe_attach)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_pmu(const char *s, enum pmu_mode *out)
{
	if (strcmp(s, "auto") == 0)
		*out = PMU_AUTO;
	else if (strcmp(s, "off") == 0)
		*out = PMU_OFF;
	else if (strcmp(s, "sw-clock") == 0)
		*out = PMU_SW_CLOCK;
	else
		return -EINVAL;
	return 0;
}

/* The argument at fault, for getopt errors that argp only reports as EINVAL. */
static void key_error(struct argp_state *state, struct parse_ctx *ctx)
{
	int i = state->next > 1 ? state->next - 1 : 1;

	if (ctx->err[0] || i >= state->argc)
		return;
	snprintf(ctx->err, ctx->len,
		 "unknown option or missing value: '%s' (see wattprobe %s --help)", state->argv[i],
		 state->name);
}

/* Keys every subcommand has: -v, -h, -V, stray arguments and getopt's errors. */
error_t opts_common(int key, char *arg, struct argp_state *state, int *verbose, bool *help)
{
	struct parse_ctx *ctx = state->input;

	switch (key) {
	case 'v':
		(*verbose)++;
		return 0;
	case 'h': {
		char name[64];

		/* Lines of up to 100 columns, as the docs are written (the user's setting wins). */
		setenv("ARGP_HELP_FMT", "rmargin=100", 0);
		/* argp_state_help() is silent under ARGP_NO_ERRS; argp_help() is not. */
		snprintf(name, sizeof(name), "wattprobe %s", state->name);
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, name);
		*help = true;
		return 0;
	}
	case 'V':
		printf("wattprobe %s (git %s)\n", WP_VERSION, WP_GIT_REV);
		*help = true;
		return 0;
	case ARGP_KEY_ARG:
		return opts_fail(ctx, "unexpected argument '%s'%s", arg, "");
	case ARGP_KEY_ERROR:
		key_error(state, ctx);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_option record_options[] = {
	{ "interval", 'i', "DUR", 0, "Sampling interval, 1ms..60s (default 100ms)", 0 },
	{ "duration", 'd', "DUR", 0, "Stop after DUR (default: at SIGINT/SIGTERM)", 0 },
	{ "output", 'o', "FILE", 0, "Write the CSV to FILE (.gz: gzip; -: stdout)", 0 },
	{ "energy", 'e', "LIST", 0,
	  "Sources tried in order: auto, powercap[:ROOT], perf[:SYSFS], feed[:DIR], "
	  "model[:instance=TYPE|arch=NAME|idle=W,max=W]",
	  0 },
	{ "attribution", 'a', "RULE", 0, "util (Kepler 0.10, default) or idle:W", 0 },
	{ "top", OPT_TOP, "N", 0, "Rows in the summary table (default 10)", 0 },
	{ "attach", OPT_ATTACH, "MODE", 0, "auto, tp_btf, raw_tp or tracepoint", 0 },
	{ "cgroup-mode", OPT_CGROUP_MODE, "MODE", 0, "auto, v2 or v1 (cpuacct, else cpu)", 0 },
	{ "pmu", OPT_PMU, "MODE", 0, "auto, off, or sw-clock (test stand-in)", 0 },
	{ "max-cgroups", OPT_MAX_CGROUPS, "N", 0, "Cgroups active per interval (default 4096)", 0 },
	{ "btf", OPT_BTF, "FILE", 0, "Kernel BTF file instead of /sys/kernel/btf/vmlinux", 0 },
	{ "pods", OPT_PODS, "SRC", 0,
	  "Pod metadata: FILE (kubectl get pods -A -o json, re-read when it changes), kubectl, "
	  "or api (in-cluster)",
	  1 },
	{ "pods-refresh", OPT_PODS_REFRESH, "DUR", 0,
	  "How often kubectl or the API server is asked (default 10s)", 1 },
	{ "node", OPT_NODE, "NAME", 0, "Keep this node's pods (default $NODE_NAME, else all)", 1 },
	{ "flux-namespace", OPT_FLUX_NS, "NS", 0, "Flux's namespace (default flux-system)", 1 },
	{ "groups", OPT_GROUPS, "FILE", 0, "Group rules tried before the defaults", 1 },
	{ "by", OPT_BY, "KEY", 0,
	  "Summary by group, pod, container or cgroup (default group with --pods, else cgroup)",
	  1 },
	{ "kepler", OPT_KEPLER, "URL", 0,
	  "Compare with a running Kepler's /metrics, pod by pod (--by pod shows it)", 1 },
	{ "verbose", 'v', NULL, 0, "More on stderr, libbpf's debug output included", 2 },
	{ "help", 'h', NULL, 0, "Show this help", 2 },
	{ "version", 'V', NULL, 0, "Print the version", 2 },
	{},
};

static const char record_doc[] =
	"Attribute the node's energy to every cgroup, interval by interval.\n"
	"\n"
	"EXAMPLES:\n"
	"  wattprobe record -d 10s                 # summary table after 10 s\n"
	"  wattprobe record -i 10ms -o run.csv.gz  # 10ms intervals until Ctrl-C\n"
	"  wattprobe record -e powercap:/tmp/rapl  # another powercap tree\n"
	"  wattprobe record -e model:idle=40,max=180 -a idle:40\n"
	"  wattprobe record --pods pods.json --by group  # pods.json: kubectl get pods -A -o json\n"
	"\v"
	"DUR is a number with a unit: ns, us, ms, s, m or h (a bare number is seconds).";

static int duration_opt(struct parse_ctx *ctx, const char *what, const char *arg, uint64_t lo,
			uint64_t hi, uint64_t *out)
{
	int err = duration_parse(arg, out);

	if (err)
		return opts_fail(ctx, "bad %s '%s' (want a number with ns, us, ms, s, m or h)",
				 what, arg);
	if (*out < lo || *out > hi)
		return opts_fail(ctx, "%s '%s' out of range (1ms..60s)", what, arg);
	return 0;
}

/* The options that name pods and groups. */
static error_t record_k8s_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct record_env *env = ctx->env;

	switch (key) {
	case OPT_PODS:
		if (!arg[0])
			return opts_fail(ctx, "bad --pods '%s'%s", arg,
					 " (want FILE, kubectl or api)");
		env->pods = arg;
		return 0;
	case OPT_PODS_REFRESH:
		if (duration_parse(arg, &env->pods_refresh_ns) ||
		    env->pods_refresh_ns < PODS_REFRESH_MIN_NS ||
		    env->pods_refresh_ns > PODS_REFRESH_MAX_NS)
			return opts_fail(ctx, "bad --pods-refresh '%s'%s", arg,
					 " (want 100ms..1h)");
		return 0;
	case OPT_NODE:
		env->node = arg;
		return 0;
	case OPT_FLUX_NS:
		if (!arg[0])
			return opts_fail(ctx, "bad --flux-namespace '%s'%s", arg, " (empty)");
		env->flux_ns = arg;
		return 0;
	case OPT_GROUPS:
		if (!arg[0])
			return opts_fail(ctx, "bad --groups '%s'%s", arg, " (want a rules FILE)");
		env->groups = arg;
		return 0;
	case OPT_KEPLER:
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
			return opts_fail(ctx, "bad --kepler '%s'%s", arg,
					 " (want http://HOST:PORT/metrics)");
		env->kepler = arg;
		return 0;
	case OPT_BY:
		if (summary_by_parse(arg, &env->by))
			return opts_fail(ctx, "bad --by '%s'%s", arg,
					 " (want group, pod, container or cgroup)");
		env->by_set = true;
		return 0;
	default:
		return opts_common(key, arg, state, &env->verbose, &env->help);
	}
}

static error_t record_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct record_env *env = ctx->env;

	switch (key) {
	case 'i':
		return duration_opt(ctx, "interval", arg, INTERVAL_MIN_NS, INTERVAL_MAX_NS,
				    &env->interval_ns);
	case 'd':
		if (duration_parse(arg, &env->duration_ns) || !env->duration_ns ||
		    env->duration_ns > DURATION_MAX_NS)
			return opts_fail(ctx, "bad duration '%s'%s", arg,
					 " (want e.g. 10s, at most 365 days)");
		return 0;
	case 'o':
		env->output = arg;
		return 0;
	case 'e':
		env->energy = arg;
		return 0;
	case 'a':
		env->rule_set = true;
		if (attrib_rule_parse(arg, &env->rule))
			return opts_fail(ctx, "bad attribution rule '%s'%s", arg,
					 " (want util or idle:W)");
		return 0;
	case OPT_TOP:
		if (opts_parse_uint(arg, 1, 100000, &env->top))
			return opts_fail(ctx, "bad --top '%s'%s", arg, " (want 1..100000)");
		return 0;
	case OPT_ATTACH:
		if (parse_attach(arg, &env->attach))
			return opts_fail(ctx, "bad --attach '%s'%s", arg,
					 " (want auto, tp_btf, raw_tp or tracepoint)");
		return 0;
	case OPT_CGROUP_MODE:
		if (strcmp(arg, "auto") && strcmp(arg, "v2") && strcmp(arg, "v1"))
			return opts_fail(ctx, "bad --cgroup-mode '%s'%s", arg,
					 " (want auto, v2 or v1)");
		env->cgroup_mode = arg;
		return 0;
	case OPT_PMU:
		if (parse_pmu(arg, &env->pmu))
			return opts_fail(ctx, "bad --pmu '%s'%s", arg,
					 " (want auto, off or sw-clock)");
		return 0;
	case OPT_MAX_CGROUPS:
		if (opts_parse_uint(arg, 16, 1 << 20, &env->max_cgroups))
			return opts_fail(ctx, "bad --max-cgroups '%s'%s", arg,
					 " (want 16..1048576)");
		return 0;
	case OPT_BTF:
		env->btf = arg;
		return 0;
	default:
		return record_k8s_opt(key, arg, state);
	}
}

int opts_run(const struct argp *argp, int argc, char **argv, struct parse_ctx *ctx)
{
	return opts_run_flags(argp, argc, argv, ctx, 0);
}

int opts_run_flags(const struct argp *argp, int argc, char **argv, struct parse_ctx *ctx,
		   unsigned int flags)
{
	int err;

	ctx->err[0] = '\0';
	err = argp_parse(argp, argc, argv, ARGP_NO_EXIT | ARGP_NO_HELP | ARGP_NO_ERRS | flags, NULL,
			 ctx);
	if (!err)
		return 0;
	if (!ctx->err[0])
		snprintf(ctx->err, ctx->len, "bad arguments (see wattprobe %s --help)", argv[0]);
	return -EINVAL;
}

/* record's options without its doc: the same parser, as a child of serve's and run's. */
const struct argp opts_record_child = { .options = record_options, .parser = record_opt };

int record_parse(int argc, char **argv, struct record_env *env, char *errbuf, size_t len)
{
	static const struct argp argp = { .options = record_options,
					  .parser = record_opt,
					  .doc = record_doc };
	struct parse_ctx ctx = { .env = env, .err = errbuf, .len = len };
	int err;

	opts_record_defaults(env);
	err = opts_run(&argp, argc, argv, &ctx);
	if (!err && !env->by_set)
		env->by = env->pods ? SUM_BY_GROUP : SUM_BY_CGROUP;
	return err;
}

void opts_record_defaults(struct record_env *env)
{
	*env = (struct record_env){
		.interval_ns = INTERVAL_DEFAULT_NS,
		.energy = "auto",
		.rule = { .kind = ATTRIB_UTIL },
		.top = 10,
		.attach = ATTACH_AUTO,
		.cgroup_mode = "auto",
		.pmu = PMU_AUTO,
		.max_cgroups = WP_MAX_CGROUPS_DEFAULT,
		.pods_refresh_ns = PODS_REFRESH_DEFAULT_NS,
		.flux_ns = "flux-system",
		.metrics_by = SUM_BY_GROUP,
		.fold_below_uj = FOLD_BELOW_DEFAULT_UJ,
		.max_terminated = MAX_TERMINATED_DEFAULT,
	};
}

static const struct argp_option serve_options[] = {
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0,
	  "Serve /metrics and /healthz here (default " LISTEN_DEFAULT
	  "; a DaemonSet: 0.0.0.0:PORT)",
	  0 },
	{ "metrics-by", OPT_METRICS_BY, "KEY", 0,
	  "Finest family: group (default), pod, container or cgroup (all of them)", 0 },
	{ "kepler-compat", OPT_KEPLER_COMPAT, NULL, 0,
	  "Also Kepler 0.10+'s families (kepler_node_cpu_*, kepler_pod_cpu_*, ...)", 0 },
	{ "fold-below", OPT_FOLD_BELOW, "J", 0,
	  "Terminated pods, containers, cgroups under J joules are folded away (default 10)", 0 },
	{ "max-terminated", OPT_MAX_TERMINATED, "N", 0,
	  "Terminated series kept per family, the largest (default 500)", 0 },
	{},
};

static const char serve_doc[] =
	"Sample continuously and serve the counters to Prometheus.\n"
	"\n"
	"EXAMPLES:\n"
	"  wattprobe serve                               # http://127.0.0.1:9744/metrics\n"
	"  wattprobe serve --listen 0.0.0.0:9744 --pods api --metrics-by pod\n"
	"  wattprobe serve --kepler-compat               # Kepler's dashboards work unchanged\n"
	"  wattprobe serve --kepler http://127.0.0.1:28282/metrics  # pairs with Kepler's\n"
	"\v"
	"Gauges (watts) are over the time between two snapshots: every interval, at least 100ms.\n"
	"The families and Kepler's mapping are in docs/metrics.md.";

int opts_parse_decimal(const char *s, double lo, double hi, double *out)
{
	char *end;

	/* Decimal only: strtod would take 0x10, inf and nan too. */
	if (*s < '0' || *s > '9' || strspn(s, "0123456789.") != strlen(s))
		return -EINVAL;
	errno = 0;
	*out = strtod(s, &end);
	return errno || *end || *out < lo || *out > hi ? -EINVAL : 0;
}

static int parse_joules(const char *s, uint64_t *uj)
{
	double j;

	if (opts_parse_decimal(s, 0, 1e12, &j))
		return -EINVAL;
	*uj = (uint64_t)(j * 1e6 + 0.5);
	return 0;
}

static error_t serve_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct record_env *env = ctx->env;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = ctx;
		return 0;
	case OPT_LISTEN:
		env->listen = arg;
		return 0;
	case OPT_METRICS_BY:
		if (summary_by_parse(arg, &env->metrics_by))
			return opts_fail(ctx, "bad --metrics-by '%s'%s", arg,
					 " (want group, pod, container or cgroup)");
		return 0;
	case OPT_KEPLER_COMPAT:
		env->kepler_compat = true;
		return 0;
	case OPT_FOLD_BELOW:
		if (parse_joules(arg, &env->fold_below_uj))
			return opts_fail(ctx, "bad --fold-below '%s'%s", arg,
					 " (want joules, e.g. 10)");
		return 0;
	case OPT_MAX_TERMINATED:
		if (opts_parse_uint(arg, 0, 1000000, &env->max_terminated))
			return opts_fail(ctx, "bad --max-terminated '%s'%s", arg,
					 " (want 0..1000000)");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int serve_parse(int argc, char **argv, struct record_env *env, char *errbuf, size_t len)
{
	static const struct argp_child children[] = { { &opts_record_child, 0, NULL, 0 }, {} };
	static const struct argp argp = { .options = serve_options,
					  .parser = serve_opt,
					  .doc = serve_doc,
					  .children = children };
	struct parse_ctx ctx = { .env = env, .err = errbuf, .len = len };
	int err;

	opts_record_defaults(env);
	env->listen = LISTEN_DEFAULT;
	err = opts_run(&argp, argc, argv, &ctx);
	if (!err && !env->by_set)
		env->by = env->pods ? SUM_BY_GROUP : SUM_BY_CGROUP;
	return err;
}

static const struct argp_option doctor_options[] = {
	{ "btf", OPT_BTF, "FILE", 0, "Kernel BTF file instead of /sys/kernel/btf/vmlinux", 0 },
	{ "powercap", OPT_POWERCAP, "ROOT", 0,
	  "Powercap tree to inspect (default "
	  "/sys/class/powercap)",
	  0 },
	{ "kepler", OPT_KEPLER, "URL", 0, "Also try a Kepler's /metrics as an energy source", 0 },
	{ "verbose", 'v', NULL, 0, "More on stderr, libbpf's debug output included", 0 },
	{ "help", 'h', NULL, 0, "Show this help", 0 },
	{ "version", 'V', NULL, 0, "Print the version", 0 },
	{},
};

static const char doctor_doc[] =
	"Show what this node offers and what record would use.\n"
	"\n"
	"Loads the probe in each attach mode, opens the PMU, reads every RAPL zone and the cgroup\n"
	"mounts, and says which of each record would pick, and why.";

static error_t doctor_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct doctor_env *env = ctx->env;

	switch (key) {
	case OPT_BTF:
		env->btf = arg;
		return 0;
	case OPT_POWERCAP:
		env->powercap_root = arg;
		return 0;
	case OPT_KEPLER:
		env->kepler = arg;
		return 0;
	default:
		return opts_common(key, arg, state, &env->verbose, &env->help);
	}
}

int doctor_parse(int argc, char **argv, struct doctor_env *env, char *err, size_t len)
{
	static const struct argp argp = { .options = doctor_options,
					  .parser = doctor_opt,
					  .doc = doctor_doc };
	struct parse_ctx ctx = { .env = env, .err = err, .len = len };

	*env = (struct doctor_env){ .powercap_root = "/sys/class/powercap" };
	return opts_run(&argp, argc, argv, &ctx);
}
