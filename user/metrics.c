// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* metrics.c: the exporter's cumulative counters per group, pod, container and cgroup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "expo.h"
#include "groups.h"
#include "metrics_int.h"

#define SEP '\x1f' /* joins label values into a key: no label value holds it */

const char *const metrics_level_names[ML__MAX] = { "group", "pod", "container", "cgroup" };

double metrics_watts(uint64_t uj, uint64_t ns)
{
	return ns ? (double)uj * 1e3 / (double)ns : __builtin_nan("");
}

static void series_free(struct series *se)
{
	if (!se)
		return;
	free(se->key);
	free(se->labels);
	free(se->klabels);
	free(se->path);
	free(se->uj);
	free(se->win_uj);
	free(se);
}

static const enum metrics_level by_level[] = {
	[SUM_BY_CGROUP] = ML_CGROUP,
	[SUM_BY_GROUP] = ML_GROUP,
	[SUM_BY_POD] = ML_POD,
	[SUM_BY_CONTAINER] = ML_CONTAINER,
};

/* Shown: group always, then the finer families up to --metrics-by (by cgroup: all of them). */
bool metrics_level_shown(const struct metrics_cfg *cfg, enum metrics_level l)
{
	return l <= by_level[cfg->by];
}

/* Kept: those shown, and pods and containers for Kepler's families. */
static bool level_on(const struct metrics_cfg *cfg, enum metrics_level l)
{
	if (l == ML_GROUP)
		return true;
	if (cfg->kepler_compat && (l == ML_POD || l == ML_CONTAINER))
		return true;
	return metrics_level_shown(cfg, l);
}

struct metrics *metrics__new(const struct metrics_cfg *cfg)
{
	struct metrics *m = calloc(1, sizeof(*m));
	size_t nz = cfg->nzones;

	if (!m)
		return NULL;
	m->cfg = *cfg;
	m->node_uj = calloc(nz + 1, sizeof(uint64_t));
	m->idle_uj = calloc(nz + 1, sizeof(uint64_t));
	m->win_node_uj = calloc(nz + 1, sizeof(uint64_t));
	m->win_idle_uj = calloc(nz + 1, sizeof(uint64_t));
	m->win_valid_ns = calloc(nz + 1, sizeof(uint64_t));
	m->zone_extra = calloc(nz + 1, sizeof(char *));
	if (!m->node_uj || !m->idle_uj || !m->win_node_uj || !m->win_idle_uj || !m->win_valid_ns ||
	    !m->zone_extra)
		goto fail;
	for (size_t z = 0; z < nz; z++) {
		struct strbuf sb = {};
		bool first = true;

		expo_label(&sb, &first, "zone", cfg->zone_labels[z]);
		expo_label(&sb, &first, "part_of_node", cfg->zone_node[z] ? "true" : "false");
		if (sb.err)
			goto fail;
		m->zone_extra[z] = sb.buf;
	}
	for (int l = 0; l < ML__MAX; l++) {
		struct family *f = &m->fam[l];

		f->on = level_on(cfg, l);
		f->by_hash = u64map__new(sizeof(size_t));
		f->by_serial = u64map__new(sizeof(size_t));
		if (!f->by_hash || !f->by_serial)
			goto fail;
	}
	return m;
fail:
	metrics__free(m);
	return NULL;
}

void metrics__free(struct metrics *m)
{
	if (!m)
		return;
	for (int l = 0; l < ML__MAX; l++) {
		for (size_t i = 0; i < m->fam[l].n; i++)
			series_free(m->fam[l].v[i]);
		free(m->fam[l].v);
		u64map__free(m->fam[l].by_hash);
		u64map__free(m->fam[l].by_serial);
	}
	for (size_t z = 0; m->zone_extra && z < m->cfg.nzones; z++)
		free(m->zone_extra[z]);
	free(m->zone_extra);
	free(m->node_uj);
	free(m->idle_uj);
	free(m->win_node_uj);
	free(m->win_idle_uj);
	free(m->win_valid_ns);
	free(m);
}

