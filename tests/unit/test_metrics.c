// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_metrics.c: the exposition writer, the exporter's counters, Kepler's families, the join. */
#include "testutil.h"
#include "pods_fixture.h"
#include "expo.h"
#include "httpd.h"
#include "ident.h"
#include "kepler_cmp.h"
#include "metrics.h"

#define POD(uid)      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" uid ".slice/"
#define CTR(uid, cid) POD(uid) "cri-containerd-" cid ".scope"
#define CID(n)	      "000000000000000000000000000000000000000000000000000000000abc000" n
#define UID_SRC	      "1b2c3d4e_0000_4000_8000_000000000001"
#define UID_PODINFO   "1b2c3d4e_0000_4000_8000_00000000000a"
#define FLUX_SRC      CTR(UID_SRC, CID("1"))
#define PODINFOD      CTR(UID_PODINFO, CID("a"))
#define SANDBOX	      CTR(UID_PODINFO, CID("e")) /* not in the pod's list: "pause" */
#define CONTAINERD    "/system.slice/containerd.service"

static const char *const zone_labels[3] = { "package-0", "package-1", "core-0" };
static const bool zone_node[3] = { true, true, false };

/*
 * Rows 0..3 and idle, µJ per zone, chosen by hand: flux's source-controller, podinfo's
 * container, podinfo's sandbox, containerd. Per interval the zones sum to 4000, 6000, 850.
 */
static const uint64_t row_uj[5][3] = {
	{ 1000, 2000, 300 }, { 1500, 2500, 400 }, { 500, 500, 100 },
	{ 250, 250, 50 },    { 750, 750, 0 },
};

struct world {
	struct ident_cfg cfg;
	struct ident_cache *ids;
	struct pods *pods;
	struct probe_row rows[4];
	struct probe_sample s;
	uint64_t zone_uj[15], node_uj[5];
	struct interval_res res;
	struct zone_delta zd[3];
	const struct wp_ident *id[6];
	struct sampler_tick t;
};

static void world_init(struct world *w)
{
	static const char *const paths[4] = { FLUX_SRC, PODINFOD, SANDBOX, CONTAINERD };
	static const uint64_t cpu_ns[4] = { 200000000, 300000000, 100000000, 50000000 };

	memset(w, 0, sizeof(*w));
	w->cfg.groups.flux_ns = "flux-system";
	w->ids = ident__new(&w->cfg);
	w->pods = fixture_pods();
	ident__set_pods(w->ids, w->pods);
	for (int i = 0; i < 4; i++) {
		w->rows[i] =
			(struct probe_row){ 11 + i, { .cpu_ns = cpu_ns[i], .wakeups = i + 1 } };
		w->id[i] = ident__get(w->ids, 11 + i, paths[i]);
		assert_non_null(w->id[i]);
	}
	w->id[4] = ident__idle(w->ids);
	w->id[5] = ident__steal(w->ids);
	w->s = (struct probe_sample){ .rows = w->rows,
				      .nrows = 4,
				      .idle = { .cpu_ns = 1350000000 },
				      .steal = { .cpu_ns = 10000000 } };
	for (int r = 0; r < 5; r++)
		for (int z = 0; z < 3; z++) {
			w->zone_uj[r * 3 + z] = row_uj[r][z];
			w->node_uj[r] += zone_node[z] ? row_uj[r][z] : 0;
		}
	w->res = (struct interval_res){
		.nrows = 4, .nzones = 3, .zone_uj = w->zone_uj, .node_uj = w->node_uj
	};
	w->zd[0].energy_uj = 4000;
	w->zd[1].energy_uj = 6000;
	w->zd[2].energy_uj = 850;
	w->t = (struct sampler_tick){ .s = &w->s,
				      .interval_ns = 100000000,
				      .zd = w->zd,
				      .res = &w->res,
				      .ids = w->id,
				      .nzones = 3,
				      .busy_ns = 650000000,
				      .window_ns = 2000000000 };
}

static void world_free(struct world *w)
{
	ident__free(w->ids);
	pods__free(w->pods);
}

/* Two intervals of 100ms, at 1 s and 1.1 s; package-1 unknown in the second. */
static void two_ticks(struct world *w, struct metrics *m)
{
	w->s.ts_ns = 1000000000;
	assert_int_equal(metrics__add(m, &w->t), 0);
	w->s.ts_ns = 1100000000;
	w->zd[1].gap = true;
	w->res.node_gap = true;
	assert_int_equal(metrics__add(m, &w->t), 0);
	w->zd[1].gap = false;
	w->res.node_gap = false;
}

