/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* report.h: a recording read back into a summary, whole or in a time window. */
#ifndef WP_REPORT_H
#define WP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "series.h"
#include "summary.h"

#define REPORT_OTHER_GROUPS "(other groups)"

/* The intervals whose middle lies in from_ns .. to_ns after the start. */
struct report_window {
	uint64_t from_ns;
	uint64_t to_ns; /* UINT64_MAX: to the end */
	bool series;	/* keep the energy over time too: report_run.series */
	bool allow_cut; /* a file cut short is read to its last whole interval (report_run.cut) */
	/* Told how far reading has come (0 .. 1) every few thousand rows; may be NULL. */
	void (*progress)(void *ctx, double done);
	void *progress_ctx;
};

struct report_run {
	struct summary *sum;
	uint64_t span_ns;	      /* the whole recording, first start to last end */
	uint64_t from_ns, to_ns;      /* what the window held, from the start */
	uint64_t intervals;	      /* in the window */
	char source[32];	      /* the CSV's source column */
	bool has_pods;		      /* a row names a pod: a recording with --pods */
	struct report_idents *idents; /* the rows' identities, which sum points into */
	char cut[512];		      /* with allow_cut: where the file was cut short, else "" */
	/*
	 * With window.series: energy over time from the window's start, a track per group (past
	 * SERIES_MAX_TRACKS - 1 of them, the rest in REPORT_OTHER_GROUPS), and in details one per
	 * Flux controller (as many as fit).
	 */
	struct series *series, *details;
};

/*
 * Read path (plain or gzip) into out. 0; -EBADMSG with msg "FILE:LINE: what" for a file that
 * is not a whole recording; -ENODATA when the window holds no interval (msg says the span).
 */
int report_load(const char *path, const struct report_window *w, struct report_run *out, char *msg,
		size_t mlen);
void report_run_free(struct report_run *r);
/* Whether report_load's message is of a file cut short, which --allow-truncated reads. */
bool report_msg_is_cut(const char *msg);

#endif
