/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* summary.h: a recording's totals per cgroup identity, and the table printed at its end. */
#ifndef WP_SUMMARY_H
#define WP_SUMMARY_H

#include <stdint.h>
#include <stdio.h>
#include "ident.h"
#include "interval.h"

/* What the table's rows are. */
enum summary_by { SUM_BY_CGROUP = 0, SUM_BY_GROUP, SUM_BY_POD, SUM_BY_CONTAINER };

struct summary;

struct summary *summary__new(void);
void summary__free(struct summary *sm);

/* Add one interval. ids[i] is the identity of row i of s (ids[nrows]: idle). 0 or -ENOMEM. */
int summary__add(struct summary *sm, const struct probe_sample *s, uint64_t interval_ns,
		 const struct interval_res *res, const struct wp_ident *const *ids);

struct summary_totals {
	uint64_t wall_ns;
	uint64_t intervals;
	uint64_t gap_intervals; /* intervals whose node energy is unknown */
	uint64_t gap_ns;	/* and their time: AVG W is over the rest */
	uint64_t cpu_ns;	/* all rows including idle and steal */
	uint64_t idle_cpu_ns;
	uint64_t steal_ns; /* stolen by the hypervisor: nobody's CPU time, no energy */
	uint64_t node_uj;  /* measured node energy over intervals without a gap */
	uint64_t idle_uj;
	uint64_t cgroups; /* distinct cgroups seen */
};
void summary__totals(const struct summary *sm, struct summary_totals *t);

/*
 * A gone cgroup's entries folded into one per what the tables show of it (its group, pod,
 * container; Flux's and Kubernetes' component), named "<gone>" by cgroup: the totals stay
 * exact while memory follows the cgroups alive. 0 or -ENOMEM.
 */
int summary__forget(struct summary *sm, uint64_t cgroup_id);

/* The energy attributed to one cgroup over the whole recording (tests). */
int summary__cgroup(const struct summary *sm, uint64_t id, uint64_t *cpu_ns, uint64_t *uj);
/* The same for one group, by name ("idle" included). -ENOENT if it never appeared. */
int summary__group(const struct summary *sm, const char *group, uint64_t *cpu_ns, uint64_t *uj);

/*
 * The table by cgroup, group, pod or container: top rows by energy, the rest folded, then
 * steal, idle and the node total. By group, Flux's controllers and the Kubernetes components
 * get a line each below their group.
 */
int summary__print(const struct summary *sm, FILE *f, enum summary_by by, unsigned int top);
/*
 * The table's lines for machines, by energy: fn gets each name ("namespace/pod" by pod, the
 * path by cgroup), its group, CPU time and energy. With group set, the lines of that group's
 * details (Flux's controllers) instead. Idle and steal are in the totals. 0 or -ENOMEM.
 */
typedef void summary_each_fn(void *ctx, const char *name, const char *group, uint64_t cpu_ns,
			     uint64_t uj);
int summary__each(const struct summary *sm, enum summary_by by, const char *group,
		  summary_each_fn *fn, void *ctx);
const char *summary_by_name(enum summary_by by);
/* "group", "pod", "container" or "cgroup"; 0 or -EINVAL. */
int summary_by_parse(const char *s, enum summary_by *out);

#endif
