// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_esrc_msr.c: the MSR energy source on fake /dev/cpu trees (sparse files) and sysfs. */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/wait.h>
#include "testutil.h"
#include "esrc_msr.h"

/* The value of REG in ROOT/CPU/msr: 8 bytes at offset REG, as the msr driver serves it. */
static void set_reg(const char *root, int cpu, uint64_t reg, uint64_t val)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%d", root, cpu);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/msr", root, cpu);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &val, sizeof(val), (off_t)reg), sizeof(val));
	close(fd);
}

/* "CPU REG VALUE" lines, '#' comments, into sparse files under root. */
static void build_msr(const char *root, const char *text)
{
	const char *line = text;

	while (*line) {
		uint64_t reg, val;
		int cpu;

		if (sscanf(line, "%d %" SCNx64 " %" SCNx64, &cpu, &reg, &val) == 3)
			set_reg(root, cpu, reg, val);
		line = strchr(line, '\n');
		if (!line)
			break;
		line++;
	}
}

/* A fake /dev/cpu from the fixture's regs file; sys gets the fixture's sysfs cpu tree. */
static char *msr_tree(const char *shape, char *sys, size_t len)
{
	char path[512], rel[128], text[8192];
	char *root = tmp_tree();
	size_t n;
	FILE *f;

	snprintf(rel, sizeof(rel), "msr/%s/regs", shape);
	f = fopen(fixture(rel, path, sizeof(path)), "re");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	build_msr(root, text);
	snprintf(rel, sizeof(rel), "msr/%s/sys", shape);
	fixture(rel, sys, len);
	return root;
}

static int find(const struct esrc *s, const char *label)
{
	for (size_t i = 0; i < s->nz; i++)
		if (strcmp(s->zones[i].label, label) == 0)
			return (int)i;
	return -1;
}

static uint64_t read_zone(struct esrc *s, const char *label)
{
	int i = find(s, label);
	uint64_t uj = 0;

	assert_true(i >= 0);
	assert_int_equal(s->ops->read(s, (size_t)i, &uj), 0);
	return uj;
}

static struct esrc *open_ok(const char *root, const char *sys)
{
	char msg[512];
	struct esrc *s = esrc_msr_open(root, sys, msg, sizeof(msg));

	if (!s)
		fail_msg("esrc_msr_open: %s", msg);
	assert_string_equal(s->ops->name, "msr");
	return s;
}

static void test_counts_uj(void **state)
{
	(void)state;
	assert_int_equal(esrc_msr_counts_uj(1, 14), 61);	  /* 61.03515625 */
	assert_int_equal(esrc_msr_counts_uj(3, 14), 183);	  /* 183.10546875 */
	assert_int_equal(esrc_msr_counts_uj(16384, 14), 1000000); /* 2^14 x 2^-14 J */
	assert_int_equal(esrc_msr_counts_uj(1, 16), 15);	  /* 15.2587890625 */
	assert_int_equal(esrc_msr_counts_uj(200, 0), 200000000);  /* whole joules (SPR psys) */
	/* 2^50 counts x 1e6 overflows 64 bits: 2^50 / 2^14 x 1e6 = 2^36 x 1e6. */
	assert_int_equal(esrc_msr_counts_uj(1ULL << 50, 14), 68719476736000000ULL);
	/* floor((2^64 - 1) x 1e6 / 2^31) = 8589934591999999 (2^33 x 1e6 less one). */
	assert_int_equal(esrc_msr_counts_uj(UINT64_MAX, 31), 8589934591999999ULL);
}

