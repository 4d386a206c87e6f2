// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* chart_report.c: report's chart: power over time stacked by group, and energy by group. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "chart.h"
#include "svg.h"

#define WIDTH	    960.0
#define PLOT_X0	    80.0
#define PLOT_X1	    740.0
#define PLOT_Y0	    130.0
#define PLOT_Y1	    420.0
#define LEGEND_X    765.0
#define BARS_Y0	    510.0
#define BAR_H	    20.0
#define BAR_STEP    28.0
#define SOURCE_COLS 120 /* characters of the source's line at 12 px in 920 px */

int chart_group_rank(const char *group)
{
	static const char *const order[] = { "flux",	   "workload", "k8s-system", "node",
					     "host-other", "probe",    "unknown" };

	if (!strcmp(group, "idle"))
		return 100;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(group, order[i]))
			return (int)i;
	return 50;
}

/* The time columns: the series' bins added up k at a time, and each track's power there. */
struct cols {
	const struct series *s;
	size_t n, k;
	double bin_s, span_s;
	int track[SERIES_MAX_TRACKS]; /* the stacked tracks, bottom first */
	double avg_w[SERIES_MAX_TRACKS];
	size_t ntracks;
	double *w;  /* [c * ntracks + i]: track i's power in column c */
	bool *gap;  /* [c]: no energy known there */
	double top; /* the highest stack, W */
	bool any_gap;
};

static int by_rank(const void *a, const void *b, void *s)
{
	const char *x = series__name(s, *(const int *)a);
	const char *y = series__name(s, *(const int *)b);
	int d = chart_group_rank(x) - chart_group_rank(y);

	return d ? d : strcmp(x, y);
}

/* The groups' tracks that have energy, in stacking order, and their average power. */
static void pick_tracks(struct cols *c)
{
	size_t nb = series__nbins(c->s);
	double known_s = 0, j[SERIES_MAX_TRACKS];

	for (size_t b = 0; b < nb; b++)
		known_s += series__known_ns(c->s, b) / 1e9;
	for (size_t t = 0; t < series__ntracks(c->s); t++) {
		j[t] = 0;
		for (size_t b = 0; b < nb; b++)
			j[t] += series__j(c->s, (int)t, b);
		if (j[t] > 0)
			c->track[c->ntracks++] = (int)t;
	}
	qsort_r(c->track, c->ntracks, sizeof(c->track[0]), by_rank, (void *)c->s);
	for (size_t i = 0; i < c->ntracks; i++)
		c->avg_w[i] = known_s > 0 ? j[c->track[i]] / known_s : 0;
}

static int make_cols(struct cols *c, const struct series *s)
{
	size_t nb = series__nbins(s);

	memset(c, 0, sizeof(*c));
	c->s = s;
	if (!nb)
		return -EINVAL;
	c->k = (nb + CHART_MAX_COLUMNS - 1) / CHART_MAX_COLUMNS;
	c->n = (nb + c->k - 1) / c->k;
	c->bin_s = series__bin_ns(s) / 1e9;
	c->span_s = (nb - 1) * c->bin_s + series__covered_ns(s, nb - 1) / 1e9;
	pick_tracks(c);
	c->w = calloc(c->n * (c->ntracks ? c->ntracks : 1), sizeof(*c->w));
	c->gap = calloc(c->n, sizeof(*c->gap));
	if (!c->w || !c->gap)
		return -ENOMEM;
	for (size_t col = 0; col < c->n; col++) {
		double known = 0, stack = 0;

		for (size_t b = col * c->k; b < (col + 1) * c->k && b < nb; b++)
			known += series__known_ns(s, b);
		c->gap[col] = known <= 0;
		c->any_gap |= c->gap[col];
		for (size_t i = 0; i < c->ntracks && known > 0; i++) {
			double j = 0;

			for (size_t b = col * c->k; b < (col + 1) * c->k && b < nb; b++)
				j += series__j(s, c->track[i], b);
			c->w[col * c->ntracks + i] = j / (known / 1e9);
			stack += c->w[col * c->ntracks + i];
		}
		if (stack > c->top)
			c->top = stack;
	}
	return 0;
}

static double x_of(const struct cols *c, double t_s)
{
	if (t_s > c->span_s)
		t_s = c->span_s;
	return PLOT_X0 + (PLOT_X1 - PLOT_X0) * t_s / (c->span_s > 0 ? c->span_s : 1);
}

static double y_of(const struct svg_ticks *y, double w)
{
	return PLOT_Y1 - (PLOT_Y1 - PLOT_Y0) * w / y->top;
}

