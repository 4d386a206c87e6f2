// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* vm_share.c: each VM's share of the host's energy, by the cgroups of its threads. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "u64map.h"
#include "vm_share.h"

#define CLASS_FLUSH_NS	 5000000000ULL /* the cgroup id cache is dropped every 5 s */
#define MACHINE_NAME_MAX 64	       /* libvirt cuts machine names here (HOST_NAME_MAX) */
#define GONE_NS		 5000000000ULL /* a VM with no row for this long may have stopped */

struct vm_rule {
	char name[VM_NAME_MAX];
	char *cgroup; /* "/a/b": it and what is below it */
	size_t len;
};

/* A cgroup id's class: dom + 1 (0: not a VM's), and the part. */
struct vm_class {
	int32_t dom1;
	int32_t part;
};

struct vm_share {
	size_t nzones;
	const bool *zone_node;
	struct vm_dom *doms;
	size_t n, cap;
	struct vm_rule *rules;
	size_t nrules;
	struct u64map *cls;
	uint64_t cls_since_ns;
	uint64_t now_ns; /* the interval being added */
	bool (*exists)(void *ctx, const char *cgroup);
	void *exists_ctx;
};

/* Forget which cgroup id is which VM's: classes are cheap to make again. */
static int forget_classes(struct vm_share *vs)
{
	u64map__free(vs->cls);
	vs->cls = u64map__new(sizeof(struct vm_class));
	return vs->cls ? 0 : -ENOMEM;
}

struct vm_share *vm_share__new(size_t nzones, const bool *zone_node)
{
	struct vm_share *vs = calloc(1, sizeof(*vs));

	if (!vs)
		return NULL;
	vs->nzones = nzones;
	vs->zone_node = zone_node;
	vs->cls = u64map__new(sizeof(struct vm_class));
	if (!vs->cls) {
		free(vs);
		return NULL;
	}
	return vs;
}

static void dom_release(struct vm_dom *d)
{
	free(d->part_uj);
	free(d->zone_uj);
	free(d->feed_uj);
	free(d->feed_gap);
	free(d->path);
}

void vm_share__free(struct vm_share *vs)
{
	if (!vs)
		return;
	for (size_t i = 0; i < vs->n; i++)
		dom_release(&vs->doms[i]);
	for (size_t i = 0; i < vs->nrules; i++)
		free(vs->rules[i].cgroup);
	free(vs->doms);
	free(vs->rules);
	u64map__free(vs->cls);
	free(vs);
}

static int dom_find(const struct vm_share *vs, const char *name);

/*
 * A VM's name is its feed's directory: '/' and control characters become '_', and "." or ".."
 * (or nothing) get a '_' in front, so that no name leads outside --feed-dir.
 */
static void safe_name(const char *name, char *out, size_t len)
{
	size_t n = 0;

	if (!strcmp(name, ".") || !strcmp(name, "..") || !name[0])
		out[n++] = '_';
	for (const char *c = name; *c && n + 1 < len; c++)
		out[n++] = (*c == '/' || (unsigned char)*c < 0x20 || *c == 0x7f) ? '_' : *c;
	out[n] = '\0';
}

/* name made safe, then unique among the VMs other than self (-1: all): "vm1", "vm1~2". */
static void unique_name(const struct vm_share *vs, int self, const char *name, char *out,
			size_t len)
{
	char safe[VM_NAME_MAX];
	int k = 2, j;

	safe_name(name, safe, sizeof(safe));
	snprintf(out, len, "%s", safe);
	while ((j = dom_find(vs, out)) >= 0 && j != self)
		snprintf(out, len, "%.*s~%d", VM_NAME_MAX - 16, safe, k++);
}

/*
 * A new domain at the end, with a name no other has (feeds are directories by name): a second
 * "vm1" is "vm1~2". Its index, or -ENOMEM.
 */