/* Two sockets, DRAM in the register's unit (2^-14 J): every value from regs by hand. */
static void test_intel_two_socket(void **state)
{
	char sys[512], *root = msr_tree("intel-2s-spr", sys, sizeof(sys)), want[600];
	struct esrc *s = open_ok(root, sys);

	(void)state;
	assert_int_equal(s->nz, 4); /* PP0 reads 0, PP1 and psys are absent (EIO) */
	for (size_t i = 0; i < s->nz; i++)
		assert_true(s->zones[i].node);
	/* 0x00100003 = 1048579 counts x 61.03515625 µJ = 64000183.10546875 µJ: floor. */
	assert_int_equal(read_zone(s, "package-0"), 64000183);
	assert_int_equal(read_zone(s, "dram-0"), 1000000);	/* 16384 counts = 1 J */
	assert_int_equal(read_zone(s, "package-1"), 128000000); /* 2097152 counts = 128 J */
	assert_int_equal(read_zone(s, "dram-1"), 2000000);	/* 32768 counts = 2 J */
	snprintf(want, sizeof(want),
		 "msr %s: package-0 dram-0 (CPU 0), package-1 dram-1 (CPU 2); Intel family 0x6 "
		 "model 0x8F: energy unit 61.04 µJ, DRAM 61.04 µJ",
		 root);
	assert_string_equal(s->desc, want);
	esrc__free(s);
	rm_tree(root);
}

/* 0xFFFFFF00 -> 0x00000100 is a wrap of 0x200 counts = 512 x 61.03515625 µJ = 31250 µJ. */
static void test_wrap(void **state)
{
	char sys[512], *root = msr_tree("intel-2s-spr", sys, sizeof(sys));
	struct esrc *s = open_ok(root, sys);
	uint64_t a, b;

	(void)state;
	set_reg(root, 0, 0x611, 0xFFFFFF00);
	a = read_zone(s, "package-0");
	/* 0xFFFFFF00 = 4294967040 counts = 262143.984375 J. */
	assert_int_equal(a, 262143984375ULL);
	/* Bits 63:32 are not the counter: masked off. */
	set_reg(root, 0, 0x611, 0xDEAD000000000100ULL);
	b = read_zone(s, "package-0");
	assert_int_equal(b - a, 31250);
	assert_int_equal(b, 262144015625ULL); /* 0x100000100 counts = 262144.015625 J */
	esrc__free(s);
	rm_tree(root);
}

static uint64_t fake_ns;
static uint64_t fake_clock(void)
{
	return fake_ns;
}

/*
 * The counter's range at 2^-14 J is 2^32 x 61.03515625 µJ = 262144 J: 262.144 s at
 * ESRC_MSR_ZONE_PEAK_UW (1 kW). Readings further apart may hide a second wrap: -EAGAIN.
 */
static void test_wrap_guard(void **state)
{
	char sys[512], *root = msr_tree("intel-2s-spr", sys, sizeof(sys));
	struct esrc *s = open_ok(root, sys);
	int i = find(s, "package-0");
	uint64_t uj;

	(void)state;
	fake_ns = 1000000000ULL;
	esrc_msr_set_clock(s, fake_clock);
	fake_ns += 262000000000ULL; /* 262 s: one wrap at most */
	set_reg(root, 0, 0x611, 0x00100003 + 0x4000);
	assert_int_equal(s->ops->read(s, i, &uj), 0);
	assert_int_equal(uj, 65000183); /* + 16384 counts = + 1 J */
	fake_ns += 263000000000ULL;	/* 263 s: maybe two */
	set_reg(root, 0, 0x611, 0x00100003 + 0x8000);
	assert_int_equal(s->ops->read(s, i, &uj), -EAGAIN);
	assert_int_equal(uj, 65000183); /* the baseline: nothing counted */
	fake_ns += 1000000000ULL;
	set_reg(root, 0, 0x611, 0x00100003 + 0xC000);
	assert_int_equal(s->ops->read(s, i, &uj), 0);
	assert_int_equal(uj, 66000183); /* continues from the new baseline: + 1 J */
	esrc__free(s);
	rm_tree(root);
}

