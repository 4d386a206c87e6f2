/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ident.h: what each row of a recording is: its cgroup path, Kubernetes namespace, pod and
 * container, and its group. Cached per cgroup id; pure apart from the lookups it is given.
 */
#ifndef WP_IDENT_H
#define WP_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "group_rules.h"
#include "groups.h"
#include "pods.h"

/* Group names of the pseudo rows that are not a cgroup's. */
#define IDENT_GROUP_STEAL "steal" /* time the hypervisor stole: nobody's, no energy */

struct wp_ident {
	uint64_t serial;  /* unique per identity: a cgroup that gets its metadata gets a new one */
	const char *path; /* the cgroup path, or <idle>, <steal>, <overflow>, <unknown>, <gone> */
	const char *ns;	  /* "" where not a pod */
	const char *pod;
	const char *container;
	const char *group;	  /* a default group's name or a --groups rule's */
	const char *detail;	  /* the Flux controller, the k8s component, the unit; may be "" */
	const char *pod_uid;	  /* the API's UID (a static pod's mirror's), else the path's; "" */
	const char *container_id; /* a pod's container's 64 hex digits, "" for anything else */
	const char *runtime;	  /* containerd, cri-o, docker, ...; "" outside pods (static) */
	bool incomplete; /* its pod, or its container's name, not known (yet): looked up again */
};

struct ident_cfg {
	struct group_cfg groups;
	const struct group_rules *rules; /* NULL: the defaults only */
};

/* Pure: the identity of one cgroup path given the pods known (NULL: none). 0 or -ENOMEM. */
int ident_resolve(const struct ident_cfg *cfg, const char *path, const struct pods *pods,
		  struct wp_ident *out);
void ident_release(struct wp_ident *id);

struct ident_cache;

/* cfg (and the rules it points to) must outlive the cache. NULL on ENOMEM. */
struct ident_cache *ident__new(const struct ident_cfg *cfg);
void ident__free(struct ident_cache *c);

/*
 * New pod metadata (NULL: none). The cache does not keep pointers into it beyond the next call
 * (or ident__free). Identities already known are kept, so that a pod that ended keeps its name
 * in the rows before it ended; incomplete ones are resolved again at their next lookup.
 */
void ident__set_pods(struct ident_cache *c, const struct pods *pods);

/*
 * The identity of cgroup id, whose path is path (used when the id is new, or incomplete and the
 * pods changed). The pointer stays valid until the next ident__sweep (or ident__free): callers
 * keep copies, not pointers, across intervals. NULL on ENOMEM.
 */
const struct wp_ident *ident__get(struct ident_cache *c, uint64_t id, const char *path);

/* The time of the interval whose rows are looked up next: what "quiet" is measured from. */
void ident__tick(struct ident_cache *c, uint64_t now_ns);

/* How a sweep asks whether a cgroup is gone, and tells that it is being forgotten. */
struct ident_sweep {
	bool (*gone)(void *ctx, uint64_t id);
	void (*forget)(void *ctx, uint64_t id); /* before its identity is freed */
	void *ctx;
};

/*
 * Forget the cgroups that had no row for quiet_ns and are gone (kernfs ids are never reused:
 * a gone cgroup never comes back), and free the identities replaced since the last sweep, so
 * that memory follows the cgroups alive, not all those ever seen. The count, or -ENOMEM.
 */
int ident__sweep(struct ident_cache *c, uint64_t quiet_ns, const struct ident_sweep *sw);
/* Cgroups known now. */
size_t ident__count(const struct ident_cache *c);
/* The identities of the idle and steal rows. */
const struct wp_ident *ident__idle(struct ident_cache *c);
const struct wp_ident *ident__steal(struct ident_cache *c);

#endif
