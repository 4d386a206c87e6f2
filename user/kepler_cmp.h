/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kepler_cmp.h: a running Kepler beside wattprobe (--kepler URL): its per-pod joules joined
 * with ours by pod UID (container ID for 0.7), each pair counted over the same instants.
 */
#ifndef WP_KEPLER_CMP_H
#define WP_KEPLER_CMP_H

#include <stdio.h>
#include "kepler_work.h"
#include "recorder.h"
#include "strbuf.h"

/* One pod both saw: joules since the first Kepler scrape that had it, at the newest one. */
struct kcmp_pair {
	char uid[KWORK_UID_LEN + 1];
	char *ns, *pod, *group;
	uint64_t ours_uj, kepler_uj;
	bool matched; /* Kepler has it (else ours only, not compared) */
};

struct kepler_cmp;

/* NULL with errno. Nothing is fetched before the hook's start. */
struct kepler_cmp *kepler_cmp__new(const char *url);
void kepler_cmp__free(struct kepler_cmp *kc);
/* start: the first scrape (fatal when it fails), then the thread; tick: the join. */
struct rec_hook kepler_cmp__hook(struct kepler_cmp *kc);
/* wattprobe_kepler_pod_joules_total{...,meter="kepler"|"wattprobe"}. 0 or -ENOMEM. */
int kepler_cmp__render(const struct kepler_cmp *kc, struct strbuf *sb);

/* Pure parts, for tests. */
struct kcmp;
struct kcmp *kcmp__new(void);
void kcmp__free(struct kcmp *c);
/* Our interval: each row's node energy to its pod (rows without a pod are passed over). */
int kcmp__add(struct kcmp *c, const struct sampler_tick *t);
/* A Kepler scrape: baselines for pods new to it, the pairs brought up to now. 0 or -ENOMEM. */
int kcmp__join(struct kcmp *c, const struct kwork *w);
/* The pairs Kepler has, by ours descending; *out valid until the next call. */
size_t kcmp__pairs(const struct kcmp *c, const struct kcmp_pair *const **out);
/* A counter that rises faster than this between two scrapes is not energy: 5 kW, as a zone. */
#define KCMP_MAX_UW 5000000000ULL
/* Counters seen going back (restarts), and leaps left out, since the start. */
void kcmp__anomalies(const struct kcmp *c, unsigned int *resets, unsigned int *jumps);
/* Kepler scrapes joined, and the time between the first and the newest one. */
void kcmp__window(const struct kcmp *c, unsigned int *scrapes, uint64_t *ns);
/* The table record's summary shows with --by pod. */
void kcmp__print(const struct kcmp *c, FILE *f, unsigned int top);

#endif