/* Skylake-SP: DRAM counts 2^-16 J whatever the unit register (2^-14 J) says. */
static void test_server_dram_unit(void **state)
{
	char sys[512], *root = msr_tree("intel-2s-skx", sys, sizeof(sys));
	struct esrc *s = open_ok(root, sys);

	(void)state;
	assert_int_equal(s->nz, 4);
	assert_int_equal(read_zone(s, "package-0"), 64000000); /* 1048576 x 2^-14 J */
	assert_int_equal(read_zone(s, "dram-0"), 1000000);     /* 65536 x 2^-16 J, not 4 J */
	assert_int_equal(read_zone(s, "package-1"), 32000000); /* 524288 x 2^-14 J */
	/* 98305 x 15.2587890625 µJ = 1500015.2587890625 µJ. */
	assert_int_equal(read_zone(s, "dram-1"), 1500015);
	assert_non_null(strstr(s->desc, "model 0x55: energy unit 61.04 µJ, DRAM 15.26 µJ"));
	esrc__free(s);
	rm_tree(root);
}

/* A laptop: core and uncore are parts of the package, psys contains everything. */
static void test_intel_psys(void **state)
{
	char sys[512], *root = msr_tree("intel-1s-kbl-psys", sys, sizeof(sys));
	struct esrc *s = open_ok(root, sys);

	(void)state;
	assert_int_equal(s->nz, 4); /* DRAM reads 0: absent */
	assert_int_equal(find(s, "dram-0"), -1);
	assert_int_equal(read_zone(s, "package-0"), 64000000);
	assert_int_equal(read_zone(s, "core-0"), 32000000);
	assert_int_equal(read_zone(s, "uncore-0"), 1000000);
	assert_int_equal(read_zone(s, "psys"), 128000000);
	/* Never psys plus packages: psys alone is node energy. */
	for (size_t i = 0; i < s->nz; i++)
		assert_int_equal(s->zones[i].node, strcmp(s->zones[i].label, "psys") == 0);
	esrc__free(s);
	rm_tree(root);
}

/* Sapphire Rapids' psys counts whole joules (unit register: 2^-14 J). */
static void test_spr_psys_unit(void **state)
{
	char *sysd = tmp_tree(), *root = tmp_tree();
	struct esrc *s;

	(void)state;
	put_file(sysd, "modalias", "cpu:type:x86,ven0000fam0006mod008F:feature:,0000\n", 0444);
	put_file(sysd, "online", "0\n", 0444);
	put_file(sysd, "cpu0/topology/physical_package_id", "0\n", 0444);
	put_file(sysd, "cpu0/topology/core_id", "0\n", 0444);
	build_msr(root, "0 0x606 0xA0E03\n0 0x611 0x100000\n0 0x64D 0xC8\n");
	s = open_ok(root, sysd);
	assert_int_equal(s->nz, 2);
	assert_int_equal(read_zone(s, "psys"), 200000000); /* 0xC8 = 200 x 1 J */
	assert_int_equal(read_zone(s, "package-0"), 64000000);
	assert_true(s->zones[find(s, "psys")].node);
	assert_false(s->zones[find(s, "package-0")].node);
	assert_non_null(strstr(s->desc, "energy unit 61.04 µJ, psys 1 J"));
	esrc__free(s);
	rm_tree(sysd);
	rm_tree(root);
}

/*
 * Zen: one package counter, core-0 the sum of both cores, each read once (not per SMT thread).
 * The regs file explains the values: AMD's registers overlap in a plain file.
 */
static void test_amd_zen(void **state)
{
	char sys[512], *root = msr_tree("amd-zen3", sys, sizeof(sys)), want[600];
	struct esrc *s = open_ok(root, sys);

	(void)state;
	assert_int_equal(s->nz, 2);
	assert_true(s->zones[find(s, "package-0")].node);
	assert_false(s->zones[find(s, "core-0")].node);
	/* 0x01001000 = 16781312 counts x 15.2587890625 µJ = 256062500 µJ. */
	assert_int_equal(read_zone(s, "package-0"), 256062500);
	/*
	 * Core 0 (CPU 0) 0x00100010 + core 1 (CPU 1) 0x00080010 = 1572896 counts = 24 J + 32
	 * counts = 24000488.28125 µJ; CPU 2 and 3 (siblings, 0xFFFF0010 each) are not added.
	 */
	assert_int_equal(read_zone(s, "core-0"), 24000488);
	/* Core 1 moves 0x100 counts = 256 x 15.2587890625 µJ = 3906.25 µJ: 24004394.53125 µJ. */
	set_reg(root, 1, 0xC001029A, 0x00080110);
	assert_int_equal(read_zone(s, "core-0"), 24004394);
	snprintf(want, sizeof(want),
		 "msr %s: package-0 core-0 (CPU 0; core-0 from 2 cores); AMD family 0x19 model "
		 "0x01: energy unit 15.26 µJ",
		 root);
	assert_string_equal(s->desc, want);
	esrc__free(s);
	rm_tree(root);
}

