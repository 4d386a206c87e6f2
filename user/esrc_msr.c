// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* esrc_msr.c: RAPL energy counters read straight from the MSRs, through /dev/cpu/N/msr. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cpulist.h"
#include "esrc_msr.h"

typedef unsigned __int128 u128;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CPUS      8192	   /* the kernel's largest NR_CPUS */
#define WRAP	      (1ULL << 32) /* energy status: a 32-bit counter in bits 31:0 */
#define ESU(unit)     ((unsigned int)((unit) >> 8) & 0x1f) /* energy status units, bits 12:8 */

/* Intel SDM vol. 4 (RAPL MSRs); AMD PPR for family 17h (MSRC001_0299..029B). */
#define MSR_RAPL_POWER_UNIT	   0x606
#define MSR_PKG_ENERGY_STATUS	   0x611
#define MSR_DRAM_ENERGY_STATUS	   0x619
#define MSR_PP0_ENERGY_STATUS	   0x639
#define MSR_PP1_ENERGY_STATUS	   0x641
#define MSR_PLATFORM_ENERGY_STATUS 0x64D
#define MSR_AMD_RAPL_POWER_UNIT	   0xC0010299
#define MSR_AMD_CORE_ENERGY_STATUS 0xC001029A
#define MSR_AMD_PKG_ENERGY_STATUS  0xC001029B

enum vendor { V_UNKNOWN, V_INTEL, V_AMD };
enum kind { K_PACKAGE, K_DRAM, K_CORE, K_UNCORE, K_PSYS };

static const char *const kind_names[] = { "package", "dram", "core", "uncore", "psys" };

static const struct {
	enum kind kind;
	uint32_t reg;
} intel_regs[] = {
	{ K_PACKAGE, MSR_PKG_ENERGY_STATUS },	{ K_DRAM, MSR_DRAM_ENERGY_STATUS },
	{ K_CORE, MSR_PP0_ENERGY_STATUS },	{ K_UNCORE, MSR_PP1_ENERGY_STATUS },
	{ K_PSYS, MSR_PLATFORM_ENERGY_STATUS },
};

/*
 * Family 6 servers whose DRAM counter counts 2^-16 J whatever MSR_RAPL_POWER_UNIT says (Xeon
 * E5 v3 datasheet 330784: "15.3 µJ"). The list is the kernel's: arch/x86/events/rapl.c
 * (RAPL_UNIT_QUIRK_INTEL_HSW on model_hsx and model_knl) and turbostat (has_fixed_rapl_unit)
 * agree on all of them; drivers/powercap/intel_rapl_msr.c (rapl_defaults_hsw_server) leaves
 * out Broadwell-DE and uses 15.3 µJ, 0.27 % above 2^-16 J. Sapphire Rapids had the quirk in
 * rapl.c once and lost it: its DRAM counts in the register's unit.
 */
static const unsigned char dram_2p16_models[] = {
	0x3F, /* Haswell-X */
	0x4F, /* Broadwell-X */
	0x56, /* Broadwell-DE */
	0x55, /* Skylake-SP, Cascade Lake, Cooper Lake */
	0x6A, /* Ice Lake-SP */
	0x6C, /* Ice Lake-D */
	0x57, /* Xeon Phi Knights Landing */
	0x85, /* Xeon Phi Knights Mill */
};

/*
 * psys counts whole joules: Sapphire and Emerald Rapids (rapl.c RAPL_UNIT_QUIRK_INTEL_SPR,
 * powercap rapl_defaults_spr_server), Granite Rapids (turbostat has_fixed_rapl_psys_unit).
 */
static const unsigned char psys_1j_models[] = { 0x8F, 0xCF, 0xAD, 0xAE };

struct cpu_id {
	enum vendor vendor;
	const char *name; /* "Intel", "AMD", "Hygon" */
	unsigned int family, model;
	bool known; /* family and model from modalias */
};

struct part {
	int fd; /* borrowed from msr_src.fd */
	uint32_t prev, cur;
};

struct mzone {
	enum kind kind;
	int pkg, cpu; /* physical package; reading CPU (the first, for core-P on AMD) */
	uint32_t reg;
	unsigned int esu;   /* a count is 2^-esu J */
	struct part *parts; /* one; one per core for AMD's core-P */
	size_t nparts;
	uint64_t acc; /* counts, wraps undone */
	uint64_t last_ns;
};

