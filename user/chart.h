/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* chart.h: report's and compare's SVG charts, written to a stream; pure (no file I/O). */
#ifndef WP_CHART_H
#define WP_CHART_H

#include <stddef.h>
#include <stdio.h>
#include "compare.h"
#include "series.h"

#define CHART_MAX_COLUMNS 600 /* time columns drawn: bins are added up to fit */

/* The words around a chart; source says where the energy came from and is always shown. */
struct chart_labels {
	const char *title, *subtitle, *source;
};

/* One bar of energy: a group's joules and its share of the node's. */
struct chart_bar {
	char name[64];
	double j, share;
};

/*
 * Power over time by group, stacked (every track of s with energy), and the
 * energy of each group as bars. 0, or -EIO when f failed.
 */
int chart_report(FILE *f, const struct series *s, const struct chart_bar *bars, size_t nbars,
		 const struct chart_labels *l);
/* Baseline and candidate side by side per group, 95 % intervals as whiskers. 0 or -EIO. */
int chart_compare(FILE *f, const struct cmp_result *r, const struct chart_labels *l,
		  const char *verdict);

/* The SVG's opening, its title, subtitle and energy source (chart_report.c). */
void chart_head(FILE *f, double width, double height, const struct chart_labels *l);
/* The stacking order: Flux at the bottom (its band on a flat base), idle on top. */
int chart_group_rank(const char *group);

#endif
