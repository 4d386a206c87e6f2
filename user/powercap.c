// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* powercap.c: RAPL energy counters through the powercap sysfs tree (Intel and AMD). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "powercap.h"
#include "sysfile.h"

#define MAX_ZONES 64

struct powercap {
	char *root;
	size_t n;
	struct pc_zone zones[MAX_ZONES];
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -EINVAL : 0;
}

static int read_u64_at(const char *root, const char *dir, const char *file, uint64_t *out)
{
	char path[512], buf[64];
	int err;

	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, file);
	err = sysfile_read(path, buf, sizeof(buf));
	return err ?: parse_u64(buf, out);
}

int rapl_delta(uint64_t prev_uj, uint64_t cur_uj, uint64_t max_range_uj, uint64_t *delta_uj)
{
	if (cur_uj >= prev_uj) {
		*delta_uj = cur_uj - prev_uj;
		return 0;
	}
	if (!max_range_uj || prev_uj > max_range_uj)
		return -ERANGE;
	*delta_uj = cur_uj + max_range_uj - prev_uj;
	return 0;
}

static enum pc_kind kind_of(const char *name, int *package)
{
	if (sscanf(name, "package-%d", package) == 1)
		return PC_PACKAGE;
	if (strcmp(name, "psys") == 0)
		return PC_PSYS;
	if (strcmp(name, "dram") == 0)
		return PC_DRAM;
	if (strcmp(name, "core") == 0)
		return PC_CORE;
	if (strcmp(name, "uncore") == 0)
		return PC_UNCORE;
	if (strcmp(name, "model") == 0)
		return PC_MODEL;
	return PC_OTHER;
}

/*
 * "intel-rapl:0" is a top-level zone, "intel-rapl:0:1" a sub-zone of it. "intel-rapl-mmio:0"
 * is package 0 again, through MMIO (on Tiger Lake and later laptops): *mmio, and kept only
 * when no MSR zone has the same name (see drop_mmio_duplicates).
 */
static bool zone_dir(const char *d, bool *sub, bool *mmio)
{
	unsigned int a, b;
	int n = 0;

	*mmio = false;
	if (sscanf(d, "intel-rapl:%u:%u%n", &a, &b, &n) == 2 && d[n] == '\0') {
		*sub = true;
		return true;
	}
	n = 0;
	if (sscanf(d, "intel-rapl:%u%n", &a, &n) == 1 && d[n] == '\0') {
		*sub = false;
		return true;
	}
	n = 0;
	if (sscanf(d, "intel-rapl-mmio:%u%n", &a, &n) == 1 && d[n] == '\0') {
		*sub = false;
		*mmio = true;
		return true;
	}
	return false;
}

/* The same package counted twice would double the node's energy: the MSR zone wins. */
static void drop_mmio_duplicates(struct powercap *pc)
{
	size_t k = 0;

	for (size_t i = 0; i < pc->n; i++) {
		bool dup = false;

		for (size_t j = 0; pc->zones[i].mmio && j < pc->n && !dup; j++)
			dup = !pc->zones[j].mmio && !strcmp(pc->zones[j].name, pc->zones[i].name);
		if (!dup)
			pc->zones[k++] = pc->zones[i];
	}
	pc->n = k;
}

static int cmp_zone(const void *a, const void *b)
{
	return strcmp(((const struct pc_zone *)a)->dir, ((const struct pc_zone *)b)->dir);
}

static void probe_zone(struct powercap *pc, struct pc_zone *z)
{
	char path[512];
	struct stat st;
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s", pc->root, z->dir);
	if (stat(path, &st) != 0) {
		/* lstat found it, stat cannot follow it: a container with only /sys/class/powercap.
		 */
		z->dangling = true;
		z->err = -ENOENT;
		return;
	}
	z->err = read_u64_at(pc->root, z->dir, "energy_uj", &v);
	if (read_u64_at(pc->root, z->dir, "max_energy_range_uj", &z->max_range_uj))
		z->max_range_uj = 0;
}

/* Name the zone; sub-zones take their parent package's number (dram-0, core-1). */
static void name_zone(struct powercap *pc, struct pc_zone *z, bool sub)
{
	char path[512];
	int pkg = -1;

	snprintf(path, sizeof(path), "%s/%s/name", pc->root, z->dir);
	/* No name, or an empty one (NUL bytes count as its end): the directory's. */
	if (sysfile_read(path, z->name, sizeof(z->name)) || !z->name[0])
		snprintf(z->name, sizeof(z->name), "%s", z->dir);
	z->kind = kind_of(z->name, &pkg);
	z->package = pkg;
	if (sub) {
		char parent[64], pname[32];
		char *colon;

		snprintf(parent, sizeof(parent), "%s", z->dir);
		colon = strrchr(parent, ':');
		*colon = '\0';
		snprintf(path, sizeof(path), "%s/%s/name", pc->root, parent);
		if (!sysfile_read(path, pname, sizeof(pname)) &&
		    sscanf(pname, "package-%d", &z->package) == 1) {
			/* "package-0-die-1" gives "dram-0-die-1": multi-die parts stay distinct. */
			snprintf(z->label, sizeof(z->label), "%s-%s", z->name, pname + 8);
			return;
		}
	}
	snprintf(z->label, sizeof(z->label), "%s", z->name);
}