struct msr_src {
	struct esrc base;
	struct mzone z[ESRC_MAX_ZONES];
	size_t ncpu;
	int *fd;	 /* per CPU: -1 until opened */
	int *pkg, *core; /* per CPU: -1 when offline or unknown */
	int first_pkg;
	unsigned int esu; /* the first package's energy unit */
	struct cpu_id id;
	uint64_t (*now_ns)(void);
};

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t esrc_msr_counts_uj(uint64_t counts, unsigned int esu)
{
	return (uint64_t)(((u128)counts * 1000000U) >> esu);
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* A small sysfs file into buf, without trailing whitespace; only its start if it is long. */
static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int read_int(const char *path, int *out)
{
	char buf[32], *end;
	long v;
	int err = read_small(path, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* One register through the msr driver: 8 bytes at offset reg. Short means absent, as EIO. */
static int msr_pread(int fd, uint32_t reg, uint64_t *val)
{
	ssize_t n = pread(fd, val, sizeof(*val), (off_t)reg);

	if (n < 0)
		return -errno;
	return n == sizeof(*val) ? 0 : -EIO;
}

static unsigned int zone_esu(const struct cpu_id *id, enum kind k, unsigned int esu)
{
	if (id->vendor != V_INTEL || !id->known || id->family != 6 || id->model > 0xFF)
		return esu;
	if (k == K_DRAM && memchr(dram_2p16_models, (int)id->model, sizeof(dram_2p16_models)))
		return 16;
	if (k == K_PSYS && memchr(psys_1j_models, (int)id->model, sizeof(psys_1j_models)))
		return 0;
	return esu;
}

/*
 * The boot CPU as the kernel matched it: sysfs_cpu/modalias is "cpu:type:x86,venVVVVfamFFFF
 * modMMMM:feature:..." in hex, vendors numbered as X86_VENDOR_* (0 Intel, 2 AMD, 9 Hygon).
 * 0: known; 1: no modalias to go by; -ENODEV and msg: no RAPL MSRs on this CPU.
 */
static int read_cpu_id(const char *sysfs, struct cpu_id *id, char *msg, size_t len)
{
	char path[4200], buf[128];
	unsigned int ven, fam, mod;

	snprintf(path, sizeof(path), "%s/modalias", sysfs);
	if (read_small(path, buf, sizeof(buf)) || strncmp(buf, "cpu:type:", 9))
		return 1;
	if (strncmp(buf, "cpu:type:x86,", 13)) {
		snprintf(msg, len, "msr: %s is '%.40s': not an x86 CPU, no MSRs", path, buf);
		return -ENODEV;
	}
	if (sscanf(buf, "cpu:type:x86,ven%4xfam%4xmod%4x", &ven, &fam, &mod) != 3)
		return 1;
	*id = (struct cpu_id){ .family = fam, .model = mod, .known = true };
	if (ven == 0) {
		id->vendor = V_INTEL;
		id->name = "Intel";
		return 0;
	}
	if (ven == 2 || ven == 9) {
		id->name = ven == 2 ? "AMD" : "Hygon";
		id->vendor = V_AMD;
		if (fam >= 0x17)
			return 0;
		snprintf(msg, len,
			 "msr: %s family %Xh has no RAPL MSRs (they came with Zen, family 17h)",
			 id->name, fam);
		return -ENODEV;
	}
	snprintf(msg, len, "msr: the CPU is neither Intel nor AMD (%s: vendor %u): no RAPL MSRs",
		 path, ven);
	return -ENODEV;
}

static bool cpu_dir(const char *name, unsigned long *cpu)
{
	char *end;

	if (strncmp(name, "cpu", 3) || name[3] < '0' || name[3] > '9')
		return false;
	*cpu = strtoul(name + 3, &end, 10);
	return *end == '\0';
}

/* Online by the online list, else by cpuN/online: the boot CPU may have none, and is online. */
static bool cpu_online(const char *sysfs, size_t cpu, const bool *list)
{
	char path[4200];
	int v;

	if (list)
		return list[cpu];
	snprintf(path, sizeof(path), "%s/cpu%zu/online", sysfs, cpu);
	return read_int(path, &v) || v != 0;
}

/* Package and core of each online CPU (offline CPUs have no topology to read). */
static int scan_topology(struct msr_src *m, const char *sysfs, char *msg, size_t len)
{
	char path[4200];
	struct dirent *de;
	unsigned long c;
	bool *online;
	DIR *d = opendir(sysfs);
	int err;

	if (!d) {
		err = -errno;
		snprintf(msg, len, "msr: CPU topology %s: %s", sysfs, strerror(-err));
		return err;
	}
	while ((de = readdir(d)))
		if (cpu_dir(de->d_name, &c) && c < MAX_CPUS && c >= m->ncpu)
			m->ncpu = c + 1;
	closedir(d);
	if (!m->ncpu) {
		snprintf(msg, len, "msr: CPU topology %s: no cpuN directory", sysfs);
		return -ENODEV;
	}
	m->fd = malloc(m->ncpu * sizeof(int));
	m->pkg = malloc(m->ncpu * sizeof(int));
	m->core = malloc(m->ncpu * sizeof(int));
	online = calloc(MAX_CPUS, sizeof(bool));
	if (!m->fd || !m->pkg || !m->core || !online) {
		m->ncpu = 0; /* nothing in fd[] to close */
		free(online);
		snprintf(msg, len, "msr: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/online", sysfs);
	err = cpulist_read(path, online, MAX_CPUS);
	for (size_t i = 0; i < m->ncpu; i++) {
		m->fd[i] = m->pkg[i] = m->core[i] = -1;
		if (!cpu_online(sysfs, i, err ? NULL : online))
			continue;
		snprintf(path, sizeof(path), "%s/cpu%zu/topology/physical_package_id", sysfs, i);
		if (read_int(path, &m->pkg[i]) || m->pkg[i] < 0) {
			m->pkg[i] = -1;
			continue;
		}
		snprintf(path, sizeof(path), "%s/cpu%zu/topology/core_id", sysfs, i);
		if (read_int(path, &m->core[i]) || m->core[i] < 0)
			m->core[i] = -1;
	}
	free(online);
	return 0;
}

/* The lowest package id above prev, and its lowest online CPU; -1 when none is left. */
static int next_package(const struct msr_src *m, int prev, int *cpu)
{
	int best = -1;

	for (size_t c = 0; c < m->ncpu; c++)
		if (m->pkg[c] > prev && (best < 0 || m->pkg[c] < best)) {
			best = m->pkg[c];
			*cpu = (int)c;
		}
	return best;
}

static int cpu_fd(struct msr_src *m, const char *root, int cpu, char *msg, size_t len)
{
	char path[4200];
	int err;

	if (m->fd[cpu] >= 0)
		return m->fd[cpu];
	snprintf(path, sizeof(path), "%s/%d/msr", root, cpu);
	m->fd[cpu] = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd[cpu] >= 0)
		return m->fd[cpu];
	err = -errno;
	if (err == -ENOENT)
		snprintf(msg, len,
			 "msr: no %s (load the msr driver: modprobe msr; in a container, pass the "
			 "host's /dev/cpu in too)",
			 path);
	else if (err == -EACCES || err == -EPERM)
		snprintf(msg, len, "msr: %s: %s (reading MSRs needs root and CAP_SYS_RAWIO)", path,
			 strerror(-err));
	else
		snprintf(msg, len, "msr: %s: %s", path, strerror(-err));
	return err;
}

/* The energy unit; where modalias said nothing, the register that answers names the vendor. */
static int read_unit(struct msr_src *m, const char *root, int cpu, unsigned int *esu, char *msg,
		     size_t len)
{
	static const uint32_t regs[] = { MSR_RAPL_POWER_UNIT, MSR_AMD_RAPL_POWER_UNIT };
	char what[80];
	uint64_t v = 0;
	uint32_t reg = 0;
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		if (m->id.vendor != V_UNKNOWN && m->id.vendor != (i ? V_AMD : V_INTEL))
			continue;
		reg = regs[i];
		err = msr_pread(m->fd[cpu], reg, &v);
		if (err || !v)
			continue;
		if (m->id.vendor == V_UNKNOWN) {
			m->id.vendor = i ? V_AMD : V_INTEL;
			m->id.name = i ? "AMD" : "Intel";
		}
		*esu = ESU(v);
		return 0;
	}
	if (m->id.vendor == V_UNKNOWN)
		snprintf(what, sizeof(what), "unit registers 0x%X (Intel) and 0x%X (AMD)",
			 MSR_RAPL_POWER_UNIT, MSR_AMD_RAPL_POWER_UNIT);
	else
		snprintf(what, sizeof(what), "%s unit register 0x%X", m->id.name, reg);
	if (err == -EIO)
		snprintf(msg, len, "msr: %s/%d/msr: %s: EIO: this CPU has no RAPL MSRs", root, cpu,
			 what);
	else if (!err)
		snprintf(msg, len,
			 "msr: %s/%d/msr: %s: 0: no RAPL here (a hypervisor ignoring MSRs?)", root,
			 cpu, what);
	else
		snprintf(msg, len, "msr: %s/%d/msr: %s: %s", root, cpu, what, strerror(-err));
	return err ?: -ENODEV;
}

static struct mzone *add_zone(struct msr_src *m, enum kind k, int pkg, size_t nparts, char *msg,
			      size_t len)
{
	struct esrc_zone *ez;
	struct mzone *z;

	if (m->base.nz == ESRC_MAX_ZONES) {
		snprintf(msg, len, "msr: more than %d zones", ESRC_MAX_ZONES);
		errno = E2BIG;
		return NULL;
	}
	z = &m->z[m->base.nz];
	z->parts = calloc(nparts, sizeof(*z->parts));
	if (!z->parts) {
		snprintf(msg, len, "msr: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	z->nparts = nparts;
	z->kind = k;
	z->pkg = pkg;
	z->cpu = -1;
	ez = &m->base.zones[m->base.nz++];
	/* As powercap names them: the first package's psys is "psys", later ones "psys-P". */
	if (k == K_PSYS && pkg == m->first_pkg)
		snprintf(ez->label, sizeof(ez->label), "psys");
	else
		snprintf(ez->label, sizeof(ez->label), "%s-%d", kind_names[k], pkg);
	return z;
}

static void drop_last_zone(struct msr_src *m)
{
	struct mzone *z = &m->z[--m->base.nz];

	free(z->parts);
	memset(z, 0, sizeof(*z));
	memset(&m->base.zones[m->base.nz], 0, sizeof(m->base.zones[0]));
}

/* One package-wide counter; EIO (absent) or 0 (never counted on this model) adds no zone. */
static int probe_one(struct msr_src *m, const char *root, enum kind k, int pkg, int cpu,
		     uint32_t reg, unsigned int esu, char *msg, size_t len)
{
	struct mzone *z;
	uint64_t raw = 0;
	uint32_t v;
	int err = msr_pread(m->fd[cpu], reg, &raw);

	if (err && err != -EIO) {
		snprintf(msg, len, "msr: %s/%d/msr register 0x%X: %s", root, cpu, reg,
			 strerror(-err));
		return err;
	}
	v = (uint32_t)raw;
	if (err || !v)
		return 0;
	z = add_zone(m, k, pkg, 1, msg, len);
	if (!z)
		return -errno;
	z->cpu = cpu;
	z->reg = reg;
	z->esu = esu;
	z->parts[0] = (struct part){ .fd = m->fd[cpu], .prev = v };
	z->acc = v;
	return 0;
}

static bool first_of_core(const struct msr_src *m, size_t c)
{
	if (m->pkg[c] < 0 || m->core[c] < 0)
		return false;
	for (size_t e = 0; e < c; e++)
		if (m->pkg[e] == m->pkg[c] && m->core[e] == m->core[c])
			return false;
	return true;
}

/* AMD counts each core apart: core-P is their sum, each read through one online CPU. */
static int probe_amd_cores(struct msr_src *m, const char *root, int pkg, unsigned int esu,
			   char *msg, size_t len)
{
	size_t n = 0, k = 0;
	struct mzone *z;
	uint64_t sum = 0;
	int fd, err = 0;

	for (size_t c = 0; c < m->ncpu; c++)
		n += m->pkg[c] == pkg && first_of_core(m, c);
	if (!n)
		return 0;
	z = add_zone(m, K_CORE, pkg, n, msg, len);
	if (!z)
		return -errno;
	z->reg = MSR_AMD_CORE_ENERGY_STATUS;
	z->esu = esu;
	for (size_t c = 0; c < m->ncpu && !err; c++) {
		uint64_t raw = 0;

		if (m->pkg[c] != pkg || !first_of_core(m, c))
			continue;
		fd = cpu_fd(m, root, (int)c, msg, len);
		if (fd < 0)
			return fd;
		err = msr_pread(fd, z->reg, &raw);
		if (err && err != -EIO) {
			snprintf(msg, len, "msr: %s/%zu/msr register 0x%X: %s", root, c, z->reg,
				 strerror(-err));
			return err;
		}
		z->parts[k++] = (struct part){ .fd = fd, .prev = (uint32_t)raw };
		sum += (uint32_t)raw;
		if (z->cpu < 0)
			z->cpu = (int)c;
	}
	if (err || !sum)
		drop_last_zone(m); /* a core without the register, or none ever counted */
	else
		z->acc = sum;
	return 0;
}

static int open_package(struct msr_src *m, const char *root, int pkg, int cpu, char *msg,
			size_t len)
{
	unsigned int esu = 0;
	int err = cpu_fd(m, root, cpu, msg, len);

	if (err < 0)
		return err;
	err = read_unit(m, root, cpu, &esu, msg, len);
	if (err)
		return err;
	if (pkg == m->first_pkg)
		m->esu = esu;
	if (m->id.vendor == V_AMD) {
		err = probe_one(m, root, K_PACKAGE, pkg, cpu, MSR_AMD_PKG_ENERGY_STATUS, esu, msg,
				len);
		return err ?: probe_amd_cores(m, root, pkg, esu, msg, len);
	}
	for (size_t i = 0; i < ARRAY_SIZE(intel_regs) && !err; i++)
		err = probe_one(m, root, intel_regs[i].kind, pkg, cpu, intel_regs[i].reg,
				zone_esu(&m->id, intel_regs[i].kind, esu), msg, len);
	return err;
}

/* As powercap.c: psys alone where there is one (it contains the packages), else package + DRAM. */
static void choose_node(struct msr_src *m)
{
	bool psys = false;

	for (size_t i = 0; i < m->base.nz; i++)
		psys |= !strcmp(m->base.zones[i].label, "psys");
	for (size_t i = 0; i < m->base.nz; i++)
		m->base.zones[i].node = psys ? !strcmp(m->base.zones[i].label, "psys")
					     : m->z[i].kind == K_PACKAGE || m->z[i].kind == K_DRAM;
}

static const char *fmt_unit(unsigned int esu, char *buf, size_t len)
{
	if (!esu)
		snprintf(buf, len, "1 J");
	else
		snprintf(buf, len, "%.2f µJ", 1e6 / (double)(1ULL << esu));
	return buf;
}

/* "msr /dev/cpu: package-0 dram-0 (CPU 0), ...; Intel family 6 model 0x55: energy unit ..." */
static void describe(struct msr_src *m, const char *root)
{
	char *d = m->base.desc, u[32];
	size_t len = sizeof(m->base.desc), cores = 0;
	const struct mzone *dram = NULL, *psys = NULL;

	snprintf(d, len, "msr %s:", root);
	for (size_t i = 0; i < m->base.nz; i++) {
		const struct mzone *z = &m->z[i];

		append(d, len, "%s %s", i && m->z[i - 1].pkg != z->pkg ? "," : "",
		       m->base.zones[i].label);
		cores = z->nparts > 1 ? z->nparts : cores;
		if (i + 1 == m->base.nz || m->z[i + 1].pkg != z->pkg) {
			/* Every zone of a package reads through its lowest online CPU. */
			append(d, len, " (CPU %d", z->cpu);
			if (cores)
				append(d, len, "; core-%d from %zu cores", z->pkg, cores);
			append(d, len, ")");
			cores = 0;
		}
		dram = dram ?: z->kind == K_DRAM ? z : NULL;
		psys = psys ?: z->kind == K_PSYS ? z : NULL;
	}
	if (m->id.known)
		append(d, len, "; %s family 0x%X model 0x%02X:", m->id.name, m->id.family,
		       m->id.model);
	else
		append(d, len, "; %s (no modalias: no model quirks):", m->id.name);
	append(d, len, " energy unit %s", fmt_unit(m->esu, u, sizeof(u)));
	if (dram)
		append(d, len, ", DRAM %s", fmt_unit(dram->esu, u, sizeof(u)));
	if (psys)
		append(d, len, ", psys %s", fmt_unit(psys->esu, u, sizeof(u)));
}

/* Readings further apart than the counter's range at ESRC_MSR_ZONE_PEAK_UW may hide a wrap. */
static bool wrap_unknown(const struct mzone *z, uint64_t now_ns)
{
	uint64_t range_uj = esrc_msr_counts_uj(WRAP, z->esu);

	return (u128)(now_ns - z->last_ns) * ESRC_MSR_ZONE_PEAK_UW >= (u128)range_uj * 1000000000U;
}

static int msr_read(struct esrc *s, size_t i, uint64_t *uj)
{
	struct msr_src *m = (struct msr_src *)s;
	struct mzone *z;
	uint64_t raw, acc, now;
	bool lost;
	int err;

	if (i >= m->base.nz)
		return -EINVAL;
	z = &m->z[i];
	for (size_t k = 0; k < z->nparts; k++) {
		err = msr_pread(z->parts[k].fd, z->reg, &raw);
		if (err)
			return err; /* nothing taken: the next read continues the last good one */
		z->parts[k].cur = (uint32_t)raw;
	}
	now = m->now_ns();
	lost = wrap_unknown(z, now);
	acc = z->acc;
	for (size_t k = 0; k < z->nparts; k++) {
		lost |= esrc_unwrap(z->parts[k].prev, z->parts[k].cur, WRAP, &acc) != 0;
		z->parts[k].prev = z->parts[k].cur;
	}
	if (!lost)
		z->acc = acc;
	z->last_ns = now;
	*uj = esrc_msr_counts_uj(z->acc, z->esu);
	return lost ? -EAGAIN : 0;
}

static void msr_free(struct esrc *s)
{
	struct msr_src *m = (struct msr_src *)s;

	if (!m)
		return;
	for (size_t i = 0; i < m->base.nz; i++)
		free(m->z[i].parts);
	for (size_t c = 0; m->fd && c < m->ncpu; c++)
		if (m->fd[c] >= 0)
			close(m->fd[c]);
	free(m->fd);
	free(m->pkg);
	free(m->core);
	free(m);
}

static const struct esrc_ops msr_ops = { .name = "msr", .read = msr_read, .free = msr_free };

void esrc_msr_set_clock(struct esrc *s, uint64_t (*now_ns)(void))
{
	struct msr_src *m = (struct msr_src *)s;

	m->now_ns = now_ns;
	for (size_t i = 0; i < m->base.nz; i++)
		m->z[i].last_ns = now_ns();
}

struct esrc *esrc_msr_open(const char *root, const char *sysfs_cpu, char *msg, size_t len)
{
	struct msr_src *m = calloc(1, sizeof(*m));
	int err, pkg = -1, cpu = 0;

	root = root ? root : ESRC_MSR_DEFAULT_ROOT;
	sysfs_cpu = sysfs_cpu ? sysfs_cpu : ESRC_MSR_DEFAULT_SYSFS_CPU;
	msg[0] = '\0';
	if (!m) {
		snprintf(msg, len, "msr: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	m->base.ops = &msr_ops;
	m->first_pkg = -1;
	err = read_cpu_id(sysfs_cpu, &m->id, msg, len);
	if (err < 0)
		goto fail;
	err = scan_topology(m, sysfs_cpu, msg, len);
	while (!err && (pkg = next_package(m, pkg, &cpu)) >= 0) {
		if (m->first_pkg < 0)
			m->first_pkg = pkg;
		err = open_package(m, root, pkg, cpu, msg, len);
	}
	if (err)
		goto fail;
	err = -ENODEV;
	if (m->first_pkg < 0) {
		snprintf(msg, len, "msr: %s: no online CPU with a topology/physical_package_id",
			 sysfs_cpu);
		goto fail;
	}
	if (!m->base.nz) {
		snprintf(msg, len, "msr %s: every energy counter reads 0 or EIO: no RAPL counters",
			 root);
		goto fail;
	}
	choose_node(m);
	describe(m, root);
	esrc_msr_set_clock(&m->base, boottime_ns);
	return &m->base;
fail:
	msr_free(&m->base);
	errno = -err;
	return NULL;
}
