/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* rapl_msr.h: the RAPL MSRs as vendors document them: registers, units and model quirks. */
#ifndef WP_RAPL_MSR_H
#define WP_RAPL_MSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAPL_WRAP      (1ULL << 32) /* energy status: a 32-bit counter in bits 31:0 */
#define RAPL_ESU(unit) ((unsigned int)((unit) >> 8) & 0x1f) /* energy status units, bits 12:8 */

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

enum rapl_vendor { RAPL_VENDOR_UNKNOWN, RAPL_INTEL, RAPL_AMD };
enum rapl_kind { RAPL_PACKAGE, RAPL_DRAM, RAPL_CORE, RAPL_UNCORE, RAPL_PSYS, RAPL_KIND_N };

/* "package", "dram", "core", "uncore", "psys": the zone names, as powercap's. */
extern const char *const rapl_kind_names[RAPL_KIND_N];

/* Intel's package-wide energy counters, one per kind, in zone order. */
#define RAPL_INTEL_NREGS 5
extern const struct rapl_reg {
	enum rapl_kind kind;
	uint32_t reg;
} rapl_intel_regs[RAPL_INTEL_NREGS];

struct rapl_cpu {
	enum rapl_vendor vendor;
	const char *name; /* "Intel", "AMD", "Hygon" */
	unsigned int family, model;
	bool known; /* family and model from modalias */
};

/*
 * The boot CPU from sysfs_cpu/modalias (cputopo.h). 0: known; 1: no modalias to go by (id
 * untouched); -ENODEV and msg: no RAPL MSRs on this CPU (not x86, AMD before Zen, neither
 * Intel nor AMD).
 */
int rapl_cpu_read(const char *sysfs_cpu, struct rapl_cpu *id, char *msg, size_t len);

/* The unit a kind counts in on this model (2^-esu J), given the unit register's esu. */
unsigned int rapl_zone_esu(const struct rapl_cpu *id, enum rapl_kind k, unsigned int esu);

/* One register through the msr driver: 8 bytes at offset reg. Short means absent, as EIO. */
int rapl_msr_pread(int fd, uint32_t reg, uint64_t *val);

/*
 * The energy unit through fd (the msr device dev, for messages); where id's vendor is
 * unknown, the unit register that answers names it. 0, or -errno (-ENODEV: it reads 0) and
 * msg.
 */
int rapl_read_unit(int fd, const char *dev, struct rapl_cpu *id, unsigned int *esu, char *msg,
		   size_t len);

#endif
