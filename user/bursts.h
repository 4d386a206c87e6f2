/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* bursts.h: the reconcile bursts in one controller's energy series, and their period; pure. */
#ifndef WP_BURSTS_H
#define WP_BURSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct burst {
	size_t first, last; /* bins, inclusive */
	double energy_j;    /* above the baseline over first..last, >= 0 */
	double total_j;	    /* all the energy in first..last */
	bool clipped;	    /* touches a gap or an end of the series: it may have been cut short */
	bool after_gap;	    /* a gap since the burst before: the interval to it is unknown */
};

struct burst_opts {
	double merge_s;	      /* bursts fewer valid seconds apart than this merge; default 1.0 */
	double min_period_s;  /* a burst starting sooner after the last start joins it; 0 = off */
	double rel_threshold; /* a burst must peak above this share of the typical burst bin; 0.2 */
};

struct burst_result {
	size_t nbursts;	    /* all found, however many were stored */
	double baseline_w;  /* the controller's floor between bursts (median of valid bins) */
	double noise_w;	    /* 1.4826 x MAD of valid bins: the floor's sigma */
	double threshold_w; /* what a bin had to exceed for a burst to start */
	bool busy;	    /* "bursts" would cover over half the valid time: reported as none */
	bool periodic;	    /* >= 3 bursts, >= 2 intervals, MAD <= 20 % of the median */
	double period_s;    /* median start-to-start, over intervals with no gap; 0 if none */
	double period_spread_s; /* MAD of those start-to-start intervals */
	size_t nintervals;	/* how many intervals period_s stands on */
	double j_mean, j_sd; /* energy per burst above baseline; 0 without bursts, sd 0 for one */
	double per_hour;     /* bursts per hour of valid time */
	double share;	     /* burst energy above baseline / all energy in valid bins */
	double valid_s;	     /* time covered by valid bins */
};

void burst_opts_default(struct burst_opts *o);

/*
 * j: joules in each of n bins of bin_ns; valid may be NULL (all valid), and values in invalid
 * bins are never read. o may be NULL (defaults). list may be NULL; at most max entries are
 * stored but all are counted. out is zeroed first. 0, -EINVAL (n == 0, bin_ns == 0, a NaN,
 * infinite or negative value in a valid bin, a bad option), or -ENOMEM.
 */
int bursts_detect(const double *j, const bool *valid, size_t n, uint64_t bin_ns,
		  const struct burst_opts *o, struct burst_result *out, struct burst *list,
		  size_t max);

#endif