/* Whether label is taken: by a zone before i (as labelled), or by any zone's own name. */
static bool label_taken(const struct powercap *pc, const char orig[][sizeof(pc->zones[0].label)],
			size_t i, const char *label)
{
	for (size_t j = 0; j < pc->n; j++)
		if (!strcmp(orig[j], label) || (j < i && !strcmp(pc->zones[j].label, label)))
			return true;
	return false;
}

/*
 * Labels become CSV column names (energy_uj.LABEL): letters, digits, '.', '_' and '-' only,
 * and unique. A name seen twice (a broken tree) is counted once: the later zone is a copy,
 * labelled with the first free -N, one that no zone is named (a zone named "x-2" beside two
 * named "x" keeps its name; the copy becomes "x-3").
 */
static void unique_labels(struct powercap *pc)
{
	char orig[MAX_ZONES][sizeof(pc->zones[0].label)];

	for (size_t i = 0; i < pc->n; i++) {
		for (char *c = pc->zones[i].label; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
				*c = '_';
		memcpy(orig[i], pc->zones[i].label, sizeof(orig[i]));
	}
	for (size_t i = 0; i < pc->n; i++) {
		struct pc_zone *z = &pc->zones[i];
		bool dup = false;
		size_t n;

		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(orig[j], orig[i]);
		if (!dup)
			continue;
		z->duplicate = true;
		n = strlen(orig[i]);
		if (n > sizeof(z->label) - 5)
			n = sizeof(z->label) - 5;
		/* 2 * MAX_ZONES candidates: at most MAX_ZONES names and labels can be taken. */
		for (unsigned int k = 2; k < 2 * MAX_ZONES + 2; k++) {
			snprintf(z->label + n, sizeof(z->label) - n, "-%u", k);
			if (!label_taken(pc, orig, i, z->label))
				break;
		}
	}
}

/* Node energy: psys alone where it is readable (it already contains the packages), else
 * every readable package plus DRAM (and a feed's model zone). Never psys plus packages. */
static void choose_node(struct powercap *pc)
{
	bool psys = false;

	for (size_t i = 0; i < pc->n; i++)
		if (pc->zones[i].kind == PC_PSYS && !pc->zones[i].err)
			psys = true;
	for (size_t i = 0; i < pc->n; i++) {
		struct pc_zone *z = &pc->zones[i];

		if (z->err || z->duplicate)
			continue;
		z->node =
			psys ? z->kind == PC_PSYS
			     : (z->kind == PC_PACKAGE || z->kind == PC_DRAM || z->kind == PC_MODEL);
	}
}

struct powercap *powercap__open(const char *root)
{
	struct powercap *pc;
	struct dirent *de;
	DIR *d;
	int err = 0;

	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return NULL;
	pc->root = strdup(root);
	if (!pc->root) {
		err = -ENOMEM;
		goto fail;
	}
	d = opendir(root);
	if (!d) {
		err = -errno;
		goto fail;
	}
	while ((de = readdir(d))) {
		struct pc_zone *z;
		bool sub, mmio;

		if (!zone_dir(de->d_name, &sub, &mmio))
			continue;
		if (pc->n == MAX_ZONES) {
			err = -E2BIG;
			break;
		}
		z = &pc->zones[pc->n++];
		snprintf(z->dir, sizeof(z->dir), "%s", de->d_name);
		z->mmio = mmio;
		name_zone(pc, z, sub);
		probe_zone(pc, z);
	}
	closedir(d);
	if (err)
		goto fail;
	drop_mmio_duplicates(pc);
	qsort(pc->zones, pc->n, sizeof(pc->zones[0]), cmp_zone);
	unique_labels(pc);
	choose_node(pc);
	return pc;
fail:
	powercap__free(pc);
	errno = -err;
	return NULL;
}

void powercap__free(struct powercap *pc)
{
	if (!pc)
		return;
	free(pc->root);
	free(pc);
}

size_t powercap__nzones(const struct powercap *pc)
{
	return pc->n;
}

const struct pc_zone *powercap__zone(const struct powercap *pc, size_t i)
{
	return i < pc->n ? &pc->zones[i] : NULL;
}

size_t powercap__nnode(const struct powercap *pc)
{
	size_t k = 0;

	for (size_t i = 0; i < pc->n; i++)
		k += pc->zones[i].node;
	return k;
}

int powercap__read(const struct powercap *pc, size_t i, uint64_t *energy_uj)
{
	if (i >= pc->n)
		return -EINVAL;
	return read_u64_at(pc->root, pc->zones[i].dir, "energy_uj", energy_uj);
}
