// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* opts_analysis.c: the options of report, compare and run: the profiling sessions. */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duration.h"
#include "opts.h"
#include "opts_int.h"

enum {
	OPT_BY = 2000,
	OPT_TOP,
	OPT_FROM,
	OPT_TO,
	OPT_JSON,
	OPT_VS,
	OPT_GRID,
	OPT_PUE,
	OPT_SVG,
	OPT_CUT,
};

static const struct argp_option run_options[] = {
	{ "repeat", 'r', "N", 0, "Run the command N times: mean, sd, 95% interval (default 1)", 0 },
	{},
};

static const char run_doc[] =
	"Measure one command, like perf stat: its energy, power, CPU time, wakeups and wall time,\n"
	"in a cgroup of its own. Its exit status is wattprobe's; the results go to stderr.\n"
	"record's options apply (-i, -e, -a, -o for the intervals' CSV...), but -d: the run\n"
	"lasts as long as the command. A command not found exits 127, one not executable 126.\n"
	"\n"
	"EXAMPLES:\n"
	"  wattprobe run -- make -j2\n"
	"  wattprobe run -r 5 -i 10ms -- ./bench --quick";

static error_t run_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct record_env *env = ctx->env;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = ctx;
		return 0;
	case 'r':
		if (opts_parse_uint(arg, 1, 1000, &env->repeat))
			return opts_fail(ctx, "bad -r '%s'%s", arg, " (want 1..1000)");
		return 0;
	case ARGP_KEY_ARG:
		/* The command: this word and every one after it, options of its own included. */
		env->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int run_parse(int argc, char **argv, struct record_env *env, char *err, size_t len)
{
	static const struct argp_child children[] = { { &opts_record_child, 0, NULL, 0 }, {} };
	static const struct argp argp = { .options = run_options,
					  .parser = run_opt,
					  .args_doc = "[--] CMD [ARGS...]",
					  .doc = run_doc,
					  .children = children };
	struct parse_ctx ctx = { .env = env, .err = err, .len = len };
	int rc;

	opts_record_defaults(env);
	env->repeat = 1;
	env->no_summary = true;
	rc = opts_run_flags(&argp, argc, argv, &ctx, ARGP_IN_ORDER);
	if (rc || env->help)
		return rc;
	if (!env->cmd) {
		snprintf(err, len, "no command to run (see wattprobe run --help)");
		return -EINVAL;
	}
	if (env->duration_ns) {
		snprintf(err, len, "-d is record's: run measures the command, as long as it runs");
		return -EINVAL;
	}
	return 0;
}

static const struct argp_option report_options[] = {
	{ "by", OPT_BY, "KEY", 0,
	  "Rows by group (default with pod names), pod, container or cgroup", 0 },
	{ "from", OPT_FROM, "DUR", 0, "Only intervals whose middle is DUR or more after the start",
	  0 },
	{ "to", OPT_TO, "DUR", 0, "Only intervals whose middle is at most DUR after the start", 0 },
	{ "top", OPT_TOP, "N", 0, "Rows in the table (default 10)", 0 },
	{ "json", OPT_JSON, NULL, 0, "JSON on stdout instead of the tables", 0 },
	{ "svg", OPT_SVG, "OUT.svg", 0,
	  "Also draw power over time by group and energy by group (one FILE)", 0 },
	{ "allow-truncated", OPT_CUT, NULL, 0,
	  "Read a file cut short (killed mid-write) up to its last whole interval", 0 },
	{ "verbose", 'v', NULL, 0, "More on stderr", 1 },
	{ "help", 'h', NULL, 0, "Show this help", 1 },
	{ "version", 'V', NULL, 0, "Print the version", 1 },
	{},
};

static const char report_doc[] =
	"Summarize recordings (record -o FILE, .csv or .csv.gz), as record's summary does.\n"
	"\n"
	"EXAMPLES:\n"
	"  wattprobe report run.csv.gz                  # by group with pod names, else by cgroup\n"
	"  wattprobe report --by pod --from 1m --to 5m run.csv\n"
	"  wattprobe report --json a.csv b.csv          # one object per file\n"
	"  wattprobe report --svg run.svg run.csv.gz     # and a chart of it\n"
	"\v"
	"Each FILE's metadata is read from FILE.meta.json beside it when there is one.";

static error_t report_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct report_env *env = ctx->env;
	uint64_t *t;

	switch (key) {
	case ARGP_KEY_ARG:
		if (env->nfiles == REPORT_MAX_FILES)
			return opts_fail(ctx, "more than %s files%s", "256", "");
		env->files[env->nfiles++] = arg;
		return 0;
	case OPT_BY:
		if (summary_by_parse(arg, &env->by))
			return opts_fail(ctx, "bad --by '%s'%s", arg,
					 " (want group, pod, container or cgroup)");
		env->by_set = true;
		return 0;
	case OPT_FROM:
	case OPT_TO:
		t = key == OPT_FROM ? &env->from_ns : &env->to_ns;
		if (duration_parse(arg, t) || *t > DURATION_MAX_NS)
			return opts_fail(
				ctx, "bad --%s '%s' (want a duration after the start, e.g. 90s)",
				key == OPT_FROM ? "from" : "to", arg);
		return 0;
	case OPT_TOP:
		if (opts_parse_uint(arg, 1, 100000, &env->top))
			return opts_fail(ctx, "bad --top '%s'%s", arg, " (want 1..100000)");
		return 0;
	case OPT_JSON:
		env->json = true;
		return 0;
	case OPT_SVG:
		env->svg = arg;
		return 0;
	case OPT_CUT:
		env->allow_cut = true;
		return 0;
	default:
		return opts_common(key, arg, state, &env->verbose, &env->help);
	}
}

