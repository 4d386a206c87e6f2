/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* esrc_perf.h: RAPL through the perf `power` PMU (perf_event_open), independent of powercap. */
#ifndef WP_ESRC_PERF_H
#define WP_ESRC_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esrc.h"
#include "perf_pmu.h" /* the sysfs parts, for tests */

#define PERF_DEFAULT_SYSFS "/sys"
#define PERF_PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"
#define PERF_PROBE_MS	   100 /* how long a source that reads 0 is watched before refused */

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
