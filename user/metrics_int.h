/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* metrics_int.h: the series store metrics.c keeps and metrics_kepler.c renders; private. */
#ifndef WP_METRICS_INT_H
#define WP_METRICS_INT_H

#include "metrics.h"
#include "u64map.h"

/* One labelled series of a family: a group, a pod, a container or a cgroup. */
struct series {
	char *key;     /* the label values joined by '|': the identity */
	char *labels;  /* wattprobe's labels, escaped: group="flux",component="source-controller" */
	char *klabels; /* Kepler's (pods, containers), without state and zone; NULL elsewhere */
	char *path;    /* the last cgroup seen in it, which tells when it has terminated */
	uint64_t *uj;  /* [nzones] cumulative */
	uint64_t *win_uj; /* [nzones] since the last render, for the watts */
	uint64_t cpu_ns, wakeups, node_uj, last_seen_ns;
	bool terminated;
};

struct family {
	struct series **v;
	size_t n, cap;
	struct u64map *by_hash;	  /* hash of key (probed onward on collision) -> index + 1 */
	struct u64map *by_serial; /* identity serial -> index + 1: the fast path */
	uint64_t folded;
	bool on;
};

struct metrics {
	struct metrics_cfg cfg;
	struct family fam[ML__MAX];
	uint64_t *node_uj, *idle_uj;	     /* [nzones] cumulative, valid deltas only */
	uint64_t *win_node_uj, *win_idle_uj; /* [nzones] since the last render */
	uint64_t *win_valid_ns;		     /* [nzones] time the zone was known in the window */
	uint64_t win_ns, win_busy_ns, win_cpu_ns;
	uint64_t intervals, gap_intervals;
	char **zone_extra; /* [nzones] zone="package-0",part_of_node="true" */
};

extern const char *const metrics_level_names[ML__MAX]; /* "group", "pod", ... */
/* Whether level l's wattprobe families are exposed (group always, then up to --metrics-by). */
bool metrics_level_shown(const struct metrics_cfg *cfg, enum metrics_level l);
/* Watts from µJ over ns; NaN over no time. */
double metrics_watts(uint64_t uj, uint64_t ns);
/* Kepler's families, after wattprobe's. */
void metrics_render_kepler(const struct metrics *m, struct strbuf *sb,
			   const struct metrics_info *info);

#endif
