// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* summary.c: a recording's totals per cgroup identity, and the table printed at its end. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "summary.h"
#include "u64map.h"

#define NAME_W	44
#define GROUP_W 12
#define KEY_MAX 512

/* One identity's totals; its strings are copies, the cgroup may be gone by the end. */
struct entry {
	uint64_t cgroup_id;
	uint64_t prev; /* the serial of this cgroup's entry before this one, 0 for none */
	uint64_t cpu_ns;
	uint64_t energy_uj;
	char *name, *ns, *pod, *container, *group, *detail;
};

struct summary {
	struct u64map *by_serial;
	struct u64map *cgroups; /* cgroup id -> the serial of its latest entry */
	uint64_t forgotten;	/* cgroups folded away: in the count still */
	struct summary_totals t;
};

/*
 * The entries of forgotten cgroups, summed by what the tables show of them, under serials no
 * identity has (the top bit set) and a cgroup id no cgroup has.
 */
#define FOLD_SERIAL (1ULL << 63)
#define FOLD_CGROUP (~3ULL)
#define FOLD_NAME   "<gone>"

struct summary *summary__new(void)
{
	struct summary *sm = calloc(1, sizeof(*sm));

	if (!sm)
		return NULL;
	sm->by_serial = u64map__new(sizeof(struct entry));
	sm->cgroups = u64map__new(sizeof(uint64_t));
	if (!sm->by_serial || !sm->cgroups) {
		summary__free(sm);
		return NULL;
	}
	return sm;
}

static void entry_release(struct entry *e)
{
	free(e->name);
	free(e->ns);
	free(e->pod);
	free(e->container);
	free(e->group);
	free(e->detail);
}

void summary__free(struct summary *sm)
{
	struct entry *e;
	size_t it = 0;
	uint64_t k;

	if (!sm)
		return;
	while (sm->by_serial && (e = u64map__next(sm->by_serial, &it, &k)))
		entry_release(e);
	u64map__free(sm->by_serial);
	u64map__free(sm->cgroups);
	free(sm);
}

static int entry_init(struct entry *e, uint64_t cgroup_id, const struct wp_ident *id)
{
	e->cgroup_id = cgroup_id;
	e->name = strdup(id->path);
	e->ns = strdup(id->ns);
	e->pod = strdup(id->pod);
	e->container = strdup(id->container);
	e->group = strdup(id->group);
	e->detail = strdup(id->detail);
	return e->name && e->ns && e->pod && e->container && e->group && e->detail ? 0 : -ENOMEM;
}

int summary__add(struct summary *sm, const struct probe_sample *s, uint64_t interval_ns,
		 const struct interval_res *res, const struct wp_ident *const *ids)
{
	sm->t.wall_ns += interval_ns;
	sm->t.intervals++;
	sm->t.idle_cpu_ns += s->idle.cpu_ns;
	sm->t.steal_ns += s->steal.cpu_ns;
	sm->t.cpu_ns += s->idle.cpu_ns + s->steal.cpu_ns;
	if (res->node_gap) {
		sm->t.gap_intervals++;
		sm->t.gap_ns += interval_ns;
	} else {
		sm->t.node_uj += res->node_total_uj;
		sm->t.idle_uj += res->node_uj[s->nrows];
	}
	for (size_t i = 0; i < s->nrows; i++) {
		struct entry *e = u64map__upsert(sm->by_serial, ids[i]->serial);
		uint64_t *last = e ? u64map__upsert(sm->cgroups, s->rows[i].cgroup_id) : NULL;

		if (!last)
			return -ENOMEM;
		/* A half-made entry stays: its strings are freed with the map, or completed now. */
		if (!e->group) {
			if (*last != ids[i]->serial)
				e->prev = *last;
			*last = ids[i]->serial;
			if (entry_init(e, s->rows[i].cgroup_id, ids[i]))
				return -ENOMEM;
		}
		e->cpu_ns += s->rows[i].s.cpu_ns;
		sm->t.cpu_ns += s->rows[i].s.cpu_ns;
		if (!res->node_gap)
			e->energy_uj += res->node_uj[i];
	}
	sm->t.cgroups = u64map__size(sm->cgroups) + sm->forgotten;
	return 0;
}

