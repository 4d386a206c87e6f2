/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* cgroupfs.h: where the cgroup hierarchies are mounted, and which one keys the probe. */
#ifndef WP_CGROUPFS_H
#define WP_CGROUPFS_H

#include <stdbool.h>
#include <stddef.h>
#include "wattprobe.h"

#define CG_PATH_MAX 4096

struct cg_hier {
	char mount[CG_PATH_MAX]; /* mount point, "" when not mounted */
	char root[CG_PATH_MAX];	 /* path of the mount's root inside the hierarchy, usually "/" */
};

struct cg_mounts {
	struct cg_hier v2;
	struct cg_hier v1_cpuacct;
	struct cg_hier v1_cpu;
};

/* Parse /proc/self/mountinfo text. Pure. 0 or -EINVAL on a malformed line. */
int cg_mounts_parse(const char *mountinfo, struct cg_mounts *out);
/* Read and parse /proc/self/mountinfo (or path). 0 or -errno. */
int cg_mounts_read(const char *path, struct cg_mounts *out);

/*
 * Pick the probe's cgroup key. want: "auto" (v2 whenever a cgroup2 fs is mounted, hybrid hosts
 * included; v1 cpuacct, else cpu, on v1-only hosts), "v2" or "v1". Sets *mode and *hier.
 * 0, or -ENOENT with msg saying what is missing, -EINVAL for an unknown want.
 */
int cg_choose(const struct cg_mounts *m, const char *want, enum wp_cgroup_mode *mode,
	      const struct cg_hier **hier, char *msg, size_t len);
const char *cg_mode_name(enum wp_cgroup_mode mode);

/*
 * Pure: the path of a process's cgroup in the hierarchy that keys mode, from its
 * /proc/PID/cgroup text. 0, -ENOENT (no such line), -EINVAL (malformed), -ENAMETOOLONG.
 */
int cg_self_path(const char *proc_cgroup, enum wp_cgroup_mode mode, char *out, size_t len);
/*
 * The same, read from /proc/PID/cgroup (pid <= 0: this process's). -ESRCH when the process is
 * gone, else as cg_self_path, or -errno.
 */
int cg_proc_path(long pid, enum wp_cgroup_mode mode, char *out, size_t len);
/* Whether the cgroup at path (as cg_self_path gives it) is a directory under hier's mount. */
bool cg_exists(const struct cg_hier *hier, const char *path);

#endif