/* One band over the columns first .. last - 1: its top edge left to right, its base back. */
static void band(FILE *f, const struct cols *c, const struct svg_ticks *y, size_t i, size_t first,
		 size_t last)
{
	fprintf(f, "<polygon fill=\"%s\" points=\"",
		svg_group_colour(series__name(c->s, c->track[i])));
	for (size_t col = first; col < last; col++) {
		double top = 0;

		for (size_t j = 0; j <= i; j++)
			top += c->w[col * c->ntracks + j];
		fprintf(f, "%.1f,%.1f %.1f,%.1f ", x_of(c, col * c->k * c->bin_s), y_of(y, top),
			x_of(c, (col + 1) * c->k * c->bin_s), y_of(y, top));
	}
	for (size_t col = last; col-- > first;) {
		double base = 0;

		for (size_t j = 0; j < i; j++)
			base += c->w[col * c->ntracks + j];
		fprintf(f, "%.1f,%.1f %.1f,%.1f ", x_of(c, (col + 1) * c->k * c->bin_s),
			y_of(y, base), x_of(c, col * c->k * c->bin_s), y_of(y, base));
	}
	fputs("\"/>\n", f);
}

/* The stacked bands, run by run of columns with energy; gaps as grey shading. */
static void stacks(FILE *f, const struct cols *c, const struct svg_ticks *y)
{
	for (size_t first = 0; first < c->n;) {
		size_t last = first;

		while (last < c->n && c->gap[last] == c->gap[first])
			last++;
		if (c->gap[first])
			fprintf(f,
				"<rect class=\"gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"#e8e8e8\"/>\n",
				x_of(c, first * c->k * c->bin_s), PLOT_Y0,
				x_of(c, last * c->k * c->bin_s) - x_of(c, first * c->k * c->bin_s),
				PLOT_Y1 - PLOT_Y0);
		else
			for (size_t i = 0; i < c->ntracks; i++)
				band(f, c, y, i, first, last);
		first = last;
	}
}

/* Seconds, minutes or hours, whichever keeps the axis' numbers short. */
static double time_unit(double span_s, const char **name)
{
	if (span_s <= 300) {
		*name = "s";
		return 1;
	}
	if (span_s <= 5 * 3600) {
		*name = "min";
		return 60;
	}
	*name = "h";
	return 3600;
}

/* The power gridlines, under the bands. */
static void grid(FILE *f, const struct svg_ticks *y)
{
	for (unsigned int i = 1; i < y->n; i++)
		svg_line(f, PLOT_X0, y_of(y, i * y->step), PLOT_X1, y_of(y, i * y->step),
			 "#e0e0e0");
}

static void axes(FILE *f, const struct cols *c, const struct svg_ticks *y)
{
	struct svg_ticks x;
	const char *unit;
	double div = time_unit(c->span_s, &unit);
	char lab[32];

	svg_ticks(c->span_s / div, 8, &x);
	for (unsigned int i = 0; i <= y->n; i++) {
		double v = i * y->step, py = y_of(y, v);

		svg_tick_label(v, y->step, lab, sizeof(lab));
		svg_text(f, PLOT_X0 - 6, py + 4, "end", 11, NULL, "%s", lab);
	}
	for (unsigned int i = 0; i <= x.n && i * x.step * div <= c->span_s * (1 + 1e-9); i++) {
		svg_xtick(f, x_of(c, i * x.step * div), PLOT_Y1, i * x.step, x.step);
	}
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#444444\"/>\n",
		PLOT_X0, PLOT_Y0, PLOT_X1 - PLOT_X0, PLOT_Y1 - PLOT_Y0);
	svg_text(f, (PLOT_X0 + PLOT_X1) / 2, PLOT_Y1 + 36, "middle", 12, NULL,
		 "time since the start (%s)", unit);
	svg_text(f, 0, 0, "middle", 12, "transform=\"translate(24 275) rotate(-90)\"", "power (W)");
	svg_text(f, PLOT_X0, PLOT_Y0 - 10, "start", 13, "font-weight=\"bold\"",
		 "Power by group, stacked (%.3g s columns)", c->k * c->bin_s);
}

static void legend(FILE *f, const struct cols *c)
{
	double y = PLOT_Y0 + 6;

	svg_text(f, LEGEND_X, PLOT_Y0 - 10, "start", 12, "font-weight=\"bold\"", "average W");
	for (size_t i = c->ntracks; i-- > 0; y += 20) {
		const char *name = series__name(c->s, c->track[i]);

		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			LEGEND_X, y, svg_group_colour(name));
		svg_text(f, LEGEND_X + 18, y + 10, "start", 12, NULL, "%s  %.3g", name,
			 c->avg_w[i]);
	}
	if (c->any_gap) {
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"#e8e8e8\" "
			"stroke=\"#999999\"/>\n",
			LEGEND_X, y);
		svg_text(f, LEGEND_X + 18, y + 10, "start", 12, NULL, "gap: energy unknown");
	}
}

