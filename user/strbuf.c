// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* strbuf.c: a growable text buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"

static int grow(struct strbuf *sb, size_t extra)
{
	size_t cap;
	char *nb;

	if (sb->err)
		return sb->err;
	if (sb->len + extra + 1 <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	nb = realloc(sb->buf, cap);
	if (!nb)
		return sb->err = -ENOMEM;
	sb->buf = nb;
	sb->cap = cap;
	return 0;
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(sb, n))
		return sb->err ? sb->err : -EINVAL;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += n;
	return 0;
}

int strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	if (grow(sb, n))
		return sb->err;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_csv_field(struct strbuf *sb, const char *s)
{
	if (!strpbrk(s, ",\"\r\n"))
		return strbuf_add(sb, s, strlen(s));
	strbuf_add(sb, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			strbuf_add(sb, "\"", 1);
		strbuf_add(sb, p, 1);
	}
	return strbuf_add(sb, "\"", 1);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->err = 0;
}
