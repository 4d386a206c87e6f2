// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* pmu.c: per-CPU counting perf events (cycles, instructions) for the probe's PMU path. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "pmu.h"

struct pmu {
	enum pmu_mode mode;
	size_t ncpus;
	int *cycles_fd;
	int *instr_fd;
};

static int perf_open(__u32 type, __u64 config, int cpu)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = type,
		.config = config,
	};
	int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* FIELD-NOTES 11: every hypervisor says "no PMU" with a different errno. */
static const char *reason_of(int err)
{
	switch (err) {
	case -ENOENT:
	case -EOPNOTSUPP:
	case -ENODEV:
		return "no hardware PMU (perf_event_open cycles: not supported here, as in most "
		       "VMs)";
	case -EACCES:
	case -EPERM:
		return "perf_event_open refused (needs CAP_PERFMON or kernel.perf_event_paranoid "
		       "<= 0)";
	case -EMFILE:
		return "perf_event_open: too many open files";
	default:
		return "perf_event_open for cycles failed";
	}
}

void pmu__free(struct pmu *pmu)
{
	if (!pmu)
		return;
	for (size_t c = 0; c < pmu->ncpus; c++) {
		if (pmu->cycles_fd && pmu->cycles_fd[c] >= 0)
			close(pmu->cycles_fd[c]);
		if (pmu->instr_fd && pmu->instr_fd[c] >= 0)
			close(pmu->instr_fd[c]);
	}
	free(pmu->cycles_fd);
	free(pmu->instr_fd);
	free(pmu);
}

struct pmu *pmu__open(enum pmu_mode mode, const bool *online, size_t ncpus, const char **reason)
{
	__u32 type = PERF_TYPE_HARDWARE;
	__u64 cyc = PERF_COUNT_HW_CPU_CYCLES, ins = PERF_COUNT_HW_INSTRUCTIONS;
	struct pmu *pmu;
	int err = 0, fd;

	*reason = NULL;
	if (mode == PMU_OFF) {
		*reason = "disabled with --pmu off";
		errno = ENODEV;
		return NULL;
	}
	if (mode == PMU_SW_CLOCK) {
		type = PERF_TYPE_SOFTWARE;
		cyc = ins = PERF_COUNT_SW_CPU_CLOCK;
	}
	*reason = "out of memory";
	pmu = calloc(1, sizeof(*pmu));
	if (!pmu)
		return NULL;
	pmu->mode = mode;
	pmu->ncpus = ncpus;
	pmu->cycles_fd = malloc(ncpus * sizeof(int));
	pmu->instr_fd = malloc(ncpus * sizeof(int));
	if (!pmu->cycles_fd || !pmu->instr_fd) {
		err = -ENOMEM;
		goto fail;
	}
	*reason = NULL;
	for (size_t c = 0; c < ncpus; c++)
		pmu->cycles_fd[c] = pmu->instr_fd[c] = -1;
	for (size_t c = 0; c < ncpus; c++) {
		if (!online[c])
			continue;
		fd = perf_open(type, cyc, c);
		/* A CPU that went offline since the scan is skipped (FIELD-NOTES 10). */
		if (fd == -ENODEV && c > 0)
			continue;
		if (fd < 0) {
			err = fd;
			*reason = reason_of(err);
			goto fail;
		}
		pmu->cycles_fd[c] = fd;
		fd = perf_open(type, ins, c);
		if (fd < 0) {
			err = fd;
			*reason = reason_of(err);
			goto fail;
		}
		pmu->instr_fd[c] = fd;
	}
	return pmu;
fail:
	pmu__free(pmu);
	errno = -err;
	return NULL;
}

int pmu__cycles_fd(const struct pmu *pmu, size_t cpu)
{
	return pmu && cpu < pmu->ncpus ? pmu->cycles_fd[cpu] : -1;
}

int pmu__instr_fd(const struct pmu *pmu, size_t cpu)
{
	return pmu && cpu < pmu->ncpus ? pmu->instr_fd[cpu] : -1;
}

const char *pmu__describe(const struct pmu *pmu)
{
	if (!pmu)
		return "off";
	return pmu->mode == PMU_SW_CLOCK ? "sw-clock (test stand-in: counts ns, not cycles)"
					 : "hardware cycles and instructions";
}
