// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_rapl_msr.c: RAPL unit decoding and the MSR source, on registers and a sysfs from input. */
#include "fuzz_util.h"
#include "esrc_msr.h"
#include "rapl_msr.h"

/*
 * The input is a tree description (fuzz_util.h) for sys/ (modalias, online, cpuN/...) and
 * lines "msr CPU REGISTER VALUE" (numbers in C syntax), each written as 8 bytes at offset
 * REGISTER of dev/CPU/msr, as the msr driver serves them (tests/fixtures/msr/README.md).
 */
#define MAX_CPU 63

static uint64_t now_ns;

static uint64_t fake_clock(void)
{
	return now_ns;
}

static bool msr_line(const char *line, size_t n)
{
	return n > 4 && !memcmp(line, "msr ", 4);
}

/* Writes one register; its value is kept in *val for the checks. */
static void put_reg(const char *root, const char *line, size_t n, uint64_t *val)
{
	char buf[128], path[256];
	unsigned long long cpu, reg, v;
	int fd;

	if (n >= sizeof(buf))
		return;
	memcpy(buf, line, n);
	buf[n] = '\0';
	if (sscanf(buf, "msr %lli %lli %lli", &cpu, &reg, &v) != 3 || cpu > MAX_CPU ||
	    reg > UINT32_MAX)
		return;
	snprintf(path, sizeof(path), "%s/dev/%llu", root, cpu);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dev/%llu/msr", root, cpu);
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (pwrite(fd, &v, sizeof(v), (off_t)reg) != sizeof(v))
		(void)0; /* a register that is not there is a case too */
	close(fd);
	*val = v;
}

/* counts x 2^-esu J in µJ, floored: the same from the quotient and the remainder. */
static void check_counts(uint64_t counts)
{
	for (unsigned int esu = 0; esu < 32; esu++) {
		uint64_t q = counts >> esu, r = counts & ((1ULL << esu) - 1);
		unsigned __int128 want = (unsigned __int128)q * 1000000U + ((r * 1000000U) >> esu);

		if (want <= UINT64_MAX)
			FZ_CHECK(esrc_msr_counts_uj(counts, esu) == (uint64_t)want);
	}
}

static void check_unit(const char *root, const struct rapl_cpu *read_id)
{
	char path[256], msg[512];
	struct rapl_cpu id = { 0 };
	unsigned int esu = 99;
	int fd, err;

	snprintf(path, sizeof(path), "%s/dev/0/msr", root);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	/* The vendor unknown: the register that answers names it. */
	err = rapl_read_unit(fd, path, &id, &esu, msg, sizeof(msg));
	if (!err) {
		FZ_CHECK(esu < 32 && id.vendor != RAPL_VENDOR_UNKNOWN);
	} else {
		FZ_CHECK(err < 0);
		fz_check_cstr(msg, sizeof(msg));
	}
	id = *read_id;
	esu = 99;
	if (!rapl_read_unit(fd, path, &id, &esu, msg, sizeof(msg)))
		for (int k = 0; k < RAPL_KIND_N; k++)
			FZ_CHECK(rapl_zone_esu(&id, (enum rapl_kind)k, esu) < 32);
	close(fd);
}

static void run_source(const char *root)
{
	char dev[256], sys[256], msg[1024];
	struct esrc *s;

	snprintf(dev, sizeof(dev), "%s/dev", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	s = esrc_msr_open(dev, sys, msg, sizeof(msg));
	fz_check_cstr(msg, sizeof(msg));
	if (!s)
		return;
	fz_check_cstr(s->desc, sizeof(s->desc));
	now_ns = 1000000000ULL;
	esrc_msr_set_clock(s, fake_clock);
	for (int round = 0; round < 2; round++) {
		now_ns += 100000000ULL;
		for (size_t i = 0; i < s->nz; i++) {
			uint64_t uj = 0;

			fz_check_cstr(s->zones[i].label, sizeof(s->zones[i].label));
			FZ_CHECK(s->ops->read(s, i, &uj) <= 0);
		}
	}
	FZ_CHECK(s->ops->read(s, s->nz, &(uint64_t){ 0 }) == -EINVAL);
	esrc__free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fz_tree_root(), *text = (const char *)data;
	const char *p = text, *end = text + size;
	struct rapl_cpu id = { .vendor = RAPL_VENDOR_UNKNOWN };
	char sys[256], msg[512];
	int err;

	/* No FIFOs: a sysfs cpu tree cannot hold one, and readers need not guard against it. */
	fz_tree_build(text, size, false, msr_line);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint64_t v = 0;

		if (msr_line(p, n)) {
			put_reg(root, p, n, &v);
			check_counts(v);
			check_counts(v & 0xffffffff);
		}
		p += n + 1;
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	err = rapl_cpu_read(sys, &id, msg, sizeof(msg));
	FZ_CHECK(err == 0 || err == 1 || err == -ENODEV);
	if (err == -ENODEV)
		fz_check_cstr(msg, sizeof(msg));
	for (int k = 0; k < RAPL_KIND_N; k++)
		for (unsigned int esu = 0; esu < 32; esu++)
			FZ_CHECK(rapl_zone_esu(&id, (enum rapl_kind)k, esu) < 32);
	check_unit(root, &id);
	run_source(root);
	return 0;
}
