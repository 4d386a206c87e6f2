// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kcmp.c: wattprobe's and Kepler's joules per pod over the same instants; pure, no I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kepler_cmp.h"
#include "u64map.h"

struct kpod {
	struct kcmp_pair p;
	uint64_t ours_cum;  /* ours since the start */
	uint64_t ours_base; /* ours when Kepler's side started counting */
	bool k_seen;
};

/*
 * One of Kepler's counters: a pod (0.10, by UID) or a container (0.7, by id), followed from
 * the first scrape that had it, whether or not wattprobe has seen its cgroups run yet.
 */
struct kent {
	char key[KWORK_ID_LEN + 1];
	uint64_t first, last, carry; /* carry: what it counted before a reset */
	uint64_t last_ns;	     /* when last was taken */
	unsigned int since;	     /* the scrape it first appeared in */
};

struct cid {
	char id[KWORK_ID_LEN + 1];
	size_t pod;
};

struct kcmp {
	struct kpod *v;
	size_t n, cap;
	struct kent *ents;
	size_t nents, capents;
	struct cid *cids;
	size_t ncids, capcids;
	struct u64map *by_serial; /* identity serial -> pod index + 1, 0: not a pod */
	uint64_t first_ns, last_ns, now_ns;
	unsigned int scrapes, resets, jumps;
	const struct kcmp_pair **sorted;
};

struct kcmp *kcmp__new(void)
{
	struct kcmp *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->by_serial = u64map__new(sizeof(size_t));
	if (!c->by_serial) {
		free(c);
		return NULL;
	}
	return c;
}

void kcmp__free(struct kcmp *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].p.ns);
		free(c->v[i].p.pod);
		free(c->v[i].p.group);
	}
	free(c->v);
	free(c->ents);
	free(c->cids);
	free(c->sorted);
	u64map__free(c->by_serial);
	free(c);
}

static int add_cid(struct kcmp *c, const char *id, size_t pod)
{
	for (size_t i = 0; i < c->ncids; i++)
		if (!strcmp(c->cids[i].id, id))
			return 0;
	if (c->ncids == c->capcids) {
		size_t cap = c->capcids ? 2 * c->capcids : 64;
		struct cid *v = realloc(c->cids, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->cids = v;
		c->capcids = cap;
	}
	snprintf(c->cids[c->ncids].id, sizeof(c->cids[0].id), "%s", id);
	c->cids[c->ncids++].pod = pod;
	return 0;
}

/* The pod of an identity, made on first sight; SIZE_MAX for rows that are no pod's. */
static int pod_of(struct kcmp *c, const struct wp_ident *id, size_t *out)
{
	size_t *ix = u64map__get(c->by_serial, id->serial), i;
	struct kpod *k;

	if (ix) {
		*out = *ix ? *ix - 1 : SIZE_MAX;
		return 0;
	}
	ix = u64map__upsert(c->by_serial, id->serial);
	if (!ix)
		return -ENOMEM;
	*out = SIZE_MAX;
	if (!id->pod_uid[0])
		return 0;
	for (i = 0; i < c->n && strcmp(c->v[i].p.uid, id->pod_uid); i++)
		;
	if (i == c->n) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 32;
			struct kpod *v = realloc(c->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			c->v = v;
			c->cap = cap;
		}
		k = &c->v[c->n];
		*k = (struct kpod){};
		snprintf(k->p.uid, sizeof(k->p.uid), "%s", id->pod_uid);
		k->p.ns = strdup(id->ns);
		k->p.pod = strdup(id->pod);
		k->p.group = strdup(id->group);
		if (!k->p.ns || !k->p.pod || !k->p.group) {
			free(k->p.ns);
			free(k->p.pod);
			free(k->p.group);
			return -ENOMEM;
		}
		c->n++;
	}
	if (id->container_id[0] && add_cid(c, id->container_id, i))
		return -ENOMEM;
	*ix = i + 1;
	*out = i;
	return 0;
}

