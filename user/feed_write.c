// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* feed_write.c: one VM's share of the host's energy, as a powercap-shaped tree (docs/feed.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>
#include "feed_write.h"

struct feed_writer {
	char *dir;
	int dfd;
	size_t n;
	struct feed_slot slots[FEED_MAX_ZONES];
	uint64_t seq;
	char fs_disk[16]; /* the filesystem's kind when it is not in memory, else "" */
};

static const char *const sub_kinds[] = { "dram", "core", "uncore" };

/* "dram-0-die-1" is dram of "package-0-die-1": the kind, and the package's suffix. */
static const char *sub_of(const char *label, const char **suffix)
{
	for (size_t k = 0; k < sizeof(sub_kinds) / sizeof(sub_kinds[0]); k++) {
		size_t n = strlen(sub_kinds[k]);

		if (!strncmp(label, sub_kinds[k], n) && label[n] == '-' && label[n + 1]) {
			*suffix = label + n + 1;
			return sub_kinds[k];
		}
	}
	return NULL;
}

static bool is_package(const char *label)
{
	return !strncmp(label, "package-", 8) && label[8];
}

/* The guest's rule (powercap.c): psys alone when present, else packages, DRAM and model. */
static void guest_node(struct feed_slot *s, size_t n)
{
	bool psys = false;

	for (size_t i = 0; i < n; i++)
		psys |= !strcmp(s[i].name, "psys");
	for (size_t i = 0; i < n; i++) {
		const char *nm = s[i].name;

		s[i].node = psys ? !strcmp(nm, "psys")
				 : (!strncmp(nm, "package-", 8) || !strcmp(nm, "dram") ||
				    !strcmp(nm, "model"));
	}
}

int feed_layout(const char *const *labels, const bool *node, size_t n, struct feed_slot *out,
		char *msg, size_t len)
{
	size_t top = 0, sub[FEED_MAX_ZONES] = {};
	int pkg_of[FEED_MAX_ZONES];

	if (n == 0 || n > FEED_MAX_ZONES) {
		snprintf(msg, len, "feed: %zu zones (want 1..%d)", n, FEED_MAX_ZONES);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!labels[i][0] || strlen(labels[i]) >= FEED_NAME_LEN || strchr(labels[i], '/')) {
			snprintf(msg, len, "feed: zone label '%s' cannot be a zone name",
				 labels[i]);
			return -EINVAL;
		}
		pkg_of[i] = -1;
	}
	/* Top-level zones first, numbered in order: everything that is no package's part. */
	for (size_t i = 0; i < n; i++) {
		const char *suffix, *kind = sub_of(labels[i], &suffix);
		bool parented = false;

		for (size_t j = 0; kind && j < n; j++)
			if (is_package(labels[j]) && !strcmp(labels[j] + 8, suffix))
				parented = true;
		if (parented)
			continue;
		pkg_of[i] = (int)top;
		snprintf(out[i].dir, FEED_DIR_LEN, "intel-rapl:%zu", top++);
		snprintf(out[i].name, FEED_NAME_LEN, "%s", labels[i]);
	}
	for (size_t i = 0; i < n; i++) {
		const char *suffix, *kind;
		int p = -1;

		if (pkg_of[i] >= 0)
			continue;
		kind = sub_of(labels[i], &suffix);
		for (size_t j = 0; j < n; j++)
			if (is_package(labels[j]) && !strcmp(labels[j] + 8, suffix))
				p = pkg_of[j];
		snprintf(out[i].dir, FEED_DIR_LEN, "intel-rapl:%d:%zu", p, sub[p]++);
		snprintf(out[i].name, FEED_NAME_LEN, "%s", kind);
	}
	guest_node(out, n);
	for (size_t i = 0; i < n; i++) {
		if (out[i].node != node[i]) {
			snprintf(msg, len,
				 "feed: zone %s is %s node energy on this host but would %s in the "
				 "guest's",
				 labels[i], node[i] ? "in" : "not in", node[i] ? "not be" : "be");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * name (relative to the tree) replaced whole by text: a temporary file, then a rename. On
 * ext4 the rename flushes the new file's data first (auto_da_alloc): 250-400 us a file on this
 * VM, against 16 us on tmpfs; swapping a fresh file in with RENAME_EXCHANGE avoids the flush
 * but not ext4's search for an inode not recently deleted, which grew to 200 us a file. So
 * the feed belongs on a tmpfs (feed_writer__on_disk says when it is not).
 */
static int put(int dfd, const char *name, const char *text)
{
	char tmp[FEED_DIR_LEN + 64];
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* Readable by QEMU, which serves the share as its own user, whatever our umask. */
	if (fchmod(fd, 0644))
		err = -errno;
	n = err ? 0 : write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if (!err && (size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(dfd, tmp, dfd, name))
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	return err;
}

/* A directory QEMU can go through whatever our umask; one that exists is left as it is. */
static int make_dir(const char *path)
{
	if (mkdir(path, 0755) == 0)
		return chmod(path, 0755) ? -errno : 0;
	return errno == EEXIST ? 0 : -errno;
}

static int mkdirs(const char *dir)
{
	char buf[4096];
	int err;
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		err = make_dir(buf);
		if (err)
			return err;
		*p = '/';
	}
	return make_dir(buf);
}

int feed_dir_prepare(const char *dir, char *msg, size_t len)
{
	int err = mkdirs(dir);

	if (!err && access(dir, W_OK | X_OK))
		err = -errno;
	if (err)
		snprintf(msg, len, "feed dir %s: %s", dir, strerror(-err));
	return err;
}

static bool has_slot(const struct feed_writer *w, const char *dir)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->slots[i].dir, dir))
			return true;
	return false;
}

