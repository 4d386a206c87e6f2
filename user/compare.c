// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* compare.c: two sets of runs, group by group, in energy per hour with Welch's intervals. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "compare.h"

#define LEVEL 0.95

static double per_hour(const struct cmp_run *r, const char *group)
{
	for (size_t g = 0; g < r->ngroups; g++)
		if (!strcmp(r->group[g], group))
			return r->hours > 0 ? r->wh[g] / r->hours : 0;
	return 0;
}

static bool listed(char (*names)[64], size_t n, const char *group)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(names[k], group))
			return true;
	return false;
}

/* CMP_OTHER's energy per hour in one run: its own, and that of every group not listed. */
static double other_per_hour(const struct cmp_run *r, char (*names)[64], size_t n)
{
	double wh = 0;

	for (size_t g = 0; g < r->ngroups; g++)
		if (strcmp(r->group[g], CMP_NODE) &&
		    (!strcmp(r->group[g], CMP_OTHER) || !listed(names, n, r->group[g])))
			wh += r->wh[g];
	return r->hours > 0 ? wh / r->hours : 0;
}

/*
 * Groups in the order first met, the node last. Past max - 2 of them the rest are summed in
 * CMP_OTHER: a group is never left out of the table while the total counts it.
 */
static size_t union_groups(const struct cmp_run *const *sets, const size_t *ns, char (*names)[64],
			   size_t max)
{
	bool over = false;
	size_t n = 0;

	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < ns[s]; i++)
			for (size_t g = 0; g < sets[s][i].ngroups; g++) {
				const char *name = sets[s][i].group[g];

				if (!strcmp(name, CMP_NODE) || listed(names, n, name))
					continue;
				if (n < max - 2 && strcmp(name, CMP_OTHER))
					snprintf(names[n++], 64, "%s", name);
				else
					over = true;
			}
	if (over)
		snprintf(names[n++], 64, "%s", CMP_OTHER);
	snprintf(names[n++], 64, "%s", CMP_NODE);
	return n;
}

static int by_cand_desc(const void *a, const void *b);

/* The groups by the candidate's energy, then idle, then the node. */
static void sort_lines(struct cmp_result *r)
{
	qsort(r->lines, r->n, sizeof(r->lines[0]), by_cand_desc);
}

int compare_runs(const struct cmp_run *base, size_t nb, const struct cmp_run *cand, size_t nc,
		 struct cmp_result *out)
{
	const struct cmp_run *sets[2] = { base, cand };
	const size_t ns[2] = { nb, nc };
	char names[CMP_MAX_GROUPS + 1][64];
	double v[CMP_MAX_RUNS];

	if (!nb || !nc || nb > CMP_MAX_RUNS || nc > CMP_MAX_RUNS)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->nbase = nb;
	out->ncand = nc;
	out->n = union_groups(sets, ns, names, CMP_MAX_GROUPS + 1);
	for (size_t k = 0; k < out->n; k++) {
		struct cmp_line *l = &out->lines[k];
		bool other = !strcmp(names[k], CMP_OTHER);

		snprintf(l->group, sizeof(l->group), "%s", names[k]);
		for (size_t i = 0; i < nb; i++)
			v[i] = other ? other_per_hour(&base[i], names, out->n)
				     : per_hour(&base[i], names[k]);
		stats_of(v, nb, &l->base);
		for (size_t i = 0; i < nc; i++)
			v[i] = other ? other_per_hour(&cand[i], names, out->n)
				     : per_hour(&cand[i], names[k]);
		stats_of(v, nc, &l->cand);
		l->has_ci = welch(&l->base, &l->cand, LEVEL, &l->w) == 0;
		if (!l->has_ci) {
			l->w = (struct welch){ .diff = l->cand.mean - l->base.mean,
					       .ratio = l->base.mean > 0
								? l->cand.mean / l->base.mean
								: NAN };
		}
	}
	sort_lines(out);
	return 0;
}

static int rank(const struct cmp_line *l)
{
	return !strcmp(l->group, CMP_NODE) ? 2 : !strcmp(l->group, "idle") ? 1 : 0;
}

static int by_cand_desc(const void *a, const void *b)
{
	const struct cmp_line *x = a, *y = b;

	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	if (x->cand.mean != y->cand.mean)
		return x->cand.mean < y->cand.mean ? 1 : -1;
	return strcmp(x->group, y->group);
}

static void ci(char *buf, size_t len, double lo, double hi, bool has)
{
	if (has && isfinite(lo) && isfinite(hi))
		snprintf(buf, len, "[%.3f, %.3f]", lo, hi);
	else
		snprintf(buf, len, "%s", "-");
}

