// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_bursts.c: the reconcile burst detector, on series whose answers are known by hand. */
#include <math.h>
#include "testutil.h"
#include "bursts.h"

#define MS	 1000000ull
#define BIN_NS	 (100 * MS)
#define N_10MIN	 6000  /* 10 min of 100 ms bins */
#define FLOOR_J	 0.001 /* 0.01 W over 100 ms */
#define PERIOD_B 600   /* 60 s of 100 ms bins */
#define FIRST_B	 300   /* the first burst at 30 s */

static uint32_t lcg_state;

/* Uniform in [-1, 1): a deterministic LCG (Numerical Recipes' constants). */
static double lcg_u(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return (double)(lcg_state >> 8) / (1 << 23) - 1;
}

static void near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.10f, want %.10f (+- %g)", got, want, tol);
}

static double *flat(size_t n, double floor_j)
{
	double *j = malloc(n * sizeof(*j));

	assert_non_null(j);
	for (size_t i = 0; i < n; i++)
		j[i] = floor_j;
	return j;
}

/* count bursts of e joules, in one bin each, every step bins from first. */
static void every(double *j, size_t first, size_t step, size_t count, double e)
{
	for (size_t k = 0; k < count; k++)
		j[first + step * k] += e;
}

/* Ten bursts of 0.5 J above the floor, one a minute from 30 s. */
static double *clean(void)
{
	double *j = flat(N_10MIN, FLOOR_J);

	every(j, FIRST_B, PERIOD_B, 10, 0.5);
	return j;
}

static void detect(const double *j, const bool *valid, size_t n, uint64_t bin_ns,
		   const struct burst_opts *o, struct burst_result *r, struct burst *list,
		   size_t max)
{
	assert_int_equal(bursts_detect(j, valid, n, bin_ns, o, r, list, max), 0);
}

/*
 * Total 6000 x 0.001 + 10 x 0.5 = 11 J, 5 J of it above the floor: share 5/11. 10 bursts in
 * 600 s: 60 an hour. Starts 600 bins of 100 ms apart: 60 s, no spread. Then a list of 3 for
 * the 10: the first three stored, the fourth entry untouched, all ten counted.
 */
static void test_clean(void **state)
{
	struct burst list[10] = { [3] = { .first = 77 } };
	struct burst_result r;
	double *j = clean();

	(void)state;
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, list, 3);
	assert_int_equal(r.nbursts, 10);
	assert_true(list[2].first == 1500 && list[3].first == 77);
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, list, 10);
	assert_int_equal(r.nbursts, 10);
	assert_true(r.period_s == 60.0 && r.period_spread_s == 0 && r.nintervals == 9);
	assert_true(r.periodic && !r.busy);
	near(r.j_mean, 0.5, 1e-9);
	near(r.j_sd, 0, 1e-9);
	assert_true(r.per_hour == 60.0 && r.valid_s == 600.0);
	near(r.share, 5.0 / 11, 1e-12);
	near(r.baseline_w, 0.01, 1e-12);
	assert_true(r.threshold_w > 0.01 && r.threshold_w < 5.01);
	assert_true(list[9].first == 5700 && list[9].last == 5700 && !list[0].clipped);
	near(list[9].total_j, 0.501, 1e-12);
	free(j);
}

/*
 * The model attribution's idle controller: exactly 0 J (median and MAD 0) but for 2 mJ
 * wakeups every 3 s, 15 bins off each burst. Only the bursts clear 20 % of the typical burst
 * bin (0.1 J): 10 of 0.5 J, share 5 / (5 + 200 x 0.002).
 */
static void test_idle_zero(void **state)
{
	double *j = flat(N_10MIN, 0);
	struct burst_result r;

	(void)state;
	for (size_t i = 15; i < N_10MIN; i += 30)
		j[i] = 0.002;
	every(j, FIRST_B, PERIOD_B, 10, 0.5);
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, NULL, 0);
	assert_int_equal(r.nbursts, 10);
	assert_true(r.baseline_w == 0 && r.noise_w == 0);
	assert_true(r.periodic && r.period_s == 60.0);
	near(r.j_mean, 0.5, 1e-12);
	near(r.share, 5 / 5.4, 1e-12);
	free(j);
}

