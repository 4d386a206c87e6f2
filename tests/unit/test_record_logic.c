// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_record_logic.c: the slice rule, one interval's join over zones, its CSV and totals. */
#include <zlib.h>
#include "testutil.h"
#include "csv.h"
#include "slice.h"
#include "summary.h"

/*
 * FIELD-NOTES 7: on one CPU, A runs from 500; t=1000 A->B, t=5000 B->A, t=6000 A->idle.
 * In sched_switch the closed slice belongs to current, the outgoing task: B 4000, A 500+1000.
 */
static void test_slice_stream(void **state)
{
	struct wp_cpu_slot s = { .since_ns = 500 };
	uint64_t a = 0, b = 0;

	(void)state;
	a += wp_slice_close(&s, 1000);
	b += wp_slice_close(&s, 5000);
	a += wp_slice_close(&s, 6000);
	assert_int_equal(a, 1500);
	assert_int_equal(b, 4000);
	assert_int_equal(s.since_ns, 6000);
	/* The first event on a CPU only starts a slice; time never runs backwards. */
	s.since_ns = 0;
	assert_int_equal(wp_slice_close(&s, 7000), 0);
	assert_int_equal(wp_slice_close(&s, 6999), 0);
}

/* Two cgroups and idle; zones package-0 (node), core-0 (not node), dram-0 (node). */
static void sample3(struct probe_sample *s, struct probe_row *rows)
{
	memset(s, 0, sizeof(*s));
	rows[0] = (struct probe_row){ .cgroup_id = 42, .s = { .cpu_ns = 300, .wakeups = 5 } };
	rows[1] = (struct probe_row){ .cgroup_id = 77, .s = { .cpu_ns = 100, .switches = 9 } };
	s->rows = rows;
	s->nrows = 2;
	s->idle.cpu_ns = 600;
	s->ts_ns = 5000;
	s->window_ns = 1000;
}

static const bool node3[] = { true, false, true };

/*
 * Busy 400 ns, idle 600 ns. package 1000 µJ -> 300, 100, 600. core 10 µJ: busy 4, idle 6; 4 by
 * 3:1 -> 3, 1. dram 7 µJ: busy 2.8 -> 3 (the 0.8 remainder beats 0.2), idle 4; 3 by 3:1 is
 * 2.25, 0.75 -> 2, 1. Node = package + dram: 302, 101, 604.
 */
static void test_interval_zones(void **state)
{
	const struct attrib_rule util = { .kind = ATTRIB_UTIL };
	const struct zone_delta zd[] = { { 1000, false }, { 10, false }, { 7, false } };
	struct interval_res res = {};
	struct probe_row rows[2];
	struct probe_sample s;

	(void)state;
	sample3(&s, rows);
	assert_int_equal(interval_attribute(&util, &s, 1000, zd, node3, 3, false, &res), 0);
	assert_int_equal(res.zone_uj[0 * 3 + 0], 300);
	assert_int_equal(res.zone_uj[1 * 3 + 0], 100);
	assert_int_equal(res.zone_uj[2 * 3 + 0], 600);
	assert_int_equal(res.zone_uj[0 * 3 + 1], 3);
	assert_int_equal(res.zone_uj[2 * 3 + 1], 6);
	assert_int_equal(res.zone_uj[0 * 3 + 2], 2);
	assert_int_equal(res.zone_uj[1 * 3 + 2], 1);
	assert_int_equal(res.zone_uj[2 * 3 + 2], 4);
	assert_int_equal(res.node_uj[0], 302);
	assert_int_equal(res.node_uj[1], 101);
	assert_int_equal(res.node_uj[2], 604);
	assert_int_equal(res.node_total_uj, 1007);
	assert_false(res.node_gap);
	interval_res__free(&res);
}

