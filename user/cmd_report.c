// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_report.c: `wattprobe report FILE...`: recordings summarized, as tables or JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cmds.h"
#include "duration.h"
#include "opts.h"
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

/* A number as JSON, printed with fmt (json-c's own doubles show 17 digits). */
static json_object *jnum(double v, const char *fmt)
{
	char buf[64];

	snprintf(buf, sizeof(buf), fmt, v);
	return json_object_new_double_s(v, buf);
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

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "group", json_object_new_string(group));
	json_object_object_add(o, "cpu_s", jnum(cpu_ns / 1e9, "%.9f"));
	json_object_object_add(o, "energy_j", jnum(uj / 1e6, "%.6f"));
	json_object_object_add(o, "avg_w", jnum(j->wall_s > 0 ? uj / 1e6 / j->wall_s : 0, "%.6f"));
	json_object_object_add(o, "share", jnum(j->node_uj ? (double)uj / j->node_uj : 0, "%.6f"));
	json_object_array_add(j->arr, o);
}

static json_object *run_json(const char *path, const struct recmeta *m, bool have_meta,
			     const struct report_run *run, enum summary_by by)
{
	json_object *o = json_object_new_object(), *md = NULL, *comp;
	struct summary_totals t;
	struct json_rows j;
	char when[40];

	summary__totals(run->sum, &t);
	json_object_object_add(o, "file", json_object_new_string(path));
	if (have_meta) {
		md = json_object_new_object();
		json_object_object_add(md, "host", json_object_new_string(m->host));
		json_object_object_add(md, "kernel", json_object_new_string(m->kernel));
		json_object_object_add(md, "cpu_model", json_object_new_string(m->cpu_model));
		json_object_object_add(md, "energy", json_object_new_string(m->energy_desc));
		json_object_object_add(
			md, "start",
			json_object_new_string(recmeta_time(m->start_unix_ns, when, sizeof(when))));
		json_object_object_add(md, "complete", json_object_new_boolean(m->complete));
	}
	json_object_object_add(o, "metadata", md);
	json_object_object_add(o, "source", json_object_new_string(run->source));
	json_object_object_add(o, "from_s", jnum(run->from_ns / 1e9, "%.9f"));
	json_object_object_add(o, "to_s", jnum(run->to_ns / 1e9, "%.9f"));
	json_object_object_add(o, "intervals", json_object_new_uint64(run->intervals));
	json_object_object_add(o, "gap_intervals", json_object_new_uint64(t.gap_intervals));
	json_object_object_add(o, "node_energy_j", jnum(t.node_uj / 1e6, "%.6f"));
	json_object_object_add(o, "idle_energy_j", jnum(t.idle_uj / 1e6, "%.6f"));
	json_object_object_add(o, "by", json_object_new_string(summary_by_name(by)));
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
	}
	return o;
}

static int report_one(const struct report_env *env, const char *path, json_object *all)
{
	struct report_window w = { env->from_ns, env->to_ns };
	struct report_run run;
	struct recmeta m;
	char msg[1024], why[1024] = "";
	bool have_meta;
	enum summary_by by;
	int err;

	err = recmeta_read(path, &m, why, sizeof(why));
	if (err && err != -ENOENT) {
		wp_err("%s", why);
		return err;
	}
	have_meta = !err;
	err = report_load(path, &w, &run, msg, sizeof(msg));
	if (err) {
		wp_err("%s", msg);
		return err;
	}
	by = env->by_set ? env->by : run.has_pods ? SUM_BY_GROUP : SUM_BY_CGROUP;
	if (all) {
		json_object_array_add(all, run_json(path, &m, have_meta, &run, by));
	} else {
		print_header(path, &m, have_meta, why, &run);
		summary__print(run.sum, stdout, by, env->top);
	}
	report_run_free(&run);
	return 0;
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
