/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* perf_pmu.h: what sysfs says of the perf `power` PMU: its type, format, energy events, CPUs. */
#ifndef WP_PERF_PMU_H
#define WP_PERF_PMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cputopo.h"
#include "esrc.h"

#define PERF_PMU_DIR	  "bus/event_source/devices/power" /* under the sysfs root */
#define PERF_MAX_FORMATS  8
#define PERF_MAX_PMU_CPUS (ESRC_MAX_ZONES / 2)
#define PERF_CPULIST_CPUS CPUTOPO_MAX_CPUS

/* The events this source knows, in the order their zones are listed. */
enum perf_ekind { PERF_EV_PKG, PERF_EV_CORES, PERF_EV_GPU, PERF_EV_RAM, PERF_EV_PSYS, PERF_EV_N };

/* One format term of the PMU: power/format/event is "config:0-7". */
struct perf_format {
	char name[32];
	uint64_t mask; /* the bits of attr.config the term's value goes into, lowest first */
};

/* One energy event, from power/events/NAME, NAME.scale and NAME.unit. */
struct perf_energy_event {
	enum perf_ekind kind;
	char name[16]; /* "energy-pkg" */
	uint64_t config;
	long double scale_j; /* joules per count */
	int shift;	     /* scale_j is exactly 2^-shift (0..63): exact µJ; else -1 */
};

/* What the sysfs tree says about the PMU; no syscall beyond reading files. */
struct perf_pmu_info {
	uint32_t type;
	size_t nev;
	struct perf_energy_event ev[PERF_EV_N]; /* those present, in enum order */
	size_t ncpus;
	int cpu[PERF_MAX_PMU_CPUS];	 /* one per package (or die), from the PMU's cpumask */
	char pkg[PERF_MAX_PMU_CPUS][16]; /* its label suffix: "0", "1", "0-die-1" */
};

/* "config:0-7", "config:0-7,32-35", "config:63": -EINVAL for anything else (config1...). */
int perf_format_parse(const char *text, uint64_t *mask);

/*
 * An event file's terms, "event=0x05" or "event=0x3c,umask=0x1,edge" (a bare term is 1),
 * placed into *config through their formats. -EINVAL with msg naming the term: a term with
 * no format, a value that is not a number or does not fit its field.
 */
int perf_event_parse(const char *text, const struct perf_format *fmt, size_t nfmt, uint64_t *config,
		     char *msg, size_t len);

/* A .scale file: a positive finite decimal ("2.3283064365386962890625e-10"). 0 or -EINVAL. */
int perf_scale_parse(const char *text, long double *scale_j, int *shift);

/* count x scale in µJ, rounded down; exact for a scale of 2^-shift. 0 or -ERANGE. */
int perf_count_to_uj(uint64_t count, long double scale_j, int shift, uint64_t *uj);

/*
 * Read root/bus/event_source/devices/power: type, format/, the energy events and cpumask,
 * and each listed CPU's package (devices/system/cpu/cpuN/topology, when present). 0, or
 * -errno with msg naming the file at fault; -ENOENT when there is no power PMU at all.
 */
int perf_pmu_scan(const char *sysfs_root, struct perf_pmu_info *info, char *msg, size_t len);

#endif
