/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * metrics.h: the exporter's cumulative counters per group, pod, container and cgroup, and
 * their exposition (wattprobe's families, Kepler's with --kepler-compat); pure, no I/O.
 */
#ifndef WP_METRICS_H
#define WP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"
#include "summary.h"
#include "tick.h"

enum metrics_level { ML_GROUP = 0, ML_POD, ML_CONTAINER, ML_CGROUP, ML__MAX };

struct metrics_cfg {
	enum summary_by by; /* the finest of wattprobe's families exposed */
	bool kepler_compat; /* also Kepler's node, pod and container families */
	size_t nzones;
	const char *const *zone_labels;
	const bool *zone_node; /* zones whose sum is the node's energy */
	const char *source;    /* the energy source's name: powercap, model, ... */
	const char *node_name; /* Kepler's node_name label; "" when unknown */
	bool has_wakeups;
	uint64_t fold_below_uj;	     /* terminated series with less energy are folded away */
	unsigned int max_terminated; /* terminated series kept per family, the largest first */
	uint64_t fold_quiet_ns;	     /* a series unseen for this long may have terminated */
};

/* What the node-wide families say beyond the counters. */
struct metrics_info {
	const char *version, *revision, *attach, *cgroup_mode, *energy_desc;
	uint64_t interval_ns;
	uint64_t drops_map_full, drops_pmu, drops_missed;
	uint64_t late_ticks;
	const char *cpuinfo; /* /proc/cpuinfo's text, for kepler_node_cpu_info; NULL: none */
};

struct metrics;

/* cfg's arrays must outlive the metrics. NULL on ENOMEM. */
struct metrics *metrics__new(const struct metrics_cfg *cfg);
void metrics__free(struct metrics *m);
/* Add one interval. 0 or -ENOMEM. */
int metrics__add(struct metrics *m, const struct sampler_tick *t);
/*
 * Fold away terminated series: pods, containers and cgroups unseen for fold_quiet_ns whose
 * last cgroup alive(ctx, path) says is gone, when under fold_below_uj of node energy or beyond
 * max_terminated. Their energy stays in the group family. Returns how many were folded.
 */
size_t metrics__fold(struct metrics *m, uint64_t now_ns, bool (*alive)(void *ctx, const char *path),
		     void *ctx);
/*
 * The whole exposition into sb (appended). Gauges (watts, usage ratio) are over the window since
 * the previous render, which then starts anew. 0 or -ENOMEM.
 */
int metrics__render(struct metrics *m, struct strbuf *sb, const struct metrics_info *info);

/*
 * Tests: a series' cumulative energy in zone and CPU time, by its label values joined with '|'
 * in the family's label order ("flux|source-controller"). -ENOENT when absent.
 */
int metrics__lookup(const struct metrics *m, enum metrics_level lvl, const char *key, size_t zone,
		    uint64_t *uj, uint64_t *cpu_ns);
size_t metrics__count(const struct metrics *m, enum metrics_level lvl);

/* Kepler's zone name for one of ours: package-0 -> package, a model's -> package (see docs). */
const char *metrics_kepler_zone(const char *label);

#endif