int kcmp__add(struct kcmp *c, const struct sampler_tick *t)
{
	c->now_ns = t->s->ts_ns;
	for (size_t i = 0; i < t->s->nrows; i++) {
		size_t p;
		int err = pod_of(c, t->ids[i], &p);

		if (err)
			return err;
		if (p != SIZE_MAX && !t->res->node_gap)
			c->v[p].ours_cum += t->res->node_uj[i];
	}
	return 0;
}

static struct kent *ent_find(struct kcmp *c, const char *key)
{
	for (size_t i = 0; i < c->nents; i++)
		if (!strcmp(c->ents[i].key, key))
			return &c->ents[i];
	return NULL;
}

/* A counter's value in the scrape numbered scrape: the first sets its baseline. */
static int ent_update(struct kcmp *c, const char *key, uint64_t uj, unsigned int scrape)
{
	struct kent *e = ent_find(c, key);
	uint64_t dt;

	if (!key[0])
		return 0;
	if (!e) {
		if (c->nents == c->capents) {
			size_t cap = c->capents ? 2 * c->capents : 64;
			struct kent *v = realloc(c->ents, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			c->ents = v;
			c->capents = cap;
		}
		e = &c->ents[c->nents++];
		*e = (struct kent){
			.first = uj, .last = uj, .last_ns = c->now_ns, .since = scrape
		};
		snprintf(e->key, sizeof(e->key), "%s", key);
		return 0;
	}
	dt = c->now_ns > e->last_ns ? c->now_ns - e->last_ns : 0;
	if (uj < e->last) {
		/* Kepler restarted: what it had counted is kept, counting goes on anew. */
		e->carry += e->last - e->first;
		e->first = uj;
		c->resets++;
	} else if ((double)(uj - e->last) * 1e9 > (double)KCMP_MAX_UW * (double)(dt ? dt : 1)) {
		/* No pod draws that: a counter come back from a glitch. The leap is left out. */
		e->first += uj - e->last;
		c->jumps++;
	}
	e->last = uj;
	e->last_ns = c->now_ns;
	return 0;
}

void kcmp__anomalies(const struct kcmp *c, unsigned int *resets, unsigned int *jumps)
{
	*resets = c->resets;
	*jumps = c->jumps;
}

/* Pod i's side from Kepler: its counters' sum; *any and *old say whether it has one, and one
 * that was there before this scrape. */
static uint64_t kepler_side(struct kcmp *c, size_t i, int gen, unsigned int scrape, bool *any,
			    bool *old)
{
	uint64_t uj = 0;

	*any = *old = false;
	for (size_t j = 0; j < (gen == KWORK_GEN_010 ? 1 : c->ncids); j++) {
		const struct kent *e;

		if (gen == KWORK_GEN_010)
			e = ent_find(c, c->v[i].p.uid);
		else
			e = c->cids[j].pod == i ? ent_find(c, c->cids[j].id) : NULL;
		if (!e)
			continue;
		*any = true;
		*old |= e->since < scrape;
		uj += e->carry + e->last - e->first;
	}
	return uj;
}

int kcmp__join(struct kcmp *c, const struct kwork *w)
{
	unsigned int scrape = c->scrapes + 1;
	int err = 0;

	if (w->gen == KWORK_GEN_010)
		for (size_t i = 0; !err && i < w->npods; i++)
			err = ent_update(c, w->pods[i].uid, w->pods[i].uj, scrape);
	else
		for (size_t i = 0; !err && i < w->nctrs; i++)
			err = ent_update(c, w->ctrs[i].id, w->ctrs[i].uj, scrape);
	if (err)
		return err;
	for (size_t i = 0; i < c->n; i++) {
		struct kpod *k = &c->v[i];
		bool any, old;
		uint64_t kuj = kepler_side(c, i, w->gen, scrape, &any, &old);

		if (!any)
			continue;
		/*
		 * Ours starts where Kepler's does: now, for a counter new in this scrape; from
		 * nothing for one Kepler had before we saw the pod run (all ours is after it).
		 */
		if (!k->k_seen) {
			k->k_seen = true;
			k->ours_base = old ? 0 : k->ours_cum;
		}
		k->p.matched = true;
		k->p.kepler_uj = kuj;
		k->p.ours_uj = k->ours_cum - k->ours_base;
	}
	if (!c->scrapes++)
		c->first_ns = c->now_ns;
	c->last_ns = c->now_ns;
	return 0;
}

static int by_ours_desc(const void *a, const void *b)
{
	const struct kcmp_pair *x = *(const struct kcmp_pair *const *)a;
	const struct kcmp_pair *y = *(const struct kcmp_pair *const *)b;

	if (x->ours_uj != y->ours_uj)
		return x->ours_uj < y->ours_uj ? 1 : -1;
	return strcmp(x->uid, y->uid);
}

size_t kcmp__pairs(const struct kcmp *cc, const struct kcmp_pair *const **out)
{
	struct kcmp *c = (struct kcmp *)cc;
	const struct kcmp_pair **v = realloc(c->sorted, (c->n + 1) * sizeof(*v));
	size_t n = 0;

	*out = NULL;
	if (!v)
		return 0;
	c->sorted = v;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].p.matched)
			v[n++] = &c->v[i].p;
	qsort(v, n, sizeof(*v), by_ours_desc);
	*out = v;
	return n;
}