static int dom_add(struct vm_share *vs, const char *name, int id)
{
	struct vm_dom *d;
	size_t nz = vs->nzones ? vs->nzones : 1;
	char unique[VM_NAME_MAX];

	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? 2 * vs->cap : 8;
		struct vm_dom *nd = realloc(vs->doms, cap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		vs->doms = nd;
		vs->cap = cap;
	}
	unique_name(vs, -1, name, unique, sizeof(unique));
	d = &vs->doms[vs->n];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", unique);
	snprintf(d->cg_name, sizeof(d->cg_name), "%s", name);
	d->id = id;
	d->part_uj = calloc(VM_NPARTS * nz, sizeof(uint64_t));
	d->zone_uj = calloc(nz, sizeof(uint64_t));
	d->feed_uj = calloc(nz, sizeof(uint64_t));
	d->feed_gap = calloc(nz, sizeof(bool));
	if (!d->part_uj || !d->zone_uj || !d->feed_uj || !d->feed_gap) {
		dom_release(d);
		return -ENOMEM;
	}
	return (int)vs->n++;
}

static int dom_find(const struct vm_share *vs, const char *name)
{
	for (size_t i = 0; i < vs->n; i++)
		if (!strcmp(vs->doms[i].name, name))
			return (int)i;
	return -1;
}

int vm_share__set_rule(struct vm_share *vs, const char *name, const char *cgroup)
{
	struct vm_rule *r = NULL, *nr;
	size_t len;
	char *copy;

	if (!name[0] || strlen(name) >= VM_NAME_MAX || cgroup[0] != '/')
		return -EINVAL;
	len = strlen(cgroup);
	while (len > 1 && cgroup[len - 1] == '/')
		len--;
	copy = strndup(cgroup, len);
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < vs->nrules; i++)
		if (!strcmp(vs->rules[i].name, name))
			r = &vs->rules[i];
	if (!r) {
		nr = realloc(vs->rules, (vs->nrules + 1) * sizeof(*nr));
		if (!nr) {
			free(copy);
			return -ENOMEM;
		}
		vs->rules = nr;
		r = &vs->rules[vs->nrules++];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", name);
	}
	free(r->cgroup);
	r->cgroup = copy;
	r->len = len;
	/* A VM named by the user exists (and has a feed) before any of its cgroups has a row. */
	{
		int i = dom_find(vs, name);

		if (i < 0)
			i = dom_add(vs, name, -1);
		if (i < 0)
			return i;
		vs->doms[i].rule = true;
		free(vs->doms[i].path);
		vs->doms[i].path = strdup(r->cgroup);
		if (!vs->doms[i].path)
			return -ENOMEM;
	}
	/* Cgroup ids already classified may be the rule's now. */
	return forget_classes(vs);
}

void vm_share__drop_rule(struct vm_share *vs, const char *name)
{
	for (size_t i = 0; i < vs->nrules; i++) {
		if (strcmp(vs->rules[i].name, name))
			continue;
		free(vs->rules[i].cgroup);
		vs->rules[i] = vs->rules[--vs->nrules];
		forget_classes(vs); /* on ENOMEM, vm_share__add tries again */
		break;
	}
}

static bool under(const char *path, const char *prefix, size_t len)
{
	if (len == 1) /* "/": everything */
		return true;
	return !strncmp(path, prefix, len) && (path[len] == '\0' || path[len] == '/');
}

/* Whether d is the domain whose cgroup vi names, d's id taken as id. */
static bool same_machine(const struct vm_dom *d, const struct vm_ident *vi, int id)
{
	if (d->libvirt)
		return vm_name_matches(vi->driver, id, d->info.name, vi->name);
	return !strcmp(d->cg_name, vi->name) && (!d->driver[0] || !strcmp(d->driver, vi->driver));
}

/* Still running: libvirt says so, or (without libvirt) it had a row lately. */
static bool dom_alive(const struct vm_share *vs, const struct vm_dom *d)
{
	if (d->libvirt)
		return d->info.running;
	/* Its cgroup, where the caller can tell; else a row lately (an idle VM may have none). */
	if (vs->exists && d->path)
		return vs->exists(vs->exists_ctx, d->path);
	return d->last_ns && d->last_ns + GONE_NS >= vs->now_ns;
}

