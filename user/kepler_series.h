/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* kepler_series.h: which samples of a Kepler scrape are node energy, in every metric generation. */
#ifndef WP_KEPLER_SERIES_H
#define WP_KEPLER_SERIES_H

#include <stddef.h>
#include <stdint.h>
#include "prom_text.h"

#define KEPLER_KEY_LEN	  384 /* a zone's identifying labels, RAPL paths among them */
#define KEPLER_SAMPLE_SER 4   /* series in one sample at most: 2022's package, dram, core, uncore */

/* Metric generations, oldest first: the newest one present in a scrape is used. */
enum kgen { KG_NONE, KG_MJ, KG_ZONE, KG_CPU };
enum kkind { KK_PACKAGE, KK_DRAM, KK_CORE, KK_UNCORE, KK_PSYS, KK_PLATFORM, KK_OTHER };
/* Which share of a zone a series holds: all of it, or one mode (state) of several to sum. */
enum { KM_WHOLE = 0, KM_BUSY = 1, KM_IDLE = 2 };

extern const char *const kepler_kind_names[]; /* by enum kkind: "package", ..., "other" */

/* One node-level series of a scrape, as far as the zones go. */
struct kser {
	enum kgen gen;
	enum kkind kind;
	int index;		  /* package (socket), -1 when the labels do not say */
	unsigned int mode;	  /* KM_* */
	double value, scale;	  /* value x scale = µJ */
	char zname[24];		  /* KK_OTHER: the zone label's value */
	char key[KEPLER_KEY_LEN]; /* the labels that identify the series across scrapes */
};

/*
 * The node energy series in sample s, into out (room for KEPLER_SAMPLE_SER), by the name of
 * its family (esrc_kepler.h lists them); 0 for every other sample. Pure.
 */
size_t kepler_classify(const struct prom_sample *s, struct kser *out);
/* µJ from a series' value and scale; -ERANGE for NaN, negative or absurd values. */
int kepler_to_uj(double v, double scale, uint64_t *uj);

#endif