/* What a forgotten cgroup still shows in the tables; details only where they are printed. */
static bool same_fold(const struct entry *f, const struct entry *e, const char *detail)
{
	return !strcmp(f->group, e->group) && !strcmp(f->ns, e->ns) && !strcmp(f->pod, e->pod) &&
	       !strcmp(f->container, e->container) && !strcmp(f->detail, detail);
}

static int fold(struct summary *sm, const struct entry *e)
{
	const char *detail =
		!strcmp(e->group, "flux") || !strcmp(e->group, "k8s-system") ? e->detail : "";
	char key[1024];
	struct entry *f;
	uint64_t h;

	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s\x1f%s", e->group, e->ns, e->pod,
		 e->container, detail);
	for (h = u64map_hash_str(key) | FOLD_SERIAL;; h = (h + 1) | FOLD_SERIAL) {
		f = u64map__upsert(sm->by_serial, h);
		if (!f)
			return -ENOMEM;
		if (!f->group) {
			struct wp_ident id = { .path = FOLD_NAME,
					       .ns = e->ns,
					       .pod = e->pod,
					       .container = e->container,
					       .group = e->group,
					       .detail = detail };

			if (entry_init(f, FOLD_CGROUP, &id))
				return -ENOMEM;
			break;
		}
		if (same_fold(f, e, detail))
			break;
	}
	f->cpu_ns += e->cpu_ns;
	f->energy_uj += e->energy_uj;
	return 0;
}

int summary__forget(struct summary *sm, uint64_t cgroup_id)
{
	uint64_t *last = u64map__get(sm->cgroups, cgroup_id), serial;
	struct entry *e, copy;
	int err = 0;

	if (!last)
		return 0;
	for (serial = *last; serial && !err; serial = copy.prev) {
		e = u64map__get(sm->by_serial, serial);
		if (!e)
			break;
		/* A copy: folding inserts into the map, which moves its values. */
		copy = *e;
		u64map__del(sm->by_serial, serial);
		err = copy.group ? fold(sm, &copy) : 0;
		entry_release(&copy);
	}
	u64map__del(sm->cgroups, cgroup_id);
	sm->forgotten++;
	return err;
}

void summary__totals(const struct summary *sm, struct summary_totals *t)
{
	*t = sm->t;
}

int summary__cgroup(const struct summary *sm, uint64_t id, uint64_t *cpu_ns, uint64_t *uj)
{
	const struct entry *e;
	size_t it = 0;
	bool found = false;
	uint64_t k;

	*cpu_ns = *uj = 0;
	while ((e = u64map__next(sm->by_serial, &it, &k))) {
		if (e->cgroup_id != id)
			continue;
		*cpu_ns += e->cpu_ns;
		*uj += e->energy_uj;
		found = true;
	}
	return found ? 0 : -ENOENT;
}

int summary__group(const struct summary *sm, const char *group, uint64_t *cpu_ns, uint64_t *uj)
{
	const struct entry *e;
	size_t it = 0;
	bool found = false;
	uint64_t k;

	*cpu_ns = *uj = 0;
	if (strcmp(group, "idle") == 0) {
		*cpu_ns = sm->t.idle_cpu_ns;
		*uj = sm->t.idle_uj;
		return 0;
	}
	while ((e = u64map__next(sm->by_serial, &it, &k))) {
		if (strcmp(e->group, group))
			continue;
		*cpu_ns += e->cpu_ns;
		*uj += e->energy_uj;
		found = true;
	}
	return found ? 0 : -ENOENT;
}

const char *summary_by_name(enum summary_by by)
{
	static const char *const names[] = { "cgroup", "group", "pod", "container" };

	return by <= SUM_BY_CONTAINER ? names[by] : "";
}

int summary_by_parse(const char *s, enum summary_by *out)
{
	for (int b = SUM_BY_CGROUP; b <= SUM_BY_CONTAINER; b++) {
		if (strcmp(s, summary_by_name(b)) == 0) {
			*out = (enum summary_by)b;
			return 0;
		}
	}
	return -EINVAL;
}

/* One line of the table: entries that share a key, summed. */
struct line {
	char key[KEY_MAX];
	const struct entry *first;
	uint64_t cpu_ns, energy_uj;
};

