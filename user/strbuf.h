/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* strbuf.h: a growable text buffer. */
#ifndef WP_STRBUF_H
#define WP_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int err; /* sticky: -ENOMEM once an append failed */
};

int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_add(struct strbuf *sb, const char *s, size_t n);
/* Append s as one CSV field (RFC 4180: quoted when it holds a comma, quote or newline). */
int strbuf_csv_field(struct strbuf *sb, const char *s);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

#endif
