// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* bursts.c: find the reconcile bursts in one controller's energy series, and their period. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bursts.h"
#include "stats.h"

/*
 * The model: a controller sits on a floor (often exactly 0 J with the model attribution) and
 * reconciles now and then, a burst of well under half the time. So the floor is the median of
 * the valid bins and its noise the MAD, both blind to the bursts themselves. A burst starts
 * where a bin clears the floor by 5 sigma (a noisy busy controller gives no bursts), by a
 * share of the typical burst bin (when the floor is flat, sigma is 0 and small wakeups must
 * not count), and by a tiny floor (all-zero and constant series have none). It then extends
 * to its neighbours above a lower level (hysteresis), so the tail of a reconcile and the
 * other half of one cut by a bin edge belong to it.
 */
#define MAD_SIGMA     1.4826 /* MAD x this estimates sigma for Gaussian noise */
#define START_SIGMAS  5.0
#define EXTEND_SIGMAS 3.0
#define EPS_W	      1e-6 /* 1 uW: far below any controller, far above rounding */
#define EPS_REL	      1e-6 /* of the floor, for a constant series' rounding */
#define PERIOD_SPREAD 0.2  /* periodic: MAD of intervals <= this share of their median */
#define NS_PER_S      1e9
#define S_PER_HOUR    3600.0

struct levels {
	double base_j, sigma_j; /* per bin */
	double low_j, high_j;	/* extend above low; start above high */
};

struct runs {
	struct burst *v;
	size_t n, cap;
};

struct bin_series {
	const double *j;
	const bool *valid;
	size_t n, nvalid;
	uint64_t bin_ns;
	double all_j; /* over the valid bins */
};

void burst_opts_default(struct burst_opts *o)
{
	*o = (struct burst_opts){ .merge_s = 1.0, .min_period_s = 0, .rel_threshold = 0.2 };
}

static bool is_valid(const bool *valid, size_t i)
{
	return !valid || valid[i];
}

