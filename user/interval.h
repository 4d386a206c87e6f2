/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* interval.h: one interval's energy, zone by zone, attributed to its rows; pure, no I/O. */
#ifndef WP_INTERVAL_H
#define WP_INTERVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "attrib.h"
#include "energy.h"
#include "probe.h"

struct interval_res {
	size_t nrows; /* cgroup rows; row nrows is the idle row */
	size_t nzones;
	uint64_t *zone_uj; /* [(nrows + 1) * nzones]: row r, zone z at r * nzones + z */
	uint64_t *node_uj; /* [nrows + 1]: sum over node zones */
	uint64_t node_total_uj;
	bool node_gap; /* a node zone had no valid delta: node figures are unknown */
	size_t cap;
};

/*
 * Attribute each valid zone of zd[0..nzones) over the rows of s (cgroups, then idle) with rule.
 * use_cycles: split the active part by cycles. 0 or -errno.
 */
int interval_attribute(const struct attrib_rule *rule, const struct probe_sample *s,
		       uint64_t interval_ns, const struct zone_delta *zd, const bool *zone_node,
		       size_t nzones, bool use_cycles, struct interval_res *res);
void interval_res__free(struct interval_res *res);

#endif
