// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_chart.c: the energy series and its merging, axis ticks, SVG text, the progress line. */
#include <math.h>
#include "testutil.h"
#include "chart.h"
#include "progress.h"
#include "series.h"
#include "svg.h"

static void near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.10f, want %.10f (+- %g)", got, want, tol);
}

#define MS 1000000ULL

/*
 * 100 ms bins, at most 4. [0,100) 1 J in bin 0. [100,250) 3 J: bin 1 gets 100/150 of it (2 J),
 * bin 2 50/150 (1 J). [250,450) 4 J needs bin 4: the bins merge to 200 ms first, [0,200)
 * 3 J and [200,400) 1 J; then [250,400) takes 150/200 of 4 J (3 J), [400,600) 1 J. A gap
 * [450,500): covered, not known.
 */
static void test_series_merge(void **state)
{
	struct series *s = series__new(100 * MS, 4);
	int t;

	(void)state;
	assert_non_null(s);
	t = series__track(s, "flux");
	assert_int_equal(t, 0);
	assert_int_equal(series__track(s, "flux"), 0);
	assert_int_equal(series__cover(s, 0, 100 * MS, true), 0);
	series__add(s, t, 0, 100 * MS, 1);
	assert_int_equal(series__cover(s, 100 * MS, 250 * MS, true), 0);
	series__add(s, t, 100 * MS, 250 * MS, 3);
	near(series__j(s, t, 1), 2, 1e-12);
	near(series__j(s, t, 2), 1, 1e-12);
	assert_int_equal(series__nbins(s), 3);
	assert_int_equal(series__cover(s, 250 * MS, 450 * MS, true), 0);
	series__add(s, t, 250 * MS, 450 * MS, 4);
	assert_int_equal(series__bin_ns(s), 200 * MS);
	assert_int_equal(series__nbins(s), 3);
	near(series__j(s, t, 0), 3, 1e-12);
	near(series__j(s, t, 1), 4, 1e-12);
	near(series__j(s, t, 2), 1, 1e-12);
	assert_int_equal(series__cover(s, 450 * MS, 500 * MS, false), 0);
	near(series__covered_ns(s, 2), 100 * MS, 1);
	near(series__known_ns(s, 2), 50 * MS, 1);
	/* A track made after the merge starts at zero in every bin. */
	assert_int_equal(series__track(s, "idle"), 1);
	near(series__j(s, 1, 2), 0, 0);
	assert_int_equal(series__cover(s, 5, 5, true), -EINVAL);
	series__free(s);
}

/* A day of 100 ms intervals in 65536 bins: bins of 100 ms x 2^k, and every joule kept. */
static void test_series_long(void **state)
{
	struct series *s = series__new(100 * MS, SERIES_MAX_BINS);
	double sum = 0;

	(void)state;
	assert_int_equal(series__track(s, "flux"), 0);
	for (uint64_t i = 0; i < 864000; i++) {
		assert_int_equal(series__cover(s, i * 100 * MS, (i + 1) * 100 * MS, true), 0);
		series__add(s, 0, i * 100 * MS, (i + 1) * 100 * MS, 0.25);
	}
	/* 864000 bins of 100 ms, halved 4 times: 54000 bins of 1.6 s. */
	assert_int_equal(series__bin_ns(s), 1600 * MS);
	assert_int_equal(series__nbins(s), 54000);
	for (size_t k = 0; k < series__nbins(s); k++)
		sum += series__j(s, 0, k);
	near(sum, 216000, 1e-6);
	near(series__j(s, 0, 123), 4, 1e-12);
	series__free(s);
}

static void test_ticks(void **state)
{
	struct svg_ticks t;
	char b[32];

	(void)state;
	svg_ticks(4.48, 6, &t); /* raw step 0.747: 1 */
	near(t.step, 1, 1e-12);
	assert_int_equal(t.n, 5);
	svg_ticks(10.5, 6, &t); /* 1.75: 2, up to 12 */
	near(t.step, 2, 1e-12);
	assert_int_equal(t.n, 6);
	svg_ticks(0.013, 5, &t); /* 0.0026: 0.005 */
	near(t.step, 0.005, 1e-15);
	assert_int_equal(t.n, 3);
	svg_ticks(300, 8, &t); /* 37.5: 50 */
	near(t.top, 300, 1e-9);
	svg_ticks(0, 6, &t); /* nothing to show still gets an axis */
	assert_true(t.top > 0);
	svg_tick_label(0.25, 0.25, b, sizeof(b));
	assert_string_equal(b, "0.25");
	svg_tick_label(1.5, 0.5, b, sizeof(b));
	assert_string_equal(b, "1.5");
	svg_tick_label(20, 5, b, sizeof(b));
	assert_string_equal(b, "20");
	svg_tick_label(0.015, 0.005, b, sizeof(b));
	assert_string_equal(b, "0.015");
}

