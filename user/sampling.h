/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sampling.h: the engine record and serve share: the probe, the energy source and the rows'
 * identities, interval by interval. CLI layer: it reports its own errors, one line each.
 */
#ifndef WP_SAMPLING_H
#define WP_SAMPLING_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "cgname.h"
#include "cgroupfs.h"
#include "energy.h"
#include "group_rules.h"
#include "ident.h"
#include "interval.h"
#include "opts.h"
#include "podsrc.h"
#include "probe.h"
#include "tick.h"

typedef int sampler_tick_fn(void *ctx, const struct sampler_tick *t);

#define SWEEP_EVERY_NS 5000000000ULL /* how often gone cgroups are looked for */
#define SWEEP_QUIET_NS 5000000000ULL /* and how long one must have had no row */

struct sampler {
	const struct record_env *env;
	volatile sig_atomic_t *stop_signal; /* set by the CLI's handler: the sleep ends at once */
	atomic_bool *stop_requested;	    /* the same, for other threads' waits */
	struct cg_mounts mounts;
	const struct cg_hier *hier;
	enum wp_cgroup_mode mode;
	struct energy *energy;
	struct probe *probe;
	struct cgname *names;
	struct probe_sample s;
	struct interval_res res;
	struct zone_delta zd[ENERGY_MAX_ZONES];
	bool zone_node[ENERGY_MAX_ZONES];
	const char *labels[ENERGY_MAX_ZONES];
	struct ident_cfg icfg;
	struct group_rules *rules;
	struct ident_cache *ids;
	struct podsrc *podsrc;
	struct pods *pods;     /* the newest good pod list */
	unsigned int pods_gen; /* bumped at each new pod list */
	const struct wp_ident **row_ids;
	size_t row_ids_cap;
	char probe_cg[CG_PATH_MAX];
	bool curl_up;	     /* kube_api_global_init() done */
	char notes[4][2048]; /* said once on stderr, after setup succeeded: errors stay one line */
	struct attrib_rule rule; /* env's, or idle:0 with a feed when -a was not given */
	uint64_t start_ns, prev_ts_ns, late_ticks;
	bool started; /* intervals are being recorded: the summary is due even after an error */
	/* Told of each gone cgroup forgotten, after its last interval; may be NULL. */
	void (*forget)(void *ctx, uint64_t cgroup_id);
	void *forget_ctx;
	uint64_t last_sweep_ns, forgotten;
	char why[2048];
};

uint64_t mono_ns(void);

/* Energy, cgroups, identities and the probe, in that order. 0 or -errno, said on stderr. */
int sampler__setup(struct sampler *sp, const struct record_env *env,
		   volatile sig_atomic_t *stop_signal, atomic_bool *stop_requested);
/* What setup passed over (sources, PMU): once, on stderr. */
void sampler__say_notes(const struct sampler *sp);
/*
 * Realign the probe and the energy source, call begin (may be NULL) once the first interval has
 * started, then sample every interval until the duration ends or a signal comes, calling fn for
 * each (the last, cut short, included). fn's error, or the sampling's, ends the run; fn > 0
 * ends it after that interval, as a duration would. 0 or -errno.
 */
int sampler__run(struct sampler *sp, sampler_tick_fn *fn, int (*begin)(void *ctx), void *ctx);
void sampler__cleanup(struct sampler *sp);

#endif
