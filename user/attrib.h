/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* attrib.h: splitting one interval's measured energy among cgroups and idle; pure, no I/O. */
#ifndef WP_ATTRIB_H
#define WP_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum attrib_kind {
	/* Kepler 0.10: idle share = idle CPU time / all CPU time; the rest by activity. */
	ATTRIB_UTIL = 0,
	/* A fixed idle power: idle share = min(E, P_idle x interval); the rest by activity. */
	ATTRIB_IDLE_POWER,
};

struct attrib_rule {
	enum attrib_kind kind;
	uint64_t idle_power_uw; /* ATTRIB_IDLE_POWER only */
};

/* "util" or "idle:W" (W in watts, decimals allowed). 0 or -EINVAL. */
int attrib_rule_parse(const char *text, struct attrib_rule *rule);
/* "util" or "idle:12.5W"; returns buf. */
char *attrib_rule_format(const struct attrib_rule *rule, char *buf, size_t len);

/*
 * Split total into out[0..n) in proportion to weights, exactly: sum(out) == total. Each part
 * is floor(total * w / W); the µJ left over go one each to the largest remainders, ties to
 * the lower index. All-zero weights give everything to out[fallback]. 0 or -ENOMEM/-EINVAL.
 */
int attrib_split(uint64_t total, const uint64_t *weights, size_t n, size_t fallback, uint64_t *out);

/* A cgroup's activity in the interval. */
struct attrib_cg {
	uint64_t cpu_ns;
	uint64_t cycles;
};

struct attrib_in {
	uint64_t energy_uj;   /* measured in the interval, one zone */
	uint64_t interval_ns; /* wall time of the interval */
	uint64_t idle_ns;     /* idle time of all CPUs */
	const struct attrib_cg *cg;
	size_t n;
	bool use_cycles; /* divide the active part by cycles, not CPU time */
};

/* cg_uj[0..n) and *idle_uj receive the split; sum == in->energy_uj exactly. 0 or -errno. */
int attrib_interval(const struct attrib_rule *rule, const struct attrib_in *in, uint64_t *cg_uj,
		    uint64_t *idle_uj);

#endif
