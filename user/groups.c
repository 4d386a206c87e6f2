// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* groups.c: which group a cgroup's energy belongs to (flux, k8s-system, node, ...); pure. */
#include <stdio.h>
#include <string.h>
#include "groups.h"

const char *group_name(enum wp_group g)
{
	static const char *const names[] = { "flux",	 "k8s-system", "node", "probe",
					     "workload", "host-other", "idle", "unknown" };

	return g < GROUP__MAX ? names[g] : "";
}

static void detail(struct group_result *out, const char *s)
{
	snprintf(out->detail, sizeof(out->detail), "%s", s ? s : "");
}

/* The first label of a list that the pod has: how controllers and components name themselves. */
static const char *first_label(const struct pod_info *pod, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = pod_label(pod, *keys);

		if (v && v[0])
			return v;
	}
	return NULL;
}

static void classify_pod(const struct group_cfg *cfg, const struct pod_info *pod,
			 struct group_result *out)
{
	static const char *const flux_keys[] = { "app.kubernetes.io/component", "app", NULL };
	static const char *const sys_keys[] = { "component", "k8s-app", "app", NULL };
	const char *flux_ns = cfg->flux_ns ? cfg->flux_ns : "flux-system";
	const char *part_of = pod_label(pod, "app.kubernetes.io/part-of");
	const char *tier = pod_label(pod, "tier");
	const char *name;

	const char *app = pod_label(pod, "app.kubernetes.io/name");

	/* In a container with its own cgroup namespace, the probe cannot see its cgroup's path. */
	if (app && strcmp(app, "wattprobe") == 0) {
		out->group = GROUP_PROBE;
		detail(out, "wattprobe");
	} else if (strcmp(pod->ns, flux_ns) == 0 || (part_of && strcmp(part_of, "flux") == 0)) {
		out->group = GROUP_FLUX;
		name = first_label(pod, flux_keys);
		detail(out, name ? name : pod->name);
	} else if (strcmp(pod->ns, "kube-system") == 0 ||
		   (tier && strcmp(tier, "control-plane") == 0)) {
		out->group = GROUP_K8S_SYSTEM;
		name = first_label(pod, sys_keys);
		detail(out, name ? name : pod->name);
	} else {
		out->group = GROUP_WORKLOAD;
		snprintf(out->detail, sizeof(out->detail), "%s/%s", pod->ns, pod->name);
	}
}

/* Host services live in system.slice (systemd) or directly under the kubelet's slices. */
static void classify_host(const char *path, struct group_result *out)
{
	const char *unit;

	if (strncmp(path, "/system.slice/", 14) == 0 || strncmp(path, "/kubepods", 9) == 0 ||
	    strncmp(path, "/kubelet.slice", 14) == 0) {
		out->group = GROUP_NODE;
		unit = strrchr(path, '/');
		detail(out, unit ? unit + 1 : path);
		return;
	}
	out->group = GROUP_HOST_OTHER;
	detail(out, path);
}

void group_classify(const struct group_cfg *cfg, const char *cgroup_path,
		    const struct k8s_ident *id, const struct pod_info *pod,
		    struct group_result *out)
{
	memset(out, 0, sizeof(*out));
	if (cfg->probe_cgroup && strcmp(cgroup_path, cfg->probe_cgroup) == 0) {
		out->group = GROUP_PROBE;
		detail(out, "wattprobe");
		return;
	}
	switch (id->kind) {
	case K8S_RUNTIME:
		out->group = GROUP_NODE;
		detail(out, "conmon");
		return;
	case K8S_POD:
	case K8S_CONTAINER:
		/* A host's own container (docker run): no pod will ever list it. */
		if (!pod && !id->pod_uid[0] && !strstr(cgroup_path, "kubepods") &&
		    strncmp(cgroup_path, "/..", 3) != 0) {
			classify_host(cgroup_path, out);
			return;
		}
		if (!pod) {
			/* Never a guess: the row says unknown until the metadata arrives. */
			out->group = GROUP_UNKNOWN;
			detail(out, id->pod_uid[0] ? id->pod_uid : id->container_id);
			return;
		}
		classify_pod(cfg, pod, out);
		return;
	default:
		classify_host(cgroup_path, out);
	}
}
