// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_parse.c: durations, CPU lists and command-line options. */
#include "testutil.h"
#include "cpulist.h"
#include "duration.h"
#include "opts.h"

static void test_duration(void **state)
{
	static const struct {
		const char *in;
		uint64_t ns;
	} ok[] = {
		{ "100ms", 100000000ULL }, { "1ms", 1000000ULL },    { "60s", 60000000000ULL },
		{ "1.5s", 1500000000ULL }, { "250us", 250000ULL },   { "2m", 120000000000ULL },
		{ "10", 10000000000ULL },  { "7ns", 7ULL },	     { "0.25ms", 250000ULL },
		{ ".5s", 500000000ULL },   { "0.001s", 1000000ULL }, { "1.5m", 90000000000ULL },
	};
	static const char *const bad[] = { "",	  "ms",	   "abc", "10x", "1.5ns",
					   "-1s", "1e3ms", "1 s", "10d", "5.s5" };
	uint64_t ns;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(duration_parse(ok[i].in, &ns), 0);
		assert_int_equal(ns, ok[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(duration_parse(bad[i], &ns) < 0);
	assert_int_equal(duration_parse("99999999999999999999s", &ns), -ERANGE);
	assert_int_equal(duration_parse("999999999999m", &ns), -ERANGE);
	/* The largest count of ns parses (duration_format writes it; found by fuzzing). */
	assert_int_equal(duration_parse("18446744073709551615ns", &ns), 0);
	assert_true(ns == UINT64_MAX);
	assert_int_equal(duration_parse("18446744073709551616ns", &ns), -ERANGE);
	assert_int_equal(duration_parse("18446744073709551620ns", &ns), -ERANGE);
}

static void test_duration_format(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(duration_format(100000000ULL, b, sizeof(b)), "100ms");
	assert_string_equal(duration_format(1500000000ULL, b, sizeof(b)), "1.5s");
	assert_string_equal(duration_format(120000000000ULL, b, sizeof(b)), "2m");
	assert_string_equal(duration_format(1000000ULL, b, sizeof(b)), "1ms");
	assert_string_equal(duration_format(2250000ULL, b, sizeof(b)), "2.25ms");
	assert_string_equal(duration_format(999ULL, b, sizeof(b)), "999ns");
	assert_string_equal(duration_format(1000001ULL, b, sizeof(b)), "1000.001us");
	assert_string_equal(duration_format(1000000001ULL, b, sizeof(b)), "1000000.001us");
}

/* FIELD-NOTES 10: sparse and holey masks, and the empty list (no CPU offline). */
static void test_cpulist(void **state)
{
	bool m[128];

	(void)state;
	assert_int_equal(cpulist_parse("0-11,16-27\n", m, 128), 0);
	assert_true(m[0] && m[11] && !m[12] && !m[15] && m[16] && m[27] && !m[28]);
	assert_int_equal(cpulist_parse("0,64", m, 128), 0);
	assert_true(m[0] && m[64] && !m[1] && !m[63]);
	assert_int_equal(cpulist_parse("0-127", m, 128), 0);
	assert_true(m[127]);
	assert_int_equal(cpulist_parse("\n", m, 128), 0);
	assert_false(m[0]);
	assert_int_equal(cpulist_parse("0-128", m, 128), -ERANGE);
	assert_int_equal(cpulist_parse("3-1", m, 128), -EINVAL);
	assert_int_equal(cpulist_parse("a", m, 128), -EINVAL);
	assert_int_equal(cpulist_parse("1,", m, 128), -EINVAL);
	assert_int_equal(cpulist_parse("1 2", m, 128), -EINVAL);
}

static int parse(struct record_env *env, char *err, int argc, ...)
{
	char *argv[16];
	va_list ap;

	argv[0] = "record";
	va_start(ap, argc);
	for (int i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	return record_parse(argc, argv, env, err, 256);
}

static void test_record_opts(void **state)
{
	struct record_env env;
	char err[256];

	(void)state;
	assert_int_equal(parse(&env, err, 1), 0);
	assert_int_equal(env.interval_ns, 100000000ULL);
	assert_int_equal(env.duration_ns, 0);
	assert_string_equal(env.energy, "auto");
	assert_int_equal(env.rule.kind, ATTRIB_UTIL);
	assert_int_equal(env.attach, ATTACH_AUTO);
	assert_int_equal(env.top, 10);
	assert_int_equal(parse(&env, err, 13, "-i", "1ms", "-d", "10s", "-o", "x.csv.gz", "-e",
			       "model", "--attach", "raw_tp", "--pmu", "sw-clock"),
			 0);
	assert_int_equal(env.interval_ns, 1000000ULL);
	assert_int_equal(env.duration_ns, 10000000000ULL);
	assert_string_equal(env.output, "x.csv.gz");
	assert_string_equal(env.energy, "model");
	assert_int_equal(env.attach, ATTACH_RAW_TP);
	assert_int_equal(env.pmu, PMU_SW_CLOCK);
	assert_int_equal(parse(&env, err, 7, "--attribution=idle:4", "--top", "3", "--cgroup-mode",
			       "v1", "-v"),
			 0);
	assert_int_equal(env.rule.idle_power_uw, 4000000);
	assert_int_equal(env.top, 3);
	assert_string_equal(env.cgroup_mode, "v1");
	assert_int_equal(env.verbose, 1);
}

static void test_record_opts_errors(void **state)
{
	struct record_env env;
	char err[256];

	(void)state;
	assert_int_equal(parse(&env, err, 3, "-i", "0"), -EINVAL);
	assert_non_null(strstr(err, "interval '0' out of range"));
	assert_int_equal(parse(&env, err, 3, "-i", "61s"), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(parse(&env, err, 3, "-i", "500us"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "-i", "abc"), -EINVAL);
	assert_non_null(strstr(err, "bad interval 'abc'"));
	assert_int_equal(parse(&env, err, 2, "--bogus"), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(parse(&env, err, 3, "--attach", "kprobe"), -EINVAL);
	assert_non_null(strstr(err, "kprobe"));
	assert_int_equal(parse(&env, err, 3, "--top", "0"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "-a", "magic"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "-d", "0s"), -EINVAL);
	assert_int_equal(parse(&env, err, 2, "extra"), -EINVAL);
	assert_non_null(strstr(err, "'extra'"));
	assert_int_equal(parse(&env, err, 3, "--max-cgroups", "8"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "-d", "366d"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "-d", "8761h"), -EINVAL); /* over 365 days */
	assert_int_equal(parse(&env, err, 3, "-d", "8760h"), 0);
	assert_int_equal(parse(&env, err, 3, "-a", "idle:nan"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "-a", "idle:0x10"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "-a", "idle:1e3"), -EINVAL);
	assert_int_equal(parse(&env, err, 3, "--cgroup-mode", "v3"), -EINVAL);
	assert_int_equal(parse(&env, err, 2, "-i"), -EINVAL);
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_format),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_record_opts),
		cmocka_unit_test(test_record_opts_errors),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
