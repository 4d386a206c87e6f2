/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* esrc_msr.h: RAPL energy counters read straight from the MSRs, through /dev/cpu/N/msr. */
#ifndef WP_ESRC_MSR_H
#define WP_ESRC_MSR_H

#include <stddef.h>
#include <stdint.h>
#include "esrc.h"

#define ESRC_MSR_DEFAULT_ROOT	   "/dev/cpu"
#define ESRC_MSR_DEFAULT_SYSFS_CPU "/sys/devices/system/cpu"
/*
 * No RAPL domain draws this much (the largest sockets are rated 500 W). Readings further apart
 * than the counter's range at this power may hide a second wrap: a gap (-EAGAIN), not energy.
 * With 2^-16 J units (AMD, server DRAM) the range is 65536 J: 65 s at 1 kW.
 */
#define ESRC_MSR_ZONE_PEAK_UW 1000000000ULL

/*
 * msr[:ROOT]: open the MSR source under root (NULL: "/dev/cpu"), CPU topology from sysfs_cpu
 * (NULL: "/sys/devices/system/cpu"). NULL with errno and a one-line reason in msg (ENOENT: no
 * msr device, "modprobe msr"; EACCES/EPERM: needs root and CAP_SYS_RAWIO; EIO on the unit
 * register: this CPU has no RAPL MSRs; ENODEV: not an Intel or AMD Zen CPU, or no counter).
 *
 * The vendor, family and model come from sysfs_cpu/modalias ("cpu:type:x86,ven0000fam0006
 * mod0055:..."), the kernel's own view of the boot CPU, so one injected root covers it; where
 * it is missing the unit register picks the vendor (Intel 0x606, then AMD 0xC0010299) and no
 * model quirk applies (desc says so). One reading CPU per physical package: its lowest online
 * CPU. Zones: package-P, dram-P (node), core-P, uncore-P (in the package), psys (node, and then
 * alone: it contains the packages; psys-P on later packages, as powercap names them). On AMD,
 * core-P is the sum of the package's per-core counters, one online CPU per core_id.
 */
struct esrc *esrc_msr_open(const char *root, const char *sysfs_cpu, char *msg, size_t len);

/* Tests: the clock the wrap guard is judged by (CLOCK_BOOTTIME by default: suspend counts). */
void esrc_msr_set_clock(struct esrc *s, uint64_t (*now_ns)(void));

/* counts x 2^-esu J in µJ, the exact floor. */
uint64_t esrc_msr_counts_uj(uint64_t counts, unsigned int esu);

#endif
