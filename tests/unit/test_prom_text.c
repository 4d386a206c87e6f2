// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_prom_text.c: the text exposition parser: samples, escapes, values, errors by line. */
#include <math.h>
#include "testutil.h"
#include "prom_text.h"

#define MAX_GOT 64

/* Copies of what the callback saw: its pointers live only during the call. */
struct got {
	size_t n;
	struct {
		char name[128];
		size_t nlabels;
		char lname[8][32], lvalue[8][128];
		double value;
		bool has_ts;
		int64_t ts;
		enum prom_type type;
		unsigned int line;
	} s[MAX_GOT];
	int stop_at; /* return 7 from this sample (1-based); 0: never */
};

static int collect(const struct prom_sample *s, void *ctx)
{
	struct got *g = ctx;

	assert_true(g->n < MAX_GOT);
	snprintf(g->s[g->n].name, sizeof(g->s[0].name), "%s", s->name);
	g->s[g->n].nlabels = s->nlabels;
	for (size_t i = 0; i < s->nlabels && i < 8; i++) {
		snprintf(g->s[g->n].lname[i], 32, "%s", s->labels[i].name);
		snprintf(g->s[g->n].lvalue[i], 128, "%s", s->labels[i].value);
	}
	g->s[g->n].value = s->value;
	g->s[g->n].has_ts = s->has_timestamp;
	g->s[g->n].ts = s->timestamp_ms;
	g->s[g->n].type = s->type;
	g->s[g->n].line = s->line;
	return ++g->n == (size_t)g->stop_at ? 7 : 0;
}

static int parse(const char *text, struct got *g, char *err, size_t len)
{
	memset(g, 0, sizeof(*g));
	return prom_parse(text, strlen(text), collect, g, err, len);
}