/* A previous host's zones that this one does not write would be read as frozen zones. */
static void remove_stale(struct feed_writer *w)
{
	static const char *const files[] = { "name", "energy_uj", "max_energy_range_uj" };
	int fd = dup(w->dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		int zfd;

		if (strncmp(de->d_name, "intel-rapl:", 11) || has_slot(w, de->d_name))
			continue;
		zfd = openat(w->dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (zfd < 0)
			continue;
		for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++)
			unlinkat(zfd, files[k], 0);
		close(zfd);
		unlinkat(w->dfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

struct feed_writer *feed_writer__open(const char *dir, const struct feed_slot *slots, size_t n,
				      const char *source, char *msg, size_t len)
{
	struct feed_writer *w;
	char path[FEED_DIR_LEN + 16], line[1024];
	int err;

	if (n == 0 || n > FEED_MAX_ZONES) {
		snprintf(msg, len, "feed %s: %zu zones", dir, n);
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->dir = strdup(dir))) {
		free(w);
		snprintf(msg, len, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	w->dfd = -1;
	w->n = n;
	memcpy(w->slots, slots, n * sizeof(*slots));
	err = mkdirs(dir);
	if (err) {
		snprintf(msg, len, "feed %s: cannot create it: %s", dir, strerror(-err));
		goto fail;
	}
	/* Never through a symlink: the tree may be writable by the guest's side. */
	w->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->dfd < 0 || fchmod(w->dfd, 0755)) {
		err = -errno;
		snprintf(msg, len, "feed %s: %s", dir, strerror(-err));
		goto fail;
	}
	{
		struct statfs sf;

		/* tmpfs and ramfs keep it in memory; anything else writes at every interval. */
		if (!fstatfs(w->dfd, &sf) && sf.f_type != TMPFS_MAGIC && sf.f_type != RAMFS_MAGIC)
			snprintf(w->fs_disk, sizeof(w->fs_disk), "%s",
				 sf.f_type == EXT4_SUPER_MAGIC	  ? "ext4"
				 : sf.f_type == XFS_SUPER_MAGIC	  ? "xfs"
				 : sf.f_type == BTRFS_SUPER_MAGIC ? "btrfs"
								  : "a disk");
	}
	remove_stale(w);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		/* A zone that is anything but a directory of ours (a symlink) is replaced. */
		if (!fstatat(w->dfd, slots[i].dir, &st, AT_SYMLINK_NOFOLLOW) &&
		    !S_ISDIR(st.st_mode))
			unlinkat(w->dfd, slots[i].dir, 0);
		if ((mkdirat(w->dfd, slots[i].dir, 0755) && errno != EEXIST) ||
		    fchmodat(w->dfd, slots[i].dir, 0755, 0)) {
			err = -errno;
			snprintf(msg, len, "feed %s/%s: %s", dir, slots[i].dir, strerror(-err));
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/name", slots[i].dir);
		err = put(w->dfd, path, slots[i].name);
		if (!err) {
			/* A previous host's range would make 0 look like a wrap, not a restart. */
			snprintf(path, sizeof(path), "%s/max_energy_range_uj", slots[i].dir);
			if (unlinkat(w->dfd, path, 0) && errno != ENOENT)
				err = -errno;
		}
		if (err) {
			snprintf(msg, len, "feed %s/%s: %s", dir, path, strerror(-err));
			goto fail;
		}
	}
	snprintf(line, sizeof(line), "%s\n", source);
	err = put(w->dfd, "source", line);
	if (!err)
		err = feed_writer__write(w, (uint64_t[FEED_MAX_ZONES]){}, NULL);
	if (err) {
		snprintf(msg, len, "feed %s: writing it: %s", dir, strerror(-err));
		goto fail;
	}
	return w;
fail:
	feed_writer__free(w);
	errno = -err;
	return NULL;
}

int feed_writer__write(struct feed_writer *w, const uint64_t *uj, const bool *gap)
{
	char num[32];
	int err, zfd;

	for (size_t i = 0; i < w->n; i++) {
		/* Each time: a zone swapped for a symlink since the open is not followed. */
		zfd = openat(w->dfd, w->slots[i].dir,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (zfd < 0)
			return -errno;
		if (gap && gap[i])
			num[0] = '\0';
		else
			snprintf(num, sizeof(num), "%" PRIu64 "\n", uj[i]);
		err = put(zfd, "energy_uj", num);
		close(zfd);
		if (err)
			return err;
	}
	snprintf(num, sizeof(num), "%" PRIu64 "\n", ++w->seq);
	return put(w->dfd, "seq", num);
}

uint64_t feed_writer__seq(const struct feed_writer *w)
{
	return w->seq;
}

const char *feed_writer__on_disk(const struct feed_writer *w)
{
	return w->fs_disk;
}

const char *feed_writer__dir(const struct feed_writer *w)
{
	return w->dir;
}

void feed_writer__free(struct feed_writer *w)
{
	if (!w)
		return;
	if (w->dfd >= 0)
		close(w->dfd);
	free(w->dir);
	free(w);
}