int report_parse(int argc, char **argv, struct report_env *env, char *err, size_t len)
{
	static const struct argp argp = { .options = report_options,
					  .parser = report_opt,
					  .args_doc = "FILE...",
					  .doc = report_doc };
	struct parse_ctx ctx = { .env = env, .err = err, .len = len };
	int rc;

	*env = (struct report_env){ .to_ns = UINT64_MAX, .top = 10 };
	rc = opts_run(&argp, argc, argv, &ctx);
	if (rc || env->help)
		return rc;
	if (!env->nfiles) {
		snprintf(err, len, "no recording named (see wattprobe report --help)");
		return -EINVAL;
	}
	if (env->to_ns != UINT64_MAX && env->to_ns <= env->from_ns) {
		snprintf(err, len, "--to must come after --from");
		return -EINVAL;
	}
	if (env->svg && env->nfiles > 1) {
		snprintf(err, len, "--svg draws one recording, and %zu are named", env->nfiles);
		return -EINVAL;
	}
	return 0;
}

static const struct argp_option compare_options[] = {
	{ "vs", OPT_VS, NULL, 0, "The recordings after it are the candidate's", 0 },
	{ "grid-intensity", OPT_GRID, "G", 0, "Add carbon estimates at G gCO2e per kWh", 0 },
	{ "pue", OPT_PUE, "P", 0, "Power usage effectiveness for the carbon estimate (default 1)",
	  0 },
	{ "json", OPT_JSON, NULL, 0, "JSON on stdout instead of the table", 0 },
	{ "svg", OPT_SVG, "OUT.svg", 0, "Also draw both sides per group, with 95% intervals", 0 },
	{ "allow-truncated", OPT_CUT, NULL, 0,
	  "Read files cut short (killed mid-write) up to their last whole interval", 0 },
	{ "verbose", 'v', NULL, 0, "More on stderr", 1 },
	{ "help", 'h', NULL, 0, "Show this help", 1 },
	{ "version", 'V', NULL, 0, "Print the version", 1 },
	{},
};

static const char compare_doc[] =
	"Compare two sets of runs, group by group: energy per hour, difference and ratio with 95%\n"
	"intervals (Welch's t), and a one-line verdict.\n"
	"\n"
	"EXAMPLES:\n"
	"  wattprobe compare snowflake-*.csv.gz --vs flux-*.csv.gz\n"
	"  wattprobe compare a1.csv a2.csv --vs b1.csv b2.csv --grid-intensity 350 --pue 1.4\n"
	"  wattprobe compare a*.csv --vs b*.csv --svg ab.svg --json";

static error_t compare_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_ctx *ctx = state->input;
	struct compare_env *env = ctx->env;

	switch (key) {
	case ARGP_KEY_ARG:
		if ((env->after_vs ? env->ncand : env->nbase) == REPORT_MAX_FILES)
			return opts_fail(ctx, "more than %s files on a side%s", "256", "");
		if (env->after_vs)
			env->cand[env->ncand++] = arg;
		else
			env->base[env->nbase++] = arg;
		return 0;
	case OPT_VS:
		if (env->after_vs)
			return opts_fail(ctx, "--vs given twice%s%s", "", "");
		env->after_vs = true;
		return 0;
	case OPT_GRID:
		if (opts_parse_decimal(arg, 0.001, 10000, &env->grid_g_per_kwh))
			return opts_fail(ctx, "bad --grid-intensity '%s'%s", arg,
					 " (want gCO2e per kWh, e.g. 350)");
		return 0;
	case OPT_PUE:
		if (opts_parse_decimal(arg, 1, 10, &env->pue))
			return opts_fail(ctx, "bad --pue '%s'%s", arg, " (want 1..10, e.g. 1.4)");
		return 0;
	case OPT_JSON:
		env->json = true;
		return 0;
	case OPT_SVG:
		env->svg = arg;
		return 0;
	case OPT_CUT:
		env->allow_cut = true;
		return 0;
	default:
		return opts_common(key, arg, state, &env->verbose, &env->help);
	}
}

int compare_parse(int argc, char **argv, struct compare_env *env, char *err, size_t len)
{
	static const struct argp argp = { .options = compare_options,
					  .parser = compare_opt,
					  .args_doc = "BASELINE... --vs CANDIDATE...",
					  .doc = compare_doc };
	struct parse_ctx ctx = { .env = env, .err = err, .len = len };
	int rc;

	*env = (struct compare_env){ .pue = 1 };
	/* In order: which side a file is on depends on where --vs stands. */
	rc = opts_run_flags(&argp, argc, argv, &ctx, ARGP_IN_ORDER);
	if (rc || env->help)
		return rc;
	if (!env->nbase || !env->ncand) {
		snprintf(err, len,
			 "want BASELINE... --vs CANDIDATE... (see wattprobe compare --help)");
		return -EINVAL;
	}
	return 0;
}
