/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* svg.h: the pieces charts are drawn with: escaped text, axis ticks, the groups' colours. */
#ifndef WP_SVG_H
#define WP_SVG_H

#include <stddef.h>
#include <stdio.h>

/* "start", "middle" or "end"; size in px; the text is XML-escaped (and must be UTF-8). */
void svg_text(FILE *f, double x, double y, const char *anchor, double size, const char *attrs,
	      const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* s escaped for an XML attribute or text node. */
void svg_escape(FILE *f, const char *s);

/* A line of 1 px in colour stroke ("#444444"). */
void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke);
/* A tick below a horizontal axis at (x, y), labelled v with as many decimals as step needs. */
void svg_xtick(FILE *f, double x, double y, double v, double step);

/* Ticks 0, step, 2 step... up to at least max: step is 1, 2 or 5 times a power of ten. */
struct svg_ticks {
	double step, top; /* top = n * step >= max */
	unsigned int n;
};
void svg_ticks(double max, unsigned int want, struct svg_ticks *out);
/* A tick's label: as few decimals as the step needs ("0.25", "1.5", "20"). */
void svg_tick_label(double v, double step, char *buf, size_t len);

/* A group's colour, the same in every chart: a fixed one for wattprobe's groups, else hashed. */
const char *svg_group_colour(const char *group);

#endif
