/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* kepler_zones.h: a Kepler source's zones from its first scrape: names, node rule and desc. */
#ifndef WP_KEPLER_ZONES_H
#define WP_KEPLER_ZONES_H

#include <stdbool.h>
#include <stddef.h>
#include "esrc.h"
#include "kepler_series.h"

/* What a zone is: which series of every later scrape make it up. */
struct kepler_zone {
	char key[KEPLER_KEY_LEN]; /* the identifying labels: the same series in every scrape */
	enum kkind kind;
	int index;
	bool whole;	    /* one series is the total, else nser modes are summed */
	unsigned int nser;  /* series that make up the zone, as at open */
	unsigned int modes; /* KM_* bits of the modes at open */
	char zname[24];	    /* KK_OTHER: Kepler's name of the zone */
};

struct kepler_zones {
	enum kgen gen;			      /* the generation the zones are read from */
	struct kepler_zone z[ESRC_MAX_ZONES]; /* zs->z[i] is base->zones[i] */
};

/*
 * From the first scrape (text, len) of url: the zones into zs, and base's nz, zones (labels,
 * node flags, esrc_kepler.h's rule) and desc. 0, or -errno with one line in msg (esrc_kepler.h
 * lists the refusals). zs and base start zeroed. Pure.
 */
int kepler_zones_plan(struct kepler_zones *zs, struct esrc *base, const char *url, const char *text,
		      size_t len, char *msg, size_t mlen);
/* The index of the zone among the first nz whose key is key, -1 when none is. */
int kepler_zones_find(const struct kepler_zones *zs, size_t nz, const char *key);

#endif
