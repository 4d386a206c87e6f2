/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* prom_text.h: a pure parser of Prometheus' text exposition format 0.0.4, sample by sample. */
#ifndef WP_PROM_TEXT_H
#define WP_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_MAX_LABELS 64 /* per sample; more is an error, not a truncation */

/* From the family's "# TYPE" line; PROM_UNTYPED without one. */
enum prom_type { PROM_UNTYPED, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY };

struct prom_label {
	const char *name;
	const char *value; /* unescaped (\\ \" \n), NUL-terminated; may be empty */
};

/* One sample line. Every pointer is valid during the callback only. */
struct prom_sample {
	const char *name;
	const struct prom_label *labels; /* in the order written */
	size_t nlabels;
	double value; /* NaN and ±Inf included */
	bool has_timestamp;
	int64_t timestamp_ms;
	enum prom_type
		type;	   /* the TYPE of name's family (name_sum etc. for summaries, histograms) */
	unsigned int line; /* 1-based */
};

/*
 * Parse text (len bytes; need not be NUL-terminated) and call cb for each sample, in order.
 * HELP and TYPE lines are checked (a valid metric name, a known type, escapes), other
 * comments and blank lines skipped; a trailing CR on a line is ignored. Returns 0; cb's
 * return value when it is not 0 (parsing stops there); -EBADMSG with err "line N: what" for
 * malformed text; -ENOMEM. err is empty unless the text was malformed.
 */
int prom_parse(const char *text, size_t len, int (*cb)(const struct prom_sample *s, void *ctx),
	       void *ctx, char *err, size_t errlen);

/* The value of label name in s, NULL when s has no such label. */
const char *prom_label(const struct prom_sample *s, const char *name);

const char *prom_type_name(enum prom_type t);

#endif