/* A node zone in a gap makes the node figures unknown; other zones still attribute. */
static void test_interval_gap(void **state)
{
	const struct attrib_rule util = { .kind = ATTRIB_UTIL };
	const struct zone_delta zd[] = { { 0, true }, { 10, false }, { 7, false } };
	struct interval_res res = {};
	struct probe_row rows[2];
	struct probe_sample s;

	(void)state;
	sample3(&s, rows);
	assert_int_equal(interval_attribute(&util, &s, 1000, zd, node3, 3, false, &res), 0);
	assert_true(res.node_gap);
	assert_int_equal(res.zone_uj[0 * 3 + 1], 3);
	interval_res__free(&res);
}

static void test_csv_rows(void **state)
{
	const struct attrib_rule util = { .kind = ATTRIB_UTIL };
	const struct zone_delta zd[] = { { 1000, false }, { 10, false }, { 7, false } };
	const char *const labels[] = { "package-0", "core-0", "dram-0" };
	const struct ident_cfg icfg = {};
	struct ident_cache *ic = ident__new(&icfg);
	const struct wp_ident *names[4];
	struct csv_layout lay = { .nzones = 3,
				  .zone_labels = labels,
				  .has_pmu = false,
				  .has_wakeups = true,
				  .source = "powercap" };
	struct interval_res res = {};
	struct strbuf sb = {};
	struct probe_row rows[2];
	struct probe_sample s;

	(void)state;
	assert_non_null(ic);
	names[0] = ident__get(ic, 42, "/a,b \"x\"");
	names[1] = ident__get(ic, 77, "/system.slice/c.service");
	names[2] = ident__idle(ic);
	names[3] = ident__steal(ic);
	sample3(&s, rows);
	assert_int_equal(interval_attribute(&util, &s, 1000, zd, node3, 3, false, &res), 0);
	csv_header(&sb, &lay);
	assert_int_equal(csv_interval(&sb, &lay, &s, 1000, zd, &res, names), 0);
	assert_string_equal(
		sb.buf,
		"ts_ns,interval_ns,cgroup_id,cgroup,cpu_ns,cycles,instructions,wakeups,energy_uj,"
		"source,switches,node_energy_uj,gap,namespace,pod,container,group,component,"
		"energy_uj.package-0,energy_uj.core-0,energy_uj.dram-0\n"
		/* component: a host cgroup's is its path, a service's its unit. */
		"5000,1000,42,\"/a,b \"\"x\"\"\",300,,,5,302,powercap,0,1007,,,,,host-other,"
		"\"/a,b \"\"x\"\"\",300,3,2\n"
		"5000,1000,77,/system.slice/"
		"c.service,100,,,0,101,powercap,9,1007,,,,,node,c.service,100,1,1\n"
		"5000,1000,0,<idle>,600,,,0,604,powercap,0,1007,,,,,idle,,600,6,4\n");
	/* With a gap: energy and node energy are empty, the gap column names the zone. */
	{
		const struct zone_delta zg[] = { { 0, true }, { 10, false }, { 7, false } };

		strbuf_reset(&sb);
		interval_attribute(&util, &s, 1000, zg, node3, 3, false, &res);
		lay.has_pmu = true;
		csv_interval(&sb, &lay, &s, 1000, zg, &res, names);
		assert_non_null(strstr(
			sb.buf,
			"5000,1000,0,<idle>,600,0,0,0,,powercap,0,,package-0,,,,idle,,,6,4\n"));
	}
	/* Stolen time: a row of its own before idle, with no energy; attribution ignores it. */
	{
		strbuf_reset(&sb);
		lay.has_pmu = false;
		s.steal.cpu_ns = 50;
		interval_attribute(&util, &s, 1000, zd, node3, 3, false, &res);
		csv_interval(&sb, &lay, &s, 1000, zd, &res, names);
		assert_non_null(strstr(sb.buf, "5000,1000,18446744073709551613,<steal>,50,,,0,0,"
					       "powercap,0,1007,,,,,steal,,0,0,0\n"
					       "5000,1000,0,<idle>,600,"));
		assert_non_null(strstr(sb.buf, "<idle>,600,,,0,604,"));
	}
	strbuf_free(&sb);
	interval_res__free(&res);
	ident__free(ic);
}

