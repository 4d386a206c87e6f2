/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vm_share.h: each VM's share of the host's energy, interval by interval: the energy that the
 * attribution gave the cgroups of its threads (vCPUs, emulator, I/O threads), summed per zone
 * and per part; pure (the cgroup paths and libvirt's list are given to it).
 */
#ifndef WP_VM_SHARE_H
#define WP_VM_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "energy.h"
#include "ident.h"
#include "interval.h"
#include "probe.h"
#include "vm_path.h"

#define VM_NPARTS   4 /* enum vm_part less VM_NONE: domain, vcpu, emulator, iothread */
#define VM_UUID_LEN 37

/* Index of a part in vm_dom's arrays. */
static inline size_t vm_part_idx(enum vm_part p)
{
	return (size_t)p - VM_DOMAIN;
}

/* A domain as libvirt lists it (virt.c fills these). */
struct vm_info {
	char name[VM_NAME_MAX];
	char uuid[VM_UUID_LEN];
	int id;		    /* -1 when not running */
	bool running;	    /* running or paused: it has a qemu process */
	unsigned int vcpus; /* vcpu.current, not the maximum */
	uint64_t cpu_ns;    /* libvirt's cpu.time: all the domain's threads */
	bool has_cpu;	    /* cpu_ns is known */
};

struct vm_dom {
	char name[VM_NAME_MAX];	   /* libvirt's name, else the one in its cgroup's, else --vm's */
	char cg_name[VM_NAME_MAX]; /* the name as its cgroup has it (libvirt's machine name) */
	char driver[16];	   /* "qemu", ... from its cgroup; "" until one is seen */
	char *path;		   /* a cgroup of it (the first seen, or --vm's): is it alive? */
	int id;			   /* libvirt's domain id, -1 unknown */
	bool rule;		   /* named by --vm */
	bool libvirt;		   /* libvirt lists it (now or earlier) */
	struct vm_info info;	   /* libvirt's last word on it, when libvirt */
	uint64_t cpu0_ns;	   /* libvirt's cpu.time when first listed (has_cpu0) */
	bool has_cpu0;
	uint64_t first_ns; /* the first interval it had a row in, 0 before */
	uint64_t last_ns;  /* the last one */
	uint64_t cpu_ns[VM_NPARTS];
	uint64_t *part_uj;   /* [VM_NPARTS * nzones]: cumulative, part p zone z at p * nzones + z */
	uint64_t *zone_uj;   /* [nzones]: cumulative, over its parts */
	uint64_t *feed_uj;   /* [nzones]: what its feed carries; from 0 after a zone's gap */
	bool *feed_gap;	     /* [nzones]: the zone is in a gap now: its feed file is left empty */
	uint64_t node_uj;    /* cumulative, over node zones and parts */
	uint64_t gaps;	     /* intervals in which a zone's energy was not known */
	uint64_t unknown_ns; /* CPU time in intervals whose node energy was not known */
};

struct vm_share;

/* zone_node[nzones] is kept (it must outlive the share). NULL on ENOMEM. */
struct vm_share *vm_share__new(size_t nzones, const bool *zone_node);
void vm_share__free(struct vm_share *vs);

/*
 * --vm NAME=cgroup:PATH (a pid file resolved to its cgroup by the caller): PATH and the cgroups
 * below it are VM NAME's, before any libvirt naming. A new PATH for a NAME replaces the old one.
 * The VM is added now if it is new. 0, or -EINVAL (an empty name or a relative path) or -ENOMEM.
 */
int vm_share__set_rule(struct vm_share *vs, const char *name, const char *cgroup);

/* The rule of VM name is gone (its process ended): its cgroup is no VM's any more. */
void vm_share__drop_rule(struct vm_share *vs, const char *name);

/*
 * Pure: which domain (an index, or -1 for none) and part the cgroup at path is, by the rules
 * then libvirt's naming. Creates the domain when it is new. -ENOMEM.
 */
int vm_share__classify(struct vm_share *vs, const char *path, int *dom, enum vm_part *part);

/*
 * Add one interval: each row that is a VM's adds its CPU time and energy to that VM. ids are
 * the rows' identities (the tick's), whose paths are classified once per cgroup id.
 * 0 or -ENOMEM.
 */
int vm_share__add(struct vm_share *vs, const struct probe_sample *s, const struct interval_res *res,
		  const struct zone_delta *zd, const struct wp_ident *const *ids);

/*
 * libvirt's list: each running domain is matched to the one its cgroups named, by id (then by
 * the name libvirt put in the cgroup's, which may be shortened), and takes libvirt's name;
 * domains libvirt lists that had no cgroup row yet are added. Domains no longer listed keep
 * their counts (info.running false). 0 or -ENOMEM.
 */
int vm_share__libvirt(struct vm_share *vs, const struct vm_info *doms, size_t n);

/*
 * How to tell whether a cgroup (a path in the hierarchy) exists: a VM whose cgroup is gone has
 * stopped, and one of its name with another id is the same VM started again. Without it, a VM
 * with no row for 5 s is taken as stopped.
 */
void vm_share__set_exists(struct vm_share *vs, bool (*exists)(void *ctx, const char *cgroup),
			  void *ctx);

/* A feed written afresh (a new writer): its counters start again from 0. */
void vm_share__feed_reset(struct vm_share *vs, size_t i);

size_t vm_share__count(const struct vm_share *vs);
const struct vm_dom *vm_share__get(const struct vm_share *vs, size_t i);
size_t vm_share__nzones(const struct vm_share *vs);

/*
 * Pure: libvirt's machine name for domain name of driver and id (id < 0: the old form without
 * one), as virDomainDriverGenerateMachineName makes it: "qemu-3-" then the name's letters,
 * digits, and single '.' or '-' between them (leading and trailing ones dropped), cut at 64
 * characters in all. Returns out.
 */
char *vm_machine_name(const char *driver, int id, const char *name, char *out, size_t len);
/* Pure: whether libvirt's domain full (driver, id) is the one a cgroup names in_cgroup. */
bool vm_name_matches(const char *driver, int id, const char *full, const char *in_cgroup);

#endif