/* Flux's controllers and the Kubernetes components each get a series of their own. */
static const char *component(const struct wp_ident *id)
{
	if (!strcmp(id->group, group_name(GROUP_FLUX)) ||
	    !strcmp(id->group, group_name(GROUP_K8S_SYSTEM)))
		return id->detail;
	return "";
}

struct lbl {
	const char *name, *value;
};

/* The label names and values of id's series at level l; 0 when id has none there. */
static size_t level_labels(enum metrics_level l, const struct wp_ident *id, struct lbl *v)
{
	size_t n = 0;

	if (l == ML_CGROUP)
		v[n++] = (struct lbl){ "cgroup", id->path };
	if (l == ML_POD || l == ML_CONTAINER || l == ML_CGROUP) {
		v[n++] = (struct lbl){ "namespace", id->ns };
		v[n++] = (struct lbl){ "pod", id->pod };
	}
	if (l == ML_POD || l == ML_CONTAINER)
		v[n++] = (struct lbl){ "pod_uid", id->pod_uid };
	if (l == ML_CONTAINER || l == ML_CGROUP)
		v[n++] = (struct lbl){ "container", id->container };
	if (l == ML_CONTAINER)
		v[n++] = (struct lbl){ "container_id", id->container_id };
	v[n++] = (struct lbl){ "group", id->group };
	if (l == ML_GROUP)
		v[n++] = (struct lbl){ "component", component(id) };
	return n;
}

/* Kepler's labels of a pod or a container (state and zone come at rendering). */
static char *kepler_labels(enum metrics_level l, const struct wp_ident *id, const char *node)
{
	struct strbuf sb = {};
	bool first = true;

	if (l == ML_CONTAINER) {
		expo_label(&sb, &first, "container_id", id->container_id);
		expo_label(&sb, &first, "container_name", id->container);
	}
	if (node[0])
		expo_label(&sb, &first, "node_name", node);
	expo_label(&sb, &first, "pod_id", id->pod_uid);
	expo_label(&sb, &first, "pod_name", id->pod);
	expo_label(&sb, &first, "pod_namespace", id->ns);
	if (l == ML_CONTAINER)
		expo_label(&sb, &first, "runtime", id->runtime);
	if (sb.err) {
		strbuf_free(&sb);
		return NULL;
	}
	return sb.buf ? sb.buf : strdup("");
}

static int make_key(enum metrics_level l, const struct wp_ident *id, struct strbuf *key,
		    struct strbuf *labels)
{
	struct lbl v[8];
	size_t n = level_labels(l, id, v);
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_add(key, (char[]){ SEP }, 1);
		/* As printed: two names that differ only in invalid UTF-8 are one series. */
		expo_utf8(key, v[i].value);
		expo_label(labels, &first, v[i].name, v[i].value);
	}
	strbuf_add(key, "", 0);
	return key->err ?: labels->err;
}

static struct series **find_slot(struct family *f, const char *key, uint64_t *hash_out)
{
	uint64_t h = u64map_hash_str(key);
	size_t *ix;

	/* Linear probing over the hash space: the map never deletes (a fold rebuilds it). */
	while ((ix = u64map__get(f->by_hash, h)) && strcmp(f->v[*ix - 1]->key, key))
		h++;
	*hash_out = h;
	return ix ? &f->v[*ix - 1] : NULL;
}

static int add_series(struct metrics *m, struct family *f, enum metrics_level l,
		      const struct wp_ident *id, struct strbuf *key, struct strbuf *labels,
		      uint64_t h, size_t *ix)
{
	struct series *se = calloc(1, sizeof(*se));
	size_t *slot;

	if (!se)
		return -ENOMEM;
	se->key = key->buf;
	se->labels = labels->buf ? labels->buf : strdup("");
	*key = (struct strbuf){};
	*labels = (struct strbuf){};
	se->path = strdup(id->path);
	se->uj = calloc(m->cfg.nzones + 1, sizeof(uint64_t));
	se->win_uj = calloc(m->cfg.nzones + 1, sizeof(uint64_t));
	if (m->cfg.kepler_compat && (l == ML_POD || l == ML_CONTAINER))
		se->klabels = kepler_labels(l, id, m->cfg.node_name);
	if (!se->labels || !se->path || !se->uj || !se->win_uj ||
	    (m->cfg.kepler_compat && (l == ML_POD || l == ML_CONTAINER) && !se->klabels))
		goto fail;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		struct series **v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			goto fail;
		f->v = v;
		f->cap = cap;
	}
	slot = u64map__upsert(f->by_hash, h);
	if (!slot)
		goto fail;
	f->v[f->n++] = se;
	*slot = f->n;
	*ix = f->n - 1;
	return 0;