const struct cmp_line *compare_find(const struct cmp_result *r, const char *group)
{
	for (size_t k = 0; k < r->n; k++)
		if (!strcmp(r->lines[k].group, group))
			return &r->lines[k];
	return NULL;
}

void compare_carbon(const struct cmp_result *r, double g_per_kwh, double pue,
		    struct cmp_carbon *out)
{
	const struct cmp_line *n = compare_find(r, CMP_NODE);
	double k = pue * g_per_kwh / 1000; /* Wh/h at the plug -> g per hour */

	out->base_g_per_h = n->base.mean * k;
	out->cand_g_per_h = n->cand.mean * k;
	out->diff_g_per_h = n->w.diff * k;
}

void compare_verdict(const struct cmp_result *r, char *buf, size_t len)
{
	const struct cmp_line *flux = compare_find(r, "flux"), *node = compare_find(r, CMP_NODE);
	const struct cmp_line *l = flux ? flux : node;
	double half = l->has_ci ? (l->w.diff_hi - l->w.diff_lo) / 2 : NAN;
	double share = node->cand.mean > 0 ? 100 * l->w.diff / node->cand.mean : NAN;
	char pm[48];
	int n;

	if (isfinite(half))
		snprintf(pm, sizeof(pm), " ± %.3f", half);
	else
		snprintf(pm, sizeof(pm), " (no interval: one run on a side)");
	if (!isfinite(share))
		n = snprintf(buf, len, "verdict: %s %.3f%s Wh per hour (the node's energy is 0)",
			     flux ? "Flux controllers add" : "the candidate differs by", l->w.diff,
			     pm);
	else if (flux)
		n = snprintf(buf, len,
			     "verdict: Flux controllers add %.3f%s Wh per hour, %.1f %% of node "
			     "energy",
			     l->w.diff, pm, share);
	else
		n = snprintf(
			buf, len,
			"verdict: the candidate uses %.3f%s Wh per hour %s, %.1f %% of its node "
			"energy",
			fabs(l->w.diff), pm, l->w.diff >= 0 ? "more" : "less", fabs(share));
	if (n >= 0 && (size_t)n < len && l->has_ci && l->w.diff_lo <= 0 && l->w.diff_hi >= 0)
		snprintf(buf + n, len - (size_t)n,
			 "\nverdict: the 95 %% interval includes 0: no difference shown at this "
			 "number of runs");
}

void compare_print(const struct cmp_result *r, FILE *f, double g_per_kwh, double pue)
{
	char d[40], q[40], v[512];

	/* Columns in bytes: "±" is two of them and one column, hence the widths one wider. */
	fprintf(f, "%-16s %15s %15s %9s %-21s %6s %s\n", "GROUP", "BASE Wh/h", "CAND Wh/h", "DIFF",
		"95% CI", "RATIO", "95% CI");
	for (size_t k = 0; k < r->n; k++) {
		const struct cmp_line *l = &r->lines[k];
		char b[32], c[32], ratio[16];

		/* One run has no spread: "-", not a zero that reads as a measurement. */
		if (l->base.n > 1)
			snprintf(b, sizeof(b), "%.3f±%.3f", l->base.mean, l->base.sd);
		else
			snprintf(b, sizeof(b), "%.3f±-", l->base.mean);
		if (l->cand.n > 1)
			snprintf(c, sizeof(c), "%.3f±%.3f", l->cand.mean, l->cand.sd);
		else
			snprintf(c, sizeof(c), "%.3f±-", l->cand.mean);
		ci(d, sizeof(d), l->w.diff_lo, l->w.diff_hi, l->has_ci);
		ci(q, sizeof(q), l->w.ratio_lo, l->w.ratio_hi, l->has_ci);
		if (isfinite(l->w.ratio))
			snprintf(ratio, sizeof(ratio), "%.3f", l->w.ratio);
		else
			snprintf(ratio, sizeof(ratio), "-");
		fprintf(f, "%-16.16s %16s %16s %+9.3f %-21s %6s %s\n", l->group, b, c, l->w.diff, d,
			ratio, q);
	}
	fprintf(f,
		"(Wh per hour of the time energy was known, mean±sd over %zu baseline and %zu "
		"candidate runs; intervals by Welch's t)\n",
		r->nbase, r->ncand);
	if (g_per_kwh > 0) {
		struct cmp_carbon c;

		compare_carbon(r, g_per_kwh, pue, &c);
		fprintf(f,
			"carbon (an estimate: %.0f gCO2e/kWh, PUE %.2f): baseline %.3f, candidate "
			"%.3f, difference %+.3f gCO2e per hour\n",
			g_per_kwh, pue, c.base_g_per_h, c.cand_g_per_h, c.diff_g_per_h);
	}
	compare_verdict(r, v, sizeof(v));
	fprintf(f, "%s\n", v);
}
