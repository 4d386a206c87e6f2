/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* storm.h: context-switch storms for make bench: rings of processes passing a byte, forks. */
#ifndef WP_BENCH_STORM_H
#define WP_BENCH_STORM_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "wattprobe.h"

/* A ring this long misses the probe's per-CPU slot cache at every switch. */
#define STORM_MAX_PROCS (2 * WP_SLOT_CACHE)

struct storm {
	const char *name;
	const char *what;
	int nprocs;    /* a ring of this many processes passing one byte; 0: a fork storm */
	bool same_cpu; /* all on the first CPU, else spread over the first two */
	bool cgroups;  /* each process in a cgroup of its own, under storm_env.cg_base */
};

#define NSTORMS 4
extern const struct storm storms[NSTORMS];

struct storm_env {
	int cpu[2];		     /* the first two CPUs this process may run on */
	const char *cg_base;	     /* cgroup v2 directory the cgroups of a storm go under */
	volatile __u64 *rounds;	     /* shared: round trips (forks) the storm made */
	volatile sig_atomic_t *stop; /* set by the caller's signal handler */
};

__u64 storm_now_ns(void);
/* The CPUs and the shared counter. 0 or -errno. */
int storm_env_init(struct storm_env *env);
/* A storm's cgroups c00, c01, ... under env->cg_base. 0 or -errno. */
int storm_cgroups_make(const struct storm_env *env, int n);
void storm_cgroups_remove(const struct storm_env *env, int n);
/*
 * Start a storm that runs until end_ns (the children die with the caller): their pids go to
 * pids (STORM_MAX_PROCS of room), the count is returned, or -errno. storm_reap waits for them,
 * killing them first when kill is set.
 */
int storm_start(const struct storm_env *env, const struct storm *st, pid_t *pids, __u64 end_ns);
void storm_reap(const pid_t *pids, int n, bool kill);

#endif
