/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* pods.h: pod metadata from a pod list (kubectl get pods -A -o json, or the API server). */
#ifndef WP_PODS_H
#define WP_PODS_H

#include <stddef.h>
#include "k8s_path.h"

struct pod_label {
	char *key;
	char *value;
};

struct pod_container {
	char id[K8S_CID_LEN +
		1]; /* from status.*containerStatuses[].containerID, scheme stripped */
	char *name;
};

struct pod_info {
	char uid[K8S_UID_LEN + 1];
	/* A mirror pod's kubernetes.io/config.mirror: the static pod's cgroup is named by it. */
	char config_hash[K8S_UID_LEN + 1];
	char *ns;
	char *name;
	char *node;
	struct pod_label *labels;
	size_t nlabels;
	struct pod_container *containers; /* regular, init and ephemeral */
	size_t ncontainers;
};

struct pods;

/*
 * Parse a PodList's JSON. node: keep only pods scheduled there (spec.nodeName), NULL for all.
 * NULL on failure with errno set and a one-line reason in err (naming what is wrong).
 */
struct pods *pods_parse(const char *json, size_t len, const char *node, char *err, size_t errlen);
/* Read and parse a file, as pods_parse. */
struct pods *pods_load(const char *path, const char *node, char *err, size_t errlen);
void pods__free(struct pods *p);

size_t pods__count(const struct pods *p);
const struct pod_info *pods__at(const struct pods *p, size_t i);
/* The pod with this UID, or the mirror pod of the static pod with this config hash. */
const struct pod_info *pods__by_uid(const struct pods *p, const char *uid);
/* The pod a container id belongs to; *c (if not NULL) gets the container. */
const struct pod_info *pods__by_container(const struct pods *p, const char *cid,
					  const struct pod_container **c);
/* A label's value, or NULL. */
const char *pod_label(const struct pod_info *pod, const char *key);

#endif
