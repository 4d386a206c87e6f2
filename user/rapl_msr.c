// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* rapl_msr.c: the RAPL MSRs as vendors document them: registers, units and model quirks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cputopo.h"
#include "rapl_msr.h"

const char *const rapl_kind_names[RAPL_KIND_N] = { "package", "dram", "core", "uncore", "psys" };

const struct rapl_reg rapl_intel_regs[RAPL_INTEL_NREGS] = {
	{ RAPL_PACKAGE, MSR_PKG_ENERGY_STATUS },   { RAPL_DRAM, MSR_DRAM_ENERGY_STATUS },
	{ RAPL_CORE, MSR_PP0_ENERGY_STATUS },	   { RAPL_UNCORE, MSR_PP1_ENERGY_STATUS },
	{ RAPL_PSYS, MSR_PLATFORM_ENERGY_STATUS },
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

int rapl_cpu_read(const char *sysfs, struct rapl_cpu *id, char *msg, size_t len)
{
	struct cputopo_id t;

	if (cputopo_read_id(sysfs, &t))
		return 1;
	if (!t.x86) {
		snprintf(msg, len, "msr: %s/modalias is '%.40s': not an x86 CPU, no MSRs", sysfs,
			 t.modalias);
		return -ENODEV;
	}
	if (!t.known)
		return 1;
	*id = (struct rapl_cpu){ .family = t.family, .model = t.model, .known = true };
	if (t.vendor == CPUTOPO_X86_INTEL) {
		id->vendor = RAPL_INTEL;
		id->name = "Intel";
		return 0;
	}
	if (t.vendor == CPUTOPO_X86_AMD || t.vendor == CPUTOPO_X86_HYGON) {
		id->name = t.vendor == CPUTOPO_X86_AMD ? "AMD" : "Hygon";
		id->vendor = RAPL_AMD;
		if (t.family >= 0x17)
			return 0;
		snprintf(msg, len,
			 "msr: %s family %Xh has no RAPL MSRs (they came with Zen, family 17h)",
			 id->name, t.family);
		return -ENODEV;
	}
	snprintf(msg, len,
		 "msr: the CPU is neither Intel nor AMD (%s/modalias: vendor %u): no RAPL MSRs",
		 sysfs, t.vendor);
	return -ENODEV;
}

unsigned int rapl_zone_esu(const struct rapl_cpu *id, enum rapl_kind k, unsigned int esu)
{
	if (id->vendor != RAPL_INTEL || !id->known || id->family != 6 || id->model > 0xFF)
		return esu;
	if (k == RAPL_DRAM && memchr(dram_2p16_models, (int)id->model, sizeof(dram_2p16_models)))
		return 16;
	if (k == RAPL_PSYS && memchr(psys_1j_models, (int)id->model, sizeof(psys_1j_models)))
		return 0;
	return esu;
}

int rapl_msr_pread(int fd, uint32_t reg, uint64_t *val)
{
	ssize_t n = pread(fd, val, sizeof(*val), (off_t)reg);

	if (n < 0)
		return -errno;
	return n == sizeof(*val) ? 0 : -EIO;
}

int rapl_read_unit(int fd, const char *dev, struct rapl_cpu *id, unsigned int *esu, char *msg,
		   size_t len)
{
	static const uint32_t regs[] = { MSR_RAPL_POWER_UNIT, MSR_AMD_RAPL_POWER_UNIT };
	char what[80];
	uint64_t v = 0;
	uint32_t reg = 0;
	int err = 0;

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (id->vendor != RAPL_VENDOR_UNKNOWN && id->vendor != (i ? RAPL_AMD : RAPL_INTEL))
			continue;
		reg = regs[i];
		err = rapl_msr_pread(fd, reg, &v);
		if (err || !v)
			continue;
		if (id->vendor == RAPL_VENDOR_UNKNOWN) {
			id->vendor = i ? RAPL_AMD : RAPL_INTEL;
			id->name = i ? "AMD" : "Intel";
		}
		*esu = RAPL_ESU(v);
		return 0;
	}
	if (id->vendor == RAPL_VENDOR_UNKNOWN)
		snprintf(what, sizeof(what), "unit registers 0x%X (Intel) and 0x%X (AMD)",
			 MSR_RAPL_POWER_UNIT, MSR_AMD_RAPL_POWER_UNIT);
	else
		snprintf(what, sizeof(what), "%s unit register 0x%X", id->name, reg);
	if (err == -EIO)
		snprintf(msg, len, "msr: %s: %s: EIO: this CPU has no RAPL MSRs", dev, what);
	else if (!err)
		snprintf(msg, len, "msr: %s: %s: 0: no RAPL here (a hypervisor ignoring MSRs?)",
			 dev, what);
	else
		snprintf(msg, len, "msr: %s: %s: %s", dev, what, strerror(-err));
	return err ?: -ENODEV;
}
