/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* compare.h: two sets of runs, group by group, in energy per hour with Welch's intervals; pure. */
#ifndef WP_COMPARE_H
#define WP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "stats.h"

#define CMP_MAX_GROUPS 64
#define CMP_MAX_RUNS   256
/*
 * The pseudo group of the node's whole energy, after every group and idle: "total", as in the
 * summary's table; not "node", which is a group (kubelet, the runtimes). A group a rule names
 * "total" is shown as CMP_TOTAL_RENAMED.
 */
#define CMP_NODE	  "total"
#define CMP_TOTAL_RENAMED "total (group)"
#define CMP_OTHER	  "(other groups)" /* the groups past CMP_MAX_GROUPS - 3, summed */

/* One run: each group's energy and the time energy was known. */
struct cmp_run {
	double hours;
	size_t ngroups;
	char group[CMP_MAX_GROUPS][64];
	double wh[CMP_MAX_GROUPS]; /* energy in Wh */
};

struct cmp_line {
	char group[64];
	struct sample_stats base, cand; /* Wh per hour, per run */
	struct welch w;
	bool has_ci; /* both sides have 2 runs or more */
};

struct cmp_result {
	struct cmp_line lines[CMP_MAX_GROUPS + 1];
	size_t n; /* the node last */
	size_t nbase, ncand;
};

/* base[0..nb), cand[0..nc). A group absent from a run is 0 there. 0 or -EINVAL (no runs). */
int compare_runs(const struct cmp_run *base, size_t nb, const struct cmp_run *cand, size_t nc,
		 struct cmp_result *out);
/*
 * The table and the verdict. g_per_kwh > 0 adds carbon columns (g CO2e per hour, times pue),
 * labelled as estimates.
 */
void compare_print(const struct cmp_result *r, FILE *f, double g_per_kwh, double pue);
/* The line of group, or NULL. */
const struct cmp_line *compare_find(const struct cmp_result *r, const char *group);

/* The node's energy per hour as carbon, an estimate: grid intensity times PUE. */
struct cmp_carbon {
	double base_g_per_h, cand_g_per_h, diff_g_per_h;
};
void compare_carbon(const struct cmp_result *r, double g_per_kwh, double pue,
		    struct cmp_carbon *out);
/*
 * The verdict, "verdict: ..." in one plain sentence: Flux's cost when Flux is there, else the
 * node's difference; a second line when the interval includes 0.
 */
void compare_verdict(const struct cmp_result *r, char *buf, size_t len);

#endif
