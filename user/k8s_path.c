// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* k8s_path.c: a cgroup path's Kubernetes identity (pod, container, runtime, QoS); pure. */
#include <errno.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>
#include "k8s_path.h"
#include "unit_name.h"

#define COMP_MAX 512

static bool is_hex64(const char *s, size_t n)
{
	if (n != K8S_CID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * A pod UID as kubelet writes it: 8-4-4-4-12 hex, '-' or (systemd driver) '_' between; or a
 * static pod's config hash, 32 hex digits (kubelet names a static pod's cgroup by the hash of
 * its manifest, which its mirror pod carries as the kubernetes.io/config.mirror annotation).
 */
static bool take_uid(const char *s, size_t n, char *out)
{
	static const int dash[] = { 8, 13, 18, 23 };
	bool hash = n == K8S_HASH_LEN;
	char uid[K8S_UID_LEN + 1];

	if (n != K8S_UID_LEN && !hash)
		return false;
	/* Into uid first: out (a UID found further up the path) stays whole on a near miss. */
	for (size_t i = 0, d = 0; i < n; i++) {
		if (!hash && d < 4 && (int)i == dash[d]) {
			if (s[i] != '-' && s[i] != '_')
				return false;
			uid[i] = '-';
			d++;
		} else if (isxdigit((unsigned char)s[i])) {
			uid[i] = (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' : s[i];
		} else {
			return false;
		}
	}
	uid[n] = '\0';
	memcpy(out, uid, n + 1);
	return true;
}

static bool ends_with(const char *s, size_t n, const char *suffix, size_t *stem)
{
	size_t m = strlen(suffix);

	if (n < m || memcmp(s + n - m, suffix, m) != 0)
		return false;
	*stem = n - m;
	return true;
}

/* The QoS level a name (or the first n bytes of it) carries: "burstable", "besteffort". */
static enum k8s_qos qos_of(const char *c, size_t n)
{
	if (memmem(c, n, "burstable", 9))
		return QOS_BURSTABLE;
	if (memmem(c, n, "besteffort", 10))
		return QOS_BESTEFFORT;
	return QOS_NONE;
}

/*
 * A pod component: systemd "kubepods[-qos]-pod<UID_>.slice" (kind adds a "kubelet-" prefix),
 * or cgroupfs "pod<UID>". Sets the UID, and the QoS when the name carries it.
 */
static bool pod_component(const char *c, size_t n, struct k8s_ident *id)
{
	static const size_t lens[] = { K8S_UID_LEN, K8S_HASH_LEN };
	const char *p;
	size_t stem;

	for (size_t i = 0; i < 2; i++)
		if (n == 3 + lens[i] && memcmp(c, "pod", 3) == 0)
			return take_uid(c + 3, lens[i], id->pod_uid);
	if (!ends_with(c, n, ".slice", &stem) || !strstr(c, "kubepods"))
		return false;
	for (size_t i = 0; i < 2; i++) {
		if (stem < lens[i] + 3)
			continue;
		p = c + stem - lens[i] - 3;
		if (memcmp(p, "pod", 3) != 0 || !take_uid(p + 3, lens[i], id->pod_uid))
			continue;
		if (qos_of(c, p - c) != QOS_NONE)
			id->qos = qos_of(c, p - c);
		return true;
	}
	return false;
}

static const struct {
	const char *prefix;
	enum k8s_runtime rt;
	enum k8s_kind kind;
} scopes[] = {
	{ "crio-conmon-", RT_CRIO, K8S_RUNTIME }, /* before "crio-": conmon is the runtime */
	{ "cri-containerd-", RT_CONTAINERD, K8S_CONTAINER },
	{ "cri-dockerd-", RT_CRI_DOCKERD, K8S_CONTAINER },
	{ "crio-", RT_CRIO, K8S_CONTAINER },
	{ "docker-", RT_DOCKER, K8S_CONTAINER },
};

/* A container component: "<runtime>-<id>.scope", a bare id (cgroupfs), or runc's colon form
 * "<pod slice>:<runtime>:<id>" (systemd driver on v1). */
static bool container_component(const char *c, size_t n, struct k8s_ident *id)
{
	const char *colon = memchr(c, ':', n);
	size_t stem;

	if (colon) {
		const char *last = c + n;

		while (last > c && last[-1] != ':')
			last--;
		if (!is_hex64(last, c + n - last))
			return false;
		pod_component(c, colon - c, id);
		memcpy(id->container_id, last, K8S_CID_LEN + 1);
		id->container_id[K8S_CID_LEN] = '\0';
		id->runtime = strstr(c, ":cri-containerd:") ? RT_CONTAINERD
			      : strstr(c, ":crio:")	    ? RT_CRIO
			      : strstr(c, ":docker:")	    ? RT_DOCKER
							    : RT_UNKNOWN;
		id->kind = K8S_CONTAINER;
		return true;
	}
	if (is_hex64(c, n)) {
		memcpy(id->container_id, c, K8S_CID_LEN);
		id->container_id[K8S_CID_LEN] = '\0';
		id->runtime = RT_UNKNOWN;
		id->kind = K8S_CONTAINER;
		return true;
	}
	if (!ends_with(c, n, ".scope", &stem))
		return false;
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t pl = strlen(scopes[i].prefix);

		if (stem == pl + K8S_CID_LEN && memcmp(c, scopes[i].prefix, pl) == 0 &&
		    is_hex64(c + pl, K8S_CID_LEN)) {
			memcpy(id->container_id, c + pl, K8S_CID_LEN);
			id->container_id[K8S_CID_LEN] = '\0';
			id->runtime = scopes[i].rt;
			id->kind = scopes[i].kind;
			return true;
		}
	}
	return false;
}

/* The path of a /proc/PID/cgroup line: split on the first two colons only (runc's systemd
 * form puts colons in the path). A plain path is returned as it is. */
static const char *path_of(const char *text)
{
	const char *a, *b;

	if (text[0] == '/')
		return text;
	a = strchr(text, ':');
	b = a ? strchr(a + 1, ':') : NULL;
	return b ? b + 1 : NULL;
}

/* Fold one path component into the identity found so far. */
static void component(const char *c, size_t n, bool *kubepods, struct k8s_ident *cur)
{
	struct k8s_ident pod = {};

	if (memmem(c, n, "kubepods", 8))
		*kubepods = true;
	if (pod_component(c, n, &pod)) {
		/* An inner pod (kind's nested kubelet) replaces an outer one; QoS may come from a
		 * parent ("kubepods-burstable.slice", cgroupfs "burstable"). */
		pod.qos = pod.qos ? pod.qos : cur->qos;
		pod.kind = K8S_POD;
		*cur = pod;
		return;
	}
	if (container_component(c, n, cur))
		return;
	if (*kubepods && !cur->pod_uid[0] && qos_of(c, n))
		cur->qos = qos_of(c, n);
}

int k8s_parse_path(const char *text, struct k8s_ident *out)
{
	const char *path = path_of(text), *p;
	struct k8s_ident cur = {};
	bool kubepods = false;

	memset(out, 0, sizeof(*out));
	if (!path || path[0] != '/')
		return -EINVAL;
	for (p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t raw = slash ? (size_t)(slash - p) : strlen(p);
		char c[COMP_MAX];

		unit_unescape(p, raw, c, sizeof(c), false);
		/* ".." from a cgroup namespace's view says nothing; skip it and ".". */
		if (c[0] && strcmp(c, "..") && strcmp(c, "."))
			component(c, strlen(c), &kubepods, &cur);
		p += raw + (slash ? 1 : 0);
	}
	/* Under kubepods with no QoS level in the path: a Guaranteed pod. */
	if (cur.pod_uid[0] && cur.qos == QOS_NONE)
		cur.qos = QOS_GUARANTEED;
	*out = cur;
	return 0;
}

const char *k8s_runtime_name(enum k8s_runtime rt)
{
	static const char *const names[] = { "",      "unknown", "containerd",
					     "cri-o", "docker",	 "cri-dockerd" };

	return rt <= RT_CRI_DOCKERD ? names[rt] : "";
}

const char *k8s_qos_name(enum k8s_qos qos)
{
	static const char *const names[] = { "", "Guaranteed", "Burstable", "BestEffort" };

	return qos <= QOS_BESTEFFORT ? names[qos] : "";
}

const char *k8s_kind_name(enum k8s_kind kind)
{
	static const char *const names[] = { "host", "pod", "container", "runtime" };

	return kind <= K8S_RUNTIME ? names[kind] : "";
}