/* CPU 2 is offline and has no /dev/cpu/2: package 1 reads through CPU 3. */
static void test_cpu_offline(void **state)
{
	char sys[512], *root = msr_tree("intel-2s-offline", sys, sizeof(sys));
	struct esrc *s = open_ok(root, sys);

	(void)state;
	assert_int_equal(s->nz, 3); /* no dram-0: 0x619 is absent on CPU 0 */
	assert_int_equal(read_zone(s, "package-0"), 64000000);
	assert_int_equal(read_zone(s, "package-1"), 192000000); /* 3145728 x 2^-14 J */
	assert_int_equal(read_zone(s, "dram-1"), 1000000);
	assert_non_null(strstr(s->desc, "package-1 dram-1 (CPU 3)"));
	esrc__free(s);
	rm_tree(root);
}

/*
 * No online list and no modalias (FIELD-NOTES 10): cpuN/online decides (cpu0 has none: it is
 * online), and the unit register that answers names the vendor; no model quirk then.
 */
static void test_no_list_no_modalias(void **state)
{
	char *sysd = tmp_tree(), *root = tmp_tree();
	struct esrc *s;

	(void)state;
	put_file(sysd, "cpu0/topology/physical_package_id", "0\n", 0444);
	put_file(sysd, "cpu1/online", "0\n", 0444); /* offline: package 1 starts at CPU 2 */
	put_file(sysd, "cpu2/online", "1\n", 0444);
	put_file(sysd, "cpu2/topology/physical_package_id", "1\n", 0444);
	build_msr(root, "0 0x606 0xA0E03\n0 0x611 0x4000\n2 0x606 0xA0E03\n2 0x611 0x8000\n");
	s = open_ok(root, sysd);
	assert_int_equal(s->nz, 2);
	assert_int_equal(read_zone(s, "package-0"), 1000000);
	assert_int_equal(read_zone(s, "package-1"), 2000000);
	assert_non_null(
		strstr(s->desc, "package-0 (CPU 0), package-1 (CPU 2); Intel (no modalias"));
	esrc__free(s);
	rm_tree(root);
	/* AMD found the same way: 0x606 lies in the file's hole and reads 0; 0xC0010299 answers. */
	root = tmp_tree();
	build_msr(root, "0 0xC0010299 0xA1003\n0 0xC001029B 0x10000\n2 0xC0010299 0xA1003\n"
			"2 0xC001029B 0x20000\n");
	s = open_ok(root, sysd);
	assert_int_equal(read_zone(s, "package-1"), 2000000); /* 0x20000 x 2^-16 J */
	assert_non_null(strstr(s->desc, "; AMD (no modalias"));
	esrc__free(s);
	rm_tree(root);
	rm_tree(sysd);
}

static void expect_fail(const char *root, const char *sys, int err, const char *words)
{
	char msg[512];

	errno = 0;
	assert_null(esrc_msr_open(root, sys, msg, sizeof(msg)));
	assert_int_equal(errno, err);
	if (!strstr(msg, words))
		fail_msg("'%s' lacks '%s'", msg, words);
}

static void test_missing_msr(void **state)
{
	char sys[512], path[512], *root = tmp_tree();

	(void)state;
	fixture("msr/intel-2s-spr/sys", sys, sizeof(sys));
	expect_fail(root, sys, ENOENT, "modprobe msr");
	snprintf(path, sizeof(path), "%s/none", root);
	expect_fail(path, sys, ENOENT, "modprobe msr");
	rm_tree(root);
}

