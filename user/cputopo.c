// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cputopo.c: the CPU topology sysfs describes: boot CPU model, online CPUs, packages, cores. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpulist.h"
#include "cputopo.h"
#include "sysfile.h"

int cputopo_read_id(const char *sysfs, struct cputopo_id *id)
{
	char path[4200];
	unsigned int ven, fam, mod;
	int err;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "%s/modalias", sysfs);
	err = sysfile_read(path, id->modalias, sizeof(id->modalias));
	if (err)
		return err;
	if (strncmp(id->modalias, "cpu:type:", 9))
		return -EINVAL;
	id->x86 = !strncmp(id->modalias, "cpu:type:x86,", 13);
	if (id->x86 &&
	    sscanf(id->modalias, "cpu:type:x86,ven%4xfam%4xmod%4x", &ven, &fam, &mod) == 3) {
		id->known = true;
		id->vendor = ven;
		id->family = fam;
		id->model = mod;
	}
	return 0;
}

int cputopo_cpu_topology(const char *sysfs, size_t cpu, const char *file)
{
	char path[4200];
	int v;

	snprintf(path, sizeof(path), "%s/cpu%zu/topology/%s", sysfs, cpu, file);
	if (sysfile_read_int(path, &v) || v < 0)
		return -1;
	return v;
}

static bool cpu_dir(const char *name, unsigned long *cpu)
{
	char *end;

	if (strncmp(name, "cpu", 3) || name[3] < '0' || name[3] > '9')
		return false;
	*cpu = strtoul(name + 3, &end, 10);
	return *end == '\0';
}

/* Online by the online list, else by cpuN/online: the boot CPU may have none, and is online. */
static bool cpu_online(const char *sysfs, size_t cpu, const bool *list)
{
	char path[4200];
	int v;

	if (list)
		return list[cpu];
	snprintf(path, sizeof(path), "%s/cpu%zu/online", sysfs, cpu);
	return sysfile_read_int(path, &v) || v != 0;
}

/* 1 + the highest cpuN directory (below CPUTOPO_MAX_CPUS), 0 when there is none; or -errno. */
static long count_cpus(const char *sysfs)
{
	struct dirent *de;
	unsigned long c;
	size_t n = 0;
	DIR *d = opendir(sysfs);

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (cpu_dir(de->d_name, &c) && c < CPUTOPO_MAX_CPUS && c >= n)
			n = c + 1;
	closedir(d);
	return (long)n;
}

/* Package and core of each online CPU (offline CPUs have no topology to read). */
static void read_ids(struct cputopo *t, const char *sysfs, const bool *online)
{
	for (size_t i = 0; i < t->ncpu; i++) {
		t->pkg[i] = t->core[i] = -1;
		if (!cpu_online(sysfs, i, online))
			continue;
		t->pkg[i] = cputopo_cpu_topology(sysfs, i, "physical_package_id");
		if (t->pkg[i] >= 0)
			t->core[i] = cputopo_cpu_topology(sysfs, i, "core_id");
	}
}

struct cputopo *cputopo__open(const char *sysfs, char *why, size_t len)
{
	long n = count_cpus(sysfs);
	struct cputopo *t = NULL;
	bool *online = NULL;
	char path[4200];
	int err;

	why[0] = '\0';
	if (n <= 0) {
		err = n ? (int)n : -ENODEV;
		if (n)
			snprintf(why, len, "CPU topology %s: %s", sysfs, strerror(-err));
		else
			snprintf(why, len, "CPU topology %s: no cpuN directory", sysfs);
		goto fail;
	}
	t = calloc(1, sizeof(*t));
	online = calloc(CPUTOPO_MAX_CPUS, sizeof(bool));
	if (t) {
		t->ncpu = (size_t)n;
		t->pkg = malloc(t->ncpu * sizeof(int));
		t->core = malloc(t->ncpu * sizeof(int));
	}
	if (!t || !t->pkg || !t->core || !online) {
		err = -ENOMEM;
		snprintf(why, len, "%s", strerror(ENOMEM));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/online", sysfs);
	err = cpulist_read(path, online, CPUTOPO_MAX_CPUS);
	read_ids(t, sysfs, err ? NULL : online);
	free(online);
	return t;
fail:
	free(online);
	cputopo__free(t);
	errno = -err;
	return NULL;
}

void cputopo__free(struct cputopo *t)
{
	if (!t)
		return;
	free(t->pkg);
	free(t->core);
	free(t);
}

int cputopo__next_package(const struct cputopo *t, int prev, int *cpu)
{
	int best = -1;

	for (size_t c = 0; c < t->ncpu; c++)
		if (t->pkg[c] > prev && (best < 0 || t->pkg[c] < best)) {
			best = t->pkg[c];
			*cpu = (int)c;
		}
	return best;
}

bool cputopo__first_of_core(const struct cputopo *t, size_t c)
{
	if (t->pkg[c] < 0 || t->core[c] < 0)
		return false;
	for (size_t e = 0; e < c; e++)
		if (t->pkg[e] == t->pkg[c] && t->core[e] == t->core[c])
			return false;
	return true;
}
