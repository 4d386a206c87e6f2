// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_u64map.c: the hash map against a plain array, with deletions that wrap around. */
#include <stdbool.h>
#include "testutil.h"
#include "u64map.h"

#define N 5000

/* The reference: key i present iff ref[i], with value val[i]. */
static void check_all(const struct u64map *m, const bool *ref, const uint64_t *val,
		      const uint64_t *keys)
{
	size_t n = 0, it = 0;
	uint64_t k, *v;

	for (size_t i = 0; i < N; i++) {
		v = u64map__get(m, keys[i]);
		if (ref[i]) {
			assert_non_null(v);
			assert_int_equal(*v, val[i]);
			n++;
		} else {
			assert_null(v);
		}
	}
	assert_int_equal(u64map__size(m), n);
	for (n = 0; (v = u64map__next(m, &it, &k)); n++)
		;
	assert_int_equal(n, u64map__size(m));
}

static void test_random(void **state)
{
	static bool ref[N];
	static uint64_t val[N], keys[N];
	struct u64map *m = u64map__new(sizeof(uint64_t));
	uint64_t x = 12345;

	(void)state;
	/* Keys in a few dense runs: the same home slots, clusters that wrap past the end. */
	for (size_t i = 0; i < N; i++)
		keys[i] = (i % 7) * 1000003ULL + i / 7;
	for (int round = 0; round < 40000; round++) {
		size_t i;
		uint64_t *v;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (x >> 33) % N;
		if ((x >> 20) & 1) {
			v = u64map__upsert(m, keys[i]);
			assert_non_null(v);
			*v = val[i] = x;
			ref[i] = true;
		} else {
			assert_int_equal(u64map__del(m, keys[i]), ref[i] ? 0 : -1);
			ref[i] = false;
		}
		if (round % 5000 == 0)
			check_all(m, ref, val, keys);
	}
	check_all(m, ref, val, keys);
	/* Empty it: every key found once and removed. */
	for (size_t i = 0; i < N; i++)
		if (ref[i])
			assert_int_equal(u64map__del(m, keys[i]), 0);
	assert_int_equal(u64map__size(m), 0);
	assert_int_equal(u64map__del(m, 42), -1);
	u64map__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
