// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* prom_text.c: a pure parser of Prometheus' text exposition format 0.0.4, sample by sample. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prom_text.h"

struct parser {
	const char *p, *end; /* what is left of the current line */
	unsigned int line;
	char *buf; /* this line's names and unescaped values, NUL-terminated */
	size_t cap, used;
	struct prom_label labels[PROM_MAX_LABELS];
	char *fam; /* the last TYPE line's family and type */
	enum prom_type fam_type;
	char *err;
	size_t errlen;
};

static const char *const type_names[] = {
	[PROM_UNTYPED] = "untyped",	[PROM_COUNTER] = "counter", [PROM_GAUGE] = "gauge",
	[PROM_HISTOGRAM] = "histogram", [PROM_SUMMARY] = "summary",
};

const char *prom_type_name(enum prom_type t)
{
	return t <= PROM_SUMMARY ? type_names[t] : "?";
}

__attribute__((format(printf, 2, 3))) static int bad(struct parser *ps, const char *fmt, ...)
{
	int n = snprintf(ps->err, ps->errlen, "line %u: ", ps->line);
	va_list ap;

	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && blank(*ps->p))
		ps->p++;
}

static bool at_end(const struct parser *ps)
{
	return ps->p == ps->end;
}

/* A metric name is [a-zA-Z_:][a-zA-Z0-9_:]*, a label name the same without ':'. */
static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Copy n bytes to the line's scratch buffer as a string. Room was made for the line. */
static char *keep(struct parser *ps, const char *s, size_t n)
{
	char *d = ps->buf + ps->used;

	memcpy(d, s, n);
	d[n] = '\0';
	ps->used += n + 1;
	return d;
}

/* The name at p (advanced past it), kept; NULL when there is none. */
static const char *take_name(struct parser *ps, bool colon)
{
	const char *s = ps->p;

	while (ps->p < ps->end && name_char(*ps->p, ps->p == s, colon))
		ps->p++;
	return ps->p == s ? NULL : keep(ps, s, ps->p - s);
}

/* A blank-delimited token, kept ("" at the end of the line). */
static const char *take_token(struct parser *ps)
{
	const char *s = ps->p;

	while (ps->p < ps->end && !blank(*ps->p))
		ps->p++;
	return keep(ps, s, ps->p - s);
}

/* A label value after its opening quote, unescaped into the scratch buffer. */
static int take_value(struct parser *ps, const char *label, const char **out)
{
	char *d = ps->buf + ps->used;

	*out = d;
	for (;;) {
		char c;

		if (at_end(ps))
			return bad(ps, "unterminated value of label \"%s\"", label);
		c = *ps->p++;
		if (c == '"')
			break;
		if (c == '\\') {
			if (at_end(ps))
				return bad(ps, "unterminated value of label \"%s\"", label);
			c = *ps->p++;
			if (c == 'n')
				c = '\n';
			else if (c != '\\' && c != '"')
				return bad(ps, "invalid escape \\%c in the value of label \"%s\"",
					   c, label);
		}
		*d++ = c;
	}
	*d = '\0';
	ps->used = d + 1 - ps->buf;
	return 0;
}

static int take_label(struct parser *ps, size_t *n)
{
	const char *name, *value;
	int err;

	name = take_name(ps, false);
	if (!name)
		return bad(ps, "label name expected, found '%c'", *ps->p);
	skip_blanks(ps);
	if (at_end(ps) || *ps->p != '=')
		return bad(ps, "expected '=' after label name \"%s\"", name);
	ps->p++;
	skip_blanks(ps);
	if (at_end(ps) || *ps->p != '"')
		return bad(ps, "expected '\"' to open the value of label \"%s\"", name);
	ps->p++;
	err = take_value(ps, name, &value);
	if (err)
		return err;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(ps->labels[i].name, name))
			return bad(ps, "duplicate label \"%s\"", name);
	if (*n == PROM_MAX_LABELS)
		return bad(ps, "more than %d labels", PROM_MAX_LABELS);
	ps->labels[(*n)++] = (struct prom_label){ .name = name, .value = value };
	return 0;
}

/* After '{': label="value" pairs separated by commas (one trailing comma allowed), then '}'. */
static int take_labels(struct parser *ps, size_t *n)
{
	int err;

	ps->p++;
	for (;;) {
		skip_blanks(ps);
		if (at_end(ps))
			return bad(ps, "unterminated label set");
		if (*ps->p == '}')
			break;
		err = take_label(ps, n);
		if (err)
			return err;
		skip_blanks(ps);
		if (at_end(ps))
			return bad(ps, "unterminated label set");
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p != '}')
			return bad(ps, "expected ',' or '}' after the value of label \"%s\"",
				   ps->labels[*n - 1].name);
		break;
	}
	ps->p++;
	return 0;
}

/* strtod's syntax (Go's ParseFloat's, near enough): decimals, exponents, NaN, ±Inf. */
static int parse_value(struct parser *ps, const char *tok, double *v)
{
	char *end;

	if (!*tok)
		return bad(ps, "sample value expected");
	errno = 0;
	*v = strtod(tok, &end);
	if (*end || end == tok)
		return bad(ps, "bad sample value \"%s\"", tok);
	if (errno == ERANGE && isinf(*v))
		return bad(ps, "sample value \"%s\" out of range", tok);
	return 0;
}

