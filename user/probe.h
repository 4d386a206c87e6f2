/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* probe.h: loading the BPF probe and reading exact per-interval, per-cgroup counts from it. */
#ifndef WP_PROBE_H
#define WP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include "wattprobe.h"
#include "pmu.h"

enum probe_attach {
	ATTACH_AUTO = 0, /* tp_btf, else raw_tp, else the classic tracepoint */
	ATTACH_TP_BTF,
	ATTACH_RAW_TP,
	ATTACH_TRACEPOINT,
};

struct probe_opts {
	enum probe_attach attach;
	enum wp_cgroup_mode cgroup_mode;
	enum pmu_mode pmu;
	unsigned int max_cgroups; /* 0: WP_MAX_CGROUPS_DEFAULT */
	const char *btf_path;	  /* external BTF instead of /sys/kernel/btf/vmlinux */
};

/* One cgroup's counts over one interval, summed over CPUs. */
struct probe_row {
	__u64 cgroup_id;
	struct wp_cg_stats s;
};

/* One interval: counts of every cgroup active in it, the idle row, and the CPU window. */
struct probe_sample {
	__u64 ts_ns;		/* CLOCK_MONOTONIC when the sample was taken */
	__u64 window_ns;	/* sum over CPUs of the time between this flush and the last */
	struct probe_row *rows; /* sorted by cgroup_id; the idle row is not among them */
	size_t nrows;
	size_t cap;
	struct wp_cg_stats idle;
	struct wp_cg_stats steal;    /* cpu_ns: time the hypervisor stole, charged to nobody */
	struct wp_cg_stats overflow; /* time that found its stats map full */
	unsigned int ncpus_online;
};

struct probe;

/* Open, load and attach the probe, then start the first interval. NULL with errno on failure;
 * err_msg (if not NULL) receives a one-line explanation. */
struct probe *probe__open(const struct probe_opts *opts, char *err_msg, size_t err_len);
void probe__free(struct probe *p);

/* Close the current interval on every CPU and fill out with its counts. 0 or -errno. */
int probe__sample(struct probe *p, struct probe_sample *out);
/* The same in two steps, so that energy can be read between them, at the flush: */
int probe__flush(struct probe *p, struct probe_sample *out);   /* sets out->ts_ns */
int probe__collect(struct probe *p, struct probe_sample *out); /* the interval's counts */
void probe_sample__free(struct probe_sample *s);

enum probe_attach probe__attach_mode(const struct probe *p);
const char *probe__attach_name(enum probe_attach mode);
bool probe__has_pmu(const struct probe *p);
bool probe__has_wakeups(const struct probe *p);
/* Steal time is taken out of slices (the kernel's BTF has the runqueue's steal clock). */
bool probe__has_steal(const struct probe *p);
/* Whether a probe opened with this BTF (NULL: the running kernel's) would read steal. */
bool probe_can_read_steal(const char *btf_path);
/* Why PMU counters are not used (NULL when they are). */
const char *probe__pmu_reason(const struct probe *p);
/* Drops since the first interval, indexed by enum wp_drop; *missed: program runs the kernel
 * skipped (bpf_prog_info.recursion_misses). */
int probe__drops(const struct probe *p, __u64 out[WP_DROP__MAX], __u64 *missed);
/* BPF program fd of the sched_switch handler in use, for bpf_stats. */
int probe__switch_prog_fd(const struct probe *p);
size_t probe__ncpus(const struct probe *p);

#endif
