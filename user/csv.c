// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* csv.c: the record CSV: its columns, its rows, and a sink that never leaves a torn row. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "csv.h"

struct csv_out {
	int fd;
	gzFile gz;
	bool is_stdout; /* -o -: a pipe, a terminal, whatever the caller made it; never truncated */
	bool created;	/* we made the file: an aborted run removes it */
	bool gzip;
	bool begun;
	off_t good_off; /* end of the last whole interval (files) */
	char *path;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* What a file of this mode is, for a message. */
static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFLNK:
		return "a symbolic link";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	}
	return "not a regular file";
}

/* -1 with errno ELOOP (a symbolic link), EISDIR (a directory) or ENOTSUP, *kind saying which. */
static int refuse(mode_t mode, const char **kind)
{
	if (kind)
		*kind = file_kind(mode);
	errno = S_ISLNK(mode) ? ELOOP : S_ISDIR(mode) ? EISDIR : ENOTSUP;
	return -1;
}

/*
 * An existing path is written on only when it is a regular file. Never through a symbolic link
 * (a root tool told to write in /tmp, where anyone can plant one), never into a device, a FIFO
 * or a socket: those are refused, not streamed, as -o - is the way to a pipe. lstat() first, so
 * that a device is not even opened (opening /dev/watchdog arms it); then what decides is the
 * fstat() of the descriptor opened, as the path may have been swapped in between.
 */