static int parse_timestamp(struct parser *ps, const char *tok, int64_t *ts)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(tok, &end, 10);
	if (*end || end == tok || errno)
		return bad(ps, "bad timestamp \"%s\" (milliseconds, an integer)", tok);
	*ts = v;
	return 0;
}

static enum prom_type family_type(const struct parser *ps, const char *name)
{
	size_t n = ps->fam ? strlen(ps->fam) : 0;
	const char *sfx = name + n;

	if (!n || strncmp(name, ps->fam, n))
		return PROM_UNTYPED;
	if (!*sfx)
		return ps->fam_type;
	switch (ps->fam_type) {
	case PROM_HISTOGRAM:
		if (!strcmp(sfx, "_bucket"))
			return PROM_HISTOGRAM;
		/* fallthrough */
	case PROM_SUMMARY:
		return !strcmp(sfx, "_sum") || !strcmp(sfx, "_count") ? ps->fam_type : PROM_UNTYPED;
	case PROM_COUNTER: /* OpenMetrics names the family without its _total */
		return !strcmp(sfx, "_total") ? PROM_COUNTER : PROM_UNTYPED;
	default:
		return PROM_UNTYPED;
	}
}

static int sample_line(struct parser *ps, int (*cb)(const struct prom_sample *, void *), void *ctx)
{
	struct prom_sample s = { .labels = ps->labels, .line = ps->line };
	int err;

	s.name = take_name(ps, true);
	if (!s.name)
		return bad(ps, "metric name expected, found '%c'", *ps->p);
	if (!at_end(ps) && !blank(*ps->p) && *ps->p != '{')
		return bad(ps, "invalid character '%c' in metric name \"%s\"", *ps->p, s.name);
	skip_blanks(ps);
	if (!at_end(ps) && *ps->p == '{') {
		err = take_labels(ps, &s.nlabels);
		if (err)
			return err;
		skip_blanks(ps);
	}
	err = parse_value(ps, take_token(ps), &s.value);
	if (err)
		return err;
	skip_blanks(ps);
	if (!at_end(ps)) {
		err = parse_timestamp(ps, take_token(ps), &s.timestamp_ms);
		if (err)
			return err;
		s.has_timestamp = true;
		skip_blanks(ps);
		if (!at_end(ps))
			return bad(ps, "unexpected text after the timestamp");
	}
	s.type = family_type(ps, s.name);
	return cb(&s, ctx);
}

/* HELP text may escape only \\ and \n. */
static int check_help(struct parser *ps)
{
	for (const char *q = ps->p; q < ps->end; q++) {
		if (*q != '\\')
			continue;
		if (q + 1 == ps->end || (q[1] != '\\' && q[1] != 'n'))
			return bad(ps, "invalid escape in HELP text");
		q++;
	}
	return 0;
}

static int type_line(struct parser *ps, const char *name)
{
	const char *t;

	skip_blanks(ps);
	t = take_token(ps);
	skip_blanks(ps);
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(t, type_names[i]))
			continue;
		if (!at_end(ps))
			return bad(ps, "unexpected text after TYPE %s %s", name, t);
		free(ps->fam);
		ps->fam = strdup(name);
		ps->fam_type = i;
		return ps->fam ? 0 : -ENOMEM;
	}
	return bad(ps, "unknown metric type \"%s\" for %s", t, name);
}

/* "# HELP name text", "# TYPE name type"; any other comment is skipped. */
static int comment_line(struct parser *ps)
{
	const char *word, *name;

	ps->p++;
	skip_blanks(ps);
	word = take_token(ps);
	if (strcmp(word, "HELP") && strcmp(word, "TYPE"))
		return 0;
	skip_blanks(ps);
	name = take_name(ps, true);
	if (!name)
		return bad(ps, "%s without a metric name", word);
	if (!at_end(ps) && !blank(*ps->p))
		return bad(ps, "invalid character '%c' in metric name \"%s\"", *ps->p, name);
	if (word[0] == 'T')
		return type_line(ps, name);
	skip_blanks(ps);
	return check_help(ps);
}

/* Room for the whole line plus a NUL per string: a string never outgrows its source text. */
static int reserve(struct parser *ps, size_t n)
{
	size_t need = n + 2 * PROM_MAX_LABELS + 8;
	char *b;

	ps->used = 0;
	if (need <= ps->cap)
		return 0;
	b = realloc(ps->buf, need);
	if (!b)
		return -ENOMEM;
	ps->buf = b;
	ps->cap = need;
	return 0;
}

int prom_parse(const char *text, size_t len, int (*cb)(const struct prom_sample *s, void *ctx),
	       void *ctx, char *err, size_t errlen)
{
	struct parser ps = { .err = err, .errlen = errlen };
	const char *p = text, *end = text + len;
	int rc = 0;

	if (errlen)
		err[0] = '\0';
	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *eol = nl ? nl : end;

		ps.line++;
		ps.p = p;
		ps.end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		p = nl ? nl + 1 : end;
		if (memchr(ps.p, '\0', ps.end - ps.p)) {
			rc = bad(&ps, "NUL byte");
			break;
		}
		rc = reserve(&ps, ps.end - ps.p);
		if (rc)
			break;
		skip_blanks(&ps);
		if (at_end(&ps))
			continue;
		rc = *ps.p == '#' ? comment_line(&ps) : sample_line(&ps, cb, ctx);
	}
	free(ps.buf);
	free(ps.fam);
	return rc;
}

const char *prom_label(const struct prom_sample *s, const char *name)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (!strcmp(s->labels[i].name, name))
			return s->labels[i].value;
	return NULL;
}
