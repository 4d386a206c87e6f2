// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_recmeta.c: a recording's metadata sidecar: written, read back, and refused when bad. */
#include "testutil.h"
#include "recmeta.h"

static struct recmeta sample(void)
{
	struct recmeta m = { .cpus = 2,
			     .interval_ns = 100000000,
			     .nzones = 2,
			     .start_unix_ns = 1796350177385923000ULL,
			     .start_mono_ns = 22924383556139ULL,
			     .complete = true,
			     .end_unix_ns = 1796350178386080949ULL,
			     .intervals = 10 };

	snprintf(m.version, sizeof(m.version), "0.1.0");
	snprintf(m.host, sizeof(m.host), "node-\"1\"");
	snprintf(m.kernel, sizeof(m.kernel), "6.1.0-13-amd64 #1 SMP");
	snprintf(m.cpu_model, sizeof(m.cpu_model), "Intel(R) Xeon(R) Gold 6338");
	snprintf(m.attribution, sizeof(m.attribution), "util");
	snprintf(m.source, sizeof(m.source), "powercap");
	snprintf(m.energy_desc, sizeof(m.energy_desc), "powercap /sys/class/powercap (RAPL)");
	snprintf(m.zones[0].label, sizeof(m.zones[0].label), "package-0");
	m.zones[0].node = true;
	snprintf(m.zones[1].label, sizeof(m.zones[1].label), "core-0");
	return m;
}

static void test_round_trip(void **state)
{
	struct recmeta m = sample(), back;
	char *dir = tmp_tree(), csv[512], msg[256], t[40];

	(void)state;
	snprintf(csv, sizeof(csv), "%s/run.csv.gz", dir);
	assert_int_equal(recmeta_write(csv, &m), 0);
	assert_int_equal(recmeta_read(csv, &back, msg, sizeof(msg)), 0);
	assert_string_equal(back.host, "node-\"1\"");
	assert_string_equal(back.zones[0].label, "package-0");
	assert_true(back.zones[0].node);
	assert_false(back.zones[1].node);
	assert_int_equal(back.nzones, 2);
	assert_int_equal(back.start_mono_ns, m.start_mono_ns);
	assert_int_equal(back.start_unix_ns, m.start_unix_ns);
	assert_int_equal(back.intervals, 10);
	assert_true(back.complete);
	/* 1796350177.385923 s since the epoch: 2026-12-04 02:09:37.385 UTC. */
	assert_string_equal(recmeta_time(m.start_unix_ns, t, sizeof(t)),
			    "2026-12-04T02:09:37.385Z");
	rm_tree(dir);
}

static void test_bad(void **state)
{
	struct recmeta m;
	char msg[256];
	char *dir = tmp_tree(), csv[512];

	(void)state;
	assert_int_equal(recmeta_from_json("[1,2]", &m, msg, sizeof(msg)), -EBADMSG);
	assert_string_equal(msg, "not JSON");
	assert_int_equal(recmeta_from_json("{\"format\":\"other\"}", &m, msg, sizeof(msg)),
			 -EBADMSG);
	assert_non_null(strstr(msg, "(format)"));
	assert_int_equal(
		recmeta_from_json("{\"format\":\"wattprobe-record\",\"wattprobe_version\":"
				  "\"1\",\"host\":\"h\",\"kernel\":\"k\",\"cpu_model\":\"c\","
				  "\"interval_ns\":\"fast\"}",
				  &m, msg, sizeof(msg)),
		-EBADMSG);
	assert_string_equal(msg, "field interval_ns missing or not a number");
	/* Found by fuzzing: json-c reads a negative number as 0 through get_uint64. */
	assert_int_equal(
		recmeta_from_json("{\"format\":\"wattprobe-record\",\"wattprobe_version\":"
				  "\"1\",\"host\":\"h\",\"kernel\":\"k\",\"cpu_model\":\"c\","
				  "\"interval_ns\":-5}",
				  &m, msg, sizeof(msg)),
		-EBADMSG);
	assert_string_equal(msg, "field interval_ns negative");
	snprintf(csv, sizeof(csv), "%s/none.csv", dir);
	assert_int_equal(recmeta_read(csv, &m, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "none.csv.meta.json"));
	rm_tree(dir);
}

/* Found by fuzzing: cpus past INT_MAX was written as a negative int and read back as 0. */
static void test_cpus_round_trip(void **state)
{
	struct recmeta m = sample(), back;
	char msg[256], *text;

	(void)state;
	m.cpus = 3000000000U;
	text = recmeta_to_json(&m);
	assert_non_null(text);
	assert_int_equal(recmeta_from_json(text, &back, msg, sizeof(msg)), 0);
	assert_int_equal(back.cpus, 3000000000U);
	free(text);
	/* A count that does not fit is unknown, not wrapped (4294967298 is not 2 CPUs). */
	text = recmeta_to_json(&m);
	assert_non_null(text);
	{
		char *p = strstr(text, "3000000000");

		assert_non_null(p);
		memcpy(p, "4294967298", 10);
	}
	assert_int_equal(recmeta_from_json(text, &back, msg, sizeof(msg)), 0);
	assert_int_equal(back.cpus, 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_cpus_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