static struct metrics *new_metrics(enum summary_by by, bool compat)
{
	struct metrics_cfg cfg = { .by = by,
				   .kepler_compat = compat,
				   .nzones = 3,
				   .zone_labels = zone_labels,
				   .zone_node = zone_node,
				   .source = "powercap",
				   .node_name = "minikube",
				   .has_wakeups = true,
				   .fold_below_uj = 10000000,
				   .max_terminated = 500,
				   .fold_quiet_ns = 60000000000ULL };
	struct metrics *m = metrics__new(&cfg);

	assert_non_null(m);
	return m;
}

static char *render(struct metrics *m)
{
	struct metrics_info info = { .version = "0.5.0",
				     .revision = "abc",
				     .attach = "tp_btf",
				     .cgroup_mode = "v2",
				     .energy_desc = "powercap \"x\"",
				     .interval_ns = 100000000,
				     .cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\n"
						"model name\t: Xeon \"Gold\"\nphysical id\t: 0\n"
						"core id\t\t: 3\n\nprocessor\t: 1\n" };
	struct strbuf sb = {};

	assert_int_equal(metrics__render(m, &sb, &info), 0);
	return sb.buf;
}

static void has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return;
		p += n;
	}
	fail_msg("missing line: %s\nin:\n%s", line, text);
}

static void test_expo_escapes(void **state)
{
	struct strbuf sb = {};
	bool first = true;

	(void)state;
	expo_label(&sb, &first, "a", "x\\y\"z\nw");
	expo_label(&sb, &first, "b", "\xff ok \xc3\xa9 \xc0\x80 \xed\xa0\x80 \xf0\x9f\x98\x80");
	assert_string_equal(sb.buf, "a=\"x\\\\y\\\"z\\nw\",b=\"\xef\xbf\xbd ok \xc3\xa9 "
				    "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
				    "\xf0\x9f\x98\x80\"");
	strbuf_reset(&sb);
	expo_family(&sb, "m_total", "counter", "a\\b\nc");
	expo_sample_begin(&sb, "m_total", "", "");
	expo_value_micro(&sb, 1000001);
	expo_sample_begin(&sb, "m_total", "x=\"1\"", "");
	expo_value_nano(&sb, 5);
	expo_sample_begin(&sb, "m_total", "", "y=\"2\"");
	expo_value_double(&sb, __builtin_nan(""));
	expo_sample_begin(&sb, "m_total", "x=\"1\"", "y=\"2\"");
	expo_value_u64(&sb, 18446744073709551615ULL);
	assert_string_equal(sb.buf, "# HELP m_total a\\\\b\\nc\n# TYPE m_total counter\n"
				    "m_total 1.000001\nm_total{x=\"1\"} 0.000000005\n"
				    "m_total{y=\"2\"} NaN\n"
				    "m_total{x=\"1\",y=\"2\"} 18446744073709551615\n");
	strbuf_free(&sb);
}

static void check(const struct metrics *m, enum metrics_level l, const char *key, size_t zone,
		  uint64_t want_uj, uint64_t want_cpu)
{
	uint64_t uj = 0, cpu = 0;

	if (metrics__lookup(m, l, key, zone, &uj, &cpu))
		fail_msg("no series %s", key);
	assert_int_equal(uj, want_uj);
	assert_int_equal(cpu, want_cpu);
}

static void test_counters(void **state)
{
	struct metrics *m = new_metrics(SUM_BY_CGROUP, false);
	const char *pi = "podinfo|podinfo-7c9b8f6d5-r2t4y|1b2c3d4e-0000-4000-8000-00000000000a";
	char key[512];
	struct world w;

	(void)state;
	world_init(&w);
	two_ticks(&w, m);
	/* Zone by zone, the gap left out: package-1 counts the first interval only. */
	check(m, ML_GROUP, "flux|source-controller", 0, 2000, 400000000);
	check(m, ML_GROUP, "flux|source-controller", 1, 2000, 400000000);
	check(m, ML_GROUP, "flux|source-controller", 2, 600, 400000000);
	/* The pod holds its container and its sandbox: (1500 + 500) x 2. */
	snprintf(key, sizeof(key), "%s|workload", pi);
	check(m, ML_POD, key, 0, 4000, 800000000);
	snprintf(key, sizeof(key), "%s|podinfod|%s|workload", pi, CID("a"));
	check(m, ML_CONTAINER, key, 0, 3000, 600000000);
	snprintf(key, sizeof(key), "%s||%s|workload", pi, CID("e"));
	check(m, ML_CONTAINER, key, 1, 500, 200000000);
	check(m, ML_GROUP, "node|", 0, 500, 100000000);
	check(m, ML_GROUP, "idle|", 0, 1500, 2700000000);
	check(m, ML_GROUP, "steal|", 0, 0, 20000000);
	check(m, ML_CGROUP, CONTAINERD "||||node", 2, 100, 100000000);
	/* Hosts have no pod; steal is no cgroup. */
	assert_int_equal(metrics__count(m, ML_POD), 2);
	assert_int_equal(metrics__count(m, ML_CGROUP), 5);
	metrics__free(m);
	world_free(&w);
}

