/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* k8s_path.h: a cgroup path's Kubernetes identity (pod, container, runtime, QoS); pure. */
#ifndef WP_K8S_PATH_H
#define WP_K8S_PATH_H

#include <stdbool.h>

#define K8S_UID_LEN  36 /* 8-4-4-4-12 */
#define K8S_CID_LEN  64 /* 64 hex digits */
#define K8S_HASH_LEN 32 /* a static pod's config hash, in place of its UID */

enum k8s_kind {
	K8S_HOST = 0,  /* not under kubepods: a host service, the root, a user slice */
	K8S_POD,       /* a pod's own cgroup (no container below it in this path) */
	K8S_CONTAINER, /* a container of a pod (pod UID may be unknown in a namespace) */
	K8S_RUNTIME,   /* the runtime's per-container overhead (crio-conmon-<id>.scope) */
};

enum k8s_runtime { RT_NONE = 0, RT_UNKNOWN, RT_CONTAINERD, RT_CRIO, RT_DOCKER, RT_CRI_DOCKERD };
enum k8s_qos { QOS_NONE = 0, QOS_GUARANTEED, QOS_BURSTABLE, QOS_BESTEFFORT };

struct k8s_ident {
	enum k8s_kind kind;
	enum k8s_runtime runtime;
	enum k8s_qos qos;
	char pod_uid[K8S_UID_LEN + 1];	    /* "" when unknown; a static pod's config hash */
	char container_id[K8S_CID_LEN + 1]; /* "" when none */
};

/*
 * Parse a cgroup path ("/kubepods.slice/...") or a /proc/PID/cgroup line ("0::/...",
 * "12:memory:/..."). Takes the innermost pod and the last container id below it, so that
 * nested layouts (kind, minikube's docker driver) resolve to the inner pod. 0, or -EINVAL on
 * an empty or malformed line (a path that is simply not a pod's is K8S_HOST, not an error).
 */
int k8s_parse_path(const char *text, struct k8s_ident *out);

const char *k8s_runtime_name(enum k8s_runtime rt);
const char *k8s_qos_name(enum k8s_qos qos);
const char *k8s_kind_name(enum k8s_kind kind);

#endif
