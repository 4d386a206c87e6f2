// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_powercap.c: the powercap reader on fixture trees and on trees made here. */
#include <sys/wait.h>
#include "testutil.h"
#include "powercap.h"

/* FIELD-NOTES 1: range 262143328850, readings one second apart: 100 J each step. */
static void test_wrap(void **state)
{
	const uint64_t range = 262143328850ULL;
	const uint64_t r[] = { 262000000000ULL, 262100000000ULL, 56671150ULL, 156671150ULL };
	uint64_t d;

	(void)state;
	for (int i = 1; i < 4; i++) {
		assert_int_equal(rapl_delta(r[i - 1], r[i], range, &d), 0);
		assert_int_equal(d, 100000000ULL);
	}
	/* Backwards without a known range cannot be told from a reset. */
	assert_int_equal(rapl_delta(1000, 500, 0, &d), -ERANGE);
	/* A previous reading above the range is not a wrap of this counter. */
	assert_int_equal(rapl_delta(range + 5, 10, range, &d), -ERANGE);
	assert_int_equal(rapl_delta(7, 7, range, &d), 0);
	assert_int_equal(d, 0);
}

static const struct pc_zone *find(const struct powercap *pc, const char *label)
{
	for (size_t i = 0; i < powercap__nzones(pc); i++)
		if (strcmp(powercap__zone(pc, i)->label, label) == 0)
			return powercap__zone(pc, i);
	return NULL;
}

static struct powercap *open_fixture(const char *name)
{
	char path[512];
	struct powercap *pc = powercap__open(fixture(name, path, sizeof(path)));

	assert_non_null(pc);
	return pc;
}

/* Two packages with sub-zones; the MMIO duplicate and the control type are not zones. */
static void test_two_packages(void **state)
{
	struct powercap *pc = open_fixture("powercap/intel-2pkg");
	const struct pc_zone *z;
	uint64_t v;

	(void)state;
	assert_int_equal(powercap__nzones(pc), 6);
	assert_int_equal(powercap__nnode(pc), 4);
	z = find(pc, "package-0");
	assert_non_null(z);
	assert_int_equal(z->kind, PC_PACKAGE);
	assert_true(z->node);
	assert_int_equal(z->max_range_uj, 262143328850ULL);
	z = find(pc, "dram-0");
	assert_non_null(z);
	assert_string_equal(z->dir, "intel-rapl:0:2");
	assert_int_equal(z->kind, PC_DRAM);
	assert_true(z->node);
	assert_int_equal(z->max_range_uj, 65712999613ULL);
	z = find(pc, "core-0");
	assert_non_null(z);
	assert_false(z->node); /* core is inside package-0 */
	assert_non_null(find(pc, "uncore-0"));
	z = find(pc, "dram-1");
	assert_non_null(z);
	assert_int_equal(z->package, 1);
	assert_non_null(find(pc, "package-1"));
	for (size_t i = 0; i < powercap__nzones(pc); i++)
		assert_int_equal(strncmp(powercap__zone(pc, i)->dir, "intel-rapl:", 11), 0);
	/* Reading is by position in the sorted list: intel-rapl:1 holds 200000000. */
	for (size_t i = 0; i < powercap__nzones(pc); i++) {
		if (strcmp(powercap__zone(pc, i)->dir, "intel-rapl:1") == 0) {
			assert_int_equal(powercap__read(pc, i, &v), 0);
			assert_int_equal(v, 200000000ULL);
		}
	}
	powercap__free(pc);
}

/* psys is the whole platform: node energy is psys alone, never psys plus packages. */
static void test_psys(void **state)
{
	struct powercap *pc = open_fixture("powercap/intel-psys");

	(void)state;
	assert_int_equal(powercap__nzones(pc), 4);
	assert_int_equal(powercap__nnode(pc), 1);
	assert_true(find(pc, "psys")->node);
	assert_false(find(pc, "package-0")->node);
	powercap__free(pc);
}

