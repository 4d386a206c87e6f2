/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * reconcile.h: energy per reconcile: the bursts of each Flux controller's track in a report's
 * series, their period and joules; pure.
 */
#ifndef WP_RECONCILE_H
#define WP_RECONCILE_H

#include <stddef.h>
#include <stdio.h>
#include "bursts.h"
#include "series.h"

struct reconcile {
	char controller[64];
	uint64_t bin_ns;
	struct burst_result r;
	size_t whole;	     /* bursts not cut short by a gap or an end of the recording */
	double j_mean, j_sd; /* J above the floor per whole burst (every burst when none is) */
};

/*
 * Each track of s, a Flux controller's (report_run.details), at most max, in name order. A bin
 * whose energy was known for under half its time is left out; one known for more is scaled to the
 * whole bin. s may be NULL (none kept): 0. The count, or -errno.
 */
int reconciles_find(const struct series *s, struct reconcile *out, size_t max);

/* The table: a line per controller, "busy" or "irregular" where the bursts say no more. */
void reconciles_print(const struct reconcile *rc, size_t n, FILE *f);

#endif
