/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * series.h: energy over time in equal bins, one track per group or Flux controller; bins merge
 * pairwise as a recording outgrows them, so memory stays bounded at any length. Pure.
 */
#ifndef WP_SERIES_H
#define WP_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIES_MAX_TRACKS 64
#define SERIES_MAX_BINS	  65536 /* an hour of 55 ms bins; a day of 1.3 s ones */

struct series;

/* Bins of bin_ns to start with, at most max_bins of them (an even number >= 2). NULL + errno. */
struct series *series__new(uint64_t bin_ns, size_t max_bins);
void series__free(struct series *s);

/* The track of name: its index, or -ENOENT. */
int series__find(const struct series *s, const char *name);
/* The track of name, created on first use: its index, or -ENOSPC / -ENOMEM. */
int series__track(struct series *s, const char *name);
/*
 * Time t0_ns .. t1_ns after the start was recorded; known: its energy was measured (not a
 * gap). Extends the series, merging bins if needed. 0, -EINVAL (t1 <= t0) or -ENOMEM.
 */
int series__cover(struct series *s, uint64_t t0_ns, uint64_t t1_ns, bool known);
/* j joules over t0_ns .. t1_ns (covered already), spread over the bins by their overlap. */
void series__add(struct series *s, int track, uint64_t t0_ns, uint64_t t1_ns, double j);

size_t series__nbins(const struct series *s);
uint64_t series__bin_ns(const struct series *s);
size_t series__ntracks(const struct series *s);
const char *series__name(const struct series *s, int track);
/* Joules of track in bin k. */
double series__j(const struct series *s, int track, size_t k);
/* The nanoseconds of bin k that were recorded, and those whose energy was known. */
double series__covered_ns(const struct series *s, size_t k);
double series__known_ns(const struct series *s, size_t k);

#endif