fail:
	series_free(se);
	return -ENOMEM;
}

/* id's series at level l, made on first sight; *out NULL where id has none (a host cgroup has
 * no pod). 0 or -ENOMEM. */
static int series_of(struct metrics *m, enum metrics_level l, const struct wp_ident *id,
		     struct series **out)
{
	struct family *f = &m->fam[l];
	struct strbuf key = {}, labels = {};
	struct series **found;
	size_t *cached, ix;
	uint64_t h;
	int err;

	*out = NULL;
	if ((l == ML_POD || l == ML_CONTAINER) && !id->pod_uid[0] && !id->pod[0])
		return 0;
	if (l == ML_CGROUP && id->path[0] == '<' && strcmp(id->path, "<idle>") != 0)
		return 0;
	/* The fast path, every interval for every row: an identity's series, path included, is
	 * fixed (a serial's path never changes). */
	cached = u64map__get(f->by_serial, id->serial);
	if (cached) {
		*out = f->v[*cached - 1];
		return 0;
	}
	err = make_key(l, id, &key, &labels);
	if (err)
		goto out;
	found = find_slot(f, key.buf, &h);
	if (found) {
		/* Another identity of the same series (a cgroup made again): its cgroup is the one
		 * whose removal says the series has terminated. */
		ix = found - f->v;
		if (strcmp(f->v[ix]->path, id->path)) {
			char *p = strdup(id->path);

			err = p ? 0 : -ENOMEM;
			if (err)
				goto out;
			free(f->v[ix]->path);
			f->v[ix]->path = p;
		}
	} else {
		err = add_series(m, f, l, id, &key, &labels, h, &ix);
		if (err)
			goto out;
	}
	cached = u64map__upsert(f->by_serial, id->serial);
	if (!cached) {
		err = -ENOMEM;
		goto out;
	}
	*cached = ix + 1;
	*out = f->v[ix];
out:
	strbuf_free(&key);
	strbuf_free(&labels);
	return err;
}

static void charge(struct metrics *m, struct series *se, const struct sampler_tick *t, size_t row,
		   const struct wp_cg_stats *st)
{
	size_t nz = m->cfg.nzones;

	se->cpu_ns += st->cpu_ns;
	se->wakeups += st->wakeups;
	se->last_seen_ns = t->s->ts_ns;
	se->terminated = false;
	for (size_t z = 0; z < nz; z++) {
		uint64_t uj;

		if (t->zd[z].gap)
			continue;
		uj = t->res->zone_uj[row * nz + z];
		se->uj[z] += uj;
		se->win_uj[z] += uj;
		if (m->cfg.zone_node[z])
			se->node_uj += uj;
	}
}

static int add_row(struct metrics *m, const struct sampler_tick *t, size_t row,
		   const struct wp_ident *id, const struct wp_cg_stats *st, bool energy)
{
	for (int l = 0; l < ML__MAX; l++) {
		struct series *se;
		int err;

		if (!m->fam[l].on)
			continue;
		err = series_of(m, l, id, &se);
		if (err)
			return err;
		if (!se)
			continue;
		if (energy) {
			charge(m, se, t, row, st);
		} else { /* steal: CPU time that is nobody's, with no energy */
			se->cpu_ns += st->cpu_ns;
			se->last_seen_ns = t->s->ts_ns;
		}
	}
	return 0;
}