static void test_render(void **state)
{
	struct metrics *m = new_metrics(SUM_BY_GROUP, false);
	struct world w;
	char *text;

	(void)state;
	world_init(&w);
	two_ticks(&w, m);
	text = render(m);
	has_line(text,
		 "wattprobe_node_energy_joules_total{zone=\"package-0\",part_of_node=\"true\","
		 "source=\"powercap\"} 0.008000");
	has_line(text,
		 "wattprobe_node_energy_joules_total{zone=\"package-1\",part_of_node=\"true\","
		 "source=\"powercap\"} 0.006000");
	has_line(text, "wattprobe_group_energy_joules_total{group=\"flux\",component=\"source-"
		       "controller\",zone=\"core-0\",part_of_node=\"false\"} 0.000600");
	/* Watts over the time each zone was known: 2000 µJ / 200 ms, 2000 µJ / 100 ms. */
	has_line(text, "wattprobe_group_power_watts{group=\"flux\",component=\"source-controller\","
		       "zone=\"package-0\",part_of_node=\"true\"} 0.01");
	has_line(text, "wattprobe_group_power_watts{group=\"flux\",component=\"source-controller\","
		       "zone=\"package-1\",part_of_node=\"true\"} 0.02");
	has_line(text, "wattprobe_group_cpu_seconds_total{group=\"workload\",component=\"\"} "
		       "0.800000000");
	has_line(text, "wattprobe_group_wakeups_total{group=\"workload\",component=\"\"} 10");
	has_line(text, "wattprobe_intervals_total 2");
	has_line(text, "wattprobe_gap_intervals_total 1");
	has_line(text, "wattprobe_build_info{version=\"0.5.0\",revision=\"abc\",attach=\"tp_btf\","
		       "cgroup=\"v2\",source=\"powercap\",energy=\"powercap \\\"x\\\"\"} 1");
	/* By group: no pod family, and no Kepler's. */
	assert_null(strstr(text, "wattprobe_pod_"));
	assert_null(strstr(text, "kepler_"));
	free(text);
	/* A new window: no time yet, so no power. */
	text = render(m);
	has_line(text, "wattprobe_node_power_watts{zone=\"package-0\",part_of_node=\"true\","
		       "source=\"powercap\"} NaN");
	free(text);
	metrics__free(m);
	world_free(&w);
}

