// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_floor.bpf.c: empty programs on the tracepoints wattprobe's probe attaches to, in each
 * of its three attach modes. `make bench` (tests/bench/bench.c) attaches the mode it measures
 * next to the real probe and reads both programs' run time from the kernel's bpf stats: an
 * empty program's ns per event is the floor, what the kernel's dispatch and the stats' own
 * clock reads cost, so the probe's figure less the floor is what the probe's code costs.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch_btf)
{
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(floor_wakeup_btf)
{
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(floor_wknew_btf)
{
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(floor_switch_raw)
{
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(floor_wakeup_raw)
{
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(floor_wknew_raw)
{
	return 0;
}

/* The probe's classic-tracepoint mode has sched_switch only (the wakeups carry no task). */
SEC("tp/sched/sched_switch")
int floor_switch_tp(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