/* What groups entries into lines. Not a pod's: "[group]" (node, host-other, unknown, ...). */
static void line_key(enum summary_by by, const struct entry *e, char *key)
{
	switch (by) {
	case SUM_BY_GROUP:
		snprintf(key, KEY_MAX, "%s", e->group);
		return;
	case SUM_BY_POD:
	case SUM_BY_CONTAINER:
		if (!e->pod[0])
			snprintf(key, KEY_MAX, "[%s]", e->group);
		else if (by == SUM_BY_CONTAINER && e->container[0])
			snprintf(key, KEY_MAX, "%s/%s/%s", e->ns, e->pod, e->container);
		else
			snprintf(key, KEY_MAX, "%s/%s", e->ns, e->pod);
		return;
	default:
		/* Sorts as the id: one line per cgroup, even if two had the same path. */
		snprintf(key, KEY_MAX, "%020llu", (unsigned long long)e->cgroup_id);
	}
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->key, ((const struct line *)b)->key);
}

static int cmp_energy(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->energy_uj != y->energy_uj)
		return x->energy_uj > y->energy_uj ? -1 : 1;
	if (x->cpu_ns != y->cpu_ns)
		return x->cpu_ns > y->cpu_ns ? -1 : 1;
	return strcmp(x->key, y->key);
}

/*
 * The lines of the table, by energy: entries of group only (NULL: all), keyed by 'by', or by
 * their detail when details is set. *n gets the count. NULL on ENOMEM.
 */
static struct line *lines(const struct summary *sm, enum summary_by by, const char *group,
			  bool details, size_t *n)
{
	size_t cap = u64map__size(sm->by_serial), it = 0, k = 0, m = 0;
	const struct entry *e;
	struct line *v;
	uint64_t key;

	v = calloc(cap ? cap : 1, sizeof(*v));
	if (!v)
		return NULL;
	while ((e = u64map__next(sm->by_serial, &it, &key))) {
		if (group && strcmp(e->group, group))
			continue;
		if (details)
			snprintf(v[k].key, KEY_MAX, "%s", e->detail[0] ? e->detail : "(other)");
		else
			line_key(by, e, v[k].key);
		v[k].first = e;
		v[k].cpu_ns = e->cpu_ns;
		v[k].energy_uj = e->energy_uj;
		k++;
	}
	qsort(v, k, sizeof(*v), cmp_key);
	for (size_t i = 0; i < k; i++) {
		if (m && strcmp(v[m - 1].key, v[i].key) == 0) {
			v[m - 1].cpu_ns += v[i].cpu_ns;
			v[m - 1].energy_uj += v[i].energy_uj;
			/* A pod's line shows its pod's group, not that of a part not known yet. */
			if (!strcmp(v[m - 1].first->group, "unknown"))
				v[m - 1].first = v[i].first;
			continue;
		}
		v[m++] = v[i];
	}
	qsort(v, m, sizeof(*v), cmp_energy);
	*n = m;
	return v;
}

struct table {
	FILE *f;
	enum summary_by by;
	double wall_s;
	uint64_t node_uj;
};

/* Long paths keep their informative end: ".../kubepods-pod1234.slice/cri-containerd-ab.scope". */
static void print_row(const struct table *tb, const char *raw, const char *group, uint64_t cpu_ns,
		      uint64_t uj)
{
	size_t n = strlen(raw), head = (NAME_W - 3) / 2;
	char name[4096 + 1]; /* a cgroup path (PATH_MAX) or a key */

	/* One line per row: a newline or a control character in a name is shown as '?'. */
	n = n < sizeof(name) - 1 ? n : sizeof(name) - 1;
	for (size_t i = 0; i < n; i++)
		name[i] = (unsigned char)raw[i] < 0x20 || raw[i] == 0x7f ? '?' : raw[i];
	name[n] = '\0';

	/* "namespace/pod/container" is told apart by both ends: cut in the middle. */
	if (n > NAME_W && (tb->by == SUM_BY_POD || tb->by == SUM_BY_CONTAINER))
		fprintf(tb->f, "%.*s...%s", (int)head, name, name + n - (NAME_W - 3 - head));
	else if (n > NAME_W)
		fprintf(tb->f, "...%-*s", NAME_W - 3, name + n - (NAME_W - 3));
	else
		fprintf(tb->f, "%-*s", NAME_W, name);
	if (tb->by == SUM_BY_POD || tb->by == SUM_BY_CONTAINER)
		fprintf(tb->f, " %-*s", GROUP_W, group);
	fprintf(tb->f, " %10.3f %11.3f %9.3f %6.1f%%\n", cpu_ns / 1e9, uj / 1e6,
		tb->wall_s > 0 ? uj / 1e6 / tb->wall_s : 0.0,
		tb->node_uj ? 100.0 * uj / tb->node_uj : 0.0);
}