static void test_amd_and_dram_only(void **state)
{
	struct powercap *pc = open_fixture("powercap/amd-zen");

	(void)state;
	assert_int_equal(powercap__nzones(pc), 1);
	assert_true(find(pc, "package-0")->node);
	assert_int_equal(find(pc, "package-0")->max_range_uj, 65532610987ULL);
	powercap__free(pc);
	/* FIELD-NOTES 5: no core zone is invented from package minus dram. */
	pc = open_fixture("powercap/dram-only-child");
	assert_int_equal(powercap__nzones(pc), 2);
	assert_null(find(pc, "core-0"));
	assert_non_null(find(pc, "dram-0"));
	assert_int_equal(powercap__nnode(pc), 2);
	powercap__free(pc);
	pc = open_fixture("powercap/no-range");
	assert_int_equal(find(pc, "package-0")->max_range_uj, 0);
	powercap__free(pc);
}

static void test_missing_root(void **state)
{
	(void)state;
	errno = 0;
	assert_null(powercap__open("/nonexistent/powercap"));
	assert_int_equal(errno, ENOENT);
}

/* FIELD-NOTES 2: mode 0400 counters are present but unreadable, never absent or 0 J. */
static void test_unreadable(void **state)
{
	char *dir = tmp_tree();
	int status;
	pid_t pid;

	(void)state;
	put_file(dir, "intel-rapl:0/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl:0/energy_uj", "123\n", 0400);
	put_file(dir, "intel-rapl:0/max_energy_range_uj", "262143328850\n", 0400);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct powercap *pc;
		const struct pc_zone *z;

		/* Root reads anything: drop to nobody to meet the permission check. */
		if (geteuid() == 0 && setresuid(65534, 65534, 65534))
			_exit(10);
		pc = powercap__open(dir);
		if (!pc)
			_exit(11);
		z = powercap__zone(pc, 0);
		if (powercap__nzones(pc) != 1 || z->err != -EACCES || z->node ||
		    powercap__nnode(pc) != 0 || strcmp(z->label, "package-0"))
			_exit(12);
		powercap__free(pc);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rm_tree(dir);
}

/* FIELD-NOTES 5: a container that bind-mounts only /sys/class/powercap sees dead links. */
static void test_dangling(void **state)
{
	char *dir = tmp_tree(), link[512];
	struct powercap *pc;

	(void)state;
	snprintf(link, sizeof(link), "%s/intel-rapl:0", dir);
	assert_int_equal(symlink("../../devices/virtual/powercap/intel-rapl/intel-rapl:0", link),
			 0);
	pc = powercap__open(dir);
	assert_non_null(pc);
	assert_int_equal(powercap__nzones(pc), 1);
	assert_true(powercap__zone(pc, 0)->dangling);
	assert_int_equal(powercap__nnode(pc), 0);
	powercap__free(pc);
	rm_tree(dir);
}

static void test_malformed(void **state)
{
	char *dir = tmp_tree();
	struct powercap *pc;
	uint64_t v;

	(void)state;
	put_file(dir, "intel-rapl:0/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl:0/energy_uj", "12x\n", 0444);
	pc = powercap__open(dir);
	assert_non_null(pc);
	assert_int_equal(powercap__zone(pc, 0)->err, -EINVAL);
	assert_int_equal(powercap__read(pc, 0, &v), -EINVAL);
	assert_int_equal(powercap__read(pc, 5, &v), -EINVAL);
	powercap__free(pc);
	rm_tree(dir);
}

/* A package seen only through MMIO is counted; next to its MSR zone it is not (twice). */
static void test_mmio_only(void **state)
{
	char *dir = tmp_tree();
	struct powercap *pc;

	(void)state;
	put_file(dir, "intel-rapl-mmio:0/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl-mmio:0/energy_uj", "5000\n", 0444);
	put_file(dir, "intel-rapl-mmio:0/max_energy_range_uj", "262143328850\n", 0444);
	put_file(dir, "intel-rapl:1/name", "psys\n", 0444);
	put_file(dir, "intel-rapl:1/energy_uj", "x\n", 0444);
	pc = powercap__open(dir);
	assert_non_null(pc);
	assert_int_equal(powercap__nzones(pc), 2);
	/* sorted by directory: "intel-rapl-mmio:0" before "intel-rapl:1" */
	assert_string_equal(powercap__zone(pc, 0)->label, "package-0");
	assert_true(powercap__zone(pc, 0)->node);
	assert_int_equal(powercap__nnode(pc), 1);
	powercap__free(pc);
	rm_tree(dir);
}

