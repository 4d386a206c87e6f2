// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_stats.c: Student's t, Welch's interval, and the record CSV reader. */
#include <math.h>
#include <zlib.h>
#include "testutil.h"
#include "compare.h"
#include "recfile.h"
#include "stats.h"

static void near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.10f, want %.10f (+- %g)", got, want, tol);
}

/* Against closed forms (df 1: Cauchy; df 2: t = (2p-1) / sqrt(2p(1-p))) and printed tables. */
static void test_t_quantiles(void **state)
{
	(void)state;
	near(student_t_quantile(0.975, 1), tan(M_PI * 0.475), 1e-8);
	near(student_t_quantile(0.975, 2), 0.95 / sqrt(2 * 0.975 * 0.025), 1e-8);
	near(student_t_quantile(0.975, 5), 2.570582, 1e-6);
	near(student_t_quantile(0.975, 10), 2.228139, 1e-6);
	near(student_t_quantile(0.975, 30), 2.042272, 1e-6);
	near(student_t_quantile(0.975, 1e7), 1.959964, 1e-5);
	near(student_t_quantile(0.5, 7.3), 0, 1e-7);
	near(student_t_cdf(-2.228139, 10), 0.025, 1e-6);
}

/*
 * By hand: a = {10, 12, 14}: mean 12, s^2 4; b = {20, 22, 27}: mean 23, s^2 13. se^2 = 4/3 +
 * 13/3 = 17/3; df = (17/3)^2 / ((4/3)^2/2 + (13/3)^2/2) = 289/92.5 = 3.124324; t(0.975, df)
 * = 3.112004 (by the cdf at that df); half-width 3.112004 x 2.380476 = 7.408020.
 */
static void test_welch_by_hand(void **state)
{
	const double a[] = { 10, 12, 14 }, b[] = { 20, 22, 27 };
	struct sample_stats sa, sb;
	struct welch w;

	(void)state;
	stats_of(a, 3, &sa);
	stats_of(b, 3, &sb);
	near(sa.mean, 12, 1e-12);
	near(sa.sd, 2, 1e-12);
	near(sb.sd, sqrt(13), 1e-12);
	assert_int_equal(welch(&sa, &sb, 0.95, &w), 0);
	near(w.diff, 11, 1e-12);
	near(w.df, 289.0 / 92.5, 1e-9);
	near(w.diff_hi - w.diff, 7.408020, 1e-5);
	near(w.t, 11 / sqrt(17.0 / 3), 1e-9);
	/* Ratio 23/12 by the delta method: var(log) = 13/3/23^2 + 4/3/12^2. */
	near(w.ratio, 23.0 / 12, 1e-12);
	near(log(w.ratio_hi / w.ratio), log(w.ratio / w.ratio_lo), 1e-9);
	assert_int_equal(welch(&sa, &(struct sample_stats){ .n = 1, .mean = 1 }, 0.95, &w),
			 -EINVAL);
	/* One run: no spread, no interval. */
	assert_true(stats_ci_half(&(struct sample_stats){ .n = 1, .mean = 3 }, 0.95) == 0);
	near(stats_ci_half(&sa, 0.95), 4.302653 * 2 / sqrt(3), 1e-5);
}

static void test_split(void **state)
{
	char line[] = "a,\"b,c\",\"d\"\"e\",,\"\"";
	char bad[] = "a,\"open";
	char *f[8];

	(void)state;
	assert_int_equal(recfile_split(line, f, 8), 5);
	assert_string_equal(f[0], "a");
	assert_string_equal(f[1], "b,c");
	assert_string_equal(f[2], "d\"e");
	assert_string_equal(f[3], "");
	assert_string_equal(f[4], "");
	assert_int_equal(recfile_split(bad, f, 8), -EBADMSG);
}

static const char header[] =
	"ts_ns,interval_ns,cgroup_id,cgroup,cpu_ns,cycles,instructions,wakeups,energy_uj,source,"
	"switches,node_energy_uj,gap,namespace,pod,container,group,energy_uj.package-0,"
	"energy_uj.dram-0\n";

static char *write_tmp(const char *name, const char *text, bool gz)
{
	char *dir = tmp_tree(), path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	free(dir);
	if (gz) {
		gzFile g = gzopen(path, "wb");

		assert_non_null(g);
		gzwrite(g, text, strlen(text));
		gzclose(g);
	} else {
		put_file("/", path + 1, text, 0644);
	}
	return strdup(path);
}

static void read_rows(bool gz)
{
	char msg[256], *path, *text;
	struct rec_reader *r;
	struct rec_row row;

	assert_int_not_equal(asprintf(&text,
				      "%s100,100,7,\"/a,\"\"b\"\"\",5,,,3,40,powercap,2,50,,ns,p,c,"
				      "workload,30,10\n"
				      "100,100,0,<idle>,9,,,,10,powercap,,50,,,,,idle,5,5\n"
				      "200,100,7,/x,1,,,,,powercap,1,,package-0,,,,workload,,7\n",
				      header),
			     -1);
	path = write_tmp(gz ? "r.csv.gz" : "r.csv", text, gz);
	r = rec__open(path, msg, sizeof(msg));
	if (!r)
		fail_msg("%s", msg);
	assert_int_equal(rec__nzones(r), 2);
	assert_string_equal(rec__zone(r, 1), "dram-0");
	assert_int_equal(rec__next(r, &row, msg, sizeof(msg)), 1);
	assert_string_equal(row.cgroup, "/a,\"b\"");
	assert_int_equal(row.cpu_ns, 5);
	assert_int_equal(row.energy_uj, 40);
	assert_true(row.has_energy && row.has_wakeups);
	assert_int_equal(row.zone_uj[0], 30);
	assert_string_equal(row.group, "workload");
	assert_string_equal(row.component, ""); /* no such column: empty */
	assert_int_equal(rec__next(r, &row, msg, sizeof(msg)), 1);
	assert_false(row.has_wakeups);
	assert_int_equal(rec__next(r, &row, msg, sizeof(msg)), 1);
	assert_false(row.has_energy); /* a gap */
	assert_string_equal(row.gap, "package-0");
	assert_false(row.zone_has[0]);
	assert_int_equal(row.zone_uj[1], 7);
	assert_int_equal(rec__next(r, &row, msg, sizeof(msg)), 0);
	rec__close(r);
	free(path);
	free(text);
}