/*
 * Floor +-10 %, each start moved by -1, 0 or +1 bin, each 0.5 J split at random between two
 * bins. Intervals are 598..602 bins: the median within one bin of 60 s. The floor noise in a
 * burst's two bins is under +-2e-4 J: each energy within 0.1 %, asserted to 1 %.
 */
static void test_noisy(void **state)
{
	double *j = malloc(N_10MIN * sizeof(*j));
	struct burst list[10];
	struct burst_result r;

	(void)state;
	lcg_state = 42;
	for (size_t i = 0; i < N_10MIN; i++)
		j[i] = FLOOR_J * (1 + 0.1 * lcg_u());
	for (size_t k = 0; k < 10; k++) {
		size_t b = FIRST_B + PERIOD_B * k + (size_t)((lcg_u() + 1) * 1.5) - 1;
		double f = (lcg_u() + 1) / 2;

		j[b] += 0.5 * f;
		j[b + 1] += 0.5 * (1 - f);
	}
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, list, 10);
	assert_int_equal(r.nbursts, 10);
	assert_true(r.periodic);
	near(r.period_s, 60, 0.1 + 1e-9);
	near(r.j_mean, 0.5, 0.005);
	for (size_t k = 0; k < 10; k++)
		near(list[k].energy_j, 0.5, 0.005);
	near(r.share, 5.0 / 11, 0.01);
	near(r.baseline_w, 0.01, 0.001);
	free(j);
}

/* 0.3 + 0.2 J (or 0.2 + 0.3, or 0.45 + 0.05) across a bin edge: one burst of 0.5 J each. */
static void test_straddle(void **state)
{
	double *j = flat(N_10MIN, FLOOR_J), a[] = { 0.3, 0.2, 0.45 };
	struct burst list[10];
	struct burst_result r;

	(void)state;
	for (size_t k = 0; k < 10; k++) {
		j[FIRST_B + PERIOD_B * k] += a[k % 3];
		j[FIRST_B + PERIOD_B * k + 1] += 0.5 - a[k % 3];
	}
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, list, 10);
	assert_int_equal(r.nbursts, 10);
	assert_true(r.periodic && r.period_s == 60.0);
	for (size_t k = 0; k < 10; k++) {
		assert_int_equal(list[k].first, FIRST_B + PERIOD_B * k);
		assert_int_equal(list[k].last, FIRST_B + PERIOD_B * k + 1);
		near(list[k].energy_j, 0.5, 1e-9);
	}
	free(j);
}

/*
 * 0.25 J, a bin at the floor, 0.25 J: the dip is 0.1 s < merge_s 1 s, one burst of 0.5 J over
 * three bins (the dip adds 0). With merge_s 0.05 s: 20 bursts of 0.25 J; with min_period_s
 * 5 s as well, the second half starts 0.2 s after the first and joins it again: 10.
 */
static void test_dip(void **state)
{
	struct burst_opts o;
	struct burst list[20];
	struct burst_result r;
	double *j = flat(N_10MIN, FLOOR_J);

	(void)state;
	every(j, FIRST_B, PERIOD_B, 10, 0.25);
	every(j, FIRST_B + 2, PERIOD_B, 10, 0.25);
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, list, 20);
	assert_true(r.nbursts == 10 && list[4].last - list[4].first == 2);
	near(list[4].energy_j, 0.5, 1e-9);
	burst_opts_default(&o);
	o.merge_s = 0.05;
	detect(j, NULL, N_10MIN, BIN_NS, &o, &r, list, 20);
	assert_int_equal(r.nbursts, 20);
	near(r.j_mean, 0.25, 1e-9);
	o.min_period_s = 5;
	detect(j, NULL, N_10MIN, BIN_NS, &o, &r, list, 20);
	assert_int_equal(r.nbursts, 10);
	assert_true(r.periodic && r.period_s == 60.0);
	free(j);
}

