/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* groups.h: which group a cgroup's energy belongs to (flux, k8s-system, node, ...); pure. */
#ifndef WP_GROUPS_H
#define WP_GROUPS_H

#include <stddef.h>
#include "k8s_path.h"
#include "pods.h"

enum wp_group {
	GROUP_FLUX = 0,	  /* Flux's controllers */
	GROUP_K8S_SYSTEM, /* kube-system and the control plane */
	GROUP_NODE,	  /* kubelet, container runtimes, other host services, runtime overhead */
	GROUP_PROBE,	  /* wattprobe itself */
	GROUP_WORKLOAD,	  /* every other pod */
	GROUP_HOST_OTHER, /* outside kubepods and system services: kernel threads, user sessions */
	GROUP_IDLE,
	GROUP_UNKNOWN, /* a pod or container whose metadata has not been seen (yet) */
	GROUP__MAX,
};

struct group_cfg {
	const char *flux_ns;	  /* Flux's namespace; default "flux-system" */
	const char *probe_cgroup; /* wattprobe's own cgroup path, NULL if unknown */
};

struct group_result {
	enum wp_group group;
	char detail[128]; /* the Flux controller, the k8s component, the host unit; may be "" */
};

/* Classify a cgroup by its path, its parsed identity and its pod's metadata (NULL if none). */
void group_classify(const struct group_cfg *cfg, const char *cgroup_path,
		    const struct k8s_ident *id, const struct pod_info *pod,
		    struct group_result *out);
const char *group_name(enum wp_group g);

#endif