int vm_share__classify(struct vm_share *vs, const char *path, int *dom, enum vm_part *part)
{
	struct vm_ident vi;
	int i;

	*dom = -1;
	*part = VM_NONE;
	if (vm_parse_path(path, &vi))
		vi.part = VM_NONE;
	/* The longest rule that holds the path names it. */
	{
		const struct vm_rule *best = NULL;

		for (size_t k = 0; k < vs->nrules; k++)
			if (under(path, vs->rules[k].cgroup, vs->rules[k].len) &&
			    (!best || vs->rules[k].len > best->len))
				best = &vs->rules[k];
		if (best) {
			i = dom_find(vs, best->name);
			if (i < 0) {
				i = dom_add(vs, best->name, -1);
				if (i < 0)
					return i;
			}
			vs->doms[i].rule = true;
			*dom = i;
			*part = vi.part != VM_NONE ? vi.part : VM_DOMAIN;
			return 0;
		}
	}
	if (vi.part == VM_NONE)
		return 0;
	/*
	 * libvirt's naming: the same driver and id (ids are never reused while libvirtd runs),
	 * else the same name once the domain that had it has stopped: started again.
	 */
	i = -1;
	for (int pass = 0; pass < 2 && i < 0; pass++) {
		for (size_t k = 0; k < vs->n && i < 0; k++) {
			struct vm_dom *d = &vs->doms[k];

			if (d->rule || !same_machine(d, &vi, pass == 0 ? vi.id : d->id))
				continue;
			if (pass == 0 ? d->id == vi.id : !dom_alive(vs, d))
				i = (int)k;
		}
	}
	if (i < 0) {
		i = dom_add(vs, vi.name, vi.id);
		if (i < 0)
			return i;
	}
	{
		struct vm_dom *d = &vs->doms[i];

		d->id = vi.id;
		snprintf(d->driver, sizeof(d->driver), "%s", vi.driver);
		if (!d->libvirt)
			snprintf(d->cg_name, sizeof(d->cg_name), "%s", vi.name);
		if (!d->path || d->last_ns + GONE_NS < vs->now_ns) {
			free(d->path);
			d->path = strdup(path);
			if (!d->path)
				return -ENOMEM;
		}
	}
	*dom = i;
	*part = vi.part;
	return 0;
}

int vm_share__add(struct vm_share *vs, const struct probe_sample *s, const struct interval_res *res,
		  const struct zone_delta *zd, const struct wp_ident *const *ids)
{
	size_t nz = vs->nzones;

	vs->now_ns = s->ts_ns;
	if (!vs->cls || s->ts_ns - vs->cls_since_ns >= CLASS_FLUSH_NS) {
		/* Memory follows the cgroups alive. */
		if (forget_classes(vs))
			return -ENOMEM;
		vs->cls_since_ns = s->ts_ns;
	}
	for (size_t i = 0; i < vs->n; i++) {
		bool gap = false;

		for (size_t z = 0; z < nz; z++) {
			/*
			 * While a zone is in a gap its feed file is empty, which its guest reads
			 * as a gap; the counter starts again from 0 after (docs/feed.md).
			 */
			if (zd[z].gap) {
				vs->doms[i].feed_uj[z] = 0;
				gap = true;
			}
			vs->doms[i].feed_gap[z] = zd[z].gap;
		}
		vs->doms[i].gaps += gap;
	}
	for (size_t r = 0; r < s->nrows; r++) {
		struct vm_class *c = u64map__get(vs->cls, s->rows[r].cgroup_id);
		struct vm_dom *d;
		size_t p;

		if (!c) {
			int dom, err;
			enum vm_part part;

			err = vm_share__classify(vs, ids[r]->path, &dom, &part);
			if (err)
				return err;
			c = u64map__upsert(vs->cls, s->rows[r].cgroup_id);
			if (!c)
				return -ENOMEM;
			c->dom1 = dom + 1;
			c->part = part;
		}
		if (!c->dom1)
			continue;
		d = &vs->doms[c->dom1 - 1];
		p = vm_part_idx((enum vm_part)c->part);
		if (!d->first_ns)
			d->first_ns = s->ts_ns;
		d->last_ns = s->ts_ns;
		d->cpu_ns[p] += s->rows[r].s.cpu_ns;
		if (res->node_gap)
			d->unknown_ns += s->rows[r].s.cpu_ns;
		for (size_t z = 0; z < nz; z++) {
			uint64_t uj = res->zone_uj[r * nz + z];

			if (zd[z].gap)
				continue;
			d->part_uj[p * nz + z] += uj;
			d->zone_uj[z] += uj;
			d->feed_uj[z] += uj;
			if (vs->zone_node[z])
				d->node_uj += uj;
		}
	}
	return 0;
}