/* The msr device is there but this CPU has no RAPL: EIO, or 0 from a hypervisor. */
static void test_no_rapl(void **state)
{
	char sys[512], path[512], *root = tmp_tree();
	int fd;

	(void)state;
	fixture("msr/intel-2s-spr/sys", sys, sizeof(sys));
	snprintf(path, sizeof(path), "%s/0", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/0/msr", root);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600); /* empty: every read is short */
	assert_true(fd >= 0);
	close(fd);
	expect_fail(root, sys, EIO, "0x606: EIO: this CPU has no RAPL MSRs");
	set_reg(root, 0, 0x611, 0x1234); /* 0x606 now reads 0 */
	expect_fail(root, sys, ENODEV, "0x606: 0: no RAPL here");
	rm_tree(root);
}

/* Not a CPU this source can read: said, not guessed. */
static void test_not_intel_amd(void **state)
{
	char *sysd = tmp_tree(), *root = tmp_tree();

	(void)state;
	put_file(sysd, "cpu0/topology/physical_package_id", "0\n", 0444);
	build_msr(root, "0 0x606 0xA0E03\n0 0x611 0x4000\n");
	put_file(sysd, "modalias", "cpu:type:x86,ven0005fam0006mod000F:feature:,0000\n", 0644);
	expect_fail(root, sysd, ENODEV, "neither Intel nor AMD");
	put_file(sysd, "modalias", "cpu:type:x86,ven0002fam0015mod0002:feature:,0000\n", 0644);
	expect_fail(root, sysd, ENODEV, "AMD family 15h has no RAPL MSRs");
	put_file(sysd, "modalias", "cpu:type:aarch64:feature:,0000,0001\n", 0444);
	expect_fail(root, sysd, ENODEV, "not an x86 CPU");
	rm_tree(sysd);
	rm_tree(root);
}

/* Root reads a mode 0000 file: a child dropped to nobody meets the permission check. */
static void test_unreadable(void **state)
{
	char sys[512], *root = msr_tree("intel-2s-spr", sys, sizeof(sys)), path[512];
	int status;
	pid_t pid;

	(void)state;
	snprintf(path, sizeof(path), "%s/0/msr", root);
	assert_int_equal(chmod(path, 0), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char msg[512];

		if (geteuid() == 0 && setresuid(65534, 65534, 65534))
			_exit(10);
		errno = 0;
		if (esrc_msr_open(root, sys, msg, sizeof(msg)))
			_exit(11);
		if (errno != EACCES || !strstr(msg, "needs root and CAP_SYS_RAWIO"))
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rm_tree(root);
}

/* A read that fails is a gap, and the next good one continues the last good one. */
static void test_read_error(void **state)
{
	char sys[512], *root = msr_tree("intel-2s-spr", sys, sizeof(sys)), path[512];
	struct esrc *s = open_ok(root, sys);
	int i = find(s, "package-1");
	uint64_t uj = 7;

	(void)state;
	snprintf(path, sizeof(path), "%s/2/msr", root);
	assert_int_equal(truncate(path, 0x611), 0); /* package-1's register now reads short */
	assert_int_equal(s->ops->read(s, i, &uj), -EIO);
	assert_int_equal(uj, 7); /* untouched */
	set_reg(root, 2, 0x611, 0x00204000);
	assert_int_equal(s->ops->read(s, i, &uj), 0);
	assert_int_equal(uj, 129000000); /* 128 J + 16384 counts (1 J) */
	assert_int_equal(s->ops->read(s, 99, &uj), -EINVAL);
	esrc__free(s);
	rm_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_uj),
		cmocka_unit_test(test_intel_two_socket),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_wrap_guard),
		cmocka_unit_test(test_server_dram_unit),
		cmocka_unit_test(test_intel_psys),
		cmocka_unit_test(test_spr_psys_unit),
		cmocka_unit_test(test_amd_zen),
		cmocka_unit_test(test_cpu_offline),
		cmocka_unit_test(test_no_list_no_modalias),
		cmocka_unit_test(test_missing_msr),
		cmocka_unit_test(test_no_rapl),
		cmocka_unit_test(test_not_intel_amd),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_read_error),
	};

	return cmocka_run_group_tests_name("esrc_msr", tests, NULL, NULL);
}
