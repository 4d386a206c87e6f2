/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* energy.h: where a node's energy comes from: measured (powercap) or a labelled model. */
#ifndef WP_ENERGY_H
#define WP_ENERGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENERGY_MAX_ZONES 64
/*
 * What -e auto tries, in order: the kernel's RAPL driver through sysfs (units, wraps and DRAM
 * units handled by the kernel; root); the same counters through the perf power PMU (where the
 * powercap driver is not loaded; CAP_PERFMON); a host's feed (a VM's share of its host's
 * measured energy); then the model, an estimate. The first that opens is used.
 */
#define ENERGY_AUTO_ORDER "powercap,perf,feed,model"

/*
 * Model defaults, per online CPU: Cloud Carbon Footprint's methodology (compute estimates,
 * AWS averages): 0.74 W at 0 % utilization, 3.5 W at 100 %, linear in between.
 */
#define MODEL_IDLE_UW_PER_CPU 740000ULL
#define MODEL_MAX_UW_PER_CPU  3500000ULL
/* No node draws more; above it a parameter is a typo, and the table would overflow. */
#define MODEL_MAX_W 10000.0

/* A zone reading over one interval. */
struct zone_delta {
	uint64_t energy_uj;
	bool gap; /* no trustworthy delta: counter backwards, implausible, unreadable */
};

struct energy;

/*
 * spec: a comma-separated list of sources tried in order, each "auto" (ENERGY_AUTO_ORDER),
 * "powercap[:ROOT]", "feed[:DIR[,stale=DUR]]" or "model[:idle=W,max=W]" (a model ends the list).
 * ncpus: online CPUs (model). NULL with errno set on failure; msg then holds a one-line error
 * naming the culprit(s). On success msg holds why the sources before the one used could not
 * be (empty when the first could).
 */
struct energy *energy__open(const char *spec, unsigned int ncpus, char *msg, size_t len);
void energy__free(struct energy *e);

const char *energy__source(const struct energy *e); /* "powercap", "feed", ..., "model" */
size_t energy__nzones(const struct energy *e);
const char *energy__zone_label(const struct energy *e, size_t i);
bool energy__zone_is_node(const struct energy *e, size_t i);
/* Zones the source found but left out, and why (EACCES, dangling, ...); "" when none. */
const char *energy__warning(const struct energy *e);
/* One line for the summary: source, zones, model coefficients. */
const char *energy__describe(const struct energy *e);

/* Take the starting readings. 0 or -errno. */
int energy__start(struct energy *e, uint64_t now_ns);

/* Read the counters now (at a sample's flush), for the next energy__delta(). 0 or -errno. */
int energy__read(struct energy *e, uint64_t now_ns);

/*
 * Energy of each zone between the last two reads. busy_ns and window_ns (CPU time busy and
 * total, over all CPUs) drive the model; measured sources ignore them. Returns the number of
 * zones in a gap (0 when all are valid), or -errno.
 */
int energy__delta(struct energy *e, uint64_t busy_ns, uint64_t window_ns, struct zone_delta *out);

/*
 * energy__read() then energy__delta(): energy of each zone since the last call (or start). busy_ns
 * and window_ns (CPU time busy and total, over all CPUs) drive the model; measured sources ignore
 * them. Returns the number of zones in a gap (0 when all are valid), or -errno.
 */
int energy__sample(struct energy *e, uint64_t now_ns, uint64_t busy_ns, uint64_t window_ns,
		   struct zone_delta *out);

/* The model's power for a utilization busy/window, µW; exposed for tests. */
uint64_t energy_model_power_uw(uint64_t idle_uw, uint64_t max_uw, uint64_t busy_ns,
			       uint64_t window_ns);

#endif