static void test_sample(void **state)
{
	struct got g;
	char err[256];

	(void)state;
	assert_int_equal(parse("# HELP kepler_node_cpu_joules_total Energy of cpu\n"
			       "# TYPE kepler_node_cpu_joules_total counter\n"
			       "kepler_node_cpu_joules_total{node_name=\"w3\",path=\"/sys/class/"
			       "powercap/intel-rapl:0\",zone=\"package\"} 4.12239782665e+06\n",
			       &g, err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(g.n, 1);
	assert_string_equal(g.s[0].name, "kepler_node_cpu_joules_total");
	assert_int_equal(g.s[0].nlabels, 3);
	assert_string_equal(g.s[0].lname[1], "path");
	assert_string_equal(g.s[0].lvalue[1], "/sys/class/powercap/intel-rapl:0");
	assert_string_equal(g.s[0].lvalue[2], "package");
	assert_true(g.s[0].value == 4122397.82665);
	assert_false(g.s[0].has_ts);
	assert_int_equal(g.s[0].type, PROM_COUNTER);
	assert_int_equal(g.s[0].line, 3);
}

/* \\ \" and \n in label values; an empty value; a label set with a trailing comma. */
static void test_escapes(void **state)
{
	struct got g;
	char err[256];

	(void)state;
	assert_int_equal(parse("p{comm=\"we\\\"ird\\\\name\",exe=\"a\\nb\",vm_id=\"\",} 1\n", &g,
			       err, sizeof(err)),
			 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.s[0].nlabels, 3);
	assert_string_equal(g.s[0].lvalue[0], "we\"ird\\name");
	assert_string_equal(g.s[0].lvalue[1], "a\nb");
	assert_string_equal(g.s[0].lvalue[2], "");
	/* A brace, a comma and '=' inside a value are text. */
	assert_int_equal(parse("q{a=\"}{,=\"} 2\n", &g, err, sizeof(err)), 0);
	assert_string_equal(g.s[0].lvalue[0], "}{,=");
}

static void test_values(void **state)
{
	struct got g;
	char err[256];

	(void)state;
	assert_int_equal(parse("a +Inf\nb -Inf\nc NaN\nd 1.5e+06\ne -0.25\nf 3e-05 1700000000000\n"
			       "g 0 -5\nh 7E2\n",
			       &g, err, sizeof(err)),
			 0);
	assert_int_equal(g.n, 8);
	assert_true(isinf(g.s[0].value) && g.s[0].value > 0);
	assert_true(isinf(g.s[1].value) && g.s[1].value < 0);
	assert_true(isnan(g.s[2].value));
	assert_true(g.s[3].value == 1500000.0);
	assert_true(g.s[4].value == -0.25);
	assert_true(g.s[5].value == 3e-05);
	assert_true(g.s[5].has_ts);
	assert_int_equal(g.s[5].ts, 1700000000000LL);
	assert_int_equal(g.s[6].ts, -5);
	assert_true(g.s[7].value == 700.0);
}

/* Blanks around tokens, CRLF, blank lines, comments, no newline at the end. */
static void test_layout(void **state)
{
	struct got g;
	char err[256];

	(void)state;
	assert_int_equal(parse("\r\n# a comment\n#\n   \n\t m1 { a = \"x\" , b=\"y\" } 3 \r\n"
			       "m2{}4\nm3\t5\t6\nm4 8",
			       &g, err, sizeof(err)),
			 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.s[0].name, "m1");
	assert_int_equal(g.s[0].nlabels, 2);
	assert_string_equal(g.s[0].lvalue[1], "y");
	assert_true(g.s[0].value == 3);
	assert_int_equal(g.s[0].line, 5);
	assert_int_equal(g.s[1].nlabels, 0);
	assert_true(g.s[1].value == 4);
	assert_int_equal(g.s[2].ts, 6);
	assert_string_equal(g.s[3].name, "m4");
	assert_int_equal(g.s[3].line, 8);
	/* Names with colons (recording rules) are metric names. */
	assert_int_equal(parse("job:kepler_node:rate5m 1\n", &g, err, sizeof(err)), 0);
	assert_string_equal(g.s[0].name, "job:kepler_node:rate5m");
}

/* A TYPE line types its family (with _sum, _count, _bucket), and nothing else. */
static void test_types(void **state)
{
	struct got g;
	char err[256];

	(void)state;
	assert_int_equal(parse("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n"
			       "other 4\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 5\nh_sum 6\n"
			       "# TYPE g gauge\ng 7\n# TYPE c counter\nc_total 8\nuntyped 9\n",
			       &g, err, sizeof(err)),
			 0);
	assert_int_equal(g.n, 9);
	assert_int_equal(g.s[0].type, PROM_SUMMARY);
	assert_int_equal(g.s[1].type, PROM_SUMMARY);
	assert_int_equal(g.s[2].type, PROM_SUMMARY);
	assert_int_equal(g.s[3].type, PROM_UNTYPED);
	assert_int_equal(g.s[4].type, PROM_HISTOGRAM);
	assert_int_equal(g.s[5].type, PROM_HISTOGRAM);
	assert_int_equal(g.s[6].type, PROM_GAUGE);
	assert_int_equal(g.s[7].type, PROM_COUNTER);
	assert_int_equal(g.s[8].type, PROM_UNTYPED);
	assert_string_equal(prom_type_name(PROM_HISTOGRAM), "histogram");
}

static void expect_error(const char *text, const char *want)
{
	struct got g;
	char err[256];

	assert_int_equal(parse(text, &g, err, sizeof(err)), -EBADMSG);
	if (!strstr(err, want))
		fail_msg("for %s: error \"%s\", expected \"%s\"", text, err, want);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("ok 1\nbad{a=\"x\\q\"} 1\n", "line 2: invalid escape \\q");
	expect_error("a{x=\"open} 1\n", "line 1: unterminated value of label \"x\"");
	expect_error("a{x=\"1\"\n", "line 1: unterminated label set");
	expect_error("a{x=\"1\" y=\"2\"} 1\n",
		     "expected ',' or '}' after the value of label \"x\"");
	expect_error("a{x 1\n", "expected '=' after label name \"x\"");
	expect_error("a{x=1} 1\n", "expected '\"' to open the value of label \"x\"");
	expect_error("a{1x=\"1\"} 1\n", "label name expected, found '1'");
	expect_error("a{x=\"1\",x=\"2\"} 1\n", "duplicate label \"x\"");
	expect_error("\n\na\n", "line 3: sample value expected");
	expect_error("a 12a\n", "bad sample value \"12a\"");
	expect_error("a 1e999\n", "out of range");
	expect_error("a 1 12.5\n", "bad timestamp \"12.5\"");
	expect_error("a 1 2 3\n", "unexpected text after the timestamp");
	expect_error("foo-bar 1\n", "invalid character '-' in metric name \"foo\"");
	expect_error("9a 1\n", "metric name expected, found '9'");
	expect_error("# TYPE a countr\n", "unknown metric type \"countr\" for a");
	expect_error("# TYPE a counter extra\n", "unexpected text after TYPE a counter");
	expect_error("# TYPE\n", "TYPE without a metric name");
	expect_error("# HELP a bad \\t escape\n", "invalid escape in HELP text");
}

static void test_nul_and_labels_cap(void **state)
{
	char text[4096], err[256];
	size_t n = 0;
	struct got g;

	(void)state;
	assert_int_equal(
		prom_parse("a 1\nb\0 2\n", 9, collect, memset(&g, 0, sizeof(g)), err, sizeof(err)),
		-EBADMSG);
	assert_string_equal(err, "line 2: NUL byte");
	n += snprintf(text + n, sizeof(text) - n, "m{");
	for (int i = 0; i <= PROM_MAX_LABELS; i++)
		n += snprintf(text + n, sizeof(text) - n, "l%d=\"v\",", i);
	snprintf(text + n, sizeof(text) - n, "} 1\n");
	expect_error(text, "more than 64 labels");
}

/* The callback's non-zero return stops parsing and is returned. */
static void test_stop(void **state)
{
	struct got g = { .stop_at = 2 };
	const char *text = "a 1\nb 2\nc 3\n";
	char err[64];

	(void)state;
	assert_int_equal(prom_parse(text, strlen(text), collect, &g, err, sizeof(err)), 7);
	assert_int_equal(g.n, 2);
	assert_string_equal(err, "");
}

static int count_cb(const struct prom_sample *s, void *ctx)
{
	(*(size_t *)ctx)++;
	assert_non_null(s->name);
	return 0;
}

static char *slurp(const char *rel, size_t *len)
{
	char path[512], *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(fixture(rel, path, sizeof(path)), "r");
	ssize_t n;

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	assert_true(n > 0);
	*len = n;
	return buf;
}

/* Every Kepler fixture parses; malformed.txt fails at its line 5. */
static void test_fixtures(void **state)
{
	static const struct {
		const char *file;
		size_t samples;
	} ok[] = { { "kepler/v0.10-server.txt", 33 }, { "kepler/v0.10-laptop.txt", 22 },
		   { "kepler/v0.7.txt", 24 },	      { "kepler/v0.7-arm64.txt", 6 },
		   { "kepler/v0.4.txt", 12 },	      { "kepler/2022-millijoule.txt", 8 },
		   { "kepler/not-kepler.txt", 4 } };
	char err[256];
	size_t len, n;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		text = slurp(ok[i].file, &len);
		n = 0;
		if (prom_parse(text, len, count_cb, &n, err, sizeof(err)))
			fail_msg("%s: %s", ok[i].file, err);
		if (n != ok[i].samples)
			fail_msg("%s: %zu samples, expected %zu", ok[i].file, n, ok[i].samples);
		free(text);
	}
	text = slurp("kepler/malformed.txt", &len);
	n = 0;
	assert_int_equal(prom_parse(text, len, count_cb, &n, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err,
			    "line 5: expected ',' or '}' after the value of label \"instance\"");
	assert_int_equal(n, 2);
	free(text);
}

static void test_label_lookup(void **state)
{
	struct prom_label l[] = { { "zone", "dram" }, { "path", "" } };
	struct prom_sample s = { .name = "x", .labels = l, .nlabels = 2 };

	(void)state;
	assert_string_equal(prom_label(&s, "zone"), "dram");
	assert_string_equal(prom_label(&s, "path"), "");
	assert_null(prom_label(&s, "mode"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_and_labels_cap),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_label_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
