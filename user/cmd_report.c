// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_report.c: `wattprobe report FILE...`: recordings summarized, as tables or JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "chart.h"
#include "cmds.h"
#include "duration.h"
#include "jsonnum.h"
#include "opts.h"
#include "outfile.h"
#include "reconcile.h"
#include "recmeta.h"
#include "report.h"

static void print_header(const char *path, const struct recmeta *m, bool have_meta, const char *why,
			 const struct report_run *run)
{
	struct summary_totals t;
	char when[40], iv[32];

	summary__totals(run->sum, &t);
	if (have_meta) {
		printf("%s: %s, %s, %u CPUs (%s); started %s, interval %s\n", path, m->host,
		       m->kernel, m->cpus, m->cpu_model,
		       recmeta_time(m->start_unix_ns, when, sizeof(when)),
		       duration_format(m->interval_ns, iv, sizeof(iv)));
		printf("energy: %s%s\n", m->energy_desc,
		       m->complete ? "" : " (the metadata says the recording did not finish)");
	} else {
		printf("%s: no metadata (%s)\n", path, why);
		printf("energy: %s (the CSV's source column)\n", run->source);
	}
	printf("window: %.3f .. %.3f s of %.3f s, %llu intervals, gaps %llu\n", run->from_ns / 1e9,
	       run->to_ns / 1e9, run->span_ns / 1e9, (unsigned long long)run->intervals,
	       (unsigned long long)t.gap_intervals);
}

struct json_rows {
	json_object *arr;
	double wall_s;
	uint64_t node_uj;
};

static void add_row(void *ctx, const char *name, const char *group, uint64_t cpu_ns, uint64_t uj)
{
	struct json_rows *j = ctx;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_str(name));
	json_object_object_add(o, "group", json_str(group));
	json_object_object_add(o, "cpu_s", json_num(cpu_ns / 1e9, "%.9f"));
	json_object_object_add(o, "energy_j", json_num(uj / 1e6, "%.6f"));
	json_object_object_add(o, "avg_w",
			       json_num(j->wall_s > 0 ? uj / 1e6 / j->wall_s : 0, "%.6f"));
	json_object_object_add(o, "share",
			       json_num(j->node_uj ? (double)uj / j->node_uj : 0, "%.6f"));
	json_object_array_add(j->arr, o);
}

#define MAX_CONTROLLERS 32

/* By group: each Flux controller's reconciles, found as bursts in its energy. */
static int print_reconciles(const struct report_run *run)
{
	struct reconcile rc[MAX_CONTROLLERS];
	int n = reconciles_find(run->details, rc, MAX_CONTROLLERS);

	if (n > 0)
		reconciles_print(rc, (size_t)n, stdout);
	return n < 0 ? n : 0;
}

