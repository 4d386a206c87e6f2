/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* cgname.h: cgroup id -> path as in /proc/PID/cgroup, cached. */
#ifndef WP_CGNAME_H
#define WP_CGNAME_H

#include <stdint.h>
#include "cgroupfs.h"

#define CGNAME_GONE	"<gone>"
#define CGNAME_TOO_LONG "<too-long>" /* a path past PATH_MAX: readlink cannot give it */

struct cgname;

/* Names for the hierarchy hier (its mount and root). NULL with errno on failure. */
struct cgname *cgname__open(const struct cg_hier *hier);
void cgname__free(struct cgname *c);

/*
 * The path of cgroup id ("/system.slice/foo.service", "/" for the root), or CGNAME_GONE when
 * it was removed before it could be named. Never NULL. Unknown ids are resolved at once by
 * handle (open_by_handle_at), else by walking the hierarchy again (at most once a second).
 */
const char *cgname__lookup(struct cgname *c, uint64_t id);

/* Whether cgroup id still exists: 1, 0 (gone: its id never comes back), or -ENOENT (unknown). */
int cgname__alive(struct cgname *c, uint64_t id);
/* Drop id's name (a gone cgroup's): the pointer cgname__lookup gave for it is freed. */
void cgname__forget(struct cgname *c, uint64_t id);
/* Names held. */
size_t cgname__count(const struct cgname *c);

/* Rewalk the hierarchy now; 0 or -errno. */
int cgname__rescan(struct cgname *c);

/* Pure: the hierarchy path of a directory seen at abs, given the mount and its root. */
int cgname_rel_path(const char *mount, const char *mount_root, const char *abs, char *out,
		    size_t len);

#endif
