// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cgname.c: cgroup id -> path as in /proc/PID/cgroup, cached. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cgname.h"
#include "u64map.h"

#define FILEID_KERNFS 0xfe
#define RESCAN_MIN_NS 1000000000ULL

struct cgname {
	char mount[CG_PATH_MAX];
	char root[CG_PATH_MAX];
	int mount_fd;
	bool by_handle; /* open_by_handle_at works here */
	uint64_t last_scan_ns;
	struct u64map *paths; /* id -> char * */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int cgname_rel_path(const char *mount, const char *mount_root, const char *abs, char *out,
		    size_t len)
{
	size_t ml = strlen(mount);
	const char *rest;
	bool root_slash = strcmp(mount_root, "/") == 0 || !mount_root[0];

	while (ml > 1 && mount[ml - 1] == '/')
		ml--;
	if (strncmp(abs, mount, ml) != 0 || (abs[ml] != '/' && abs[ml] != '\0'))
		return -EINVAL;
	rest = abs + ml;
	if (root_slash)
		snprintf(out, len, "%s", *rest ? rest : "/");
	else
		snprintf(out, len, "%s%s", mount_root, rest);
	return 0;
}

/*
 * A name handed out stays valid until cgname__forget of its id. Kernfs ids are never reused
 * and a cgroup cannot be renamed, so a stored name never goes stale.
 */
static int store(struct cgname *c, uint64_t id, const char *path)
{
	char **slot;

	if (u64map__get(c->paths, id))
		return 0;
	slot = u64map__upsert(c->paths, id);
	if (!slot)
		return -ENOMEM;
	*slot = strdup(path);
	return *slot ? 0 : -ENOMEM;
}

/* Record every directory below dirfd (whose hierarchy path is rel); dirfd is consumed. */
static int walk(struct cgname *c, int dirfd, char *rel, size_t len)
{
	size_t rl = strlen(rel);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err = 0;

	d = fdopendir(dirfd);
	if (!d) {
		err = -errno;
		close(dirfd);
		return err;
	}
	while (!err && (de = readdir(d))) {
		int fd;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rl + strlen(de->d_name) + 2 > len)
			continue; /* deeper than a path can name */
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue; /* removed while we walk */
		snprintf(rel + rl, len - rl, "%s%s", rl > 1 ? "/" : "", de->d_name);
		err = store(c, st.st_ino, rel);
		fd = err ? -1 : openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			err = walk(c, fd, rel, len);
		rel[rl] = '\0';
	}
	closedir(d);
	return err == -ENOENT ? 0 : err;
}

int cgname__rescan(struct cgname *c)
{
	char rel[CG_PATH_MAX];
	struct stat st;
	int fd, err;

	c->last_scan_ns = mono_ns();
	if (fstat(c->mount_fd, &st))
		return -errno;
	snprintf(rel, sizeof(rel), "%s", c->root);
	err = store(c, st.st_ino, rel);
	if (err)
		return err;
	fd = openat(c->mount_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return walk(c, fd, rel, sizeof(rel));
}

/* Open the cgroup directory by its kernfs id and read back its path. */
static int by_handle(struct cgname *c, uint64_t id, char *rel, size_t len)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS },
		.id = id };
	char link[64], abs[CG_PATH_MAX];
	ssize_t n;
	int fd, err;

	fd = open_by_handle_at(c->mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, abs, sizeof(abs) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	abs[n] = '\0';
	return cgname_rel_path(c->mount, c->root, abs, rel, len);
}

const char *cgname__lookup(struct cgname *c, uint64_t id)
{
	char rel[CG_PATH_MAX], **slot = u64map__get(c->paths, id);
	int err;

	if (slot)
		return *slot;
	if (c->by_handle) {
		err = by_handle(c, id, rel, sizeof(rel));
		if (!err && !store(c, id, rel))
			return *(char **)u64map__get(c->paths, id);
		/*
		 * ESTALE/ENOENT: removed. ENAMETOOLONG: this one cgroup's path is longer than a
		 * path can be (CG_PATH_MAX); it is named <too-long>, the others are still
		 * found by handle. Anything else: handles do not work here; walk instead.
		 */
		if (err == -ENAMETOOLONG)
			return store(c, id, CGNAME_TOO_LONG) ? CGNAME_TOO_LONG
							     : *(char **)u64map__get(c->paths, id);
		if (err != -ESTALE && err != -ENOENT)
			c->by_handle = false;
	}
	if (!c->by_handle && mono_ns() - c->last_scan_ns >= RESCAN_MIN_NS) {
		cgname__rescan(c);
		slot = u64map__get(c->paths, id);
		if (slot)
			return *slot;
	}
	/* Kernfs ids are never reused, so a cgroup found gone stays gone. */
	if (c->by_handle)
		store(c, id, CGNAME_GONE);
	return CGNAME_GONE;
}

int cgname__alive(struct cgname *c, uint64_t id)
{
	char rel[CG_PATH_MAX], path[CG_PATH_MAX + 256], **slot;
	size_t rootlen;
	int err;

	if (c->by_handle) {
		err = by_handle(c, id, rel, sizeof(rel));
		if (!err || err == -ENAMETOOLONG)
			return 1;
		if (err == -ESTALE || err == -ENOENT)
			return 0;
	}
	/* Without handles: by the path it had, which a new cgroup cannot take before it is gone. */
	slot = u64map__get(c->paths, id);
	if (!slot || !strcmp(*slot, CGNAME_GONE) || !strcmp(*slot, CGNAME_TOO_LONG))
		return slot ? 0 : -ENOENT;
	/* Names are the hierarchy's paths: below a mount of a subtree, less its root. */
	rootlen = strcmp(c->root, "/") ? strlen(c->root) : 0;
	snprintf(path, sizeof(path), "%s%s", c->mount,
		 strncmp(*slot, c->root, rootlen) ? *slot : *slot + rootlen);
	return access(path, F_OK) == 0;
}

void cgname__forget(struct cgname *c, uint64_t id)
{
	char **slot = u64map__get(c->paths, id);

	if (!slot)
		return;
	free(*slot);
	u64map__del(c->paths, id);
}

size_t cgname__count(const struct cgname *c)
{
	return u64map__size(c->paths);
}

struct cgname *cgname__open(const struct cg_hier *hier)
{
	struct cgname *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return NULL;
	c->mount_fd = -1;
	snprintf(c->mount, sizeof(c->mount), "%s", hier->mount);
	snprintf(c->root, sizeof(c->root), "%s", hier->root[0] ? hier->root : "/");
	c->paths = u64map__new(sizeof(char *));
	c->mount_fd = open(c->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!c->paths || c->mount_fd < 0) {
		err = c->paths ? -errno : -ENOMEM;
		goto fail;
	}
	c->by_handle = true;
	err = cgname__rescan(c);
	if (err)
		goto fail;
	return c;
fail:
	cgname__free(c);
	errno = -err;
	return NULL;
}

void cgname__free(struct cgname *c)
{
	size_t it = 0;
	uint64_t key;
	char **v;

	if (!c)
		return;
	while (c->paths && (v = u64map__next(c->paths, &it, &key)))
		free(*v);
	u64map__free(c->paths);
	if (c->mount_fd >= 0)
		close(c->mount_fd);
	free(c);
}
