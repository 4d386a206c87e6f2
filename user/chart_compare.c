// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* chart_compare.c: compare's chart: baseline and candidate side by side, group by group. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "chart.h"
#include "svg.h"

#define WIDTH	  960.0
#define HEIGHT	  540.0
#define Y0	  175.0
#define Y1	  460.0
#define BASE_FILL "#7f9fbf"
#define CAND_FILL "#e4572e"
#define LEVEL	  0.95

/* A panel: the lines it shows, where, and its scale. */
struct panel {
	const struct cmp_line *l[CMP_MAX_GROUPS + 1];
	size_t n;
	double x0, x1;
	struct svg_ticks y;
};

static double y_of(const struct panel *p, double v)
{
	return Y1 - (Y1 - Y0) * v / p->y.top;
}

static double half_of(const struct sample_stats *s)
{
	return s->n > 1 ? stats_ci_half(s, LEVEL) : 0;
}

static void scale(struct panel *p)
{
	double max = 0;

	for (size_t i = 0; i < p->n; i++) {
		double b = p->l[i]->base.mean + half_of(&p->l[i]->base);
		double c = p->l[i]->cand.mean + half_of(&p->l[i]->cand);

		max = fmax(max, fmax(b, c));
	}
	svg_ticks(max * 1.1, 6, &p->y);
}

/* One mean as a bar, and its 95 % interval as a whisker. */
static void bar(FILE *f, const struct panel *p, double x, double w, const struct sample_stats *s,
		const char *fill)
{
	double h = half_of(s);

	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", x,
		y_of(p, s->mean), w, Y1 - y_of(p, s->mean), fill);
	if (h > 0)
		fprintf(f,
			"<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" "
			"stroke=\"#222222\" fill=\"none\"/>\n",
			x + w / 2, y_of(p, s->mean - h > 0 ? s->mean - h : 0), y_of(p, s->mean + h),
			x + w / 4, y_of(p, s->mean + h), x + 3 * w / 4, x + w / 4,
			y_of(p, s->mean - h > 0 ? s->mean - h : 0), x + 3 * w / 4);
}

static void draw(FILE *f, const struct panel *p)
{
	double slot = (p->x1 - p->x0) / (p->n ? p->n : 1);
	char lab[32];

	for (unsigned int i = 0; i <= p->y.n; i++) {
		double v = i * p->y.step;

		if (i)
			svg_line(f, p->x0, y_of(p, v), p->x1, y_of(p, v), "#e0e0e0");
		svg_tick_label(v, p->y.step, lab, sizeof(lab));
		svg_text(f, p->x0 - 6, y_of(p, v) + 4, "end", 11, NULL, "%s", lab);
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct cmp_line *l = p->l[i];
		double x = p->x0 + i * slot, w = slot * 0.32, top;
		char pm[32] = "";

		bar(f, p, x + slot * 0.16, w, &l->base, BASE_FILL);
		bar(f, p, x + slot * 0.52, w, &l->cand, CAND_FILL);
		svg_text(f, x + slot / 2, Y1 + 16, "middle", 11, NULL, "%s", l->group);
		if (l->has_ci && isfinite(l->w.diff_hi))
			snprintf(pm, sizeof(pm), " ± %.3f", (l->w.diff_hi - l->w.diff_lo) / 2);
		top = fmax(l->base.mean + half_of(&l->base), l->cand.mean + half_of(&l->cand));
		/* As the table has them: three decimals, and no "-0.000" for a rounding. */
		svg_text(f, x + slot / 2, y_of(p, top) - 6, "middle", 10, NULL, "%+.3f%s",
			 fabs(l->w.diff) < 5e-4 ? 0.0 : l->w.diff, pm);
	}
	fprintf(f, "<path d=\"M%.1f %.1fV%.1fH%.1f\" stroke=\"#444444\" fill=\"none\"/>\n", p->x0,
		Y0, Y1, p->x1);
}

static void legend(FILE *f, const struct cmp_result *r)
{
	fprintf(f, "<rect x=\"20\" y=\"133\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
		BASE_FILL);
	svg_text(f, 38, 143, "start", 12, NULL, "baseline, mean of %zu run%s", r->nbase,
		 r->nbase == 1 ? "" : "s");
	fprintf(f, "<rect x=\"260\" y=\"133\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
		CAND_FILL);
	svg_text(f, 278, 143, "start", 12, NULL, "candidate, mean of %zu run%s", r->ncand,
		 r->ncand == 1 ? "" : "s");
	svg_text(f, 80, Y1 + 40, "start", 11, NULL,
		 "whiskers: 95 %% interval of each mean (Student's t); above each pair: candidate "
		 "- baseline, ± its 95 %% interval (Welch's t)");
}

/* The verdict, a line of SVG text per line of it. */
static void verdict_lines(FILE *f, const char *v)
{
	double y = 110;

	for (const char *p = v; *p; y += 15) {
		size_t n = strcspn(p, "\n");

		svg_text(f, 20, y, "start", 12, "font-weight=\"bold\"", "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

int chart_compare(FILE *f, const struct cmp_result *r, const struct chart_labels *l,
		  const char *verdict)
{
	struct panel groups = { .x0 = 80, .x1 = 700 }, whole = { .x0 = 770, .x1 = 930 };

	/* Idle and the total on a scale of their own: beside them the groups would not show. */
	for (size_t i = 0; i < r->n; i++) {
		struct panel *p =
			!strcmp(r->lines[i].group, CMP_NODE) || !strcmp(r->lines[i].group, "idle")
				? &whole
				: &groups;

		p->l[p->n++] = &r->lines[i];
	}
	scale(&groups);
	scale(&whole);
	chart_head(f, WIDTH, HEIGHT, l);
	verdict_lines(f, verdict);
	svg_text(f, 0, 0, "middle", 12, "transform=\"translate(24 295) rotate(-90)\"",
		 "energy per hour (Wh/h, the average W)");
	svg_text(f, whole.x0, Y0 - 8, "start", 11, NULL, "idle and total, own scale");
	legend(f, r);
	if (groups.n)
		draw(f, &groups);
	draw(f, &whole);
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}
