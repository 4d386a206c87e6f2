/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* expo.h: writing Prometheus' text exposition format 0.0.4: families, labels, exact values; pure.
 */
#ifndef WP_EXPO_H
#define WP_EXPO_H

#include <stdbool.h>
#include <stdint.h>
#include "strbuf.h"

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" (help escaped) and "# TYPE name type". */
void expo_family(struct strbuf *sb, const char *name, const char *type, const char *help);
/*
 * name="value" with value escaped (\\, \", \n) and made valid UTF-8 (each invalid byte becomes
 * U+FFFD, which Prometheus requires of label values); a comma first unless *first.
 */
void expo_label(struct strbuf *sb, bool *first, const char *name, const char *value);
/* value as expo_label makes it valid UTF-8, unescaped: series that print alike are one. */
void expo_utf8(struct strbuf *sb, const char *value);
/* A sample line: name{labels[,extra]} value; labels and extra are pre-rendered, may be "". */
void expo_sample_begin(struct strbuf *sb, const char *name, const char *labels, const char *extra);
/* Values, with the newline: exact decimals for counters, %.9g for gauges (NaN, +Inf too). */
void expo_value_micro(struct strbuf *sb, uint64_t micro); /* µJ as J: 1.000001 */
void expo_value_nano(struct strbuf *sb, uint64_t nano);	  /* ns as s */
void expo_value_u64(struct strbuf *sb, uint64_t v);
void expo_value_double(struct strbuf *sb, double v);

#endif