static void test_kepler_compat(void **state)
{
	struct metrics *m = new_metrics(SUM_BY_GROUP, true);
	struct world w;
	char *text;

	(void)state;
	world_init(&w);
	two_ticks(&w, m);
	text = render(m);
	assert_int_equal(metrics__count(m, ML_POD), 2);
	assert_null(strstr(text, "wattprobe_pod_")); /* kept for Kepler's, not shown */
	/* package-0 and package-1 are one aggregated zone: 8000 + 6000 µJ; idle 1500 + 750. */
	has_line(text, "kepler_node_cpu_joules_total{node_name=\"minikube\",path=\"aggregated-"
		       "package\",zone=\"package\"} 0.014000");
	has_line(text, "kepler_node_cpu_idle_joules_total{node_name=\"minikube\",path=\"aggregated-"
		       "package\",zone=\"package\"} 0.002250");
	has_line(text,
		 "kepler_node_cpu_active_joules_total{node_name=\"minikube\",path=\"aggregated-"
		 "package\",zone=\"package\"} 0.011750");
	has_line(text, "kepler_node_cpu_joules_total{node_name=\"minikube\",path=\"wattprobe:core-"
		       "0\",zone=\"core\"} 0.001700");
	has_line(text, "kepler_node_cpu_usage_ratio{node_name=\"minikube\"} 0.325");
	has_line(text, "kepler_node_cpu_info{core_id=\"3\",model_name=\"Xeon \\\"Gold\\\"\","
		       "node_name=\"minikube\",physical_id=\"0\",processor=\"0\","
		       "vendor_id=\"GenuineIntel\"} 1");
	has_line(text, "kepler_node_cpu_info{core_id=\"\",model_name=\"\",node_name=\"minikube\","
		       "physical_id=\"\",processor=\"1\",vendor_id=\"\"} 1");
	/* podinfo: (1500 + 500) x 2 in package-0, (2500 + 500) once in package-1. */
	has_line(text, "kepler_pod_cpu_joules_total{node_name=\"minikube\",pod_id=\"1b2c3d4e-0000-"
		       "4000-8000-00000000000a\",pod_name=\"podinfo-7c9b8f6d5-r2t4y\","
		       "pod_namespace=\"podinfo\",state=\"running\",zone=\"package\"} 0.007000");
	has_line(text,
		 "kepler_container_cpu_joules_total{container_id=\"" CID(
			 "a") "\",container_name=\"podinfod\",node_name=\"minikube\",pod_id="
			      "\"1b2c3d4e-"
			      "0000-4000-8000-00000000000a\",pod_name=\"podinfo-7c9b8f6d5-r2t4y\","
			      "pod_namespace=\"podinfo\",runtime=\"containerd\",state=\"running\","
			      "zone=\"package\"} 0.005500");
	free(text);
	metrics__free(m);
	world_free(&w);
}

static bool alive_flux(void *ctx, const char *path)
{
	(void)ctx;
	return path[0] == '<' || strstr(path, UID_SRC) || strstr(path, "containerd.service");
}

static void test_fold(void **state)
{
	struct metrics *m = new_metrics(SUM_BY_CGROUP, true);
	struct world w;
	char *text;

	(void)state;
	world_init(&w);
	two_ticks(&w, m);
	/* Not quiet long enough: nothing folds, whatever the cgroups say. */
	assert_int_equal(metrics__fold(m, 1100000000 + 59000000000ULL, alive_flux, NULL), 0);
	/* podinfo's pod, its 2 containers and 2 cgroups are gone and under 10 J. */
	assert_int_equal(metrics__fold(m, 1100000000 + 60000000000ULL, alive_flux, NULL), 5);
	assert_int_equal(metrics__count(m, ML_POD), 1);
	assert_int_equal(metrics__count(m, ML_CONTAINER), 1);
	assert_int_equal(metrics__count(m, ML_CGROUP), 3);
	/* The group keeps their energy. */
	check(m, ML_GROUP, "workload|", 0, 4000, 800000000);
	text = render(m);
	has_line(text, "wattprobe_folded_series_total{family=\"container\"} 2");
	assert_null(strstr(text, "podinfo-7c9b8f6d5-r2t4y"));
	free(text);
	metrics__free(m);
	world_free(&w);
}

static void test_fold_keeps_largest(void **state)
{
	struct metrics_cfg cfg = { .by = SUM_BY_CONTAINER,
				   .nzones = 3,
				   .zone_labels = zone_labels,
				   .zone_node = zone_node,
				   .source = "powercap",
				   .node_name = "",
				   .max_terminated = 1,
				   .fold_quiet_ns = 1 };
	struct metrics *m = metrics__new(&cfg);
	char key[512], *text;
	struct world w;

	(void)state;
	world_init(&w);
	two_ticks(&w, m);
	/* No floor, one terminated kept: podinfod (5500 µJ) stays, the sandbox (1500) goes. */
	assert_int_equal(metrics__fold(m, 2000000000, alive_flux, NULL), 1);
	snprintf(key, sizeof(key),
		 "podinfo|podinfo-7c9b8f6d5-r2t4y|1b2c3d4e-0000-4000-8000-00000000000a|podinfod|%s|"
		 "workload",
		 CID("a"));
	check(m, ML_CONTAINER, key, 0, 3000, 600000000);
	/* And the pod itself: the only terminated pod, kept. */
	assert_int_equal(metrics__count(m, ML_POD), 2);
	text = render(m);
	assert_null(strstr(text, "kepler_")); /* no node_name: none asked for */
	free(text);
	metrics__free(m);
	world_free(&w);
}

