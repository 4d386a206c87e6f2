/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* summary.h: a recording's totals per cgroup, and the table printed at its end. */
#ifndef WP_SUMMARY_H
#define WP_SUMMARY_H

#include <stdint.h>
#include <stdio.h>
#include "interval.h"

struct summary;

struct summary *summary__new(void);
void summary__free(struct summary *sm);

/* Add one interval. names[i] is the name of row i of s. 0 or -ENOMEM. */
int summary__add(struct summary *sm, const struct probe_sample *s, uint64_t interval_ns,
		 const struct interval_res *res, const char *const *names);

struct summary_totals {
	uint64_t wall_ns;
	uint64_t intervals;
	uint64_t gap_intervals; /* intervals whose node energy is unknown */
	uint64_t cpu_ns;	/* all rows including idle and steal */
	uint64_t idle_cpu_ns;
	uint64_t steal_ns; /* stolen by the hypervisor: nobody's CPU time, no energy */
	uint64_t node_uj;  /* measured node energy over intervals without a gap */
	uint64_t idle_uj;
	uint64_t cgroups; /* distinct cgroups seen */
};
void summary__totals(const struct summary *sm, struct summary_totals *t);

/* The energy attributed to one cgroup over the whole recording (tests). */
int summary__cgroup(const struct summary *sm, uint64_t id, uint64_t *cpu_ns, uint64_t *uj);

/* The table: top cgroups by energy, the rest folded, idle, the node total. */
int summary__print(const struct summary *sm, FILE *f, unsigned int top);

#endif
