/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* cputopo.h: the CPU topology sysfs describes: boot CPU model, online CPUs, packages, cores. */
#ifndef WP_CPUTOPO_H
#define WP_CPUTOPO_H

#include <stdbool.h>
#include <stddef.h>

#define CPUTOPO_SYSFS_DIR "devices/system/cpu" /* under the sysfs root */
#define CPUTOPO_MAX_CPUS  8192		       /* CONFIG_NR_CPUS's maximum */

/* modalias's vendor numbers, the kernel's X86_VENDOR_*. */
#define CPUTOPO_X86_INTEL 0
#define CPUTOPO_X86_AMD	  2
#define CPUTOPO_X86_HYGON 9

/* The boot CPU as the kernel matched it. */
struct cputopo_id {
	char modalias[128]; /* its start, as read: "cpu:type:x86,ven0000fam0006mod0055:..." */
	bool x86;	    /* "cpu:type:x86,..." */
	bool known;	    /* vendor, family and model read (x86 only) */
	unsigned int vendor, family, model;
};

/*
 * sysfs_cpu/modalias: "cpu:type:x86,venVVVVfamFFFFmodMMMM:feature:..." in hex. 0 (known
 * false where an x86 modalias does not have that form), -errno when it cannot be read, or
 * -EINVAL when it is not "cpu:type:...".
 */
int cputopo_read_id(const char *sysfs_cpu, struct cputopo_id *id);

/*
 * sysfs_cpu/cpuN/topology/FILE ("physical_package_id", "die_id", "core_id"): the id, or -1
 * when the file is missing or holds no non-negative int (offline CPUs have none).
 */
int cputopo_cpu_topology(const char *sysfs_cpu, size_t cpu, const char *file);

/* Every CPU sysfs_cpu has a cpuN directory for. */
struct cputopo {
	size_t ncpu;	 /* cpu0 .. cpu(ncpu - 1), up to the highest cpuN directory */
	int *pkg, *core; /* per CPU: -1 when offline or unknown */
};

/*
 * Online CPUs by sysfs_cpu/online, else by each cpuN/online (the boot CPU may have none, and
 * is online); their physical package and core ids. NULL with errno and a reason in why (no
 * prefix: the caller names itself): the directory unreadable, or ENODEV: no cpuN directory.
 */
struct cputopo *cputopo__open(const char *sysfs_cpu, char *why, size_t len);
void cputopo__free(struct cputopo *t);

/* The lowest package id above prev (-1: the first) and in cpu its lowest online CPU; -1: none. */
int cputopo__next_package(const struct cputopo *t, int prev, int *cpu);

/* Whether cpu is the lowest online CPU of its (package, core). */
bool cputopo__first_of_core(const struct cputopo *t, size_t cpu);

#endif
