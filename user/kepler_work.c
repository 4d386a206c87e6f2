// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kepler_work.c: Kepler's cumulative µJ per pod and per container, from one /metrics scrape. */
/*
 * Where the shapes come from (github.com/sustainable-computing-io/kepler; nothing copied):
 *
 * 0.10+: internal/exporter/prometheus/collector/power_collector.go builds
 * kepler_pod_cpu_joules_total with variable labels {pod_id, pod_name, pod_namespace, state,
 * zone} and kepler_container_cpu_joules_total with {container_id, container_name, runtime,
 * state, zone, pod_id}, both with the constant label node_name, emitted once for the
 * "running" and once for the "terminated" workloads of a snapshot: state is not identity, a
 * pod that stopped and came back has one series of each, and both hold energy. pod_id is the
 * API object's UID (internal/k8s/pod/pod.go), container_id the 64 hex digits of the cgroup
 * path (internal/resource/container.go); pod_id is "" for a container of no known pod. Every
 * node zone (package, core, uncore, dram, psys; pp0 from the MSR fallback) is attributed to
 * every workload: core and uncore lie inside package, psys covers package and dram, so the
 * sum is psys where the family has it and package + dram otherwise.
 *
 * 0.5-0.9: pkg/metrics/consts/conts.go's ContainerEnergyLabels {container_id, pod_name,
 * container_name, container_namespace, mode} plus metricfactory's constant label source, on
 * kepler_container_{package,core,uncore,dram,other,gpu,platform}_joules_total; modes dynamic
 * and idle (pkg/metrics/utils/utils.go), whose sum is the container's. pkg/cgroup/
 * resolve_container.go names processes outside containers container_id="system_processes"
 * (namespace "system") and, by cgroup id 1, "kernel_processes" ("kernel"); a container it
 * cannot find in kubelet's pod list keeps its hex id with the system_processes names
 * (issue #1349 shows both). No pod UID exists in this generation: pods are (namespace, name).
 *
 * Release 0.7.3 exported kepler_container_joules_total in mJ under its joules name (issue
 * #1228, fixed by PR #1230). This module reads the package and dram families, not that total,
 * and a scrape does not say which release wrote it: no unit correction is attempted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kepler_series.h"
#include "kepler_work.h"
#include "prom_text.h"
#include "u64map.h"

enum { Z_PACKAGE, Z_DRAM, Z_PSYS, Z_N };
enum { F_POD, F_CTR };

/* A container being summed, or a pod: its UID in k.id, its name and namespace in k.name, k.ns. */
struct ent {
	struct kwork_ctr k; /* k.id is the key */
	uint64_t uj[Z_N];
	unsigned int seen; /* (zone, state or mode) pairs met: a second one is a duplicate */
};

/* Entities by key, open addressing over indexes + 1. */
struct tab {
	struct ent *e;
	size_t n, cap;
	uint32_t *slot;
	size_t nslot; /* a power of two, above twice n */
};

struct ctx {
	int gen;
	bool has_pod, has_ctr, has_07; /* families with samples: 0.10's pod, container; 0.7's */
	bool psys[2];		       /* by family: a 0.10 psys series seen */
	struct tab t[2];
	char *msg;
	size_t mlen;
};

static int fail(struct ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->mlen) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->mlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static uint32_t *tab_slot(const struct tab *t, const char *id)
{
	size_t i = u64map_hash_str(id) & (t->nslot - 1);

	while (t->slot[i] && strcmp(t->e[t->slot[i] - 1].k.id, id))
		i = (i + 1) & (t->nslot - 1);
	return &t->slot[i];
}

static int tab_grow(struct tab *t)
{
	size_t ns = t->nslot ? t->nslot * 2 : 64;
	uint32_t *slot = calloc(ns, sizeof(*slot)), *old = t->slot;

	if (!slot)
		return -ENOMEM;
	t->slot = slot;
	t->nslot = ns;
	for (size_t i = 0; i < t->n; i++)
		*tab_slot(t, t->e[i].k.id) = i + 1;
	free(old);
	return 0;
}

