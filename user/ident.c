// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ident.c: each row's cgroup path, namespace, pod, container and group, cached per cgroup id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ident.h"
#include "u64map.h"

void ident_release(struct wp_ident *id)
{
	free((char *)id->path);
	free((char *)id->ns);
	free((char *)id->pod);
	free((char *)id->container);
	free((char *)id->group);
	free((char *)id->detail);
	free((char *)id->pod_uid);
	free((char *)id->container_id);
	memset(id, 0, sizeof(*id));
}

static int fill(struct wp_ident *out, const char *path, const char *ns, const char *pod,
		const char *container, const char *group, const char *detail)
{
	if (!out->pod_uid)
		out->pod_uid = strdup("");
	if (!out->container_id)
		out->container_id = strdup("");
	if (!out->runtime)
		out->runtime = "";
	out->path = strdup(path);
	out->ns = strdup(ns ? ns : "");
	out->pod = strdup(pod ? pod : "");
	out->container = strdup(container ? container : "");
	out->group = strdup(group);
	out->detail = strdup(detail ? detail : "");
	if (out->path && out->ns && out->pod && out->container && out->group && out->detail &&
	    out->pod_uid && out->container_id)
		return 0;
	ident_release(out);
	return -ENOMEM;
}

/* Rows that are not a cgroup's: <idle>, <steal>, and time nobody could be named for. */
static int resolve_pseudo(const char *path, struct wp_ident *out)
{
	const char *group = group_name(GROUP_UNKNOWN);

	if (strcmp(path, "<idle>") == 0)
		group = group_name(GROUP_IDLE);
	else if (strcmp(path, "<steal>") == 0)
		group = IDENT_GROUP_STEAL;
	out->incomplete = strcmp(path, "<gone>") == 0;
	return fill(out, path, NULL, NULL, NULL, group, NULL);
}

int ident_resolve(const struct ident_cfg *cfg, const char *path, const struct pods *pods,
		  struct wp_ident *out)
{
	const struct pod_container *ctr = NULL;
	const struct pod_info *pod = NULL;
	const char *rule, *cname = NULL;
	struct group_result g;
	struct k8s_ident k;

	memset(out, 0, sizeof(*out));
	if (path[0] == '<' || k8s_parse_path(path, &k))
		return resolve_pseudo(path, out);
	if (pods && k.pod_uid[0])
		pod = pods__by_uid(pods, k.pod_uid);
	/* A static pod whose mirror lacks the hash annotation is still found by its container. */
	if (pods && !pod && k.container_id[0])
		pod = pods__by_container(pods, k.container_id, &ctr);
	if (pod && k.container_id[0] && !ctr) {
		for (size_t i = 0; i < pod->ncontainers; i++)
			if (strcmp(pod->containers[i].id, k.container_id) == 0)
				ctr = &pod->containers[i];
	}
	/* conmon is the runtime's, not the container's: it keeps the pod but not the name. */
	if (ctr && k.kind == K8S_CONTAINER)
		cname = ctr->name;
	group_classify(&cfg->groups, path, &k, pod, &g);
	/*
	 * Looked up again with the next pods: a pod not listed (group unknown: never a guess),
	 * or a container its pod does not list (yet, or ever: the pod's sandbox, "pause"). The
	 * latter is its pod's, and in its pod's group; only its name is missing.
	 */
	out->incomplete = g.group == GROUP_UNKNOWN || (pod && k.kind == K8S_CONTAINER && !ctr);
	out->pod_uid = strdup(pod ? pod->uid : k.pod_uid);
	out->container_id = strdup(k.kind == K8S_CONTAINER ? k.container_id : "");
	out->runtime = k.kind == K8S_HOST ? "" : k8s_runtime_name(k.runtime);
	/* The user's rules come first. */
	rule = group_rules_match(cfg->rules, path, pod, cname);
	return fill(out, path, pod ? pod->ns : NULL, pod ? pod->name : NULL, cname,
		    rule ? rule : group_name(g.group), rule && pod ? pod->name : g.detail);
}

static bool same_ident(const struct wp_ident *a, const struct wp_ident *b)
{
	return !strcmp(a->ns, b->ns) && !strcmp(a->pod, b->pod) &&
	       !strcmp(a->pod_uid, b->pod_uid) && !strcmp(a->container, b->container) &&
	       !strcmp(a->group, b->group) && !strcmp(a->detail, b->detail);
}

struct slot {
	struct wp_ident *cur;
	unsigned int gen; /* pods generation cur was resolved with */
	uint64_t last_ns; /* the last interval it had a row in */
};