static int open_existing(const char *path, const char **kind)
{
	struct stat st;
	int fd, flags, err;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return refuse(st.st_mode, kind);
	/* O_NONBLOCK: a FIFO swapped in meanwhile fails with ENXIO instead of blocking here. */
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return refuse(S_IFLNK, kind);
	if (fd < 0 && errno == ENXIO && lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return refuse(st.st_mode, kind);
	if (fd < 0)
		return -1;
	err = fstat(fd, &st) ? errno : 0;
	if (!err && !S_ISREG(st.st_mode)) {
		close(fd);
		return refuse(st.st_mode, kind);
	}
	flags = err ? -1 : fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)) {
		err = err ?: errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Open without truncating: a run that fails before recording starts leaves an existing file as
 * it was (and removes one it created). csv__begin() truncates once recording starts.
 */
struct csv_out *csv__open_kind(const char *path, const char **kind)
{
	struct csv_out *out = calloc(1, sizeof(*out));
	int err;

	if (kind)
		*kind = NULL;
	if (!out)
		return NULL;
	if (strcmp(path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		out->is_stdout = true;
		return out;
	}
	out->path = strdup(path);
	if (!out->path) {
		free(out);
		errno = ENOMEM;
		return NULL;
	}
	/* O_EXCL makes a new file or fails: it never follows a link, planted or dangling. */
	out->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	out->created = out->fd >= 0;
	if (out->fd < 0 && errno == EEXIST)
		out->fd = open_existing(path, kind);
	if (out->fd < 0) {
		err = errno;
		free(out->path);
		free(out);
		errno = err;
		return NULL;
	}
	out->gzip = ends_with(path, ".gz");
	return out;
}

struct csv_out *csv__open(const char *path)
{
	return csv__open_kind(path, NULL);
}

int csv__begin(struct csv_out *out)
{
	if (out->begun)
		return 0;
	out->begun = true;
	if (!out->is_stdout && ftruncate(out->fd, 0))
		return -errno;
	if (out->gzip) {
		out->gz = gzdopen(out->fd, "wb6");
		if (!out->gz)
			return -ENOMEM;
	}
	return 0;
}

void csv__abort(struct csv_out *out)
{
	if (!out)
		return;
	if (out->created && !out->begun)
		unlink(out->path);
	if (!out->is_stdout)
		close(out->fd);
	free(out->path);
	free(out);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* zlib's error, as an errno where it has one (ENOSPC rather than "I/O error"). */
static int gz_err(gzFile gz)
{
	int zerr;

	gzerror(gz, &zerr);
	return zerr == Z_ERRNO && errno ? -errno : -EIO;
}

int csv__write(struct csv_out *out, const char *buf, size_t len)
{
	int err = csv__begin(out);

	if (err)
		return err;
	if (!out->gz) {
		/*
		 * One write() for the interval as a rule. A row cut by a full disk or the file size
		 * limit (EFBIG: the CLI catches SIGXFSZ) is taken back: the file ends with a whole
		 * interval. What cannot be taken back: a SIGKILL that lands inside that write(), as
		 * the kernel stops a write at a page boundary when a fatal signal is pending.
		 */
		err = write_all(out->fd, buf, len);
		if (err && !out->is_stdout && ftruncate(out->fd, out->good_off) == 0)
			lseek(out->fd, out->good_off, SEEK_SET);
		if (!err)
			out->good_off += len;
		return err;
	}
	if (len && gzwrite(out->gz, buf, len) != (int)len)
		return gz_err(out->gz);
	/* A sync flush per interval: a file cut short still decompresses to whole intervals. */
	return gzflush(out->gz, Z_SYNC_FLUSH) == Z_OK ? 0 : gz_err(out->gz);
}

bool csv__is_file(const struct csv_out *out)
{
	return !out->is_stdout;
}

int csv__close(struct csv_out *out)
{
	int err = 0;

	if (!out)
		return 0;
	if (out->gz) {
		/* gzclose closes the fd too. */
		if (gzflush(out->gz, Z_FINISH) != Z_OK)
			err = gz_err(out->gz);
		if (!err && fsync(out->fd) && errno != EINVAL)
			err = -errno;
		if (gzclose(out->gz) != Z_OK && !err)
			err = -EIO;
	} else if (!out->is_stdout) {
		if (fsync(out->fd) && errno != EINVAL)
			err = -errno;
		if (close(out->fd) && !err)
			err = -errno;
	}
	free(out->path);
	free(out);
	return err;
}

int csv_header(struct strbuf *sb, const struct csv_layout *lay)
{
	strbuf_printf(sb,
		      "ts_ns,interval_ns,cgroup_id,cgroup,cpu_ns,cycles,instructions,wakeups,"
		      "energy_uj,source,switches,node_energy_uj,gap,namespace,pod,container,group,"
		      "component");
	for (size_t z = 0; z < lay->nzones; z++) {
		strbuf_add(sb, ",", 1);
		strbuf_printf(sb, "energy_uj.%s", lay->zone_labels[z]);
	}
	return strbuf_add(sb, "\n", 1);
}

static void opt_u64(struct strbuf *sb, bool have, unsigned long long v)
{
	if (have)
		strbuf_printf(sb, ",%llu", v);
	else
		strbuf_add(sb, ",", 1);
}

static void gap_field(struct strbuf *sb, const struct csv_layout *lay, const struct zone_delta *zd)
{
	bool first = true;

	strbuf_add(sb, ",", 1);
	for (size_t z = 0; z < lay->nzones; z++) {
		if (!zd[z].gap)
			continue;
		strbuf_printf(sb, "%s%s", first ? "" : "+", lay->zone_labels[z]);
		first = false;
	}
}

static void ident_fields(struct strbuf *sb, const struct wp_ident *id)
{
	const char *f[] = { id->ns, id->pod, id->container, id->group, id->detail };

	for (size_t i = 0; i < 5; i++) {
		strbuf_add(sb, ",", 1);
		strbuf_csv_field(sb, f[i]);
	}
}

static void row(struct strbuf *sb, const struct csv_layout *lay, const struct probe_sample *s,
		unsigned long long interval_ns, const struct zone_delta *zd,
		const struct interval_res *res, size_t r, unsigned long long id,
		const struct wp_ident *ident, const struct wp_cg_stats *st)
{
	strbuf_printf(sb, "%llu,%llu,%llu,", (unsigned long long)s->ts_ns, interval_ns, id);
	strbuf_csv_field(sb, ident->path);
	strbuf_printf(sb, ",%llu", (unsigned long long)st->cpu_ns);
	opt_u64(sb, lay->has_pmu, st->cycles);
	opt_u64(sb, lay->has_pmu, st->instructions);
	opt_u64(sb, lay->has_wakeups, st->wakeups);
	opt_u64(sb, !res->node_gap, res->node_uj[r]);
	strbuf_printf(sb, ",%s,%llu", lay->source, (unsigned long long)st->switches);
	opt_u64(sb, !res->node_gap, res->node_total_uj);
	gap_field(sb, lay, zd);
	ident_fields(sb, ident);
	for (size_t z = 0; z < lay->nzones; z++)
		opt_u64(sb, !zd[z].gap, res->zone_uj[r * res->nzones + z]);
	strbuf_add(sb, "\n", 1);
}

/* Time the hypervisor stole: CPU time of nobody's, and so no energy of anybody's. */
static void steal_row(struct strbuf *sb, const struct csv_layout *lay, const struct probe_sample *s,
		      unsigned long long interval_ns, const struct zone_delta *zd,
		      const struct interval_res *res, const struct wp_ident *ident)
{
	strbuf_printf(sb, "%llu,%llu,%llu,", (unsigned long long)s->ts_ns, interval_ns,
		      (unsigned long long)WP_STEAL_KEY);
	strbuf_csv_field(sb, ident->path);
	strbuf_printf(sb, ",%llu", (unsigned long long)s->steal.cpu_ns);
	opt_u64(sb, lay->has_pmu, 0);
	opt_u64(sb, lay->has_pmu, 0);
	opt_u64(sb, lay->has_wakeups, 0);
	opt_u64(sb, !res->node_gap, 0);
	strbuf_printf(sb, ",%s,0", lay->source);
	opt_u64(sb, !res->node_gap, res->node_total_uj);
	gap_field(sb, lay, zd);
	ident_fields(sb, ident);
	for (size_t z = 0; z < lay->nzones; z++)
		opt_u64(sb, !zd[z].gap, 0);
	strbuf_add(sb, "\n", 1);
}

int csv_interval(struct strbuf *sb, const struct csv_layout *lay, const struct probe_sample *s,
		 unsigned long long interval_ns, const struct zone_delta *zd,
		 const struct interval_res *res, const struct wp_ident *const *ids)
{
	bool steal = s->steal.cpu_ns != 0;

	for (size_t r = 0; r < s->nrows; r++) {
		/* Rows stay sorted by id: the steal row's pseudo id sits below <overflow>'s. */
		if (steal && s->rows[r].cgroup_id > WP_STEAL_KEY) {
			steal_row(sb, lay, s, interval_ns, zd, res, ids[s->nrows + 1]);
			steal = false;
		}
		row(sb, lay, s, interval_ns, zd, res, r, s->rows[r].cgroup_id, ids[r],
		    &s->rows[r].s);
	}
	if (steal)
		steal_row(sb, lay, s, interval_ns, zd, res, ids[s->nrows + 1]);
	row(sb, lay, s, interval_ns, zd, res, s->nrows, WP_IDLE_KEY, ids[s->nrows], &s->idle);
	return sb->err;
}
