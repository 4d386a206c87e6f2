// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* reconcile.c: each Flux controller's bursts, from its track of a report's series. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duration.h"
#include "reconcile.h"
#include "stats.h"

/* The bursts' energies, the whole ones only when there are some: a cut one reads low. */
static int per_burst(struct reconcile *rc, const struct burst *list, size_t n)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	struct sample_stats st;
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!list[i].clipped)
			v[k++] = list[i].energy_j;
	rc->whole = k;
	if (!k)
		for (size_t i = 0; i < n; i++)
			v[k++] = list[i].energy_j;
	stats_of(v, k, &st);
	rc->j_mean = st.mean;
	rc->j_sd = st.sd;
	free(v);
	return 0;
}

static int one(const struct series *s, int t, double *j, bool *valid, struct reconcile *rc)
{
	size_t n = series__nbins(s);
	double bin = (double)series__bin_ns(s);
	struct burst *list = NULL;
	int err;

	for (size_t k = 0; k < n; k++) {
		double known = series__known_ns(s, k);

		valid[k] = known >= bin / 2;
		j[k] = valid[k] ? series__j(s, t, k) * bin / known : 0;
	}
	snprintf(rc->controller, sizeof(rc->controller), "%s", series__name(s, t));
	rc->bin_ns = series__bin_ns(s);
	/* Once to count, once to list: at most a few thousand bursts in 65536 bins. */
	err = bursts_detect(j, valid, n, rc->bin_ns, NULL, &rc->r, NULL, 0);
	if (!err && rc->r.nbursts) {
		list = calloc(rc->r.nbursts, sizeof(*list));
		err = list ? bursts_detect(j, valid, n, rc->bin_ns, NULL, &rc->r, list,
					   rc->r.nbursts)
			   : -ENOMEM;
	}
	err = err ?: per_burst(rc, list, rc->r.nbursts);
	free(list);
	return err;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct reconcile *)a)->controller,
		      ((const struct reconcile *)b)->controller);
}

int reconciles_find(const struct series *s, struct reconcile *out, size_t max)
{
	size_t n = s ? series__nbins(s) : 0, found = 0;
	double *j = malloc((n ? n : 1) * sizeof(*j));
	bool *valid = malloc(n ? n : 1);
	int err = j && valid ? 0 : -ENOMEM;

	for (size_t t = 0; !err && n && t < series__ntracks(s) && found < max; t++) {
		memset(&out[found], 0, sizeof(out[found]));
		err = one(s, (int)t, j, valid, &out[found]);
		found += !err;
	}
	free(j);
	free(valid);
	if (err)
		return err;
	qsort(out, found, sizeof(*out), by_name);
	return (int)found;
}

/* One controller's line: what its bursts say, or why they say nothing. */
/* s right-aligned in width columns: UTF-8 continuation bytes ("±") take none. */
static void right(FILE *f, const char *s, int width)
{
	int cols = 0;

	for (const char *p = s; *p; p++)
		cols += ((unsigned char)*p & 0xc0) != 0x80;
	fprintf(f, " %*s%s", width > cols ? width - cols : 0, "", s);
}

static void print_reconcile(const struct reconcile *rc, FILE *f)
{
	const struct burst_result *r = &rc->r;
	char period[32], j[32];

	if (r->busy) {
		fprintf(f, "%-26s %6s  busy: no floor between bursts to tell them from\n",
			rc->controller, "-");
		return;
	}
	if (r->periodic)
		snprintf(period, sizeof(period), "%.1f±%.1f", r->period_s, r->period_spread_s);
	else
		snprintf(period, sizeof(period), "%s", r->nbursts > 1 ? "irregular" : "-");
	if (r->nbursts > 1)
		snprintf(j, sizeof(j), "%.4f±%.4f", rc->j_mean, rc->j_sd);
	else if (r->nbursts)
		snprintf(j, sizeof(j), "%.4f±-", rc->j_mean); /* one burst has no spread */
	else
		snprintf(j, sizeof(j), "-");
	fprintf(f, "%-26s %6zu", rc->controller, r->nbursts);
	right(f, period, 14);
	right(f, j, 20);
	fprintf(f, " %13.1f %8.1f%%\n", r->per_hour, 100 * r->share);
}

void reconciles_print(const struct reconcile *rc, size_t n, FILE *f)
{
	char bin[32];

	fprintf(f,
		"\nreconciles: bursts in each Flux controller's energy, %s bins; J above its "
		"floor\n",
		duration_format(rc[0].bin_ns, bin, sizeof(bin)));
	fprintf(f, "%-26s %6s %14s %20s %13s %9s\n", "CONTROLLER", "BURSTS", "PERIOD s",
		"J/RECONCILE", "RECONCILES/h", "IN BURSTS");
	for (size_t i = 0; i < n; i++)
		print_reconcile(&rc[i], f);
}
