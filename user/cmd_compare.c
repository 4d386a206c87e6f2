// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_compare.c: `wattprobe compare BASE... --vs CAND...`: two sets of runs, side by side. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "chart.h"
#include "cmds.h"
#include "compare.h"
#include "jsonnum.h"
#include "opts.h"
#include "outfile.h"
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
	/* Room for idle and the total kept; past it, the smallest groups are summed. */
	if (r->ngroups >= CMP_MAX_GROUPS - 3) {
		if (r->ngroups == CMP_MAX_GROUPS - 3) {
			snprintf(r->group[r->ngroups], sizeof(r->group[0]), "%s", CMP_OTHER);
			r->wh[r->ngroups++] = 0;
		}
		r->wh[CMP_MAX_GROUPS - 3] += uj / 3.6e9;
		return;
	}
	snprintf(r->group[r->ngroups], sizeof(r->group[0]), "%s",
		 strcmp(name, CMP_NODE) ? name : CMP_TOTAL_RENAMED);
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

static int load_run(const char *path, struct cmp_run *r, struct basis *b, bool allow_cut)
{
	struct report_window w = { .from_ns = 0, .to_ns = UINT64_MAX, .allow_cut = allow_cut };
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
	err = wp_load_recording(path, &w, &run);
	if (err)
		return err;
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

static json_object *side_json(const struct sample_stats *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "runs", json_object_new_uint64(s->n));
	json_object_object_add(o, "mean_wh_per_h", json_num(s->mean, "%.6f"));
	json_object_object_add(o, "sd_wh_per_h", s->n > 1 ? json_num(s->sd, "%.6f") : NULL);
	return o;
}

/* [lo, hi], or null without an interval. */
static json_object *ci_json(double lo, double hi, bool has)
{
	json_object *a;

	if (!has || !isfinite(lo) || !isfinite(hi))
		return NULL;
	a = json_object_new_array();
	json_object_array_add(a, json_num(lo, "%.6f"));
	json_object_array_add(a, json_num(hi, "%.6f"));
	return a;
}

static json_object *files_json(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_str(v[i]));
	return a;
}

static void print_json(const struct compare_env *env, const struct cmp_result *r,
		       const struct basis *b, const char *verdict)
{
	json_object *o = json_object_new_object(), *lines = json_object_new_array();

	json_object_object_add(o, "baseline", files_json(env->base, env->nbase));
	json_object_object_add(o, "candidate", files_json(env->cand, env->ncand));
	json_object_object_add(o, "source", json_str(b->source));
	json_object_object_add(o, "attribution", json_str(b->rule));
	for (size_t k = 0; k < r->n; k++) {
		const struct cmp_line *l = &r->lines[k];
		json_object *g = json_object_new_object();

		json_object_object_add(g, "group", json_str(l->group));
		json_object_object_add(g, "baseline", side_json(&l->base));
		json_object_object_add(g, "candidate", side_json(&l->cand));
		json_object_object_add(g, "diff_wh_per_h", json_num(l->w.diff, "%.6f"));
		json_object_object_add(g, "diff_ci95",
				       ci_json(l->w.diff_lo, l->w.diff_hi, l->has_ci));
		json_object_object_add(g, "ratio", json_num(l->w.ratio, "%.6f"));
		json_object_object_add(g, "ratio_ci95",
				       ci_json(l->w.ratio_lo, l->w.ratio_hi, l->has_ci));
		json_object_object_add(g, "p", l->has_ci ? json_num(l->w.p, "%.6g") : NULL);
		json_object_array_add(lines, g);
	}
	json_object_object_add(o, "groups", lines);
	if (env->grid_g_per_kwh > 0) {
		json_object *c = json_object_new_object();
		struct cmp_carbon g;

		compare_carbon(r, env->grid_g_per_kwh, env->pue, &g);
		json_object_object_add(c, "estimate", json_object_new_boolean(true));
		json_object_object_add(c, "g_co2e_per_kwh", json_num(env->grid_g_per_kwh, "%.6g"));
		json_object_object_add(c, "pue", json_num(env->pue, "%.6g"));
		json_object_object_add(c, "baseline_g_per_h", json_num(g.base_g_per_h, "%.6f"));
		json_object_object_add(c, "candidate_g_per_h", json_num(g.cand_g_per_h, "%.6f"));
		json_object_object_add(c, "diff_g_per_h", json_num(g.diff_g_per_h, "%.6f"));
		json_object_object_add(o, "carbon", c);
	}
	json_object_object_add(o, "verdict", json_str(verdict));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int write_svg(const struct compare_env *env, const struct cmp_result *r,
		     const struct basis *b, const char *verdict)
{
	char title[128], src[160], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	snprintf(title, sizeof(title),
		 "wattprobe compare: %zu baseline run%s vs %zu candidate run%s", env->nbase,
		 env->nbase == 1 ? "" : "s", env->ncand, env->ncand == 1 ? "" : "s");
	snprintf(src, sizeof(src), "%s, attribution %s (every run the same)", b->source, b->rule);
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	err = chart_compare(f, r, &(struct chart_labels){ title, NULL, src }, verdict);
	if (fclose(f) && !err)
		err = -ENOMEM;
	err = err ?: outfile_write_atomic(env->svg, buf, len);
	if (err)
		wp_err("compare: writing %s: %s", env->svg, strerror(-err));
	free(buf);
	return err;
}

int do_compare(int argc, char **argv)
{
	static struct cmp_run base[CMP_MAX_RUNS], cand[CMP_MAX_RUNS];
	struct compare_env env;
	struct cmp_result res;
	struct basis b = {};
	char msg[512], verdict[512];
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
		err = load_run(env.base[i], &base[i], &b, env.allow_cut);
	for (size_t i = 0; !err && i < env.ncand; i++)
		err = load_run(env.cand[i], &cand[i], &b, env.allow_cut);
	if (err)
		return EXIT_FAILURE;
	if (compare_runs(base, env.nbase, cand, env.ncand, &res)) {
		wp_err("compare: no runs");
		return EXIT_FAILURE;
	}
	compare_verdict(&res, verdict, sizeof(verdict));
	if (env.json) {
		print_json(&env, &res, &b, verdict);
	} else {
		printf("compare: %zu baseline run(s) against %zu candidate run(s); energy from %s, "
		       "attribution %s\n",
		       env.nbase, env.ncand, b.source, b.rule);
		compare_print(&res, stdout, env.grid_g_per_kwh, env.pue);
	}
	if (env.svg && write_svg(&env, &res, &b, verdict))
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}
