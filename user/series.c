// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* series.c: energy per track in equal bins, merged pairwise when the recording outgrows them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "series.h"

struct series {
	uint64_t bin_ns;
	size_t max_bins, nbins, cap; /* bins in use; allocated in each array */
	double *covered_ns, *known_ns;
	double *j[SERIES_MAX_TRACKS];
	char *name[SERIES_MAX_TRACKS];
	size_t ntracks;
};

struct series *series__new(uint64_t bin_ns, size_t max_bins)
{
	struct series *s;

	if (!bin_ns || max_bins < 2 || max_bins % 2) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->bin_ns = bin_ns;
	s->max_bins = max_bins;
	return s;
}

void series__free(struct series *s)
{
	if (!s)
		return;
	for (size_t t = 0; t < s->ntracks; t++) {
		free(s->j[t]);
		free(s->name[t]);
	}
	free(s->covered_ns);
	free(s->known_ns);
	free(s);
}

static int grow(double **v, size_t old, size_t cap)
{
	double *n = realloc(*v, cap * sizeof(*n));

	if (!n)
		return -ENOMEM;
	memset(n + old, 0, (cap - old) * sizeof(*n));
	*v = n;
	return 0;
}

/* Room for bins [0, want): arrays doubled, never beyond max_bins. */
static int reserve(struct series *s, size_t want)
{
	size_t cap = s->cap ? s->cap : 256;
	int err;

	if (want <= s->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if (cap > s->max_bins)
		cap = s->max_bins;
	err = grow(&s->covered_ns, s->cap, cap) ?: grow(&s->known_ns, s->cap, cap);
	for (size_t t = 0; !err && t < s->ntracks; t++)
		err = grow(&s->j[t], s->cap, cap);
	if (!err)
		s->cap = cap;
	return err;
}

static void halve(double *v, size_t n)
{
	for (size_t k = 0; k < n; k += 2)
		v[k / 2] = v[k] + (k + 1 < n ? v[k + 1] : 0);
	memset(v + (n + 1) / 2, 0, (n - (n + 1) / 2) * sizeof(*v));
}

/* Twice as wide bins, half as many: pairs add up, so nothing is lost. */
static void merge(struct series *s)
{
	halve(s->covered_ns, s->nbins);
	halve(s->known_ns, s->nbins);
	for (size_t t = 0; t < s->ntracks; t++)
		halve(s->j[t], s->nbins);
	s->nbins = (s->nbins + 1) / 2;
	s->bin_ns *= 2;
}

int series__find(const struct series *s, const char *name)
{
	for (size_t t = 0; t < s->ntracks; t++)
		if (!strcmp(s->name[t], name))
			return (int)t;
	return -ENOENT;
}

int series__track(struct series *s, const char *name)
{
	int t = series__find(s, name);

	if (t >= 0)
		return t;
	if (s->ntracks == SERIES_MAX_TRACKS)
		return -ENOSPC;
	s->name[s->ntracks] = strdup(name);
	s->j[s->ntracks] = calloc(s->cap ? s->cap : 1, sizeof(double));
	if (!s->name[s->ntracks] || !s->j[s->ntracks]) {
		free(s->name[s->ntracks]);
		free(s->j[s->ntracks]);
		return -ENOMEM;
	}
	return (int)s->ntracks++;
}

/* x added to v over the bins t0 .. t1 overlaps, to each in proportion to its overlap. */
static void spread(const struct series *s, double *v, uint64_t t0, uint64_t t1, double x)
{
	size_t k = t0 / s->bin_ns;
	uint64_t end, from;

	for (from = t0; from < t1 && k < s->nbins; k++, from = end) {
		end = (k + 1) * s->bin_ns;
		if (end > t1)
			end = t1;
		v[k] += x * (double)(end - from) / (double)(t1 - t0);
	}
}

int series__cover(struct series *s, uint64_t t0_ns, uint64_t t1_ns, bool known)
{
	size_t need;
	int err;

	if (t1_ns <= t0_ns)
		return -EINVAL;
	while ((t1_ns - 1) / s->bin_ns >= s->max_bins)
		merge(s);
	need = (t1_ns - 1) / s->bin_ns + 1;
	err = reserve(s, need);
	if (err)
		return err;
	if (need > s->nbins)
		s->nbins = need;
	spread(s, s->covered_ns, t0_ns, t1_ns, (double)(t1_ns - t0_ns));
	if (known)
		spread(s, s->known_ns, t0_ns, t1_ns, (double)(t1_ns - t0_ns));
	return 0;
}

void series__add(struct series *s, int track, uint64_t t0_ns, uint64_t t1_ns, double j)
{
	if (track < 0 || (size_t)track >= s->ntracks || t1_ns <= t0_ns)
		return;
	spread(s, s->j[track], t0_ns, t1_ns, j);
}

size_t series__nbins(const struct series *s)
{
	return s->nbins;
}

uint64_t series__bin_ns(const struct series *s)
{
	return s->bin_ns;
}

size_t series__ntracks(const struct series *s)
{
	return s->ntracks;
}

const char *series__name(const struct series *s, int track)
{
	return track >= 0 && (size_t)track < s->ntracks ? s->name[track] : NULL;
}

double series__j(const struct series *s, int track, size_t k)
{
	return track >= 0 && (size_t)track < s->ntracks && k < s->nbins ? s->j[track][k] : 0;
}

double series__covered_ns(const struct series *s, size_t k)
{
	return k < s->nbins ? s->covered_ns[k] : 0;
}

double series__known_ns(const struct series *s, size_t k)
{
	return k < s->nbins ? s->known_ns[k] : 0;
}