void kcmp__window(const struct kcmp *c, unsigned int *scrapes, uint64_t *ns)
{
	*scrapes = c->scrapes;
	*ns = c->last_ns - c->first_ns;
}

/* a/b as a signed percentage of b; "" when b is 0. */
static void pct(char *buf, size_t len, uint64_t ours, uint64_t kepler)
{
	if (!kepler)
		snprintf(buf, len, "%s", "-");
	else
		snprintf(buf, len, "%+.1f%%", 100.0 * ((double)ours - (double)kepler) / kepler);
}

void kcmp__print(const struct kcmp *c, FILE *f, unsigned int top)
{
	const struct kcmp_pair *const *v;
	size_t n = kcmp__pairs(c, &v);
	uint64_t ours = 0, kep = 0;
	char full[520], name[48], p[16];

	fprintf(f, "%-40s %-12s %11s %11s %9s %7s\n", "POD (both saw it)", "GROUP", "WATTPROBE J",
		"KEPLER J", "DIFF J", "DIFF");
	for (size_t i = 0; i < n; i++) {
		ours += v[i]->ours_uj;
		kep += v[i]->kepler_uj;
		if (i >= top)
			continue;
		snprintf(full, sizeof(full), "%s/%s", v[i]->ns, v[i]->pod);
		/* Cut in the middle: the namespace and the pod's hash both stay readable. */
		if (strlen(full) > 40)
			snprintf(name, sizeof(name), "%.18s...%s", full, full + strlen(full) - 19);
		else
			snprintf(name, sizeof(name), "%s", full);
		pct(p, sizeof(p), v[i]->ours_uj, v[i]->kepler_uj);
		fprintf(f, "%-40s %-12.12s %11.3f %11.3f %+9.3f %7s\n", name, v[i]->group,
			v[i]->ours_uj / 1e6, v[i]->kepler_uj / 1e6,
			((double)v[i]->ours_uj - (double)v[i]->kepler_uj) / 1e6, p);
	}
	if (n > top)
		fprintf(f, "(%zu more)\n", n - top);
	pct(p, sizeof(p), ours, kep);
	fprintf(f, "%-40s %-12s %11.3f %11.3f %+9.3f %7s\n", "pods both saw", "", ours / 1e6,
		kep / 1e6, ((double)ours - (double)kep) / 1e6, p);
}