static char *capture(void (*fn)(FILE *f, void *arg), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void text_fn(FILE *f, void *arg)
{
	svg_text(f, 1, 2, "end", 11, NULL, "%s", (const char *)arg);
}

static void test_svg_text(void **state)
{
	char *s;

	(void)state;
	s = capture(text_fn, "<a&\"b> \x01ok");
	assert_string_equal(s, "<text x=\"1.0\" y=\"2.0\" text-anchor=\"end\" font-size=\"11.0\">"
			       "&lt;a&amp;&quot;b&gt; ?ok</text>\n");
	free(s);
	assert_string_equal(svg_group_colour("flux"), "#e4572e");
	assert_string_equal(svg_group_colour("idle"), "#cfcfcf");
	/* Any other group: the same colour every time. */
	assert_string_equal(svg_group_colour("team-a"), svg_group_colour("team-a"));
	assert_true(chart_group_rank("flux") < chart_group_rank("workload"));
	assert_true(chart_group_rank("team-a") < chart_group_rank("idle"));
}

/* The chart of two tracks with a gap column: one band per track on each side of the gap. */
static void chart_fn(FILE *f, void *arg)
{
	struct chart_bar bars[2] = { { "flux", 2, 0.4 }, { "idle", 3, 0.6 } };

	assert_int_equal(chart_report(f, arg, bars, 2,
				      &(struct chart_labels){ "t", "sub", "powercap (package-0)" }),
			 0);
}

static void test_chart_report(void **state)
{
	struct series *s = series__new(1000 * MS, 16);
	int flux, idle, polys = 0, gaps = 0;
	char *svg, *p;

	(void)state;
	flux = series__track(s, "flux");
	idle = series__track(s, "idle");
	assert_int_equal(series__track(s, "flux/source-controller"), 2);
	for (uint64_t i = 0; i < 5; i++) {
		assert_int_equal(series__cover(s, i * 1000 * MS, (i + 1) * 1000 * MS, i != 2), 0);
		series__add(s, flux, i * 1000 * MS, (i + 1) * 1000 * MS, i == 2 ? 0 : 0.4);
		series__add(s, idle, i * 1000 * MS, (i + 1) * 1000 * MS, i == 2 ? 0 : 0.6);
	}
	svg = capture(chart_fn, s);
	for (p = svg; (p = strstr(p, "<polygon")); p++)
		polys++;
	for (p = svg; (p = strstr(p, "class=\"gap\"")); p++)
		gaps++;
	assert_int_equal(polys, 4); /* flux and idle, before and after; the controller not */
	assert_int_equal(gaps, 1);
	assert_non_null(strstr(svg, "energy: powercap (package-0)"));
	assert_non_null(strstr(svg, "gap: energy unknown"));
	assert_non_null(strstr(svg, ">flux  0.4<")); /* its average W over the known 4 s */
	assert_non_null(strstr(svg, "2.000 J  (40.0 %)"));
	free(svg);
	series__free(s);
}

static void test_progress(void **state)
{
	struct progress p;
	char *buf = NULL;
	size_t len = 0;
	FILE *saved = stderr;

	(void)state;
	stderr = open_memstream(&buf, &len);
	progress_start(&p, "reading x.csv", false);
	p.start_ns -= 1000000000ULL;
	progress_update(&p, 0.5); /* no terminal: nothing */
	progress_start(&p, "reading x.csv", true);
	progress_update(&p, 0.5); /* too soon: nothing */
	p.start_ns -= 1000000000ULL;
	progress_update(&p, 0.42);
	progress_update(&p, 0.43); /* within 200 ms of the last: nothing */
	progress_end(&p);
	fclose(stderr);
	stderr = saved;
	assert_string_equal(buf, "\r\033[Kwattprobe: reading x.csv:  42 %\r\033[K");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series_merge), cmocka_unit_test(test_series_long),
		cmocka_unit_test(test_ticks),	     cmocka_unit_test(test_svg_text),
		cmocka_unit_test(test_chart_report), cmocka_unit_test(test_progress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
