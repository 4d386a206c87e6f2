// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_energy.c: energy sources over one interval: deltas, wraps, gaps, the model. */
#include "testutil.h"
#include "energy.h"

#define SEC 1000000000ULL

static void set_energy(const char *dir, const char *zone, uint64_t uj)
{
	char rel[128], val[32];

	snprintf(rel, sizeof(rel), "%s/energy_uj", zone);
	snprintf(val, sizeof(val), "%llu\n", (unsigned long long)uj);
	put_file(dir, rel, val, 0444);
}

static struct energy *open_tree(const char *dir)
{
	char spec[512], msg[512];
	struct energy *e;

	snprintf(spec, sizeof(spec), "powercap:%s", dir);
	e = energy__open(spec, 2, msg, sizeof(msg));
	assert_non_null(e);
	assert_string_equal(msg, "");
	return e;
}

/* The sequence through the whole source: 100 J per second, across the wrap. */
static void test_powercap_wrap(void **state)
{
	const uint64_t r[] = { 262000000000ULL, 262100000000ULL, 56671150ULL, 156671150ULL };
	char *dir = tmp_tree();
	struct zone_delta zd[ENERGY_MAX_ZONES];
	struct energy *e;

	(void)state;
	put_file(dir, "intel-rapl:0/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl:0/max_energy_range_uj", "262143328850\n", 0444);
	set_energy(dir, "intel-rapl:0", r[0]);
	e = open_tree(dir);
	assert_string_equal(energy__source(e), "powercap");
	assert_int_equal(energy__nzones(e), 1);
	assert_string_equal(energy__zone_label(e, 0), "package-0");
	energy__start(e, 10 * SEC);
	for (int i = 1; i < 4; i++) {
		set_energy(dir, "intel-rapl:0", r[i]);
		assert_int_equal(energy__sample(e, (10 + i) * SEC, 0, 0, zd), 0);
		assert_false(zd[0].gap);
		assert_int_equal(zd[0].energy_uj, 100000000ULL);
	}
	energy__free(e);
	rm_tree(dir);
}

/* FIELD-NOTES 6: backwards without a range, or faster than physics, is a gap, never a value. */
static void test_powercap_gaps(void **state)
{
	char *dir = tmp_tree();
	struct zone_delta zd[ENERGY_MAX_ZONES];
	struct energy *e;

	(void)state;
	put_file(dir, "intel-rapl:0/name", "package-0\n", 0444);
	set_energy(dir, "intel-rapl:0", 1000000);
	e = open_tree(dir);
	energy__start(e, SEC);
	set_energy(dir, "intel-rapl:0", 500000); /* driver reload: goes backwards */
	assert_int_equal(energy__sample(e, 2 * SEC, 0, 0, zd), 1);
	assert_true(zd[0].gap);
	set_energy(dir, "intel-rapl:0", 600000); /* resynchronized: 0.1 J */
	assert_int_equal(energy__sample(e, 3 * SEC, 0, 0, zd), 0);
	assert_int_equal(zd[0].energy_uj, 100000);
	set_energy(dir, "intel-rapl:0", 600000 + 9000000000ULL); /* 9 kJ in 1 s: 9 kW */
	assert_int_equal(energy__sample(e, 4 * SEC, 0, 0, zd), 1);
	assert_true(zd[0].gap);
	put_file(dir, "intel-rapl:0/energy_uj", "garbage\n", 0444); /* unreadable now */
	assert_int_equal(energy__sample(e, 5 * SEC, 0, 0, zd), 1);
	energy__free(e);
	rm_tree(dir);
}

static void test_open_errors(void **state)
{
	char msg[512];

	(void)state;
	assert_null(energy__open("powercap:/nonexistent", 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "/nonexistent"));
	assert_non_null(strstr(msg, "No such file"));
	assert_null(energy__open("bogus", 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "'bogus'"));
	assert_null(energy__open("model:idle=x", 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "idle=x"));
	assert_null(energy__open("model:idle=50,max=10", 2, msg, sizeof(msg)));
	assert_null(energy__open("model:watts=3", 2, msg, sizeof(msg)));
	assert_null(energy__open("model:idle=nan,max=nan", 2, msg, sizeof(msg)));
	assert_null(energy__open("model:idle=0x10", 2, msg, sizeof(msg)));
	assert_null(energy__open("model:idle=1,max=20000", 2, msg, sizeof(msg)));
	/* The default max (3.5 W x 2 CPUs) below a given idle power: the message says so. */
	assert_null(energy__open("model:idle=50", 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "7.00 W (default"));
}

