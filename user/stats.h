/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* stats.h: means, standard deviations, Student's t and Welch's interval; pure. */
#ifndef WP_STATS_H
#define WP_STATS_H

#include <stddef.h>

struct sample_stats {
	size_t n;
	double mean;
	double sd; /* sample standard deviation (n - 1); 0 for n < 2 */
};

void stats_of(const double *x, size_t n, struct sample_stats *out);

/* P(T <= t) for Student's t with df > 0 degrees of freedom (df may be fractional). */
double student_t_cdf(double t, double df);
/* The t with P(T <= t) = p, 0 < p < 1. */
double student_t_quantile(double p, double df);
/* Half-width of the confidence interval (level, e.g. 0.95) of one sample's mean; 0 for n < 2. */
double stats_ci_half(const struct sample_stats *s, double level);

/* Welch's difference b - a, and the ratio b / a by the delta method on its logarithm. */
struct welch {
	double diff, diff_lo, diff_hi;	  /* b.mean - a.mean and its interval */
	double ratio, ratio_lo, ratio_hi; /* NaN where a mean is not positive */
	double df;			  /* Welch-Satterthwaite; NaN when both sds are 0 */
	double t, p;			  /* t statistic, two-sided p; NaN likewise */
};

/* Both samples need n >= 2. 0, or -EINVAL. */
int welch(const struct sample_stats *a, const struct sample_stats *b, double level,
	  struct welch *out);

#endif