static const char *line_name(enum summary_by by, const struct line *l)
{
	return by == SUM_BY_CGROUP ? l->first->name : l->key;
}

/* Flux's controllers and the Kubernetes components: the part of the answer people look for. */
static bool has_details(const char *group)
{
	return strcmp(group, "flux") == 0 || strcmp(group, "k8s-system") == 0;
}

static int print_details(const struct summary *sm, const struct table *tb, const char *group,
			 unsigned int top)
{
	uint64_t rest_cpu = 0, rest_uj = 0;
	struct line *d;
	size_t n;
	char name[KEY_MAX + 2];

	d = lines(sm, SUM_BY_GROUP, group, true, &n);
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i >= top) {
			rest_cpu += d[i].cpu_ns;
			rest_uj += d[i].energy_uj;
			continue;
		}
		snprintf(name, sizeof(name), "  %s", d[i].key);
		print_row(tb, name, group, d[i].cpu_ns, d[i].energy_uj);
	}
	if (n > top) {
		snprintf(name, sizeof(name), "  (%zu more)", n - top);
		print_row(tb, name, group, rest_cpu, rest_uj);
	}
	free(d);
	return 0;
}

static const char *const heading[] = { "CGROUP", "GROUP", "POD", "CONTAINER" };

int summary__print(const struct summary *sm, FILE *f, enum summary_by by, unsigned int top)
{
	/* Watts over the time energy was known: a gap's time has no joules in the table. */
	struct table tb = { f, by, (sm->t.wall_ns - sm->t.gap_ns) / 1e9, sm->t.node_uj };
	uint64_t rest_cpu = 0, rest_uj = 0;
	bool pseudo_names = by == SUM_BY_CGROUP;
	struct line *v;
	size_t n;
	int err = 0;

	v = lines(sm, by, NULL, false, &n);
	if (!v)
		return -ENOMEM;
	fprintf(f, "%-*s", NAME_W, heading[by]);
	if (by == SUM_BY_POD || by == SUM_BY_CONTAINER)
		fprintf(f, " %-*s", GROUP_W, "GROUP");
	fprintf(f, " %10s %11s %9s %7s\n", "CPU s", "ENERGY J", "AVG W", "SHARE");
	for (size_t i = 0; i < n && !err; i++) {
		if (i >= top) {
			rest_cpu += v[i].cpu_ns;
			rest_uj += v[i].energy_uj;
			continue;
		}
		print_row(&tb, line_name(by, &v[i]), v[i].first->group, v[i].cpu_ns,
			  v[i].energy_uj);
		if (by == SUM_BY_GROUP && has_details(v[i].key))
			err = print_details(sm, &tb, v[i].key, top);
	}
	if (n > top) {
		char label[64];

		snprintf(label, sizeof(label), "(%zu more %ss)", n - top, summary_by_name(by));
		print_row(&tb, label, "", rest_cpu, rest_uj);
	}
	/* Only once it shows in the table's millisecond resolution; the CSV has every ns. */
	if (sm->t.steal_ns >= 500000)
		print_row(&tb, pseudo_names ? "<steal>" : IDENT_GROUP_STEAL, IDENT_GROUP_STEAL,
			  sm->t.steal_ns, 0);
	print_row(&tb, pseudo_names ? "<idle>" : "idle", "idle", sm->t.idle_cpu_ns, sm->t.idle_uj);
	print_row(&tb, "total", "", sm->t.cpu_ns, sm->t.node_uj);
	free(v);
	return err;
}

int summary__each(const struct summary *sm, enum summary_by by, const char *group,
		  summary_each_fn *fn, void *ctx)
{
	struct line *v;
	size_t n;

	v = lines(sm, group ? SUM_BY_GROUP : by, group, group != NULL, &n);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		fn(ctx, group ? v[i].key : line_name(by, &v[i]), v[i].first->group, v[i].cpu_ns,
		   v[i].energy_uj);
	free(v);
	return 0;
}
