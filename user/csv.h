/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* csv.h: the record CSV: its columns, its rows, and a sink that never leaves a torn row. */
#ifndef WP_CSV_H
#define WP_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include "ident.h"
#include "interval.h"
#include "strbuf.h"

struct csv_out;

/*
 * "-" is stdout; any other path must be a regular file or not exist yet (it is then created,
 * 0644). A symbolic link (errno ELOOP), a directory (EISDIR), a FIFO, a socket or a device
 * (ENOTSUP) is refused, never followed or written into, and *kind (when not NULL) says what it
 * is ("a FIFO"); otherwise *kind is NULL. A .gz suffix writes gzip. Nothing is truncated yet.
 * NULL with errno set.
 */
struct csv_out *csv__open_kind(const char *path, const char **kind);
/* csv__open_kind() without the kind. */
struct csv_out *csv__open(const char *path);
/* Recording starts: truncate (done by the first csv__write too). 0 or -errno. */
int csv__begin(struct csv_out *out);
/* Setup failed before recording: close, leave an existing file alone, remove one we made. */
void csv__abort(struct csv_out *out);
/* Write one whole interval and flush it. 0 or -errno. */
int csv__write(struct csv_out *out, const char *buf, size_t len);
/* A file (-o FILE), not stdout (-o -). */
bool csv__is_file(const struct csv_out *out);
/* Flush, fsync (files) and close. 0 or -errno; accepts NULL. */
int csv__close(struct csv_out *out);

/* What is known about the columns of a recording. */
struct csv_layout {
	size_t nzones;
	const char *const *zone_labels;
	bool has_pmu;
	bool has_wakeups;
	const char *source;
};

int csv_header(struct strbuf *sb, const struct csv_layout *lay);
/*
 * Every row of one interval: cgroups in order, the steal row if there was steal, then the idle
 * row. ids[i] is row i's identity for i < s->nrows, ids[nrows] idle's, ids[nrows + 1] steal's.
 */
int csv_interval(struct strbuf *sb, const struct csv_layout *lay, const struct probe_sample *s,
		 unsigned long long interval_ns, const struct zone_delta *zd,
		 const struct interval_res *res, const struct wp_ident *const *ids);

#endif
