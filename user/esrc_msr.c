// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* esrc_msr.c: RAPL energy counters read straight from the MSRs, through /dev/cpu/N/msr. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cputopo.h"
#include "esrc_msr.h"
#include "rapl_msr.h"

typedef unsigned __int128 u128;

struct part {
	int fd; /* borrowed from msr_src.fd */
	uint32_t prev, cur;
};

struct mzone {
	enum rapl_kind kind;
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
	struct cputopo *topo;
	int *fd; /* per CPU (topo->ncpu): -1 until opened */
	int first_pkg;
	unsigned int esu; /* the first package's energy unit */
	struct rapl_cpu id;
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

/* Which CPUs read which package, and a file descriptor slot for each CPU. */
static int open_topology(struct msr_src *m, const char *sysfs, char *msg, size_t len)
{
	char why[4400];
	int err;

	m->topo = cputopo__open(sysfs, why, sizeof(why));
	if (!m->topo) {
		err = -errno;
		snprintf(msg, len, "msr: %s", why);
		return err;
	}
	m->fd = malloc(m->topo->ncpu * sizeof(int));
	if (!m->fd) {
		snprintf(msg, len, "msr: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->topo->ncpu; i++)
		m->fd[i] = -1;
	return 0;
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

static struct mzone *add_zone(struct msr_src *m, enum rapl_kind k, int pkg, size_t nparts,
			      char *msg, size_t len)
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
	if (k == RAPL_PSYS && pkg == m->first_pkg)
		snprintf(ez->label, sizeof(ez->label), "psys");
	else
		snprintf(ez->label, sizeof(ez->label), "%s-%d", rapl_kind_names[k], pkg);
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
static int probe_one(struct msr_src *m, const char *root, enum rapl_kind k, int pkg, int cpu,
		     uint32_t reg, unsigned int esu, char *msg, size_t len)
{
	struct mzone *z;
	uint64_t raw = 0;
	uint32_t v;
	int err = rapl_msr_pread(m->fd[cpu], reg, &raw);

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

/* AMD counts each core apart: core-P is their sum, each read through one online CPU. */
static int probe_amd_cores(struct msr_src *m, const char *root, int pkg, unsigned int esu,
			   char *msg, size_t len)
{
	size_t n = 0, k = 0;
	struct mzone *z;
	uint64_t sum = 0;
	int fd, err = 0;

	for (size_t c = 0; c < m->topo->ncpu; c++)
		n += m->topo->pkg[c] == pkg && cputopo__first_of_core(m->topo, c);
	if (!n)
		return 0;
	z = add_zone(m, RAPL_CORE, pkg, n, msg, len);
	if (!z)
		return -errno;
	z->reg = MSR_AMD_CORE_ENERGY_STATUS;
	z->esu = esu;
	for (size_t c = 0; c < m->topo->ncpu && !err; c++) {
		uint64_t raw = 0;

		if (m->topo->pkg[c] != pkg || !cputopo__first_of_core(m->topo, c))
			continue;
		fd = cpu_fd(m, root, (int)c, msg, len);
		if (fd < 0)
			return fd;
		err = rapl_msr_pread(fd, z->reg, &raw);
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
	char dev[4200];
	int err = cpu_fd(m, root, cpu, msg, len);

	if (err < 0)
		return err;
	snprintf(dev, sizeof(dev), "%s/%d/msr", root, cpu);
	err = rapl_read_unit(m->fd[cpu], dev, &m->id, &esu, msg, len);
	if (err)
		return err;
	if (pkg == m->first_pkg)
		m->esu = esu;
	if (m->id.vendor == RAPL_AMD) {
		err = probe_one(m, root, RAPL_PACKAGE, pkg, cpu, MSR_AMD_PKG_ENERGY_STATUS, esu,
				msg, len);
		return err ?: probe_amd_cores(m, root, pkg, esu, msg, len);
	}
	for (size_t i = 0; i < RAPL_INTEL_NREGS && !err; i++)
		err = probe_one(m, root, rapl_intel_regs[i].kind, pkg, cpu, rapl_intel_regs[i].reg,
				rapl_zone_esu(&m->id, rapl_intel_regs[i].kind, esu), msg, len);
	return err;
}

/* As powercap.c: psys alone where there is one (it contains the packages), else package + DRAM. */
static void choose_node(struct msr_src *m)
{
	bool psys = false;

	for (size_t i = 0; i < m->base.nz; i++)
		psys |= !strcmp(m->base.zones[i].label, "psys");
	for (size_t i = 0; i < m->base.nz; i++)
		m->base.zones[i].node =
			psys ? !strcmp(m->base.zones[i].label, "psys")
			     : m->z[i].kind == RAPL_PACKAGE || m->z[i].kind == RAPL_DRAM;
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
		dram = dram ?: z->kind == RAPL_DRAM ? z : NULL;
		psys = psys ?: z->kind == RAPL_PSYS ? z : NULL;
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
	uint64_t range_uj = esrc_msr_counts_uj(RAPL_WRAP, z->esu);

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
		err = rapl_msr_pread(z->parts[k].fd, z->reg, &raw);
		if (err)
			return err; /* nothing taken: the next read continues the last good one */
		z->parts[k].cur = (uint32_t)raw;
	}
	now = m->now_ns();
	lost = wrap_unknown(z, now);
	acc = z->acc;
	for (size_t k = 0; k < z->nparts; k++) {
		lost |= esrc_unwrap(z->parts[k].prev, z->parts[k].cur, RAPL_WRAP, &acc) != 0;
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
	for (size_t c = 0; m->fd && c < m->topo->ncpu; c++)
		if (m->fd[c] >= 0)
			close(m->fd[c]);
	free(m->fd);
	cputopo__free(m->topo);
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
	err = rapl_cpu_read(sysfs_cpu, &m->id, msg, len);
	if (err < 0)
		goto fail;
	err = open_topology(m, sysfs_cpu, msg, len);
	while (!err && (pkg = cputopo__next_package(m->topo, pkg, &cpu)) >= 0) {
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