/* An empty tree has no zone: an explicit powercap source refuses, naming the root. */
static void test_no_zones(void **state)
{
	char *dir = tmp_tree(), spec[512], msg[512];

	(void)state;
	snprintf(spec, sizeof(spec), "powercap:%s", dir);
	assert_null(energy__open(spec, 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, dir));
	assert_non_null(strstr(msg, "no intel-rapl zone"));
	rm_tree(dir);
}

/* idle 10 W, max 30 W, half busy for 1 s: 20 J; all idle for 2 s: 20 J; full for 0.5 s: 15 J. */
static void test_model(void **state)
{
	char msg[256];
	struct energy *e = energy__open("model:idle=10,max=30", 4, msg, sizeof(msg));
	struct zone_delta zd[1];

	(void)state;
	assert_non_null(e);
	assert_string_equal(energy__source(e), "model");
	assert_string_equal(energy__zone_label(e, 0), "model");
	assert_true(energy__zone_is_node(e, 0));
	energy__start(e, 0);
	assert_int_equal(energy__sample(e, SEC, 2 * SEC, 4 * SEC, zd), 0);
	assert_int_equal(zd[0].energy_uj, 20000000);
	assert_int_equal(energy__sample(e, 3 * SEC, 0, 8 * SEC, zd), 0);
	assert_int_equal(zd[0].energy_uj, 20000000);
	assert_int_equal(energy__sample(e, 3 * SEC + SEC / 2, 2 * SEC, 2 * SEC, zd), 0);
	assert_int_equal(zd[0].energy_uj, 15000000);
	energy__free(e);
	/* Defaults: 0.74 W and 3.5 W per CPU (Cloud Carbon Footprint), 4 CPUs; no DMI to go by
	 * (on a cloud instance, "model" alone would take its type's coefficients). */
	e = energy__open("model:dmi=/nonexistent", 4, msg, sizeof(msg));
	assert_non_null(e);
	energy__start(e, 0);
	energy__sample(e, SEC, 0, 4 * SEC, zd);
	assert_int_equal(zd[0].energy_uj, 2960000);
	energy__sample(e, 2 * SEC, 4 * SEC, 4 * SEC, zd);
	assert_int_equal(zd[0].energy_uj, 14000000);
	energy__free(e);
	assert_int_equal(energy_model_power_uw(1000, 3000, 1, 4), 1500);
	assert_int_equal(energy_model_power_uw(1000, 3000, 9, 4), 3000);
	assert_int_equal(energy_model_power_uw(1000, 3000, 9, 0), 1000);
}

/*
 * Coefficients by name, by DMI, and overridden. By hand from user/model_coeffs.def: aws c5 ->
 * Cascade Lake (0.64, 3.97) + Skylake (0.65, 4.26), mean 0.645..4.115 W per vCPU; x 4 vCPUs:
 * 2.58 W .. 16.46 W. Skylake alone x 2: 1.30 .. 8.52 W.
 */
static void test_model_tables(void **state)
{
	char *dmi = tmp_tree(), spec[512], msg[512];
	struct energy *e;

	(void)state;
	e = energy__open("model:instance=c5.xlarge", 4, msg, sizeof(msg));
	assert_non_null(e);
	assert_non_null(strstr(energy__describe(e), "2.58 W idle .. 16.46 W busy"));
	assert_non_null(strstr(energy__describe(e), "aws c5"));
	energy__free(e);
	put_file(dmi, "sys_vendor", "Amazon EC2\n", 0444);
	put_file(dmi, "product_name", "c5.xlarge\n", 0444);
	snprintf(spec, sizeof(spec), "model:dmi=%s", dmi);
	e = energy__open(spec, 4, msg, sizeof(msg));
	assert_non_null(e);
	assert_non_null(strstr(energy__describe(e), "2.58 W idle .. 16.46 W busy"));
	energy__free(e);
	/* Given watts win over the table's. */
	e = energy__open("model:arch=skylake,idle=5", 2, msg, sizeof(msg));
	assert_non_null(e);
	assert_non_null(strstr(energy__describe(e), "5.00 W idle .. 8.52 W busy"));
	energy__free(e);
	e = energy__open("model:arch=skylake", 2, msg, sizeof(msg));
	assert_non_null(strstr(energy__describe(e), "1.30 W idle .. 8.52 W busy"));
	energy__free(e);
	assert_null(energy__open("model:instance=m7i.large", 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "no coefficients for 'm7i.large'"));
	assert_null(energy__open("model:instance=", 2, msg, sizeof(msg)));
	rm_tree(dmi);
}

