/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* pmu.h: per-CPU counting perf events (cycles, instructions) for the probe's PMU path. */
#ifndef WP_PMU_H
#define WP_PMU_H

#include <stdbool.h>
#include <stddef.h>

enum pmu_mode {
	PMU_AUTO = 0, /* hardware cycles and instructions when the CPU has a PMU */
	PMU_OFF,      /* never open counters */
	/*
	 * Test hook: the software cpu-clock event (which counts nanoseconds) stands in for both
	 * counters, so the PMU code path runs on machines without a PMU. Never a measurement.
	 */
	PMU_SW_CLOCK,
};

struct pmu;

/*
 * Open one cycles and one instructions counter on each online CPU. Returns NULL with errno
 * set when counters are unavailable; *reason then says why, in words, for the user.
 */
struct pmu *pmu__open(enum pmu_mode mode, const bool *online, size_t ncpus, const char **reason);
void pmu__free(struct pmu *pmu);
/* File descriptors of CPU cpu's counters, -1 where none is open. */
int pmu__cycles_fd(const struct pmu *pmu, size_t cpu);
int pmu__instr_fd(const struct pmu *pmu, size_t cpu);
const char *pmu__describe(const struct pmu *pmu);

#endif