/*
 * Gaps [2000, 2900) (the bursts at 2100 and 2700 are lost; a NaN there is never read) and
 * [4000, 4005), 0.5 s, with a burst on each edge (3999, 4005): less than merge_s apart yet
 * two. Bursts: 300 900 1500 3300 3900 3999 4005 4500 5100 5700 = 10 in 5095 valid bins,
 * 509.5 s: 36000 / 509.5 an hour. Intervals not across a gap: 60 60 60 9.9 49.5 60 60 s:
 * median 60, MAD 0. Share: 5 / (5095 x 0.001 + 5).
 */
static void test_gap(void **state)
{
	bool *valid = malloc(N_10MIN * sizeof(*valid));
	struct burst list[10];
	struct burst_result r;
	double *j = clean();

	(void)state;
	for (size_t i = 0; i < N_10MIN; i++)
		valid[i] = !(i >= 2000 && i < 2900) && !(i >= 4000 && i < 4005);
	j[2500] = NAN;
	j[3999] += 0.5;
	j[4005] += 0.5;
	detect(j, valid, N_10MIN, BIN_NS, NULL, &r, list, 10);
	assert_int_equal(r.nbursts, 10);
	assert_true(r.valid_s == 509.5);
	near(r.per_hour, 36000 / 509.5, 1e-9);
	assert_true(list[5].first == 3999 && list[5].last == 3999 && list[6].first == 4005);
	assert_true(list[5].clipped && list[6].clipped && !list[4].clipped);
	assert_true(r.periodic && r.period_s == 60.0 && r.period_spread_s == 0);
	assert_int_equal(r.nintervals, 7);
	near(r.share, 5 / (5095 * 0.001 + 5), 1e-12);
	free(valid);
	free(j);
}

/* All zero, constant, all invalid: no bursts, nothing to divide by zero. */
static void test_flat(void **state)
{
	double *j = flat(N_10MIN, 0);
	bool none[4] = { false };
	struct burst_result r;

	(void)state;
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, NULL, 0);
	assert_int_equal(r.nbursts, 0);
	assert_true(r.baseline_w == 0 && r.share == 0 && r.per_hour == 0 && r.period_s == 0);
	assert_false(r.periodic || r.busy);
	free(j);
	j = flat(N_10MIN, 0.05);
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, NULL, 0);
	assert_int_equal(r.nbursts, 0);
	near(r.baseline_w, 0.5, 1e-12);
	detect(j, none, 4, BIN_NS, NULL, &r, NULL, 0);
	assert_int_equal(r.nbursts, 0);
	assert_true(r.valid_s == 0 && r.per_hour == 0);
	free(j);
}

/*
 * Busy all the time: 1 W +- Gaussian noise of 0.1 W (12 uniforms, so never past 6 sigma) over
 * an hour. The start level is 5 sigma: no bursts. Then a sparse busy one: 40 % of the bins
 * hold 0.01 to 0.05 J, the rest 0. The median and MAD are 0, so each wakeup clears the
 * threshold, but they merge into runs over most of the time: busy, reported as no bursts.
 */
static void test_busy(void **state)
{
	double *j = flat(36000, 0);
	struct burst_result r;

	(void)state;
	lcg_state = 7;
	for (size_t i = 0; i < 36000; i++) {
		double g = 0;

		for (int k = 0; k < 12; k++)
			g += (lcg_u() + 1) / 2;
		j[i] = 0.1 * (1 + 0.1 * (g - 6));
	}
	detect(j, NULL, 36000, BIN_NS, NULL, &r, NULL, 0);
	assert_int_equal(r.nbursts, 0);
	assert_false(r.periodic);
	near(r.noise_w, 0.1, 0.01);
	for (size_t i = 0; i < N_10MIN; i++)
		j[i] = (lcg_u() + 1) / 2 < 0.4 ? 0.03 + 0.02 * lcg_u() : 0;
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, NULL, 0);
	assert_true(r.busy && r.nbursts == 0 && !r.periodic);
	free(j);
}

/* One burst: no period, no spread, 6 an hour. Two, 60 s apart: a period, but not periodic. */
static void test_single(void **state)
{
	double *j = flat(N_10MIN, FLOOR_J);
	struct burst_result r;

	(void)state;
	j[1000] += 0.5;
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, NULL, 0);
	assert_true(r.nbursts == 1 && !r.periodic);
	assert_true(r.period_s == 0 && r.j_sd == 0 && r.per_hour == 6.0);
	near(r.j_mean, 0.5, 1e-9);
	j[1600] += 0.5;
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, NULL, 0);
	assert_true(r.nbursts == 2 && !r.periodic && r.period_s == 60.0 && r.nintervals == 1);
	free(j);
}

