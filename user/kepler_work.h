/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* kepler_work.h: Kepler's cumulative µJ per pod and per container, from one /metrics scrape. */
#ifndef WP_KEPLER_WORK_H
#define WP_KEPLER_WORK_H

#include <stddef.h>
#include <stdint.h>

#define KWORK_NAME_LEN 254 /* Kubernetes names are 253 bytes at most */
#define KWORK_ID_LEN   64  /* a container id: 64 hex digits */
#define KWORK_UID_LEN  36  /* a pod UID: 8-4-4-4-12 */

/*
 * Metric generations with per-workload series (kepler_series.h has the node ones):
 * KWORK_GEN_010: 0.10+, kepler_{pod,container}_cpu_joules_total{...,state,zone};
 * KWORK_GEN_07: 0.5-0.9, kepler_container_{package,dram}_joules_total{...,mode}.
 */
enum { KWORK_GEN_NONE, KWORK_GEN_07, KWORK_GEN_010 };

struct kwork_ctr {
	char id[KWORK_ID_LEN + 1]; /* lower-case hex, any "containerd://" style prefix stripped */
	char name[KWORK_NAME_LEN + 1];
	char pod_uid[KWORK_UID_LEN + 1]; /* "" when the generation has no pod_id label */
	/*
	 * 0.7: its own labels; 0.10: those of the pod family's series with its pod_id. "" when
	 * the scrape does not say, and for 0.7's containers Kepler could not place in a pod.
	 */
	char ns[KWORK_NAME_LEN + 1], pod[KWORK_NAME_LEN + 1];
	uint64_t uj; /* cumulative µJ over the chosen zones, every state summed */
};

struct kwork_pod {
	char uid[KWORK_UID_LEN + 1]; /* "" for 0.7-era pods (no UID in Kepler's labels) */
	char ns[KWORK_NAME_LEN + 1], name[KWORK_NAME_LEN + 1];
	uint64_t uj;
};

struct kwork {
	int gen; /* KWORK_GEN_* */
	/*
	 * The zones summed: "psys" or "package+dram"; "pod:X container:Y" when the pod and
	 * container families of a 0.10 scrape differ (one has psys and the other not).
	 */
	char zones[64];
	struct kwork_pod *pods; /* sorted by uid, then namespace and name */
	size_t npods;
	struct kwork_ctr *ctrs; /* sorted by id */
	size_t nctrs;
};

/*
 * Parse one scrape (len bytes; need not be NUL-terminated) into out, which kwork_free()
 * releases whatever the result. 0; -EBADMSG for malformed text, a value that is not a count
 * of joules, a duplicate series or an over-long label (msg "line N: ..."); -ENOENT when
 * the scrape has no per-pod or per-container family of either generation; -ENOMEM. Pure.
 */
int kwork_parse(const char *text, size_t len, struct kwork *out, char *msg, size_t mlen);
void kwork_free(struct kwork *w);

/* Lookups for the join; NULL when absent. An empty uid finds nothing. */
const struct kwork_pod *kwork_pod_by_uid(const struct kwork *w, const char *uid);
const struct kwork_pod *kwork_pod_by_name(const struct kwork *w, const char *ns, const char *name);
/* id may carry a runtime prefix ("cri-o://...") and upper-case hex. */
const struct kwork_ctr *kwork_ctr_by_id(const struct kwork *w, const char *id);

#endif
