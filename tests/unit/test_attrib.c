// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_attrib.c: exact µJ attribution, every expectation computed by hand in its comment. */
#include "testutil.h"
#include "attrib.h"

static const struct attrib_rule util = { .kind = ATTRIB_UTIL };

static void run(const struct attrib_rule *rule, uint64_t e, uint64_t interval_ns, uint64_t idle_ns,
		const struct attrib_cg *cg, size_t n, bool cycles, const uint64_t *want,
		uint64_t want_idle)
{
	struct attrib_in in = { .energy_uj = e,
				.interval_ns = interval_ns,
				.idle_ns = idle_ns,
				.cg = cg,
				.n = n,
				.use_cycles = cycles };
	uint64_t out[8], idle = 12345;

	assert_int_equal(attrib_interval(rule, &in, out, &idle), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], want[i]);
	assert_int_equal(idle, want_idle);
}

/* 1000 µJ; CPU 100/200/300 ns busy, 400 ns idle: exact shares, no remainder. */
static void test_util_exact(void **state)
{
	const struct attrib_cg cg[] = { { 100, 0 }, { 200, 0 }, { 300, 0 } };
	const uint64_t want[] = { 100, 200, 300 };

	(void)state;
	run(&util, 1000, 1000, 400, cg, 3, false, want, 400);
}

/* 10 µJ over three equal cgroups, no idle: 3.33 each; the 1 µJ left goes to the lowest index. */
static void test_util_remainder_ties(void **state)
{
	const struct attrib_cg cg[] = { { 1, 0 }, { 1, 0 }, { 1, 0 } };
	const uint64_t want[] = { 4, 3, 3 };

	(void)state;
	run(&util, 10, 3, 0, cg, 3, false, want, 0);
}

/* 100 µJ, busy 1 ns vs idle 2 ns: 33.3 vs 66.7; the spare µJ goes to the larger remainder. */
static void test_util_remainder_largest(void **state)
{
	const struct attrib_cg cg[] = { { 1, 0 } };
	const uint64_t want[] = { 33 };

	(void)state;
	run(&util, 100, 3, 2, cg, 1, false, want, 67);
}

/* One cgroup at 50 %: 123457 µJ halves to 61728.5 each: the tie goes to the busy side. */
static void test_single_cgroup(void **state)
{
	const struct attrib_cg cg[] = { { 500000000, 0 } };
	const uint64_t want[] = { 61729 };

	(void)state;
	run(&util, 123457, 1000000000, 500000000, cg, 1, false, want, 61728);
}

/* Nobody ran: everything is idle, with or without rows, and zero CPU time at all too. */
static void test_zero_cpu(void **state)
{
	const struct attrib_cg cg[] = { { 0, 0 }, { 0, 0 } };
	const uint64_t want[] = { 0, 0 };

	(void)state;
	run(&util, 999, 1000, 500, cg, 2, false, want, 999);
	run(&util, 999, 1000, 0, NULL, 0, false, NULL, 999);
	run(&util, 0, 1000, 0, cg, 2, false, want, 0);
}

/* Fixed idle power 2 W over 1 s is 2 J; the other 3 J go 1:3 by CPU time. */
static void test_idle_power(void **state)
{
	const struct attrib_rule r = { .kind = ATTRIB_IDLE_POWER, .idle_power_uw = 2000000 };
	const struct attrib_cg cg[] = { { 1, 0 }, { 3, 0 } };
	const uint64_t want[] = { 750000, 2250000 }, none[] = { 0, 0 };

	(void)state;
	run(&r, 5000000, 1000000000, 999, cg, 2, false, want, 2000000);
	/* Less energy than the idle power explains: all of it is idle. */
	run(&r, 1000000, 1000000000, 999, cg, 2, false, none, 1000000);
}

