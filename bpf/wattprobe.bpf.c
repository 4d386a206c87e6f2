// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wattprobe.bpf.c: per-cgroup on-CPU time, PMU cycles/instructions and scheduler events.
 *
 * Every sched_switch closes the slice that just ended on this CPU and charges it to the
 * outgoing task's cgroup (current, in sched_switch), idle tasks (pid 0) to a row of their own.
 * Counts go to per-CPU hash maps, one per epoch. To sample, userspace runs wp_flush on every
 * CPU through BPF_PROG_TEST_RUN(BPF_F_TEST_RUN_ON_CPU): in that IPI the slice in progress is
 * split at the sample time and the CPU moves to the other epoch. Once every CPU has moved, the
 * old epoch's map is quiescent and userspace reads and empties it: the interval's counts are
 * exact, nothing straddles a sample, and the maps hold only what was active in one interval.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "wattprobe.h"
#include "slice.h"
#include "core_fixes.bpf.h"

/* Set by the loader between open and load. */
const volatile __u32 targ_cgroup_mode = WP_CG_V2;
const volatile bool targ_pmu = false;
const volatile bool targ_steal = false; /* the kernel keeps a steal clock the probe can reach */

/* Per-epoch stats; max_entries is set at open time (--max-cgroups). */
struct wp_stats_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, WP_MAX_CGROUPS_DEFAULT);
	__type(key, __u64);
	__type(value, struct wp_cg_stats);
};
struct wp_stats_map stats0 SEC(".maps");
struct wp_stats_map stats1 SEC(".maps");

/* Time the hypervisor stole in each epoch (cpu_ns only): never charged to a cgroup. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct wp_cg_stats);
} steal SEC(".maps");

/* Idle time of each epoch: an array, so that idle can never find a map full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct wp_cg_stats);
} idle SEC(".maps");

/* What did not fit in a full stats map, per epoch: counted, never lost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct wp_cg_stats);
} overflow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wp_cpu_slot);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WP_DROP__MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* One perf event per CPU; max_entries is set to the number of possible CPUs at open time. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cycles_ev SEC(".maps"), instr_ev SEC(".maps");

static __always_inline void drop_inc(__u32 what)
{
	__u64 *cnt = bpf_map_lookup_elem(&drops, &what);

	if (cnt)
		(*cnt)++;
}

static __always_inline __u64 v1_key(struct task_struct *task)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cgroups;
	__u64 id64;
	int id;

	if (targ_cgroup_mode == WP_CG_V1_CPU)
		id = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
	else
		id = bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id);
	if (id < 0 || id >= 64)
		return WP_UNKNOWN_KEY;
	cgroups = BPF_CORE_READ(task, cgroups);
	if (!cgroups)
		return WP_UNKNOWN_KEY;
	bpf_probe_read_kernel(&css, sizeof(css),
			      (void *)cgroups + bpf_core_field_offset(struct css_set, subsys) +
				      id * sizeof(css));
	if (!css)
		return WP_UNKNOWN_KEY;
	id64 = wp_kernfs_id(BPF_CORE_READ(css, cgroup, kn));
	/* A failed read gives 0, which would be idle's key. */
	return id64 ? id64 : WP_UNKNOWN_KEY;
}

static __always_inline __u64 task_key(struct task_struct *task)
{
	if (targ_cgroup_mode == WP_CG_V2)
		return wp_kernfs_id(BPF_CORE_READ(task, cgroups, dfl_cgrp, kn));
	return v1_key(task);
}

/* The cgroup key of the task running now; idle tasks have pid 0 on every CPU. */
static __always_inline __u64 current_key(void)
{
	if ((__u32)bpf_get_current_pid_tgid() == 0)
		return WP_IDLE_KEY;
	if (targ_cgroup_mode == WP_CG_V2)
		return bpf_get_current_cgroup_id();
	return v1_key((struct task_struct *)bpf_get_current_task());
}

static __always_inline struct wp_cg_stats *stats_get(__u32 epoch, __u64 key)
{
	struct wp_cg_stats zero = {}, *st;
	void *map = epoch ? (void *)&stats1 : (void *)&stats0;

	st = bpf_map_lookup_elem(map, &key);
	if (st)
		return st;
	bpf_map_update_elem(map, &key, &zero, BPF_NOEXIST);
	st = bpf_map_lookup_elem(map, &key);
	if (st)
		return st;
	drop_inc(WP_DROP_MAP_FULL);
	return bpf_map_lookup_elem(&overflow, &epoch);
}

