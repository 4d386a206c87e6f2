/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* esrc_perf.h: RAPL through the perf `power` PMU (perf_event_open), independent of powercap. */
#ifndef WP_ESRC_PERF_H
#define WP_ESRC_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esrc.h"

#define PERF_DEFAULT_SYSFS "/sys"
#define PERF_PMU_DIR	   "bus/event_source/devices/power" /* under the sysfs root */
#define PERF_PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"
#define PERF_PROBE_MS	   100 /* how long a source that reads 0 is watched before refused */
#define PERF_MAX_FORMATS   8
#define PERF_MAX_PMU_CPUS  (ESRC_MAX_ZONES / 2)
#define PERF_CPULIST_CPUS  8192 /* CONFIG_NR_CPUS's maximum */

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

/*
 * perf[:SYSFS_ROOT] (default "/sys"): one counting event per energy event and per CPU of the
 * PMU's cpumask. energy-pkg, -ram, -cores, -gpu become package-N, dram-N, core-N, uncore-N;
 * energy-psys becomes psys, counted in node energy instead of packages and DRAM (powercap's
 * rule: it contains them). Opening watches the counters for up to PERF_PROBE_MS: a package,
 * DRAM or psys event that stays at 0 counts nothing (psys on a package that is not the
 * platform's master, or a VM's virtual PMU) and is left out, as the desc says; when every
 * event stays at 0 the source is refused with ENODATA, so that a list of sources moves on.
 * NULL with errno and a one-line reason in msg (empty on success).
 */
struct esrc *esrc_perf_open(const char *sysfs_root, char *msg, size_t len);

/* ---- the parts, for tests ------------------------------------------------------------ */

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

struct perf_event_attr;

/* The system calls, replaceable by tests. */
struct esrc_perf_sys {
	int (*open)(void *ctx, struct perf_event_attr *attr, int cpu); /* fd or -errno */
	int (*read)(void *ctx, int fd, uint64_t *count);	       /* 0 or -errno */
	void (*close)(void *ctx, int fd);
	void (*sleep_ms)(void *ctx, unsigned int ms);
	const char *paranoid_path; /* read for the message when perf_event_open is refused */
	unsigned int probe_ms;	   /* PERF_PROBE_MS */
	void *ctx;
};

/* esrc_perf_open() through sys (copied: it outlives the call). */
struct esrc *esrc_perf_open_sys(const char *sysfs_root, const struct esrc_perf_sys *sys, char *msg,
				size_t len);

#endif