/* The entity keyed id, added zeroed when new (*isnew); NULL on ENOMEM. */
static struct ent *tab_get(struct tab *t, const char *id, bool *isnew)
{
	uint32_t *slot;

	*isnew = false;
	if ((t->n + 1) * 2 > t->nslot && tab_grow(t))
		return NULL;
	slot = tab_slot(t, id);
	if (*slot)
		return &t->e[*slot - 1];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct ent *e = cap <= UINT32_MAX ? reallocarray(t->e, cap, sizeof(*e)) : NULL;

		if (!e)
			return NULL;
		t->e = e;
		t->cap = cap;
	}
	memset(&t->e[t->n], 0, sizeof(t->e[0]));
	snprintf(t->e[t->n].k.id, sizeof(t->e[0].k.id), "%s", id);
	*slot = ++t->n;
	*isnew = true;
	return &t->e[t->n - 1];
}

static void tab_free(struct tab *t)
{
	free(t->e);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/* A label's value into dst (room for max bytes), "" when absent; -EBADMSG when too long. */
static int copy_label(struct ctx *c, const struct prom_sample *s, const char *label, char *dst,
		      size_t max)
{
	const char *v = prom_label(s, label);

	if (v && strlen(v) > max)
		return fail(c, -EBADMSG, "line %u: %s longer than %zu bytes", s->line, label, max);
	snprintf(dst, max + 1, "%s", v ? v : "");
	return 0;
}

/* "containerd://<64 hex>" or "<64 hex>" to lower-case hex in out; false for anything else. */
static bool norm_id(const char *v, char *out)
{
	const char *sep = v ? strstr(v, "://") : NULL;
	size_t i;

	if (!v)
		return false;
	v = sep ? sep + 3 : v;
	for (i = 0; v[i] && i < KWORK_ID_LEN; i++) {
		if (!isxdigit((unsigned char)v[i]))
			return false;
		out[i] = tolower((unsigned char)v[i]);
	}
	out[i] = '\0';
	return i == KWORK_ID_LEN && !v[i];
}

/* Sample s's µJ into *uj, or -EBADMSG naming the line. */
static int sample_uj(struct ctx *c, const struct prom_sample *s, uint64_t *uj)
{
	if (kepler_to_uj(s->value, 1e6, uj))
		return fail(c, -EBADMSG, "line %u: %s value %g is not a count of joules", s->line,
			    s->name, s->value);
	return 0;
}

/* Adds one series to e: bit is its (zone, state) pair's, or negative to skip the check. */
static int ent_add(struct ctx *c, const struct prom_sample *s, struct ent *e, int z, int bit,
		   uint64_t uj)
{
	if (bit >= 0 && (e->seen & 1u << bit))
		return fail(c, -EBADMSG, "line %u: duplicate %s series for %s", s->line, s->name,
			    e->k.id);
	if (bit >= 0)
		e->seen |= 1u << bit;
	if (__builtin_add_overflow(e->uj[z], uj, &e->uj[z]))
		return fail(c, -EBADMSG, "line %u: energy sum overflows 64 bits", s->line);
	return 0;
}

static int zone_of(const char *z)
{
	if (!z)
		return -1;
	if (!strcmp(z, "package"))
		return Z_PACKAGE;
	if (!strcmp(z, "dram"))
		return Z_DRAM;
	return !strcmp(z, "psys") ? Z_PSYS : -1; /* core, uncore, pp0...: inside package */
}

/* New 0.10 entity's names: a pod's from its labels, a container's name and pod UID. */
static int fill_010(struct ctx *c, const struct prom_sample *s, int f, struct ent *e)
{
	if (f == F_POD)
		return copy_label(c, s, "pod_name", e->k.name, KWORK_NAME_LEN)
			       ?: copy_label(c, s, "pod_namespace", e->k.ns, KWORK_NAME_LEN);
	return copy_label(c, s, "container_name", e->k.name, KWORK_NAME_LEN)
		       ?: copy_label(c, s, "pod_id", e->k.pod_uid, KWORK_UID_LEN);
}

static int sample_010(struct ctx *c, const struct prom_sample *s)
{
	int f = !strcmp(s->name, "kepler_pod_cpu_joules_total")		? F_POD
		: !strcmp(s->name, "kepler_container_cpu_joules_total") ? F_CTR
									: -1;
	const char *st = prom_label(s, "state");
	char id[KWORK_ID_LEN + 1];
	int z, err, bit;
	struct ent *e;
	bool isnew;
	uint64_t uj;

	if (f < 0)
		return 0;
	if ((err = sample_uj(c, s, &uj)))
		return err;
	if (f == F_POD) {
		if ((err = copy_label(c, s, "pod_id", id, KWORK_UID_LEN)) || !*id)
			return err; /* no UID, no pod to join */
	} else if (!norm_id(prom_label(s, "container_id"), id)) {
		return 0;
	}
	z = zone_of(prom_label(s, "zone"));
	if (z == Z_PSYS)
		c->psys[f] = true;
	e = tab_get(&c->t[f], id, &isnew);
	if (!e)
		return fail(c, -ENOMEM, "out of memory");
	if (isnew && (err = fill_010(c, s, f, e)))
		return err;
	if (z < 0)
		return 0;
	/* running and terminated are checked for duplicates; other states are only summed */
	bit = !st ? -1 : !strcmp(st, "running") ? 0 : !strcmp(st, "terminated") ? 1 : -1;
	return ent_add(c, s, e, z, bit < 0 ? -1 : z * 2 + bit, uj);
}

/* A new 0.7 container's names; Kepler's stand-ins for "no pod known" become "". */
static int fill_07(struct ctx *c, const struct prom_sample *s, struct kwork_ctr *k)
{
	int err = copy_label(c, s, "container_name", k->name, KWORK_NAME_LEN) ?:
			  copy_label(c, s, "container_namespace", k->ns, KWORK_NAME_LEN) ?:
			  copy_label(c, s, "pod_name", k->pod, KWORK_NAME_LEN);

	if (!err && !strcmp(k->pod, "system_processes") && !strcmp(k->ns, "system"))
		k->name[0] = k->ns[0] = k->pod[0] = '\0';
	return err;
}

static int sample_07(struct ctx *c, const struct prom_sample *s)
{
	int z = !strcmp(s->name, "kepler_container_package_joules_total") ? Z_PACKAGE
		: !strcmp(s->name, "kepler_container_dram_joules_total")  ? Z_DRAM
									  : -1;
	const char *mode = prom_label(s, "mode");
	char id[KWORK_ID_LEN + 1];
	int m, err;
	struct ent *e;
	bool isnew;
	uint64_t uj;

	if (z < 0 || !mode)
		return 0;
	m = !strcmp(mode, "dynamic") ? 0 : !strcmp(mode, "idle") ? 1 : -1;
	if (m < 0)
		return 0;
	if ((err = sample_uj(c, s, &uj)))
		return err;
	/* system_processes, kernel_processes and 0.5's empty ids are no container to join */
	if (!norm_id(prom_label(s, "container_id"), id))
		return 0;
	e = tab_get(&c->t[F_CTR], id, &isnew);
	if (!e)
		return fail(c, -ENOMEM, "out of memory");
	if (isnew && (err = fill_07(c, s, &e->k)))
		return err;
	return ent_add(c, s, e, z, z * 2 + m, uj);
}

static int detect_cb(const struct prom_sample *s, void *ctx)
{
	struct ctx *c = ctx;

	c->has_pod |= !strcmp(s->name, "kepler_pod_cpu_joules_total");
	c->has_ctr |= !strcmp(s->name, "kepler_container_cpu_joules_total");
	c->has_07 |= !strcmp(s->name, "kepler_container_package_joules_total") ||
		     !strcmp(s->name, "kepler_container_dram_joules_total");
	return 0;
}

static int sample_cb(const struct prom_sample *s, void *ctx)
{
	struct ctx *c = ctx;

	/* Process and node families carry container_id and zone too: only these names count. */
	if (strncmp(s->name, "kepler_pod_", 11) && strncmp(s->name, "kepler_container_", 17))
		return 0;
	return c->gen == KWORK_GEN_010 ? sample_010(c, s) : sample_07(c, s);
}

/* An entity's µJ over the family's zones. */
static int ent_uj(struct ctx *c, const struct ent *e, bool psys, uint64_t *uj)
{
	*uj = psys ? e->uj[Z_PSYS] : e->uj[Z_PACKAGE];
	if (!psys && __builtin_add_overflow(*uj, e->uj[Z_DRAM], uj))
		return fail(c, -EBADMSG, "%s: energy sum overflows 64 bits", e->k.id);
	return 0;
}

static int cmp_pod(const void *a, const void *b)
{
	const struct kwork_pod *x = a, *y = b;

	return strcmp(x->uid, y->uid) ?: strcmp(x->ns, y->ns) ?: strcmp(x->name, y->name);
}

static int cmp_ctr(const void *a, const void *b)
{
	return strcmp(((const struct kwork_ctr *)a)->id, ((const struct kwork_ctr *)b)->id);
}

static int cmp_ctr_pod(const void *a, const void *b)
{
	const struct kwork_ctr *x = a, *y = b;

	return strcmp(x->ns, y->ns) ?: strcmp(x->pod, y->pod);
}

static int build_ctrs(struct ctx *c, struct kwork *w)
{
	const struct tab *t = &c->t[F_CTR];
	int err;

	w->ctrs = calloc(t->n ? t->n : 1, sizeof(*w->ctrs));
	if (!w->ctrs)
		return fail(c, -ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++, w->nctrs++) {
		w->ctrs[i] = t->e[i].k;
		if ((err = ent_uj(c, &t->e[i], c->psys[F_CTR], &w->ctrs[i].uj)))
			return err;
	}
	qsort(w->ctrs, w->nctrs, sizeof(*w->ctrs), cmp_ctr);
	return 0;
}

/* 0.10: the pod family's series, as they are; and their names for the containers. */
static int build_pods_010(struct ctx *c, struct kwork *w)
{
	const struct tab *t = &c->t[F_POD];
	int err;

	w->pods = calloc(t->n ? t->n : 1, sizeof(*w->pods));
	if (!w->pods)
		return fail(c, -ENOMEM, "out of memory");
	for (size_t i = 0; i < t->n; i++, w->npods++) {
		const struct ent *e = &t->e[i];
		struct kwork_pod *p = &w->pods[i];

		memcpy(p->uid, e->k.id, sizeof(p->uid)); /* 36 bytes at most, zero-padded */
		memcpy(p->ns, e->k.ns, sizeof(p->ns));
		memcpy(p->name, e->k.name, sizeof(p->name));
		if ((err = ent_uj(c, e, c->psys[F_POD], &p->uj)))
			return err;
	}
	qsort(w->pods, w->npods, sizeof(*w->pods), cmp_pod);
	for (size_t i = 0; i < w->nctrs; i++) {
		struct kwork_ctr *k = &w->ctrs[i];
		const struct kwork_pod *p = kwork_pod_by_uid(w, k->pod_uid);

		if (p) {
			memcpy(k->ns, p->ns, sizeof(k->ns));
			memcpy(k->pod, p->name, sizeof(k->pod));
		}
	}
	return 0;
}

/* 0.7: the containers summed by (namespace, pod name); those of no pod are in none. */
static int build_pods_07(struct ctx *c, struct kwork *w)
{
	struct kwork_ctr *tmp = calloc(w->nctrs ? w->nctrs : 1, sizeof(*tmp));
	size_t n = 0;
	int err = 0;

	w->pods = calloc(w->nctrs ? w->nctrs : 1, sizeof(*w->pods));
	if (!tmp || !w->pods) {
		free(tmp);
		return fail(c, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < w->nctrs; i++)
		if (w->ctrs[i].ns[0] && w->ctrs[i].pod[0])
			tmp[n++] = w->ctrs[i];
	qsort(tmp, n, sizeof(*tmp), cmp_ctr_pod);
	for (size_t i = 0; i < n && !err; i++) {
		struct kwork_pod *p;

		if (!i || cmp_ctr_pod(&tmp[i - 1], &tmp[i])) {
			p = &w->pods[w->npods++];
			memcpy(p->ns, tmp[i].ns, sizeof(p->ns));
			memcpy(p->name, tmp[i].pod, sizeof(p->name));
		}
		p = &w->pods[w->npods - 1];
		if (__builtin_add_overflow(p->uj, tmp[i].uj, &p->uj))
			err = fail(c, -EBADMSG, "pod %s/%s: energy sum overflows 64 bits", p->ns,
				   p->name);
	}
	free(tmp);
	return err;
}

static void set_zones(struct ctx *c, struct kwork *w)
{
	const char *zp = c->psys[F_POD] ? "psys" : "package+dram";
	const char *zc = c->psys[F_CTR] ? "psys" : "package+dram";

	/* a family absent from the scrape has no say */
	if (!c->has_pod || !c->has_ctr || !strcmp(zp, zc))
		snprintf(w->zones, sizeof(w->zones), "%s", c->has_ctr ? zc : zp);
	else
		snprintf(w->zones, sizeof(w->zones), "pod:%s container:%s", zp, zc);
}

int kwork_parse(const char *text, size_t len, struct kwork *out, char *msg, size_t mlen)
{
	struct ctx c = { .msg = msg, .mlen = mlen };
	int err;

	memset(out, 0, sizeof(*out));
	if (mlen)
		msg[0] = '\0';
	err = prom_parse(text, len, detect_cb, &c, msg, mlen);
	if (err)
		goto cleanup;
	/* both generations in one scrape: the newer one's labels say more (the pod UID) */
	c.gen = c.has_pod || c.has_ctr ? KWORK_GEN_010 : c.has_07 ? KWORK_GEN_07 : KWORK_GEN_NONE;
	if (c.gen == KWORK_GEN_NONE) {
		err = fail(
			&c, -ENOENT,
			"no per-pod or per-container Kepler family (kepler_pod_cpu_joules_total, "
			"kepler_container_cpu_joules_total, "
			"kepler_container_{package,dram}_joules_total)");
		goto cleanup;
	}
	err = prom_parse(text, len, sample_cb, &c, msg, mlen);
	if (err)
		goto cleanup;
	out->gen = c.gen;
	err = build_ctrs(&c, out);
	if (!err)
		err = c.gen == KWORK_GEN_010 ? build_pods_010(&c, out) : build_pods_07(&c, out);
	if (!err && c.gen == KWORK_GEN_010)
		set_zones(&c, out);
	else if (!err)
		snprintf(out->zones, sizeof(out->zones), "package+dram");
cleanup:
	if (err == -ENOMEM && mlen && !msg[0])
		snprintf(msg, mlen, "out of memory");
	tab_free(&c.t[F_POD]);
	tab_free(&c.t[F_CTR]);
	if (err)
		kwork_free(out);
	return err;
}

void kwork_free(struct kwork *w)
{
	if (!w)
		return;
	free(w->pods);
	free(w->ctrs);
	memset(w, 0, sizeof(*w));
}

static int cmp_uid_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kwork_pod *)elem)->uid);
}

static int cmp_id_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct kwork_ctr *)elem)->id);
}

const struct kwork_pod *kwork_pod_by_uid(const struct kwork *w, const char *uid)
{
	if (!w || !w->npods || !uid || !*uid)
		return NULL;
	return bsearch(uid, w->pods, w->npods, sizeof(*w->pods), cmp_uid_key);
}

const struct kwork_pod *kwork_pod_by_name(const struct kwork *w, const char *ns, const char *name)
{
	for (size_t i = 0; w && ns && name && i < w->npods; i++)
		if (!strcmp(w->pods[i].ns, ns) && !strcmp(w->pods[i].name, name))
			return &w->pods[i];
	return NULL;
}

const struct kwork_ctr *kwork_ctr_by_id(const struct kwork *w, const char *id)
{
	char key[KWORK_ID_LEN + 1];

	if (!w || !w->nctrs || !norm_id(id, key))
		return NULL;
	return bsearch(key, w->ctrs, w->nctrs, sizeof(*w->ctrs), cmp_id_key);
}