struct ident_cache {
	const struct ident_cfg *cfg;
	const struct pods *pods;
	unsigned int gen;
	uint64_t serial;
	struct u64map *ids;
	struct wp_ident **retired; /* replaced identities: valid until the next sweep */
	size_t nretired, cap_retired;
	uint64_t now_ns;
	uint64_t forgotten; /* cgroups swept away */
	struct wp_ident idle, steal;
};

struct ident_cache *ident__new(const struct ident_cfg *cfg)
{
	struct ident_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->ids = u64map__new(sizeof(struct slot));
	if (!c->ids || resolve_pseudo("<idle>", &c->idle) || resolve_pseudo("<steal>", &c->steal)) {
		ident__free(c);
		return NULL;
	}
	c->idle.serial = ++c->serial;
	c->steal.serial = ++c->serial;
	return c;
}

static void ident_free(struct wp_ident *id)
{
	if (!id)
		return;
	ident_release(id);
	free(id);
}

void ident__free(struct ident_cache *c)
{
	struct slot *s;
	size_t it = 0;
	uint64_t k;

	if (!c)
		return;
	while (c->ids && (s = u64map__next(c->ids, &it, &k)))
		ident_free(s->cur);
	u64map__free(c->ids);
	for (size_t i = 0; i < c->nretired; i++)
		ident_free(c->retired[i]);
	free(c->retired);
	ident_release(&c->idle);
	ident_release(&c->steal);
	free(c);
}

void ident__set_pods(struct ident_cache *c, const struct pods *pods)
{
	c->pods = pods;
	c->gen++;
}

static struct wp_ident *resolve_new(struct ident_cache *c, const char *path)
{
	struct wp_ident *id = calloc(1, sizeof(*id));

	if (!id)
		return NULL;
	if (ident_resolve(c->cfg, path, c->pods, id)) {
		free(id);
		return NULL;
	}
	id->serial = ++c->serial;
	return id;
}

static int retire(struct ident_cache *c, struct wp_ident *id)
{
	if (c->nretired == c->cap_retired) {
		size_t cap = c->cap_retired ? 2 * c->cap_retired : 16;
		struct wp_ident **v = realloc(c->retired, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->retired = v;
		c->cap_retired = cap;
	}
	c->retired[c->nretired++] = id;
	return 0;
}

const struct wp_ident *ident__get(struct ident_cache *c, uint64_t id, const char *path)
{
	struct slot *s = u64map__get(c->ids, id);
	struct wp_ident *fresh;

	if (s)
		s->last_ns = c->now_ns;
	if (s && (!s->cur->incomplete || s->gen == c->gen))
		return s->cur;
	fresh = resolve_new(c, path);
	if (!fresh)
		return NULL;
	if (!s) {
		s = u64map__upsert(c->ids, id);
		if (!s) {
			ident_free(fresh);
			return NULL;
		}
		s->last_ns = c->now_ns;
	} else if (same_ident(fresh, s->cur)) {
		/* Nothing new: the same identity, tried again with the next pods if incomplete. */
		s->cur->incomplete = fresh->incomplete;
		ident_free(fresh);
		s->gen = c->gen;
		return s->cur;
	} else if (retire(c, s->cur)) {
		ident_free(fresh);
		return NULL;
	}
	s->cur = fresh;
	s->gen = c->gen;
	return fresh;
}

void ident__tick(struct ident_cache *c, uint64_t now_ns)
{
	c->now_ns = now_ns;
}

int ident__sweep(struct ident_cache *c, uint64_t quiet_ns, const struct ident_sweep *sw)
{
	uint64_t *gone = NULL, k;
	size_t n = 0, cap = 0, it = 0;
	struct slot *s;

	/* Collected first: deleting moves entries under the iteration. */
	while ((s = u64map__next(c->ids, &it, &k))) {
		if (c->now_ns - s->last_ns < quiet_ns || !sw->gone(sw->ctx, k))
			continue;
		if (n == cap) {
			uint64_t *v = realloc(gone, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!v) {
				free(gone);
				return -ENOMEM;
			}
			gone = v;
		}
		gone[n++] = k;
	}
	for (size_t i = 0; i < n; i++) {
		s = u64map__get(c->ids, gone[i]);
		sw->forget(sw->ctx, gone[i]);
		ident_free(s->cur);
		u64map__del(c->ids, gone[i]);
	}
	c->forgotten += n;
	for (size_t i = 0; i < c->nretired; i++)
		ident_free(c->retired[i]);
	c->nretired = 0;
	free(gone);
	return (int)n;
}

size_t ident__count(const struct ident_cache *c)
{
	return u64map__size(c->ids);
}

const struct wp_ident *ident__idle(struct ident_cache *c)
{
	return &c->idle;
}

const struct wp_ident *ident__steal(struct ident_cache *c)
{
	return &c->steal;
}
