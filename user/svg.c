// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* svg.c: escaped text, axis ticks and group colours for the charts. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "expo.h"
#include "strbuf.h"
#include "svg.h"
#include "u64map.h"

void svg_escape(FILE *f, const char *raw)
{
	struct strbuf sb = {};
	const char *s;

	/* XML must be UTF-8: each invalid byte becomes U+FFFD first, as Prometheus labels do. */
	expo_utf8(&sb, raw);
	for (s = sb.buf ? sb.buf : ""; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			/* XML 1.0 has no place for control characters, escaped or not. */
			fputc((unsigned char)*s < 0x20 && *s != '\t' ? '?' : *s, f);
		}
	}
	strbuf_free(&sb);
}

void svg_text(FILE *f, double x, double y, const char *anchor, double size, const char *attrs,
	      const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%.1f\"%s%s>", x, y,
		anchor, size, attrs ? " " : "", attrs ? attrs : "");
	if (n >= 0)
		svg_escape(f, s);
	fputs("</text>\n", f);
	free(s);
}

void svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *stroke)
{
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x1,
		y1, x2, y2, stroke);
}

void svg_xtick(FILE *f, double x, double y, double v, double step)
{
	char lab[32];

	svg_line(f, x, y, x, y + 5, "#444444");
	svg_tick_label(v, step, lab, sizeof(lab));
	svg_text(f, x, y + 18, "middle", 11, NULL, "%s", lab);
}

void svg_ticks(double max, unsigned int want, struct svg_ticks *out)
{
	static const double mult[] = { 1, 2, 5, 10 };
	double raw, p;

	if (!(max > 0) || !isfinite(max))
		max = 1;
	if (want < 2)
		want = 2;
	raw = max / want;
	p = pow(10, floor(log10(raw)));
	out->step = 10 * p;
	for (size_t i = 0; i < sizeof(mult) / sizeof(mult[0]); i++)
		if (mult[i] * p >= raw) {
			out->step = mult[i] * p;
			break;
		}
	out->n = (unsigned int)ceil(max / out->step - 1e-9);
	if (!out->n)
		out->n = 1;
	out->top = out->n * out->step;
}

void svg_tick_label(double v, double step, char *buf, size_t len)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);

	/* 0.25 has two decimals though 10^-1 < 0.25: one more when the step is not 1 x 10^k. */
	if (step < 1 && fabs(step * pow(10, dec) - round(step * pow(10, dec))) > 1e-6)
		dec++;
	snprintf(buf, len, "%.*f", dec, v);
}

const char *svg_group_colour(const char *group)
{
	static const struct {
		const char *group, *colour;
	} fixed[] = {
		{ "flux", "#e4572e" },	  { "workload", "#4c78a8" },   { "k8s-system", "#72b7b2" },
		{ "node", "#54a24b" },	  { "host-other", "#b279a2" }, { "probe", "#eeca3b" },
		{ "unknown", "#9d755d" }, { "idle", "#cfcfcf" },       { "steal", "#888888" },
	};
	static const char *const other[] = { "#ff9da6", "#8cd17d", "#b6992d", "#499894",
					     "#d37295", "#79706e", "#f1ce63", "#a0cbe8" };

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(fixed[i].group, group))
			return fixed[i].colour;
	return other[u64map_hash_str(group) % (sizeof(other) / sizeof(other[0]))];
}
