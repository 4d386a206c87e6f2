// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* summary.c: a recording's totals per cgroup, and the table printed at its end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "summary.h"
#include "u64map.h"

#define NAME_W 44

struct cg_total {
	uint64_t cpu_ns;
	uint64_t energy_uj;
	char *name; /* as first seen: the cgroup may be gone by the end */
};

struct summary {
	struct u64map *cg;
	struct summary_totals t;
};

struct summary *summary__new(void)
{
	struct summary *sm = calloc(1, sizeof(*sm));

	if (!sm)
		return NULL;
	sm->cg = u64map__new(sizeof(struct cg_total));
	if (!sm->cg) {
		free(sm);
		return NULL;
	}
	return sm;
}

void summary__free(struct summary *sm)
{
	struct cg_total *v;
	size_t it = 0;
	uint64_t k;

	if (!sm)
		return;
	while ((v = u64map__next(sm->cg, &it, &k)))
		free(v->name);
	u64map__free(sm->cg);
	free(sm);
}

int summary__add(struct summary *sm, const struct probe_sample *s, uint64_t interval_ns,
		 const struct interval_res *res, const char *const *names)
{
	sm->t.wall_ns += interval_ns;
	sm->t.intervals++;
	sm->t.idle_cpu_ns += s->idle.cpu_ns;
	sm->t.steal_ns += s->steal.cpu_ns;
	sm->t.cpu_ns += s->idle.cpu_ns + s->steal.cpu_ns;
	if (res->node_gap)
		sm->t.gap_intervals++;
	else {
		sm->t.node_uj += res->node_total_uj;
		sm->t.idle_uj += res->node_uj[s->nrows];
	}
	for (size_t i = 0; i < s->nrows; i++) {
		struct cg_total *c = u64map__upsert(sm->cg, s->rows[i].cgroup_id);

		if (!c)
			return -ENOMEM;
		if (!c->name) {
			c->name = strdup(names[i]);
			if (!c->name)
				return -ENOMEM;
		}
		c->cpu_ns += s->rows[i].s.cpu_ns;
		sm->t.cpu_ns += s->rows[i].s.cpu_ns;
		if (!res->node_gap)
			c->energy_uj += res->node_uj[i];
	}
	sm->t.cgroups = u64map__size(sm->cg);
	return 0;
}

void summary__totals(const struct summary *sm, struct summary_totals *t)
{
	*t = sm->t;
}

int summary__cgroup(const struct summary *sm, uint64_t id, uint64_t *cpu_ns, uint64_t *uj)
{
	const struct cg_total *c = u64map__get(sm->cg, id);

	if (!c)
		return -ENOENT;
	*cpu_ns = c->cpu_ns;
	*uj = c->energy_uj;
	return 0;
}

static int cmp_energy(const void *a, const void *b)
{
	const struct cg_total *x = *(const struct cg_total *const *)a;
	const struct cg_total *y = *(const struct cg_total *const *)b;

	if (x->energy_uj != y->energy_uj)
		return x->energy_uj > y->energy_uj ? -1 : 1;
	if (x->cpu_ns != y->cpu_ns)
		return x->cpu_ns > y->cpu_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Long paths keep their informative end: ".../kubepods-pod1234.slice/cri-containerd-ab.scope". */
static void print_row(FILE *f, const char *name, uint64_t cpu_ns, uint64_t uj, double wall_s,
		      uint64_t node_uj)
{
	size_t n = strlen(name);

	if (n > NAME_W)
		fprintf(f, "...%-*s", NAME_W - 3, name + n - (NAME_W - 3));
	else
		fprintf(f, "%-*s", NAME_W, name);
	fprintf(f, " %10.3f %11.3f %9.3f %6.1f%%\n", cpu_ns / 1e9, uj / 1e6,
		wall_s > 0 ? uj / 1e6 / wall_s : 0.0, node_uj ? 100.0 * uj / node_uj : 0.0);
}

int summary__print(const struct summary *sm, FILE *f, unsigned int top)
{
	size_t n = u64map__size(sm->cg), it = 0, k = 0;
	double wall_s = sm->t.wall_ns / 1e9;
	uint64_t rest_cpu = 0, rest_uj = 0, key;
	struct cg_total **v, *c;

	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while ((c = u64map__next(sm->cg, &it, &key)))
		v[k++] = c;
	qsort(v, n, sizeof(*v), cmp_energy);
	fprintf(f, "%-*s %10s %11s %9s %7s\n", NAME_W, "CGROUP", "CPU s", "ENERGY J", "AVG W",
		"SHARE");
	for (size_t i = 0; i < n; i++) {
		if (i < top) {
			print_row(f, v[i]->name, v[i]->cpu_ns, v[i]->energy_uj, wall_s,
				  sm->t.node_uj);
			continue;
		}
		rest_cpu += v[i]->cpu_ns;
		rest_uj += v[i]->energy_uj;
	}
	if (n > top) {
		char label[64];

		snprintf(label, sizeof(label), "(%zu more cgroups)", n - top);
		print_row(f, label, rest_cpu, rest_uj, wall_s, sm->t.node_uj);
	}
	/* Only once it shows in the table's millisecond resolution; the CSV has every ns. */
	if (sm->t.steal_ns >= 500000)
		print_row(f, "<steal>", sm->t.steal_ns, 0, wall_s, sm->t.node_uj);
	print_row(f, "<idle>", sm->t.idle_cpu_ns, sm->t.idle_uj, wall_s, sm->t.node_uj);
	print_row(f, "node", sm->t.cpu_ns, sm->t.node_uj, wall_s, sm->t.node_uj);
	free(v);
	return 0;
}