static __always_inline __u64 pmu_delta(void *map, __u64 *base, bool first)
{
	struct bpf_perf_event_value val = {};
	__u64 delta;

	if (bpf_perf_event_read_value(map, BPF_F_CURRENT_CPU, &val, sizeof(val))) {
		drop_inc(WP_DROP_PMU_READ);
		return 0;
	}
	delta = (!first && val.counter > *base) ? val.counter - *base : 0;
	*base = val.counter;
	return delta;
}

static __always_inline void stats_add(struct wp_cg_stats *dst, const struct wp_cg_stats *src)
{
	dst->cpu_ns += src->cpu_ns;
	dst->cycles += src->cycles;
	dst->instructions += src->instructions;
	dst->switches += src->switches;
	dst->wakeups += src->wakeups;
}

/* Move counts from the slot to the epoch map. */
static __always_inline void commit(__u32 epoch, __u64 key, struct wp_cg_stats *acc)
{
	struct wp_cg_stats *st = stats_get(epoch, key);

	if (st)
		stats_add(st, acc);
	__builtin_memset(acc, 0, sizeof(*acc));
}

/* The slot's counts for key: idle's own, a cached entry, or one evicted for it. */
static __always_inline struct wp_cg_stats *slot_acc(struct wp_cpu_slot *s, __u64 key)
{
	__u32 v;

	if (key == WP_IDLE_KEY)
		return &s->idle;
#pragma unroll
	for (int i = 0; i < WP_SLOT_CACHE; i++) {
		if (s->key[i] == key)
			return &s->acc[i];
	}
	v = s->victim++ & (WP_SLOT_CACHE - 1);
	if (s->key[v])
		commit(s->epoch, s->key[v], &s->acc[v]);
	else
		__builtin_memset(&s->acc[v], 0, sizeof(s->acc[v]));
	s->key[v] = key;
	return &s->acc[v];
}

/* Everything the slot holds goes to the epoch's maps: the epoch is about to end on this CPU. */
static __always_inline void slot_drain(struct wp_cpu_slot *s)
{
	__u32 epoch = s->epoch;
	struct wp_cg_stats *idle_st = bpf_map_lookup_elem(&idle, &epoch);
	struct wp_cg_stats *steal_st = bpf_map_lookup_elem(&steal, &epoch);

	if (idle_st)
		stats_add(idle_st, &s->idle);
	__builtin_memset(&s->idle, 0, sizeof(s->idle));
	if (steal_st)
		steal_st->cpu_ns += s->steal_ns;
	s->steal_ns = 0;
#pragma unroll
	for (int i = 0; i < WP_SLOT_CACHE; i++) {
		if (s->key[i])
			commit(s->epoch, s->key[i], &s->acc[i]);
		s->key[i] = 0;
	}
}

/*
 * Steal time of this CPU so far, ns: what paravirt_steal_clock() said at the runqueue's last
 * clock update, which __schedule() makes just before sched_switch. It exists with
 * CONFIG_PARAVIRT_TIME_ACCOUNTING, the option that also takes steal out of cpu.stat. The
 * runqueue is reached from the running task (its cfs_rq is on this CPU), not through the
 * runqueues per-CPU symbol: that needs CONFIG_KALLSYMS_ALL, which many kernels lack.
 */
static __always_inline __u64 steal_clock(void)
{
	struct task_struct *task;

	if (!targ_steal)
		return 0;
	task = bpf_get_current_task_btf();
	if (bpf_core_field_exists(task->se.cfs_rq) &&
	    bpf_core_field_exists(((struct cfs_rq *)0)->rq) &&
	    bpf_core_field_exists(((struct rq *)0)->prev_steal_time_rq))
		return task->se.cfs_rq->rq->prev_steal_time_rq;
	return 0;
}

/*
 * Take the steal within a slice out of it. Steal found beyond the slice's length was accrued
 * before it (the clock is refreshed only at runqueue clock updates, which the flush IPI does not
 * make): it is dropped rather than carried into the next slice, which may be another cgroup's.
 * So a cgroup's time never absorbs another's steal; at worst a little steal stays where it
 * happened, in the slice before a flush.
 */
