/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* wattprobe.h: every type and constant shared by the BPF probe and its loader. */
#ifndef WATTPROBE_H
#define WATTPROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Key of the idle row: the kernfs ids of real cgroups start at 1. */
#define WP_IDLE_KEY 0ULL

/* Key of time whose cgroup could not be read (a task without a v1 cgroup of that kind). */
#define WP_UNKNOWN_KEY (~0ULL)

/* Pseudo keys of the rows userspace makes from the overflow and steal maps (never kernfs ids
 * in practice). */
#define WP_OVERFLOW_KEY (~1ULL)
#define WP_STEAL_KEY	(~2ULL)

/* Default bound of each per-epoch stats map: cgroups active within one interval. */
#define WP_MAX_CGROUPS_DEFAULT 4096

/* How the cgroup key of a task is read (rodata targ_cgroup_mode). */
enum wp_cgroup_mode {
	WP_CG_V2 = 0,	      /* task's cgroup v2 id */
	WP_CG_V1_CPUACCT = 1, /* task's cgroup in the v1 cpuacct hierarchy */
	WP_CG_V1_CPU = 2,     /* task's cgroup in the v1 cpu hierarchy */
};

/* Indexes of the per-CPU drop counters. */
enum wp_drop {
	WP_DROP_MAP_FULL = 0, /* stats map full: time went to the overflow row */
	WP_DROP_PMU_READ = 1, /* bpf_perf_event_read_value failed */
	WP_DROP__MAX = 2,
};

/* Arguments of the flush program, passed through BPF_PROG_TEST_RUN's ctx_in. */
enum wp_flush_flag {
	WP_FLUSH_RESET = 1, /* discard the slice in progress instead of accounting it */
};

/*
 * Per-CPU, per-cgroup counts of one epoch. Userspace reads a whole epoch map once no CPU
 * writes to it any more, so the values are exact for the interval between two flushes.
 */
struct wp_cg_stats {
	__u64 cpu_ns;	    /* on-CPU time, CLOCK_MONOTONIC, less what the hypervisor stole */
	__u64 cycles;	    /* PMU cycles, 0 when no PMU */
	__u64 instructions; /* PMU instructions, 0 when no PMU */
	__u64 switches;	    /* times a task of the cgroup was switched out */
	__u64 wakeups;	    /* wakeups of tasks of the cgroup */
};
_Static_assert(sizeof(struct wp_cg_stats) == 40, "wp_cg_stats layout");

/*
 * Cgroups a CPU keeps counts for in its slot before they go to the epoch map: a switch between
 * cached cgroups costs no hash lookup. Entries go to the map when evicted and at every flush.
 */
#define WP_SLOT_CACHE 8

/* Per-CPU state: the slice in progress, the epoch this CPU accounts into, recent counts. */
struct wp_cpu_slot {
	__u64 since_ns;	   /* start of the slice in progress; 0 before the first event */
	__u64 cycles_base; /* PMU cycles at since_ns */
	__u64 instr_base;  /* PMU instructions at since_ns */
	__u64 flush_ns;	   /* time of the last flush on this CPU */
	__u64 steal_base;  /* the CPU's steal clock, as far as slices have been charged for it */
	__u64 steal_ns;	   /* time stolen by the hypervisor this epoch, not yet in the map */
	__u32 epoch;	   /* 0 or 1: which stats map this CPU writes */
	__u32 victim;	   /* next cache entry to evict */
	__u32 flushing;	   /* wp_flush runs on this CPU: wakeups in IRQs must not touch the cache */
	__u32 pad;
	struct wp_cg_stats idle;	       /* idle counts of this epoch, not yet in the map */
	__u64 key[WP_SLOT_CACHE];	       /* 0: entry unused (idle is never cached) */
	struct wp_cg_stats acc[WP_SLOT_CACHE]; /* counts of key[i] not yet in the map */
};
_Static_assert(sizeof(struct wp_cpu_slot) == 104 + 8 * 8 + 8 * 40, "wp_cpu_slot layout");

#endif /* WATTPROBE_H */
