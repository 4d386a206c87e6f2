// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* expo.c: writing Prometheus' text exposition format 0.0.4: families, labels, exact values. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "expo.h"

static void add_help(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_add(sb, "\\\\", 2);
		else if (*s == '\n')
			strbuf_add(sb, "\\n", 2);
		else
			strbuf_add(sb, s, 1);
	}
}

void expo_family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_printf(sb, "# HELP %s ", name);
	add_help(sb, help);
	strbuf_printf(sb, "\n# TYPE %s %s\n", name, type);
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, surrogates, > U+10FFFF), 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned int c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff)
		return 0;
	return n;
}

/* s made valid UTF-8 (each invalid byte U+FFFD), with \\, \" and \n escaped when escape. */
static void add_utf8(struct strbuf *sb, const char *value, bool escape)
{
	const unsigned char *s = (const unsigned char *)value;

	while (*s) {
		size_t n = utf8_len(s);

		if (!n) {
			strbuf_add(sb, "\xef\xbf\xbd", 3);
			s++;
			continue;
		}
		if (escape && *s == '\\')
			strbuf_add(sb, "\\\\", 2);
		else if (escape && *s == '"')
			strbuf_add(sb, "\\\"", 2);
		else if (escape && *s == '\n')
			strbuf_add(sb, "\\n", 2);
		else
			strbuf_add(sb, (const char *)s, n);
		s += n;
	}
}

void expo_utf8(struct strbuf *sb, const char *value)
{
	add_utf8(sb, value, false);
}

void expo_label(struct strbuf *sb, bool *first, const char *name, const char *value)
{
	if (!*first)
		strbuf_add(sb, ",", 1);
	*first = false;
	strbuf_printf(sb, "%s=\"", name);
	add_utf8(sb, value, true);
	strbuf_add(sb, "\"", 1);
}

void expo_sample_begin(struct strbuf *sb, const char *name, const char *labels, const char *extra)
{
	bool l = labels && labels[0], x = extra && extra[0];

	strbuf_add(sb, name, strlen(name));
	if (!l && !x)
		return;
	strbuf_add(sb, "{", 1);
	if (l)
		strbuf_add(sb, labels, strlen(labels));
	if (l && x)
		strbuf_add(sb, ",", 1);
	if (x)
		strbuf_add(sb, extra, strlen(extra));
	strbuf_add(sb, "}", 1);
}

void expo_value_micro(struct strbuf *sb, uint64_t micro)
{
	strbuf_printf(sb, " %llu.%06llu\n", (unsigned long long)(micro / 1000000),
		      (unsigned long long)(micro % 1000000));
}

void expo_value_nano(struct strbuf *sb, uint64_t nano)
{
	strbuf_printf(sb, " %llu.%09llu\n", (unsigned long long)(nano / 1000000000),
		      (unsigned long long)(nano % 1000000000));
}

void expo_value_u64(struct strbuf *sb, uint64_t v)
{
	strbuf_printf(sb, " %llu\n", (unsigned long long)v);
}

void expo_value_double(struct strbuf *sb, double v)
{
	if (isnan(v))
		strbuf_add(sb, " NaN\n", 5);
	else if (isinf(v))
		strbuf_printf(sb, " %cInf\n", v > 0 ? '+' : '-');
	else
		strbuf_printf(sb, " %.9g\n", v);
}