static json_object *reconciles_json(const struct report_run *run)
{
	struct reconcile rc[MAX_CONTROLLERS];
	int n = reconciles_find(run->details, rc, MAX_CONTROLLERS);
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++) {
		const struct burst_result *r = &rc[i].r;
		json_object *o = json_object_new_object();

		json_object_object_add(o, "controller", json_str(rc[i].controller));
		json_object_object_add(o, "bin_s", json_num(rc[i].bin_ns / 1e9, "%.3f"));
		json_object_object_add(o, "bursts", json_object_new_uint64(r->nbursts));
		json_object_object_add(o, "whole_bursts", json_object_new_uint64(rc[i].whole));
		json_object_object_add(o, "busy", json_object_new_boolean(r->busy));
		json_object_object_add(o, "periodic", json_object_new_boolean(r->periodic));
		json_object_object_add(o, "period_s",
				       r->nintervals ? json_num(r->period_s, "%.3f") : NULL);
		json_object_object_add(o, "period_spread_s",
				       r->nintervals ? json_num(r->period_spread_s, "%.3f") : NULL);
		json_object_object_add(o, "j_per_reconcile",
				       r->nbursts ? json_num(rc[i].j_mean, "%.6f") : NULL);
		json_object_object_add(o, "j_per_reconcile_sd",
				       r->nbursts > 1 ? json_num(rc[i].j_sd, "%.6f") : NULL);
		json_object_object_add(o, "reconciles_per_hour", json_num(r->per_hour, "%.3f"));
		json_object_object_add(o, "share_in_bursts", json_num(r->share, "%.6f"));
		json_object_object_add(o, "floor_w", json_num(r->baseline_w, "%.6f"));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *run_json(const char *path, const struct recmeta *m, bool have_meta,
			     const struct report_run *run, enum summary_by by)
{
	json_object *o = json_object_new_object(), *md = NULL, *comp;
	struct summary_totals t;
	struct json_rows j;
	char when[40];

	summary__totals(run->sum, &t);
	json_object_object_add(o, "file", json_str(path));
	if (have_meta) {
		md = json_object_new_object();
		json_object_object_add(md, "host", json_str(m->host));
		json_object_object_add(md, "kernel", json_str(m->kernel));
		json_object_object_add(md, "cpu_model", json_str(m->cpu_model));
		json_object_object_add(md, "energy", json_str(m->energy_desc));
		json_object_object_add(
			md, "start", json_str(recmeta_time(m->start_unix_ns, when, sizeof(when))));
		json_object_object_add(md, "complete", json_object_new_boolean(m->complete));
	}
	json_object_object_add(o, "metadata", md);
	json_object_object_add(o, "source", json_str(run->source));
	json_object_object_add(o, "from_s", json_num(run->from_ns / 1e9, "%.9f"));
	json_object_object_add(o, "to_s", json_num(run->to_ns / 1e9, "%.9f"));
	json_object_object_add(o, "intervals", json_object_new_uint64(run->intervals));
	json_object_object_add(o, "gap_intervals", json_object_new_uint64(t.gap_intervals));
	json_object_object_add(o, "node_energy_j", json_num(t.node_uj / 1e6, "%.6f"));
	json_object_object_add(o, "idle_energy_j", json_num(t.idle_uj / 1e6, "%.6f"));
	json_object_object_add(o, "by", json_str(summary_by_name(by)));
	j = (struct json_rows){ json_object_new_array(), (t.wall_ns - t.gap_ns) / 1e9, t.node_uj };
	summary__each(run->sum, by, NULL, add_row, &j);
	json_object_object_add(o, "rows", j.arr);
	if (by == SUM_BY_GROUP) {
		/* Flux's controllers and the Kubernetes components, each on its own. */
		comp = json_object_new_object();
		for (int g = 0; g < 2; g++) {
			const char *name = g ? "k8s-system" : "flux";

			j.arr = json_object_new_array();
			summary__each(run->sum, by, name, add_row, &j);
			json_object_object_add(comp, name, j.arr);
		}
		json_object_object_add(o, "components", comp);
		json_object_object_add(o, "reconciles", reconciles_json(run));
	}
	return o;
}

struct bar_list {
	struct chart_bar v[CMP_MAX_GROUPS];
	size_t n;
	uint64_t node_uj;
};

static void add_bar(void *ctx, const char *name, const char *group, uint64_t cpu_ns, uint64_t uj)
{
	struct bar_list *b = ctx;

	(void)group;
	(void)cpu_ns;
	if (b->n == CMP_MAX_GROUPS)
		return;
	snprintf(b->v[b->n].name, sizeof(b->v[b->n].name), "%s", name);
	b->v[b->n].j = uj / 1e6;
	b->v[b->n++].share = b->node_uj ? (double)uj / b->node_uj : 0;
}

/* The chart of one recording, written whole to env->svg. */
static int write_svg(const char *out, const char *path, const struct recmeta *m, bool have_meta,
		     const struct report_run *run)
{
	char title[512], sub[1024], src[64], when[40], iv[32], *buf = NULL;
	struct summary_totals t;
	struct bar_list b = {};
	size_t len = 0;
	FILE *f;
	int err;

	summary__totals(run->sum, &t);
	b.node_uj = t.node_uj;
	summary__each(run->sum, SUM_BY_GROUP, NULL, add_bar, &b);
	add_bar(&b, "idle", "idle", 0, t.idle_uj);
	snprintf(title, sizeof(title), "wattprobe report: %s", path);
	if (have_meta)
		snprintf(sub, sizeof(sub), "%s, Linux %.*s, %u CPUs; started %s, interval %s; ",
			 m->host, (int)strcspn(m->kernel, " "), m->kernel, m->cpus,
			 recmeta_time(m->start_unix_ns, when, sizeof(when)),
			 duration_format(m->interval_ns, iv, sizeof(iv)));
	else
		snprintf(sub, sizeof(sub), "no metadata; ");
	snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub),
		 "%.3f .. %.3f s: %llu intervals, %.4g J, gaps %llu", run->from_ns / 1e9,
		 run->to_ns / 1e9, (unsigned long long)run->intervals, t.node_uj / 1e6,
		 (unsigned long long)t.gap_intervals);
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	if (!have_meta)
		snprintf(src, sizeof(src), "%s (the CSV's source column)", run->source);
	err = chart_report(f, run->series, b.v, b.n,
			   &(struct chart_labels){ title, sub, have_meta ? m->energy_desc : src });
	if (fclose(f) && !err)
		err = -ENOMEM;
	err = err ?: outfile_write_atomic(out, buf, len);
	if (err)
		wp_err("report: writing %s: %s", out, strerror(-err));
	free(buf);
	return err;
}

static int report_one(const struct report_env *env, const char *path, json_object *all)
{
	/* The series for the chart, and by group (the default with pods) for the reconciles. */
	struct report_window w = {
		env->from_ns,	env->to_ns, env->svg || !env->by_set || env->by == SUM_BY_GROUP,
		env->allow_cut, NULL,	    NULL
	};
	struct report_run run;
	struct recmeta m;
	char why[1024] = "";
	bool have_meta;
	enum summary_by by;
	int err;

	err = recmeta_read(path, &m, why, sizeof(why));
	if (err && err != -ENOENT) {
		wp_err("%s", why);
		return err;
	}
	have_meta = !err;
	err = wp_load_recording(path, &w, &run);
	if (err)
		return err;
	by = env->by_set ? env->by : run.has_pods ? SUM_BY_GROUP : SUM_BY_CGROUP;
	if (all) {
		json_object_array_add(all, run_json(path, &m, have_meta, &run, by));
	} else {
		print_header(path, &m, have_meta, why, &run);
		summary__print(run.sum, stdout, by, env->top);
		if (by == SUM_BY_GROUP)
			err = print_reconciles(&run);
	}
	if (err)
		wp_err("report: %s: finding reconciles: %s", path, strerror(-err));
	err = err ?: env->svg ? write_svg(env->svg, path, &m, have_meta, &run) : 0;
	report_run_free(&run);
	return err;
}

int do_report(int argc, char **argv)
{
	struct report_env env;
	json_object *all = NULL;
	char msg[512];
	int err = 0;

	if (report_parse(argc, argv, &env, msg, sizeof(msg))) {
		wp_err("report: %s", msg);
		return EXIT_FAILURE;
	}
	if (env.help)
		return EXIT_SUCCESS;
	if (env.json)
		all = json_object_new_array();
	for (size_t i = 0; i < env.nfiles && !err; i++) {
		if (i && !env.json)
			putchar('\n');
		err = report_one(&env, env.files[i], all);
	}
	if (!err && all)
		printf("%s\n",
		       json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(all);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