static __always_inline __u64 less_steal(struct wp_cpu_slot *s, __u64 cpu_ns, bool first)
{
	__u64 clock = steal_clock(), stolen = 0;

	if (!first && clock > s->steal_base)
		stolen = clock - s->steal_base;
	if (clock > s->steal_base || first)
		s->steal_base = clock;
	if (stolen > cpu_ns)
		stolen = cpu_ns;
	s->steal_ns += stolen;
	return cpu_ns - stolen;
}

/* Charge the slice ending now on this CPU to key and start the next slice. */
static __always_inline void account(struct wp_cpu_slot *s, __u64 now, __u64 key, __u64 switched)
{
	bool first = s->since_ns == 0;
	__u64 cycles = 0, instructions = 0, cpu_ns;
	struct wp_cg_stats *acc;

	cpu_ns = wp_slice_close(s, now);
	if (targ_steal)
		cpu_ns = less_steal(s, cpu_ns, first);
	if (targ_pmu) {
		cycles = pmu_delta(&cycles_ev, &s->cycles_base, first);
		instructions = pmu_delta(&instr_ev, &s->instr_base, first);
	}
	acc = slot_acc(s, key);
	acc->cpu_ns += cpu_ns;
	acc->cycles += cycles;
	acc->instructions += instructions;
	acc->switches += switched;
}

static __always_inline int on_switch(void)
{
	__u32 zero = 0;
	struct wp_cpu_slot *s = bpf_map_lookup_elem(&slots, &zero);

	if (s)
		account(s, bpf_ktime_get_ns(), current_key(), 1);
	return 0;
}

static __always_inline int on_wakeup(__u64 key)
{
	__u32 zero = 0;
	struct wp_cpu_slot *s = bpf_map_lookup_elem(&slots, &zero);
	struct wp_cg_stats *st;

	if (!s)
		return 0;
	/*
	 * On the loader's own CPU, wp_flush runs with IRQs on (BPF_PROG_TEST_RUN calls it directly
	 * there): a wakeup from an IRQ must not reshuffle the cache under it. It goes to the map.
	 */
	if (s->flushing) {
		st = stats_get(s->epoch, key);
		if (st)
			st->wakeups++;
		return 0;
	}
	slot_acc(s, key)->wakeups++;
	return 0;
}

/*
 * tp_btf hands us a trusted task pointer: the v2 id is read with direct (CO-RE relocated) loads,
 * no helper call. tp_btf exists since Linux 5.5, where kernfs_node.id is already a u64.
 */
static __always_inline __u64 task_key_btf(struct task_struct *task)
{
	if (targ_cgroup_mode == WP_CG_V2)
		return task->cgroups->dfl_cgrp->kn->id;
	return v1_key(task);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf)
{
	return on_switch();
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw)
{
	return on_switch();
}

SEC("tp/sched/sched_switch")
int switch_tp(void *ctx)
{
	return on_switch();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *p)
{
	return on_wakeup(task_key_btf(p));
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(wakeup_new_btf, struct task_struct *p)
{
	return on_wakeup(task_key_btf(p));
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(wakeup_raw, struct task_struct *p)
{
	return on_wakeup(task_key(p));
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(wakeup_new_raw, struct task_struct *p)
{
	return on_wakeup(task_key(p));
}

/*
 * Run by userspace on each CPU (never attached): args[0] is the epoch to move to, args[1]
 * the wp_flush_flag bits. In the IPI, current is the task the sample interrupted.
 */
SEC("raw_tp")
int wp_flush(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct wp_cpu_slot *s = bpf_map_lookup_elem(&slots, &zero);

	if (!s)
		return 0;
	s->flushing = 1;
	if (ctx->args[1] & WP_FLUSH_RESET) {
		/* A fresh start (open, or a CPU back online): what the slot holds is stale. */
		__builtin_memset(s->key, 0, sizeof(s->key));
		__builtin_memset(&s->idle, 0, sizeof(s->idle));
		s->steal_ns = 0;
		s->since_ns = 0;
	}
	account(s, now, current_key(), 0);
	slot_drain(s);
	s->epoch = ctx->args[0] & 1;
	s->flush_ns = now;
	s->flushing = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
