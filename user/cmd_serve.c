// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_serve.c: `wattprobe serve`: record's sampling, with the counters on /metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmds.h"
#include "httpd.h"
#include "kepler_cmp.h"
#include "metrics.h"
#include "recorder.h"

#define PUBLISH_MIN_NS 100000000ULL   /* snapshots at most every 100ms: 1ms sampling too */
#define FOLD_EVERY_NS  10000000000ULL /* terminated series are looked for every 10 s */
#define FOLD_QUIET_NS  60000000000ULL /* unseen for a minute before its cgroup is checked */
#define STALE_AFTER_NS 10000000000ULL /* /healthz: 503 when no snapshot came for this long */
#define CPUINFO_MAX    (1 << 20)

struct exporter {
	const struct record_env *env;
	struct sampler *sp;
	struct metrics *m;
	struct httpd *http;
	struct kepler_cmp *kc; /* --kepler: its pairs go into each snapshot */
	struct metrics_info info;
	char node[256];
	char *cpuinfo;
	uint64_t last_publish_ns, last_fold_ns;
	uint64_t served_ok, served_errors; /* when the server stopped */
	struct strbuf sb;
};

static char *read_text(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	n = buf ? fread(buf, 1, max, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* A series' cgroup is gone when its directory is. */
static bool cgroup_alive(void *ctx, const char *path)
{
	struct exporter *x = ctx;

	return path[0] != '/' || cg_exists(x->sp->hier, path);
}

static int exporter_start(void *ctx, struct sampler *sp)
{
	struct exporter *x = ctx;
	struct metrics_cfg cfg = { .by = x->env->metrics_by,
				   .kepler_compat = x->env->kepler_compat,
				   .nzones = energy__nzones(sp->energy),
				   .zone_labels = sp->labels,
				   .zone_node = sp->zone_node,
				   .source = energy__source(sp->energy),
				   .has_wakeups = probe__has_wakeups(sp->probe),
				   .fold_below_uj = x->env->fold_below_uj,
				   .max_terminated = x->env->max_terminated,
				   .fold_quiet_ns = FOLD_QUIET_NS };
	char msg[512];

	x->sp = sp;
	cfg.node_name = wp_node_name(x->env->node, x->node, sizeof(x->node));
	x->m = metrics__new(&cfg);
	if (!x->m) {
		wp_err("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (x->env->kepler_compat)
		x->cpuinfo = read_text("/proc/cpuinfo", CPUINFO_MAX);
	x->info =
		(struct metrics_info){ .version = WP_VERSION,
				       .revision = WP_GIT_REV,
				       .attach = probe__attach_name(probe__attach_mode(sp->probe)),
				       .cgroup_mode = cg_mode_name(sp->mode),
				       .energy_desc = energy__describe(sp->energy),
				       .interval_ns = x->env->interval_ns,
				       .cpuinfo = x->cpuinfo };
	x->http = httpd__start(x->env->listen, STALE_AFTER_NS + 2 * x->env->interval_ns, msg,
			       sizeof(msg));
	if (!x->http) {
		int err = -errno;

		wp_err("%s", msg);
		return err ? err : -EINVAL;
	}
	wp_err("serving http://%s/metrics", httpd__address(x->http));
	return 0;
}

static int publish(struct exporter *x, uint64_t now_ns)
{
	__u64 drops[WP_DROP__MAX] = {}, missed = 0;
	int err;

	probe__drops(x->sp->probe, drops, &missed);
	x->info.drops_map_full = drops[WP_DROP_MAP_FULL];
	x->info.drops_pmu = drops[WP_DROP_PMU_READ];
	x->info.drops_missed = missed;
	x->info.late_ticks = x->sp->late_ticks;
	strbuf_reset(&x->sb);
	err = metrics__render(x->m, &x->sb, &x->info);
	if (!err && x->kc)
		err = kepler_cmp__render(x->kc, &x->sb);
	if (err) {
		wp_err("rendering /metrics: %s", strerror(-err));
		return err;
	}
	/* The buffer goes to the server whole; the next render starts a new one. */
	err = httpd__publish(x->http, x->sb.buf, x->sb.len, now_ns);
	x->sb = (struct strbuf){};
	x->last_publish_ns = now_ns;
	return err;
}

static int exporter_tick(void *ctx, struct sampler *sp, const struct sampler_tick *t)
{
	struct exporter *x = ctx;
	uint64_t now = t->s->ts_ns;
	int err;

	(void)sp;
	err = metrics__add(x->m, t);
	if (err) {
		wp_err("%s", strerror(-err));
		return err;
	}
	if (now - x->last_fold_ns >= FOLD_EVERY_NS) {
		metrics__fold(x->m, now, cgroup_alive, x);
		x->last_fold_ns = now;
	}
	/* Half an interval of slack: at 100ms, every tick publishes despite jitter. */
	if (now - x->last_publish_ns + x->env->interval_ns / 2 >= PUBLISH_MIN_NS)
		return publish(x, now);
	return 0;
}

static void exporter_stop(void *ctx)
{
	struct exporter *x = ctx;

	if (x->http)
		httpd__counts(x->http, &x->served_ok, &x->served_errors);
	httpd__stop(x->http);
	x->http = NULL;
}

static void exporter_report(void *ctx, FILE *f)
{
	struct exporter *x = ctx;

	fprintf(f, "served %llu requests (%llu not 200)\n",
		(unsigned long long)(x->served_ok + x->served_errors),
		(unsigned long long)x->served_errors);
}

int do_serve(int argc, char **argv)
{
	struct record_env env;
	struct exporter x = {};
	struct rec_hook hooks[2];
	size_t n = 0;
	char msg[512];
	int rc;

	if (serve_parse(argc, argv, &env, msg, sizeof(msg))) {
		wp_err("serve: %s", msg);
		return EXIT_FAILURE;
	}
	if (env.help)
		return EXIT_SUCCESS;
	x.env = &env;
	if (env.kepler) {
		x.kc = kepler_cmp__new(env.kepler);
		if (!x.kc) {
			wp_err("%s", strerror(errno));
			return EXIT_FAILURE;
		}
		hooks[n++] = kepler_cmp__hook(x.kc);
	}
	hooks[n++] = (struct rec_hook){ .start = exporter_start,
					.tick = exporter_tick,
					.stop = exporter_stop,
					.report = exporter_report,
					.ctx = &x };
	rc = recorder_main(&env, hooks, n);
	httpd__stop(x.http);
	metrics__free(x.m);
	kepler_cmp__free(x.kc);
	strbuf_free(&x.sb);
	free(x.cpuinfo);
	return rc;
}