int metrics__add(struct metrics *m, const struct sampler_tick *t)
{
	const struct probe_sample *s = t->s;
	size_t nz = m->cfg.nzones;
	int err = 0;

	m->intervals++;
	m->gap_intervals += t->res->node_gap;
	m->win_ns += t->interval_ns;
	m->win_busy_ns += t->busy_ns;
	m->win_cpu_ns += t->window_ns;
	for (size_t z = 0; z < nz; z++) {
		if (t->zd[z].gap)
			continue;
		m->node_uj[z] += t->zd[z].energy_uj;
		m->win_node_uj[z] += t->zd[z].energy_uj;
		m->idle_uj[z] += t->res->zone_uj[s->nrows * nz + z];
		m->win_idle_uj[z] += t->res->zone_uj[s->nrows * nz + z];
		m->win_valid_ns[z] += t->interval_ns;
	}
	for (size_t i = 0; !err && i < s->nrows; i++)
		err = add_row(m, t, i, t->ids[i], &s->rows[i].s, true);
	err = err ?: add_row(m, t, s->nrows, t->ids[s->nrows], &s->idle, true);
	if (!err && s->steal.cpu_ns)
		err = add_row(m, t, 0, t->ids[s->nrows + 1], &s->steal, false);
	return err;
}

/* Rebuild a family's maps after series left it: the serial cache is simply refilled. */
static int reindex(struct family *f)
{
	u64map__free(f->by_hash);
	u64map__free(f->by_serial);
	f->by_hash = u64map__new(sizeof(size_t));
	f->by_serial = u64map__new(sizeof(size_t));
	if (!f->by_hash || !f->by_serial)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++) {
		uint64_t h;
		size_t *slot;

		find_slot(f, f->v[i]->key, &h);
		slot = u64map__upsert(f->by_hash, h);
		if (!slot)
			return -ENOMEM;
		*slot = i + 1;
	}
	return 0;
}

static int by_energy_desc(const void *a, const void *b)
{
	const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;

	return x->node_uj < y->node_uj ? 1 : x->node_uj > y->node_uj ? -1 : strcmp(x->key, y->key);
}

static size_t fold_family(struct metrics *m, struct family *f, uint64_t now_ns,
			  bool (*alive)(void *ctx, const char *path), void *ctx)
{
	size_t kept = 0, nterm = 0, folded = 0;

	for (size_t i = 0; i < f->n; i++) {
		struct series *se = f->v[i];

		if (!se->terminated && now_ns - se->last_seen_ns >= m->cfg.fold_quiet_ns &&
		    !alive(ctx, se->path))
			se->terminated = true;
	}
	/* The largest terminated series are kept, up to max_terminated. */
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(*f->v), by_energy_desc);
	for (size_t i = 0; i < f->n; i++) {
		struct series *se = f->v[i];

		if (se->terminated &&
		    (se->node_uj < m->cfg.fold_below_uj || nterm >= m->cfg.max_terminated)) {
			series_free(se);
			folded++;
			continue;
		}
		nterm += se->terminated;
		f->v[kept++] = se;
	}
	f->n = kept;
	f->folded += folded;
	return folded;
}

size_t metrics__fold(struct metrics *m, uint64_t now_ns, bool (*alive)(void *ctx, const char *path),
		     void *ctx)
{
	size_t folded = 0;

	for (int l = ML_POD; l < ML__MAX; l++) {
		struct family *f = &m->fam[l];

		if (!f->on)
			continue;
		folded += fold_family(m, f, now_ns, alive, ctx);
		/* Sorted anew either way: the maps follow the order. */
		if (reindex(f))
			return folded; /* the next lookups miss and make new series: no crash */
	}
	return folded;
}

int metrics__lookup(const struct metrics *m, enum metrics_level lvl, const char *key, size_t zone,
		    uint64_t *uj, uint64_t *cpu_ns)
{
	const struct family *f = &m->fam[lvl];
	char *k = strdup(key);
	int err = -ENOENT;

	if (!k)
		return -ENOMEM;
	for (char *p = k; *p; p++)
		if (*p == '|')
			*p = SEP;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->v[i]->key, k))
			continue;
		*uj = zone < m->cfg.nzones ? f->v[i]->uj[zone] : f->v[i]->node_uj;
		*cpu_ns = f->v[i]->cpu_ns;
		err = 0;
		break;
	}
	free(k);
	return err;
}

size_t metrics__count(const struct metrics *m, enum metrics_level lvl)
{
	return m->fam[lvl].n;
}