/* J, kJ or MJ: the unit that keeps the largest bar under 10,000. */
static double energy_unit(double max_j, const char **name)
{
	if (max_j < 1e4) {
		*name = "J";
		return 1;
	}
	if (max_j < 1e7) {
		*name = "kJ";
		return 1e3;
	}
	*name = "MJ";
	return 1e6;
}

static void bars(FILE *f, const struct chart_bar *b, size_t n)
{
	double max = 0, div, x1 = PLOT_X1 - 120;
	int dec;
	struct svg_ticks t;
	const char *unit;

	for (size_t i = 0; i < n; i++)
		max = b[i].j > max ? b[i].j : max;
	div = energy_unit(max, &unit);
	/* Four significant digits on the largest bar, and as many decimals on every other. */
	dec = max / div >= 1000 ? 0 : max / div >= 100 ? 1 : max / div >= 10 ? 2 : 3;
	svg_ticks(max / div, 6, &t);
	svg_text(f, PLOT_X0, BARS_Y0 - 14, "start", 13, "font-weight=\"bold\"",
		 "Energy by group (%s, share of the node's)", unit);
	for (size_t i = 0; i < n; i++) {
		double y = BARS_Y0 + i * BAR_STEP, w = (x1 - PLOT_X0) * b[i].j / div / t.top;

		svg_text(f, PLOT_X0 - 6, y + 14, "end", 12, NULL, "%s", b[i].name);
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"/>\n",
			PLOT_X0, y, w, BAR_H, svg_group_colour(b[i].name));
		svg_text(f, PLOT_X0 + w + 6, y + 14, "start", 12, NULL, "%.*f %s  (%.1f %%)", dec,
			 b[i].j / div, unit, 100 * b[i].share);
	}
	for (unsigned int i = 0; i <= t.n; i++) {
		svg_xtick(f, PLOT_X0 + (x1 - PLOT_X0) * i / t.n, BARS_Y0 + n * BAR_STEP, i * t.step,
			  t.step);
	}
}

/* "energy: SOURCE" on two lines at most, broken at spaces; what does not fit ends in "...". */
static void source_lines(FILE *f, const char *src)
{
	const char *attrs = "font-weight=\"bold\" fill=\"#8a1c00\"";
	char line[SOURCE_COLS + 16];
	size_t len = strlen(src), at = 0;

	for (int i = 0; i < 2 && at < len; i++) {
		size_t n = len - at;

		if (n > SOURCE_COLS) {
			n = SOURCE_COLS;
			while (n > SOURCE_COLS / 2 && src[at + n] != ' ')
				n--;
		}
		snprintf(line, sizeof(line), "%s%.*s%s", i ? "  " : "energy: ", (int)n, src + at,
			 i && at + n < len ? "..." : "");
		svg_text(f, 20, 72 + 15 * i, "start", 12, attrs, "%s", line);
		at += n;
		while (src[at] == ' ')
			at++;
	}
}

/* The title, what the recording was, and where its energy came from. */
void chart_head(FILE *f, double width, double height, const struct chart_labels *l)
{
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, "
		"sans-serif\">\n<title>",
		width, height, width, height);
	svg_escape(f, l->title);
	fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	svg_text(f, 20, 30, "start", 18, "font-weight=\"bold\"", "%s", l->title);
	if (l->subtitle)
		svg_text(f, 20, 52, "start", 12, NULL, "%s", l->subtitle);
	source_lines(f, l->source);
}

int chart_report(FILE *f, const struct series *s, const struct chart_bar *b, size_t nbars,
		 const struct chart_labels *l)
{
	double height = BARS_Y0 + nbars * BAR_STEP + 40;
	struct svg_ticks y;
	struct cols c;
	int err;

	err = make_cols(&c, s);
	if (!err) {
		svg_ticks(c.top * 1.05, 6, &y);
		chart_head(f, WIDTH, height, l);
		grid(f, &y);
		stacks(f, &c, &y);
		axes(f, &c, &y);
		legend(f, &c);
		bars(f, b, nbars);
		fputs("</svg>\n", f);
		err = ferror(f) ? -EIO : 0;
	}
	free(c.w);
	free(c.gap);
	return err;
}
