/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* tick.h: one sampled interval as its consumers (CSV, summary, exporter) see it. */
#ifndef WP_TICK_H
#define WP_TICK_H

#include <stddef.h>
#include <stdint.h>
#include "energy.h"
#include "ident.h"
#include "interval.h"
#include "probe.h"

/* One interval, as every consumer sees it; valid until the next tick. */
struct sampler_tick {
	const struct probe_sample *s;
	uint64_t interval_ns;
	const struct zone_delta *zd; /* [nzones] */
	const struct interval_res *res;
	const struct wp_ident *const *ids; /* [s->nrows + 2]: rows, idle, steal */
	size_t nzones;
	uint64_t busy_ns, window_ns; /* CPU time busy and in all, over every CPU, steal left out */
};

#endif