/* Names become column names: unsafe characters replaced, a name seen twice made unique and
 * counted once. */
static void test_odd_names(void **state)
{
	char *dir = tmp_tree();
	struct powercap *pc;

	(void)state;
	put_file(dir, "intel-rapl:0/name", "package-0\r\n", 0444);
	put_file(dir, "intel-rapl:0/energy_uj", "1\n", 0444);
	put_file(dir, "intel-rapl:1/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl:1/energy_uj", "2\n", 0444);
	put_file(dir, "intel-rapl:2/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl:2/energy_uj", "3\n", 0444);
	put_file(dir, "intel-rapl:0:0/name", "dr,am x\n", 0444);
	put_file(dir, "intel-rapl:0:0/energy_uj", "4\n", 0444);
	pc = powercap__open(dir);
	assert_non_null(pc);
	assert_int_equal(powercap__nzones(pc), 4);
	assert_string_equal(powercap__zone(pc, 0)->label, "package-0");
	assert_string_equal(powercap__zone(pc, 1)->label, "dr_am_x-0");
	assert_string_equal(powercap__zone(pc, 2)->label, "package-0-2");
	assert_string_equal(powercap__zone(pc, 3)->label, "package-0-3");
	assert_true(powercap__zone(pc, 0)->node);
	assert_false(powercap__zone(pc, 2)->node);
	assert_false(powercap__zone(pc, 3)->node);
	assert_int_equal(powercap__nnode(pc), 1);
	powercap__free(pc);
	rm_tree(dir);
}

/*
 * Found by fuzzing: a copy's "-2" was another zone's own name (two columns energy_uj.X-2),
 * and an empty name file gave an empty label (a column named "energy_uj.").
 */
static void test_label_clash(void **state)
{
	char *dir = tmp_tree();
	struct powercap *pc;

	(void)state;
	put_file(dir, "intel-rapl:0/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl:0/energy_uj", "1\n", 0444);
	put_file(dir, "intel-rapl:1/name", "package-0\n", 0444);
	put_file(dir, "intel-rapl:1/energy_uj", "2\n", 0444);
	put_file(dir, "intel-rapl:2/name", "package-0-2\n", 0444);
	put_file(dir, "intel-rapl:2/energy_uj", "3\n", 0444);
	put_file(dir, "intel-rapl:3/name", "\n", 0444);
	put_file(dir, "intel-rapl:3/energy_uj", "4\n", 0444);
	pc = powercap__open(dir);
	assert_non_null(pc);
	assert_int_equal(powercap__nzones(pc), 4);
	assert_string_equal(powercap__zone(pc, 0)->label, "package-0");
	assert_string_equal(powercap__zone(pc, 1)->label, "package-0-3");
	assert_true(powercap__zone(pc, 1)->duplicate);
	assert_string_equal(powercap__zone(pc, 2)->label, "package-0-2");
	assert_false(powercap__zone(pc, 2)->duplicate);
	assert_string_equal(powercap__zone(pc, 3)->name, "intel-rapl:3");
	assert_string_equal(powercap__zone(pc, 3)->label, "intel-rapl_3");
	/* package-0 and "package-0-2" (a package by its name, as multi-die ones are) */
	assert_int_equal(powercap__nnode(pc), 2);
	powercap__free(pc);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap),	     cmocka_unit_test(test_two_packages),
		cmocka_unit_test(test_psys),	     cmocka_unit_test(test_amd_and_dram_only),
		cmocka_unit_test(test_missing_root), cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_dangling),     cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_mmio_only),    cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_label_clash),
	};

	return cmocka_run_group_tests_name("powercap", tests, NULL, NULL);
}