/* Seconds in k bins, in integer ns first: 600 bins of 100 ms are 60 s exactly. */
static double bins_s(size_t k, uint64_t bin_ns)
{
	return (double)((uint64_t)k * bin_ns) / NS_PER_S;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts x (n > 0). */
static double median(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* Overwrites x (n > 0) with the absolute deviations. */
static void median_mad(double *x, size_t n, double *med, double *mad)
{
	*med = median(x, n);
	for (size_t i = 0; i < n; i++)
		x[i] = fabs(x[i] - *med);
	*mad = median(x, n);
}

/*
 * The excess above which half the excess energy lies: the typical burst bin. Weighting by
 * energy, not by count, keeps many tiny wakeups from dragging it down to their own level.
 */
static double energy_median(double *x, size_t n)
{
	double total = 0, acc = 0;

	qsort(x, n, sizeof(*x), cmp_double);
	for (size_t i = 0; i < n; i++)
		total += x[i];
	for (size_t i = n; i-- > 0;) {
		acc += x[i];
		if (acc >= total / 2)
			return x[i];
	}
	return 0;
}

static void find_levels(const struct bin_series *x, double rel, double *scratch, struct levels *lv)
{
	double mad, eps, typ = 0, bin_s = (double)x->bin_ns / NS_PER_S;
	const double *j = x->j;
	size_t m = 0, c = 0;

	for (size_t i = 0; i < x->n; i++)
		if (is_valid(x->valid, i))
			scratch[m++] = j[i];
	median_mad(scratch, m, &lv->base_j, &mad);
	lv->sigma_j = MAD_SIGMA * mad;
	eps = EPS_W * bin_s + EPS_REL * lv->base_j;
	lv->low_j = lv->base_j + fmax(EXTEND_SIGMAS * lv->sigma_j, eps);
	for (size_t i = 0; i < x->n; i++)
		if (is_valid(x->valid, i) && j[i] > lv->low_j)
			scratch[c++] = j[i] - lv->base_j;
	if (c)
		typ = rel * energy_median(scratch, c);
	lv->high_j = lv->base_j + fmax(fmax(START_SIGMAS * lv->sigma_j, typ), eps);
}

/* A gap ends a burst: neither merge rule reaches across an invalid bin. */
static int add_region(struct runs *r, size_t s, size_t e, bool gap, uint64_t bin_ns,
		      const struct burst_opts *o)
{
	struct burst *prev = r->n ? &r->v[r->n - 1] : NULL;

	if (prev && !gap &&
	    (bins_s(s - prev->last - 1, bin_ns) < o->merge_s ||
	     bins_s(s - prev->first, bin_ns) < o->min_period_s)) {
		prev->last = e;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct burst *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct burst){ .first = s, .last = e, .after_gap = gap };
	return 0;
}

/* Maximal runs of valid bins above low that reach high somewhere, merged. */
static int find_runs(const struct bin_series *x, const struct burst_opts *o,
		     const struct levels *lv, struct runs *r)
{
	bool gap = false; /* an invalid bin since the last burst */

	for (size_t i = 0; i < x->n;) {
		bool peak = false;
		size_t s = i;
		int err;

		if (!is_valid(x->valid, i) || x->j[i] <= lv->low_j) {
			gap |= !is_valid(x->valid, i);
			i++;
			continue;
		}
		for (; i < x->n && is_valid(x->valid, i) && x->j[i] > lv->low_j; i++)
			peak |= x->j[i] > lv->high_j;
		if (!peak)
			continue;
		err = add_region(r, s, i - 1, gap, x->bin_ns, o);
		if (err)
			return err;
		gap = false;
	}
	return 0;
}

/* Energies and flags once the extents are final; returns the bins the bursts cover. */
static size_t measure(struct runs *r, const struct bin_series *x, double base_j)
{
	const double *j = x->j;
	size_t cover = 0;

	for (size_t k = 0; k < r->n; k++) {
		struct burst *b = &r->v[k];
		double e = 0, t = 0;

		/* Dips inside a merged burst may fall below the floor; they count, unclamped. */
		for (size_t i = b->first; i <= b->last; i++) {
			t += j[i];
			e += j[i] - base_j;
		}
		b->total_j = t;
		b->energy_j = e > 0 ? e : 0;
		b->clipped = !b->first || b->last == x->n - 1 ||
			     !is_valid(x->valid, b->first - 1) || !is_valid(x->valid, b->last + 1);
		cover += b->last - b->first + 1;
	}
	return cover;
}

/*
 * An interval across a gap may hide a burst in the gap, so only the others give the period.
 * The median and MAD shrug off a skipped or an extra reconcile; two superposed periods give
 * a wide MAD, hence not periodic, rather than an invented period.
 */
static void period_of(const struct runs *r, uint64_t bin_ns, double *scratch,
		      struct burst_result *out)
{
	size_t m = 0;

	for (size_t k = 1; k < r->n; k++)
		if (!r->v[k].after_gap)
			scratch[m++] = bins_s(r->v[k].first - r->v[k - 1].first, bin_ns);
	out->nintervals = m;
	if (!m)
		return;
	median_mad(scratch, m, &out->period_s, &out->period_spread_s);
	out->periodic =
		r->n >= 3 && m >= 2 && out->period_spread_s <= PERIOD_SPREAD * out->period_s;
}

static void summarize(struct runs *r, const struct bin_series *x, double base_j, double *scratch,
		      struct burst_result *out, struct burst *list, size_t max)
{
	struct sample_stats s;
	double above = 0;

	/* The median floor assumes bursts are the minority: past half, there is no floor. */
	if (2 * measure(r, x, base_j) > x->nvalid) {
		out->busy = true;
		r->n = 0;
	}
	out->nbursts = r->n;
	if (!r->n)
		return;
	for (size_t k = 0; k < r->n; k++) {
		if (k < max && list)
			list[k] = r->v[k];
		above += r->v[k].energy_j;
		scratch[k] = r->v[k].energy_j;
	}
	stats_of(scratch, r->n, &s);
	out->j_mean = s.mean;
	out->j_sd = s.sd;
	out->share = x->all_j > 0 ? above / x->all_j : 0;
	out->per_hour = (double)r->n * S_PER_HOUR / out->valid_s;
}

/* Written as !(v >= 0) so that a NaN fails too. */
static int check_input(struct bin_series *x, const struct burst_opts *o)
{
	if (!x->j || !x->n || !x->bin_ns || !(o->merge_s >= 0) || !(o->min_period_s >= 0) ||
	    !(o->rel_threshold >= 0))
		return -EINVAL;
	for (size_t i = 0; i < x->n; i++) {
		if (!is_valid(x->valid, i))
			continue;
		if (!isfinite(x->j[i]) || !(x->j[i] >= 0))
			return -EINVAL;
		x->nvalid++;
		x->all_j += x->j[i];
	}
	return 0;
}

int bursts_detect(const double *j, const bool *valid, size_t n, uint64_t bin_ns,
		  const struct burst_opts *o, struct burst_result *out, struct burst *list,
		  size_t max)
{
	struct bin_series x = { .j = j, .valid = valid, .n = n, .bin_ns = bin_ns };
	double bin_s = (double)bin_ns / NS_PER_S, *scratch;
	struct runs r = { 0 };
	struct burst_opts def;
	struct levels lv;
	int err;

	if (!o) {
		burst_opts_default(&def);
		o = &def;
	}
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	err = check_input(&x, o);
	if (err || !x.nvalid)
		return err;
	out->valid_s = bins_s(x.nvalid, bin_ns);
	scratch = malloc(n * sizeof(*scratch));
	if (!scratch)
		return -ENOMEM;
	find_levels(&x, o->rel_threshold, scratch, &lv);
	out->baseline_w = lv.base_j / bin_s;
	out->noise_w = lv.sigma_j / bin_s;
	out->threshold_w = lv.high_j / bin_s;
	err = find_runs(&x, o, &lv, &r);
	if (err)
		goto cleanup;
	summarize(&r, &x, lv.base_j, scratch, out, list, max);
	period_of(&r, bin_ns, scratch, out);
cleanup:
	free(r.v);
	free(scratch);
	return err;
}