static void test_read_plain(void **state)
{
	(void)state;
	read_rows(false);
}

static void test_read_gzip(void **state)
{
	(void)state;
	read_rows(true);
}

static void expect_error(const char *name, const char *text, bool gz, const char *want)
{
	char msg[256] = "", *path = write_tmp(name, text, gz);
	struct rec_reader *r = rec__open(path, msg, sizeof(msg));
	struct rec_row row;
	int rc = 1;

	while (r && (rc = rec__next(r, &row, msg, sizeof(msg))) == 1)
		;
	assert_true(rc < 0 || !r);
	if (!strstr(msg, want))
		fail_msg("error '%s' lacks '%s'", msg, want);
	assert_non_null(strstr(msg, path)); /* names the file */
	rec__close(r);
	free(path);
}

static void test_bad_files(void **state)
{
	char trunc[1024], gz_trunc_path[512];
	char msg[256];
	struct rec_row row;
	int rc = 1;

	(void)state;
	expect_error("empty.csv", "", false, "empty, not a wattprobe recording");
	expect_error("foreign.csv", "name,age\nbob,3\n", false, "no column ts_ns");
	snprintf(trunc, sizeof(trunc), "%s100,100,7,/a,5,,,3,40,powercap,2,50,,,,,w,30,10\n200,1",
		 header);
	expect_error("trunc.csv", trunc, false, "truncated");
	snprintf(trunc, sizeof(trunc), "%s100,100,7,/a,5x,,,3,40,powercap,2,50,,,,,w,30,10\n",
		 header);
	expect_error("num.csv", trunc, false, ":2: a number field is malformed");
	snprintf(trunc, sizeof(trunc), "%s100,100,7\n", header);
	expect_error("short.csv", trunc, false, ":2: 3 fields, the header has 19");
	/* A gzip file cut in the middle. */
	{
		char *p = write_tmp("cut.csv.gz", header, true);
		struct stat st;
		struct rec_reader *r;

		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(truncate(p, st.st_size - 12), 0);
		snprintf(gz_trunc_path, sizeof(gz_trunc_path), "%s", p);
		r = rec__open(p, msg, sizeof(msg));
		while (r && (rc = rec__next(r, &row, msg, sizeof(msg))) == 1)
			;
		assert_true(!r || rc < 0);
		rec__close(r);
		free(p);
	}
}

static struct cmp_run run(double hours, double flux_wh, double node_wh)
{
	struct cmp_run r = { .hours = hours, .ngroups = 2 };

	snprintf(r.group[0], sizeof(r.group[0]), "flux");
	r.wh[0] = flux_wh;
	snprintf(r.group[1], sizeof(r.group[1]), CMP_NODE);
	r.wh[1] = node_wh;
	return r;
}

/* Runs of different lengths, normalised per hour; a group a side lacks is 0 there. */
static void test_compare(void **state)
{
	struct cmp_run base[2] = { run(0.5, 0, 4), run(2, 0, 16) };
	struct cmp_run cand[3] = { run(1, 1, 9), run(0.5, 0.6, 4.65), run(1, 1.1, 9) };
	struct cmp_result r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	base[0].ngroups = base[1].ngroups = 2;
	snprintf(base[0].group[0], 64, "workload"); /* no flux in the baseline */
	snprintf(base[1].group[0], 64, "workload");
	assert_int_equal(compare_runs(base, 2, cand, 3, &r), 0);
	assert_int_equal(r.n, 3); /* workload, flux, node */
	assert_string_equal(r.lines[2].group, CMP_NODE);
	for (size_t k = 0; k < r.n; k++) {
		if (strcmp(r.lines[k].group, "flux"))
			continue;
		near(r.lines[k].base.mean, 0, 1e-12);
		near(r.lines[k].cand.mean, 1.1, 1e-12); /* 1.0, 1.2, 1.1 Wh/h */
		near(r.lines[k].cand.sd, 0.1, 1e-12);
		near(r.lines[k].w.diff_hi - r.lines[k].w.diff, 0.248414, 1e-5);
	}
	near(r.lines[2].base.mean, 8, 1e-12);
	near(r.lines[2].cand.mean, 9.1, 1e-12);
	f = open_memstream(&buf, &len);
	compare_print(&r, f, 0, 1);
	fclose(f);
	assert_non_null(strstr(buf,
			       "verdict: Flux controllers add 1.100 \xc2\xb1 0.248 Wh per hour, "
			       "12.1 % of node energy"));
	free(buf);
	assert_int_equal(compare_runs(base, 0, cand, 3, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t_quantiles), cmocka_unit_test(test_welch_by_hand),
		cmocka_unit_test(test_split),	    cmocka_unit_test(test_read_plain),
		cmocka_unit_test(test_read_gzip),   cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
