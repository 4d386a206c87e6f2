/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * recorder.h: record's loop (CSV, summary, signals) with hooks, so that serve and the Kepler
 * comparison ride on the same intervals. CLI layer.
 */
#ifndef WP_RECORDER_H
#define WP_RECORDER_H

#include <stddef.h>
#include <stdio.h>
#include "opts.h"
#include "sampling.h"

/* Called on the sampling thread; any may be NULL. A non-zero return ends the run. */
struct rec_hook {
	int (*start)(void *ctx, struct sampler *sp); /* after setup, before the first interval */
	int (*begin)(void *ctx);		     /* the first interval has begun */
	/* > 0: the run is over after this interval (run's command exited). */
	int (*tick)(void *ctx, struct sampler *sp, const struct sampler_tick *t);
	void (*stop)(void *ctx);	    /* sampling ended: stop threads, servers */
	void (*report)(void *ctx, FILE *f); /* after the summary table */
	void *ctx;
};

/* Sample until the duration or a signal; write the CSV; print the summary. EXIT_*. */
int recorder_main(const struct record_env *env, const struct rec_hook *hooks, size_t nhooks);

#endif
