/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* core_fixes.bpf.h: kernel differences the probe reads across, one helper each. */
#ifndef WATTPROBE_CORE_FIXES_BPF_H
#define WATTPROBE_CORE_FIXES_BPF_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>

/*
 * Linux 5.5 (commit 67c0496e87d1 "kernfs: convert kernfs_node->id from union kernfs_node_id
 * to u64") made kernfs_node.id a plain u64; before, it was a union of {ino, generation} and id.
 */
union kernfs_node_id___old {
	struct {
		__u32 ino;
		__u32 generation;
	};
	__u64 id;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	union kernfs_node_id___old id;
} __attribute__((preserve_access_index));

static __always_inline __u64 wp_kernfs_id(struct kernfs_node *kn)
{
	if (bpf_core_type_exists(union kernfs_node_id)) {
		struct kernfs_node___old *old = (void *)kn;

		return BPF_CORE_READ(old, id.id);
	}
	return BPF_CORE_READ(kn, id);
}

#endif /* WATTPROBE_CORE_FIXES_BPF_H */