/*
 * A one-socket server read through the energy layer: node = package + dram, core is inside the
 * package. By hand: package +12.5 J, dram +2.25 J, core +8 J over 1 s: node 14.75 J.
 */
static void test_one_socket_server(void **state)
{
	char *dir = tmp_tree(), src[512], spec[600], msg[512];
	struct zone_delta zd[8];
	struct energy *e;
	size_t n;

	(void)state;
	fixture("powercap/intel-1pkg-server", src, sizeof(src));
	snprintf(spec, sizeof(spec), "cp -r %s/. %s", src, dir);
	assert_int_equal(system(spec), 0);
	snprintf(spec, sizeof(spec), "powercap:%s", dir);
	e = energy__open(spec, 8, msg, sizeof(msg));
	if (!e)
		fail_msg("%s", msg);
	assert_string_equal(energy__source(e), "powercap");
	n = energy__nzones(e);
	assert_int_equal(n, 3);
	energy__start(e, 0);
	put_file(dir, "intel-rapl:0/energy_uj", "43112715537\n", 0644);
	put_file(dir, "intel-rapl:0:0/energy_uj", "20808411302\n", 0644);
	put_file(dir, "intel-rapl:0:1/energy_uj", "9875470114\n", 0644);
	assert_int_equal(energy__sample(e, SEC, 0, 8 * SEC, zd), 0);
	for (size_t i = 0; i < n; i++) {
		const char *l = energy__zone_label(e, i);
		uint64_t want = !strcmp(l, "package-0") ? 12500000
				: !strcmp(l, "dram-0")	? 2250000
							: 8000000;

		assert_int_equal(zd[i].energy_uj, want);
		assert_int_equal(energy__zone_is_node(e, i), strcmp(l, "core-0") != 0);
	}
	/* 55.8 kJ in a second is not DRAM but a fault: a gap, and the new baseline. */
	put_file(dir, "intel-rapl:0:1/energy_uj", "65712990000\n", 0644);
	assert_int_equal(energy__sample(e, 2 * SEC, 0, 8 * SEC, zd), 1);
	/* Backwards with the range known is a wrap: 65712999613 - 65712990000 + 5000 µJ. */
	put_file(dir, "intel-rapl:0:1/energy_uj", "5000\n", 0644);
	assert_int_equal(energy__sample(e, 3 * SEC, 0, 8 * SEC, zd), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(energy__zone_label(e, i), "dram-0"))
			assert_int_equal(zd[i].energy_uj, 14613);
	energy__free(e);
	rm_tree(dir);
}

/* The fraction of a µJ the floor drops in each interval is carried, never lost. */
static void test_model_carry(void **state)
{
	char msg[256];
	struct energy *e = energy__open("model:idle=0.001,max=0.001", 1, msg, sizeof(msg));
	struct zone_delta zd[1];
	uint64_t sum = 0, t = 0;

	(void)state;
	assert_non_null(e);
	energy__start(e, 0);
	/* 1 mW for 1 ms is 1 µJ: 1000 intervals of 1 µs each give 1e-3 µJ, exactly 1 in sum. */
	for (int i = 0; i < 1000; i++) {
		t += 1000;
		energy__sample(e, t, 0, 1000, zd);
		sum += zd[0].energy_uj;
	}
	assert_int_equal(sum, 1);
	energy__free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_powercap_wrap), cmocka_unit_test(test_powercap_gaps),
		cmocka_unit_test(test_open_errors),   cmocka_unit_test(test_no_zones),
		cmocka_unit_test(test_model),	      cmocka_unit_test(test_model_carry),
		cmocka_unit_test(test_model_tables),  cmocka_unit_test(test_one_socket_server),
	};

	return cmocka_run_group_tests_name("energy", tests, NULL, NULL);
}