/*
 * Every 60 s from 10 s (10 bursts) and every 90 s from 25 s (7): 17 bursts, intervals 15 s
 * x7, 45 s x6, 60 s x3. Median 45 s; deviations 30 x7, 0 x6, 15 x3: MAD 15 s, a third of
 * the median: not periodic.
 */
static void test_superposed(void **state)
{
	double *j = flat(N_10MIN, FLOOR_J);
	struct burst_result r;

	(void)state;
	every(j, 100, 600, 10, 0.5);
	every(j, 250, 900, 7, 0.5);
	detect(j, NULL, N_10MIN, BIN_NS, NULL, &r, NULL, 0);
	assert_int_equal(r.nbursts, 17);
	near(r.period_s, 45, 1e-9);
	near(r.period_spread_s, 15, 1e-9);
	assert_false(r.periodic);
	free(j);
}

/*
 * 1 ms bins over 5 min, a 0.01 W floor (1e-5 J a bin), 30 bursts of 50 bins x 2 mJ = 0.1 J
 * every 10 s from 5 s. Total 300000 x 1e-5 + 3 = 6 J: share 0.5; 30 in 300 s: 360 an hour.
 */
static void test_fine_bins(void **state)
{
	double *j = flat(300000, 1e-5);
	struct burst list[30];
	struct burst_result r;

	(void)state;
	for (size_t k = 0; k < 30; k++)
		for (size_t i = 0; i < 50; i++)
			j[5000 + 10000 * k + i] += 0.002;
	detect(j, NULL, 300000, MS, NULL, &r, list, 30);
	assert_int_equal(r.nbursts, 30);
	assert_true(r.periodic && r.period_s == 10.0);
	near(r.j_mean, 0.1, 1e-9);
	near(r.share, 0.5, 1e-9);
	near(r.per_hour, 360, 1e-9);
	assert_true(list[29].first == 295000 && list[29].last == 295049);
	free(j);
}

/* n == 0, bin_ns == 0, no series, no result, a NaN, negative or infinite bin, a bad option. */
static void test_bad_input(void **state)
{
	const double bad[] = { NAN, -1e-9, INFINITY };
	double j[3] = { 0, 1, 0 };
	struct burst_opts o;
	struct burst_result r;

	(void)state;
	assert_int_equal(bursts_detect(j, NULL, 0, BIN_NS, NULL, &r, NULL, 0), -EINVAL);
	assert_int_equal(bursts_detect(j, NULL, 3, 0, NULL, &r, NULL, 0), -EINVAL);
	assert_int_equal(bursts_detect(NULL, NULL, 3, BIN_NS, NULL, &r, NULL, 0), -EINVAL);
	assert_int_equal(bursts_detect(j, NULL, 3, BIN_NS, NULL, NULL, NULL, 0), -EINVAL);
	for (size_t k = 0; k < 3; k++) {
		j[1] = bad[k];
		assert_int_equal(bursts_detect(j, NULL, 3, BIN_NS, NULL, &r, NULL, 0), -EINVAL);
	}
	j[1] = 1;
	burst_opts_default(&o);
	o.merge_s = -1;
	assert_int_equal(bursts_detect(j, NULL, 3, BIN_NS, &o, &r, NULL, 0), -EINVAL);
	o.merge_s = 1;
	o.min_period_s = NAN;
	assert_int_equal(bursts_detect(j, NULL, 3, BIN_NS, &o, &r, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),	  cmocka_unit_test(test_idle_zero),
		cmocka_unit_test(test_noisy),	  cmocka_unit_test(test_straddle),
		cmocka_unit_test(test_dip),	  cmocka_unit_test(test_gap),
		cmocka_unit_test(test_flat),	  cmocka_unit_test(test_busy),
		cmocka_unit_test(test_single),	  cmocka_unit_test(test_superposed),
		cmocka_unit_test(test_fine_bins), cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
