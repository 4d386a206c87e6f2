// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_compare.c: `wattprobe compare BASE... --vs CAND...`: two sets of runs, side by side. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "compare.h"
#include "opts.h"
#include "recmeta.h"
#include "report.h"

/* What makes runs comparable: the same energy source and attribution rule. */
struct basis {
	char source[32], rule[64];
	const char *file;
};

static void add_group(void *ctx, const char *name, const char *group, uint64_t cpu_ns, uint64_t uj)
{
	struct cmp_run *r = ctx;

	(void)group;
	(void)cpu_ns;
	if (r->ngroups == CMP_MAX_GROUPS - 2)
		return;
	snprintf(r->group[r->ngroups], sizeof(r->group[0]), "%s", name);
	r->wh[r->ngroups++] = uj / 3.6e9;
}

static int check_basis(struct basis *b, const char *path, const char *source, const char *rule)
{
	if (!b->file) {
		snprintf(b->source, sizeof(b->source), "%s", source);
		snprintf(b->rule, sizeof(b->rule), "%s", rule);
		b->file = path;
		return 0;
	}
	if (strcmp(b->source, source)) {
		wp_err("compare: %s's energy comes from %s, %s's from %s: not comparable", b->file,
		       b->source, path, source);
		return -EINVAL;
	}
	if (strcmp(b->rule, rule)) {
		wp_err("compare: %s was attributed by %s, %s by %s: not comparable", b->file,
		       b->rule, path, rule);
		return -EINVAL;
	}
	return 0;
}

static int load_run(const char *path, struct cmp_run *r, struct basis *b)
{
	struct report_window w = { 0, UINT64_MAX };
	struct summary_totals t;
	struct report_run run;
	struct recmeta m;
	char msg[1024];
	int err;

	err = recmeta_read(path, &m, msg, sizeof(msg));
	if (err && err != -ENOENT) {
		wp_err("%s", msg);
		return err;
	}
	if (err)
		memset(&m, 0, sizeof(m));
	err = report_load(path, &w, &run, msg, sizeof(msg));
	if (err) {
		wp_err("%s", msg);
		return err;
	}
	err = check_basis(b, path, run.source, m.attribution[0] ? m.attribution : "util");
	if (!err) {
		summary__totals(run.sum, &t);
		memset(r, 0, sizeof(*r));
		r->hours = (t.wall_ns - t.gap_ns) / 3.6e12;
		summary__each(run.sum, SUM_BY_GROUP, NULL, add_group, r);
		snprintf(r->group[r->ngroups], sizeof(r->group[0]), "idle");
		r->wh[r->ngroups++] = t.idle_uj / 3.6e9;
		snprintf(r->group[r->ngroups], sizeof(r->group[0]), "%s", CMP_NODE);
		r->wh[r->ngroups++] = t.node_uj / 3.6e9;
		if (r->hours <= 0) {
			wp_err("compare: %s has no interval whose energy is known", path);
			err = -ENODATA;
		}
	}
	report_run_free(&run);
	return err;
}

int do_compare(int argc, char **argv)
{
	static struct cmp_run base[CMP_MAX_RUNS], cand[CMP_MAX_RUNS];
	struct compare_env env;
	struct cmp_result res;
	struct basis b = {};
	char msg[512];
	int err = 0;

	if (compare_parse(argc, argv, &env, msg, sizeof(msg))) {
		wp_err("compare: %s", msg);
		return EXIT_FAILURE;
	}
	if (env.help)
		return EXIT_SUCCESS;
	if (env.nbase > CMP_MAX_RUNS || env.ncand > CMP_MAX_RUNS) {
		wp_err("compare: at most %d runs on a side", CMP_MAX_RUNS);
		return EXIT_FAILURE;
	}
	for (size_t i = 0; !err && i < env.nbase; i++)
		err = load_run(env.base[i], &base[i], &b);
	for (size_t i = 0; !err && i < env.ncand; i++)
		err = load_run(env.cand[i], &cand[i], &b);
	if (err)
		return EXIT_FAILURE;
	if (compare_runs(base, env.nbase, cand, env.ncand, &res)) {
		wp_err("compare: no runs");
		return EXIT_FAILURE;
	}
	printf("compare: %zu baseline run(s) against %zu candidate run(s); energy from %s, "
	       "attribution %s\n",
	       env.nbase, env.ncand, b.source, b.rule);
	compare_print(&res, stdout, env.grid_g_per_kwh, env.pue);
	return EXIT_SUCCESS;
}
