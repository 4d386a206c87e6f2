/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* slice.h: closing a CPU's slice in progress; pure, shared by the probe and its unit test. */
#ifndef WATTPROBE_SLICE_H
#define WATTPROBE_SLICE_H

#include "wattprobe.h"

/*
 * Close the slice in progress on a CPU at now_ns and start the next one. Returns the length
 * of the closed slice, owed to the task that was current during it (in sched_switch that is
 * the outgoing task, in the flush IPI the interrupted one). The first event seen on a CPU
 * only starts a slice: what ran before the probe attached is not known.
 */
static inline __u64 wp_slice_close(struct wp_cpu_slot *s, __u64 now_ns)
{
	__u64 delta = 0;

	if (s->since_ns && now_ns > s->since_ns)
		delta = now_ns - s->since_ns;
	s->since_ns = now_ns;
	return delta;
}

#endif /* WATTPROBE_SLICE_H */