/* The sink writes whole intervals; gzip output decompresses to exactly what was written. */
static void test_csv_sink(void **state)
{
	char *dir = tmp_tree(), path[512], back[256];
	const char *text = "a,b\n1,2\n";
	struct csv_out *out;
	gzFile gz;
	int n;

	(void)state;
	snprintf(path, sizeof(path), "%s/x.csv.gz", dir);
	out = csv__open(path);
	assert_non_null(out);
	assert_int_equal(csv__write(out, text, 4), 0);
	assert_int_equal(csv__write(out, text + 4, 4), 0);
	assert_int_equal(csv__close(out), 0);
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	n = gzread(gz, back, sizeof(back) - 1);
	gzclose(gz);
	assert_int_equal(n, 8);
	back[n] = '\0';
	assert_string_equal(back, text);
	snprintf(path, sizeof(path), "%s/none/x.csv", dir);
	assert_null(csv__open(path));
	assert_int_equal(errno, ENOENT);
	/* A run that fails before recording leaves an existing file as it was... */
	put_file(dir, "old.csv", "precious\n", 0644);
	snprintf(path, sizeof(path), "%s/old.csv", dir);
	out = csv__open(path);
	assert_non_null(out);
	csv__abort(out);
	{
		FILE *f = fopen(path, "r");

		assert_non_null(f);
		assert_non_null(fgets(back, sizeof(back), f));
		fclose(f);
		assert_string_equal(back, "precious\n");
	}
	/* ...and removes one it created; a run that starts truncates the old content. */
	snprintf(path, sizeof(path), "%s/new.csv", dir);
	csv__abort(csv__open(path));
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/old.csv", dir);
	out = csv__open(path);
	assert_int_equal(csv__write(out, "h\n", 2), 0);
	assert_int_equal(csv__close(out), 0);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, 2);
	}
	rm_tree(dir);
}

static void test_summary(void **state)
{
	const struct attrib_rule util = { .kind = ATTRIB_UTIL };
	const struct zone_delta zd[] = { { 1000, false }, { 10, false }, { 7, false } };
	const struct ident_cfg icfg = {};
	struct ident_cache *ic = ident__new(&icfg);
	const struct wp_ident *names[4];
	struct summary *sm = summary__new();
	struct interval_res res = {};
	struct summary_totals t;
	struct probe_row rows[2];
	struct probe_sample s;
	uint64_t cpu, uj;

	(void)state;
	names[0] = ident__get(ic, 42, "/a");
	names[1] = ident__get(ic, 77, "/b");
	names[2] = ident__idle(ic);
	names[3] = ident__steal(ic);
	sample3(&s, rows);
	interval_attribute(&util, &s, 1000, zd, node3, 3, false, &res);
	assert_int_equal(summary__add(sm, &s, 1000, &res, names), 0);
	assert_int_equal(summary__add(sm, &s, 1000, &res, names), 0);
	summary__totals(sm, &t);
	assert_int_equal(t.intervals, 2);
	assert_int_equal(t.wall_ns, 2000);
	assert_int_equal(t.node_uj, 2014);
	assert_int_equal(t.idle_uj, 1208);
	assert_int_equal(t.cpu_ns, 2000);
	assert_int_equal(t.cgroups, 2);
	assert_int_equal(summary__cgroup(sm, 42, &cpu, &uj), 0);
	assert_int_equal(cpu, 600);
	assert_int_equal(uj, 604);
	assert_int_equal(summary__cgroup(sm, 9, &cpu, &uj), -ENOENT);
	summary__free(sm);
	interval_res__free(&res);
	ident__free(ic);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slice_stream), cmocka_unit_test(test_interval_zones),
		cmocka_unit_test(test_interval_gap), cmocka_unit_test(test_csv_rows),
		cmocka_unit_test(test_csv_sink),     cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests_name("record_logic", tests, NULL, NULL);
}