static void test_listen(void **state)
{
	char host[64];
	unsigned int port;

	(void)state;
	assert_int_equal(httpd_parse_listen("127.0.0.1:9744", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9744);
	assert_int_equal(httpd_parse_listen("[::1]:0", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_int_equal(httpd_parse_listen("0.0.0.0:65535", host, sizeof(host), &port), 0);
	assert_int_equal(httpd_parse_listen("127.0.0.1", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(httpd_parse_listen(":9744", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(httpd_parse_listen("127.0.0.1:65536", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(httpd_parse_listen("127.0.0.1:-1", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(httpd_parse_listen("127.0.0.1:80x", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(httpd_parse_listen("::1:80", host, sizeof(host), &port), -EINVAL);
	assert_int_equal(httpd_parse_listen("[::1]80", host, sizeof(host), &port), -EINVAL);
}

static void test_kcmp_join(void **state)
{
	struct kwork_pod kp = { .uid = "1b2c3d4e-0000-4000-8000-00000000000a", .uj = 100000 };
	struct kwork k = { .gen = KWORK_GEN_010, .pods = &kp, .npods = 1 };
	const struct kcmp_pair *const *v;
	struct kcmp *c = kcmp__new();
	struct world w;

	(void)state;
	world_init(&w);
	assert_non_null(c);
	w.s.ts_ns = 1000000000;
	assert_int_equal(kcmp__add(c, &w.t), 0);
	assert_int_equal(kcmp__join(c, &k), 0); /* the baseline */
	assert_int_equal(kcmp__pairs(c, &v), 1);
	assert_int_equal(v[0]->ours_uj, 0);
	assert_int_equal(v[0]->kepler_uj, 0);
	/* One interval later: ours is podinfo's node energy, 2000 + 3000; Kepler says 7000. */
	w.s.ts_ns = 2000000000;
	assert_int_equal(kcmp__add(c, &w.t), 0);
	kp.uj = 107000;
	assert_int_equal(kcmp__join(c, &k), 0);
	assert_int_equal(kcmp__pairs(c, &v), 1);
	assert_string_equal(v[0]->pod, "podinfo-7c9b8f6d5-r2t4y");
	assert_string_equal(v[0]->group, "workload");
	assert_int_equal(v[0]->ours_uj, 5000);
	assert_int_equal(v[0]->kepler_uj, 7000);
	/* Kepler restarts: 7000 kept, counting on from 2000; a gap interval is not ours. */
	kp.uj = 2000;
	assert_int_equal(kcmp__join(c, &k), 0);
	kp.uj = 5000;
	w.res.node_gap = true;
	w.s.ts_ns = 3000000000;
	assert_int_equal(kcmp__add(c, &w.t), 0);
	assert_int_equal(kcmp__join(c, &k), 0);
	kcmp__pairs(c, &v);
	assert_int_equal(v[0]->kepler_uj, 10000);
	assert_int_equal(v[0]->ours_uj, 5000);
	kcmp__free(c);
	world_free(&w);
}

/* 0.7 names no pod UID: its containers are matched by id, and summed into our pod. */
static void test_kcmp_join_07(void **state)
{
	struct kwork_ctr kc[2] = { { .id = CID("a"), .uj = 1000 }, { .id = CID("e"), .uj = 500 } };
	struct kwork k = { .gen = KWORK_GEN_07, .ctrs = kc, .nctrs = 2 };
	const struct kcmp_pair *const *v;
	struct kcmp *c = kcmp__new();
	unsigned int scrapes;
	uint64_t ns;
	struct world w;

	(void)state;
	world_init(&w);
	w.s.ts_ns = 5000000000;
	assert_int_equal(kcmp__add(c, &w.t), 0);
	assert_int_equal(kcmp__join(c, &k), 0);
	kc[0].uj = 4000; /* +3000 */
	kc[1].uj = 1500; /* +1000 */
	w.s.ts_ns = 8000000000;
	assert_int_equal(kcmp__add(c, &w.t), 0);
	assert_int_equal(kcmp__join(c, &k), 0);
	assert_int_equal(kcmp__pairs(c, &v), 1);
	assert_int_equal(v[0]->kepler_uj, 4000);
	assert_int_equal(v[0]->ours_uj, 5000);
	kcmp__window(c, &scrapes, &ns);
	assert_int_equal(scrapes, 2);
	assert_int_equal(ns, 3000000000);
	kcmp__free(c);
	world_free(&w);
}

/* Kepler had the pod before its cgroups ran here: both sides count from that first scrape. */
static void test_kcmp_join_late(void **state)
{
	struct kwork_pod kp = { .uid = "1b2c3d4e-0000-4000-8000-00000000000a", .uj = 50000 };
	struct kwork k = { .gen = KWORK_GEN_010, .pods = &kp, .npods = 1 };
	const struct kcmp_pair *const *v;
	struct kcmp *c = kcmp__new();
	struct world w;

	(void)state;
	world_init(&w);
	assert_int_equal(kcmp__join(c, &k), 0); /* no pod of ours yet: Kepler's baseline */
	assert_int_equal(kcmp__pairs(c, &v), 0);
	w.s.ts_ns = 1000000000;
	assert_int_equal(kcmp__add(c, &w.t), 0); /* podinfo runs: 5000 µJ */
	kp.uj = 58000;
	assert_int_equal(kcmp__join(c, &k), 0);
	assert_int_equal(kcmp__pairs(c, &v), 1);
	assert_int_equal(v[0]->kepler_uj, 8000);
	assert_int_equal(v[0]->ours_uj, 5000);
	kcmp__free(c);
	world_free(&w);
}

/*
 * A counter that halves for a while and comes back (a glitch, not a restart): the drop is a
 * reset, the return a leap no pod draws (48 kJ in 1 s), left out. Kepler's side stays small.
 */
static void test_kcmp_glitch(void **state)
{
	struct kwork_pod kp = { .uid = "1b2c3d4e-0000-4000-8000-00000000000a",
				.uj = 96348000000ULL };
	struct kwork k = { .gen = KWORK_GEN_010, .pods = &kp, .npods = 1 };
	const uint64_t seq[] = { 96350000000ULL, 48175000000ULL, 48176000000ULL, 96352000000ULL,
				 96353000000ULL };
	const struct kcmp_pair *const *v;
	struct kcmp *c = kcmp__new();
	unsigned int resets, jumps;
	struct world w;

	(void)state;
	world_init(&w);
	w.s.ts_ns = 1000000000;
	assert_int_equal(kcmp__add(c, &w.t), 0);
	assert_int_equal(kcmp__join(c, &k), 0);
	for (size_t i = 0; i < 5; i++) {
		w.s.ts_ns += 1000000000;
		kp.uj = seq[i];
		assert_int_equal(kcmp__add(c, &w.t), 0);
		assert_int_equal(kcmp__join(c, &k), 0);
	}
	kcmp__anomalies(c, &resets, &jumps);
	assert_int_equal(resets, 1);
	assert_int_equal(jumps, 1);
	kcmp__pairs(c, &v);
	/* +2 J, (reset) +1 J, (leap left out) +1 J: 4 J; ours 5 intervals of 5000 µJ. */
	assert_int_equal(v[0]->kepler_uj, 4000000);
	assert_int_equal(v[0]->ours_uj, 25000);
	kcmp__free(c);
	world_free(&w);
}

/* Two cgroups whose names differ only in invalid UTF-8 print alike: they are one series. */
static void test_invalid_utf8_one_series(void **state)
{
	struct metrics *m = new_metrics(SUM_BY_CGROUP, false);
	struct world w;
	char *text, *p;
	int n = 0;

	(void)state;
	world_init(&w);
	w.id[2] = ident__get(w.ids, 21, "/wpt/bad\xffutf");
	w.id[3] = ident__get(w.ids, 22, "/wpt/bad\xfeutf");
	w.rows[2].cgroup_id = 21;
	w.rows[3].cgroup_id = 22;
	two_ticks(&w, m);
	text = render(m);
	for (p = text; (p = strstr(p, "wattprobe_cgroup_cpu_seconds_total{cgroup=\"/wpt/bad")); p++)
		n++;
	assert_int_equal(n, 1);
	/* 100 + 50 ms, twice. */
	has_line(text, "wattprobe_cgroup_cpu_seconds_total{cgroup=\"/wpt/bad\xef\xbf\xbdutf\","
		       "namespace=\"\",pod=\"\",container=\"\",group=\"host-other\"} 0.300000000");
	free(text);
	metrics__free(m);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expo_escapes), cmocka_unit_test(test_counters),
		cmocka_unit_test(test_render),	     cmocka_unit_test(test_kepler_compat),
		cmocka_unit_test(test_fold),	     cmocka_unit_test(test_fold_keeps_largest),
		cmocka_unit_test(test_listen),	     cmocka_unit_test(test_kcmp_join),
		cmocka_unit_test(test_kcmp_join_07), cmocka_unit_test(test_kcmp_join_late),
		cmocka_unit_test(test_kcmp_glitch),  cmocka_unit_test(test_invalid_utf8_one_series),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