/* Cycles divide the active part: busy 200 ns of 400 gives 400 µJ active, 10:30 by cycles. */
static void test_cycles(void **state)
{
	const struct attrib_cg cg[] = { { 100, 10 }, { 100, 30 } },
			       cg0[] = { { 100, 0 }, { 300, 0 } };
	const uint64_t want[] = { 100, 300 }, want0[] = { 100, 300 };

	(void)state;
	run(&util, 800, 400, 200, cg, 2, true, want, 400);
	/* No cycles counted: CPU time decides. Busy 400 of 600 ns: 400 µJ active, 100:300. */
	run(&util, 600, 600, 200, cg0, 2, true, want0, 200);
}

/* 5000 cgroups with weights 1..5000: exact sum, each part within 1 µJ of its real share. */
static void test_thousands(void **state)
{
	const size_t n = 5000;
	const uint64_t e = 1000007;
	struct attrib_cg *cg = calloc(n, sizeof(*cg));
	uint64_t *out = calloc(n, sizeof(*out)), idle, sum = 0, w = n * (n + 1) / 2;
	struct attrib_in in = { .energy_uj = e, .interval_ns = 1, .idle_ns = 0, .cg = cg, .n = n };

	(void)state;
	for (size_t i = 0; i < n; i++)
		cg[i].cpu_ns = i + 1;
	assert_int_equal(attrib_interval(&util, &in, out, &idle), 0);
	assert_int_equal(idle, 0);
	for (size_t i = 0; i < n; i++) {
		long double exact = (long double)e * (i + 1) / w;

		assert_true(out[i] + 1 > exact && out[i] < exact + 1);
		sum += out[i];
	}
	assert_int_equal(sum, e);
	free(cg);
	free(out);
}

static void test_split_direct(void **state)
{
	const uint64_t w[] = { 0, 0, 0 }, w2[] = { 2, 0, 1 };
	uint64_t out[3];

	(void)state;
	/* All-zero weights: the fallback slot takes all. */
	assert_int_equal(attrib_split(7, w, 3, 1, out), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 7);
	assert_int_equal(out[2], 0);
	/* 5 over 2:0:1 = 3.33, 0, 1.67: floors 3,0,1; the spare µJ to the 0.67 remainder. */
	assert_int_equal(attrib_split(5, w2, 3, 0, out), 0);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 2);
	/* Near the top of u64: 128-bit products, no overflow. */
	{
		const uint64_t big[] = { UINT64_MAX / 2, UINT64_MAX / 2 };

		assert_int_equal(attrib_split(UINT64_MAX, big, 2, 0, out), 0);
		assert_true(out[0] + out[1] == UINT64_MAX);
		assert_true(out[0] - out[1] <= 1);
	}
	assert_int_equal(attrib_split(1, w, 0, 0, out), -EINVAL);
}

static void test_rule_parse(void **state)
{
	struct attrib_rule r;
	char buf[32];

	(void)state;
	assert_int_equal(attrib_rule_parse("util", &r), 0);
	assert_int_equal(r.kind, ATTRIB_UTIL);
	assert_int_equal(attrib_rule_parse("idle:12.5", &r), 0);
	assert_int_equal(r.kind, ATTRIB_IDLE_POWER);
	assert_int_equal(r.idle_power_uw, 12500000);
	assert_string_equal(attrib_rule_format(&r, buf, sizeof(buf)), "idle:12.5W");
	assert_int_equal(attrib_rule_parse("idle:3W", &r), 0);
	assert_int_equal(r.idle_power_uw, 3000000);
	assert_int_equal(attrib_rule_parse("idle:", &r), -EINVAL);
	assert_int_equal(attrib_rule_parse("idle:-1", &r), -EINVAL);
	assert_int_equal(attrib_rule_parse("idle:x", &r), -EINVAL);
	assert_int_equal(attrib_rule_parse("kepler", &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_exact),
		cmocka_unit_test(test_util_remainder_ties),
		cmocka_unit_test(test_util_remainder_largest),
		cmocka_unit_test(test_single_cgroup),
		cmocka_unit_test(test_zero_cpu),
		cmocka_unit_test(test_idle_power),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_thousands),
		cmocka_unit_test(test_split_direct),
		cmocka_unit_test(test_rule_parse),
	};

	return cmocka_run_group_tests_name("attrib", tests, NULL, NULL);
}