/*
 * virDomainDriverGenerateMachineName and virDomainMachineNameAppendValid (libvirt's
 * src/hypervisor/domain_driver.c): "DRIVER-ID-", then of the name only letters, digits, and a
 * '.' or '-' that follows one of those ('_' and the rest are dropped), until the whole is 64
 * characters; trailing '.' and '-' trimmed.
 */
char *vm_machine_name(const char *driver, int id, const char *name, char *out, size_t len)
{
	size_t n;
	bool skip = true;

	if (id >= 0)
		snprintf(out, len, "%s-%d-", driver, id);
	else
		snprintf(out, len, "%s-", driver);
	n = strlen(out);
	for (const char *c = name; *c && n < MACHINE_NAME_MAX && n + 1 < len; c++) {
		if (*c == '.' || *c == '-') {
			if (!skip)
				out[n++] = *c;
			skip = true;
			continue;
		}
		skip = false;
		if (isalnum((unsigned char)*c) && (unsigned char)*c < 0x80)
			out[n++] = *c;
	}
	while (n > 0 && (out[n - 1] == '.' || out[n - 1] == '-'))
		n--;
	out[n] = '\0';
	return out;
}

bool vm_name_matches(const char *driver, int id, const char *full, const char *in_cgroup)
{
	char a[2 * VM_NAME_MAX], b[2 * VM_NAME_MAX];

	vm_machine_name(driver, id, full, a, sizeof(a));
	if (id >= 0)
		snprintf(b, sizeof(b), "%s-%d-%s", driver, id, in_cgroup);
	else
		snprintf(b, sizeof(b), "%s-%s", driver, in_cgroup);
	return !strcmp(a, b);
}

int vm_share__libvirt(struct vm_share *vs, const struct vm_info *doms, size_t n)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->doms[i].libvirt)
			vs->doms[i].info.running = false;
	for (size_t k = 0; k < n; k++) {
		const struct vm_info *in = &doms[k];
		int i = -1;

		for (size_t j = 0; j < vs->n && i < 0; j++) {
			const struct vm_dom *d = &vs->doms[j];

			if (d->libvirt) {
				i = !strcmp(d->info.name, in->name) ? (int)j : -1;
			} else if (d->rule) {
				char safe[VM_NAME_MAX];

				safe_name(in->name, safe, sizeof(safe));
				i = !strcmp(d->name, safe) ? (int)j : -1;
			} else if (d->id == in->id &&
				   vm_name_matches(d->driver[0] ? d->driver : "qemu", in->id,
						   in->name, d->cg_name))
				i = (int)j;
		}
		if (i < 0) {
			if (!in->running)
				continue;
			i = dom_add(vs, in->name, in->id);
			if (i < 0)
				return i;
		} else if (!vs->doms[i].libvirt) {
			/* Named by its cgroup until now: libvirt's name, unique among the others.
			 */
			unique_name(vs, i, in->name, vs->doms[i].name, sizeof(vs->doms[i].name));
		}
		if (in->running)
			vs->doms[i].id = in->id;
		vs->doms[i].libvirt = true;
		/* A restart starts libvirt's cpu.time again: the difference is over one run. */
		if (in->has_cpu &&
		    (!vs->doms[i].has_cpu0 || in->cpu_ns < vs->doms[i].info.cpu_ns)) {
			vs->doms[i].cpu0_ns = in->cpu_ns;
			vs->doms[i].has_cpu0 = true;
		}
		vs->doms[i].info = *in;
	}
	return 0;
}

void vm_share__set_exists(struct vm_share *vs, bool (*exists)(void *ctx, const char *cgroup),
			  void *ctx)
{
	vs->exists = exists;
	vs->exists_ctx = ctx;
}

void vm_share__feed_reset(struct vm_share *vs, size_t i)
{
	if (i >= vs->n)
		return;
	memset(vs->doms[i].feed_uj, 0, vs->nzones * sizeof(uint64_t));
	memset(vs->doms[i].feed_gap, 0, vs->nzones * sizeof(bool));
}

size_t vm_share__count(const struct vm_share *vs)
{
	return vs->n;
}

const struct vm_dom *vm_share__get(const struct vm_share *vs, size_t i)
{
	return i < vs->n ? &vs->doms[i] : NULL;
}

size_t vm_share__nzones(const struct vm_share *vs)
{
	return vs->nzones;
}
