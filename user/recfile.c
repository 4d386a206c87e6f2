// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* recfile.c: reading a record CSV back (plain or gzip), row by row, by column name. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "recfile.h"

#define MAX_FIELDS (32 + RECFILE_MAX_ZONES)
#define MAX_LINE   (1 << 20) /* a row longer than this is not one of ours */

enum col {
	C_TS,
	C_INTERVAL,
	C_CGID,
	C_CGROUP,
	C_CPU,
	C_WAKEUPS,
	C_ENERGY,
	C_SOURCE,
	C_SWITCHES,
	C_NODE,
	C_GAP,
	C_NS,
	C_POD,
	C_CONTAINER,
	C_GROUP,
	C_COMPONENT,
	C__N
};

static const char *const col_names[C__N] = {
	"ts_ns",     "interval_ns", "cgroup_id", "cgroup",	   "cpu_ns", "wakeups",
	"energy_uj", "source",	    "switches",	 "node_energy_uj", "gap",    "namespace",
	"pod",	     "container",   "group",	 "component",
};
/* Older recordings lack these: they read as empty. */
static const bool col_optional[C__N] = {
	[C_NS] = true,	  [C_POD] = true,	[C_CONTAINER] = true,
	[C_GROUP] = true, [C_COMPONENT] = true, [C_SWITCHES] = true
};

struct rec_reader {
	gzFile gz;
	char *path;
	uint64_t size; /* of the file, compressed or not */
	int col[C__N]; /* field index, -1 when absent */
	int zcol[RECFILE_MAX_ZONES];
	char *zname[RECFILE_MAX_ZONES];
	size_t nz;
	int nfields;
	char *line;
	size_t cap;
	unsigned long lineno;
	bool allow_cut; /* a file cut short ends like a whole one, and says so in cut_msg */
	char cut_msg[512];
};

/* A file that ends cut short: an error, or with allow_cut the end, msg kept for rec__cut. */
static int cut_end(struct rec_reader *r, const char *msg)
{
	if (!r->allow_cut)
		return -EBADMSG;
	snprintf(r->cut_msg, sizeof(r->cut_msg), "%s", msg);
	return 0;
}

void rec__allow_cut(struct rec_reader *r)
{
	r->allow_cut = true;
}

const char *rec__cut(const struct rec_reader *r)
{
	return r->cut_msg[0] ? r->cut_msg : NULL;
}

int recfile_split(char *line, char **fields, int max)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		if (n == max)
			return -E2BIG;
		fields[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (!*r)
					return -EBADMSG;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r && *r != ',')
				return -EBADMSG;
		} else {
			while (*r && *r != ',')
				*w++ = *r++;
		}
		if (!*r) {
			*w = '\0';
			return n;
		}
		*w++ = '\0';
		r++;
	}
}

/* One whole record: a quoted field may hold newlines, so lines are joined while quotes are
 * open. 1, 0 at the end, -errno. */
static int read_record(struct rec_reader *r, char *msg, size_t mlen)
{
	unsigned long first_line = r->lineno + 1;
	size_t len = 0;
	bool open_quote = false;

	for (;;) {
		int c;

		if (len + 2 > r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 4096;
			char *nl;

			if (cap > MAX_LINE) {
				snprintf(msg, mlen, "%s:%lu: a row longer than 1 MiB", r->path,
					 r->lineno + 1);
				return -EBADMSG;
			}
			nl = realloc(r->line, cap);
			if (!nl)
				return -ENOMEM;
			r->line = nl;
			r->cap = cap;
		}
		c = gzgetc(r->gz);
		if (c == -1) {
			int zerr;
			const char *zmsg = gzerror(r->gz, &zerr);

			if (zerr == Z_ERRNO) {
				snprintf(msg, mlen, "%s: %s", r->path, strerror(errno));
				return -EIO;
			}
			if (zerr && zerr != Z_STREAM_END) {
				size_t n = strlen(r->path);

				/* zlib's message starts with the path again. */
				if (!strncmp(zmsg, r->path, n) && !strncmp(zmsg + n, ": ", 2))
					zmsg += n + 2;
				snprintf(msg, mlen, "%s: %s (a truncated or damaged gzip file)",
					 r->path, zmsg);
				/* Cut, not damaged: what came before it is whole. */
				return zerr == Z_BUF_ERROR ? cut_end(r, msg) : -EBADMSG;
			}
			if (len == 0)
				return 0;
			/* A file that ends with a newline inside quotes was not cut: it is bad. */
			if (open_quote && r->line[len - 1] == '\n') {
				snprintf(msg, mlen, "%s:%lu: a quoted field that never ends",
					 r->path, first_line);
				return -EBADMSG;
			}
			snprintf(msg, mlen,
				 "%s:%lu: the last row has no end of line: a truncated file",
				 r->path, r->lineno + 1);
			return cut_end(r, msg);
		}
		if (c == '"')
			open_quote = !open_quote;
		if (c == '\n' && !open_quote) {
			r->line[len] = '\0';
			r->lineno++;
			return 1;
		}
		if (c == '\n')
			r->lineno++;
		r->line[len++] = (char)c;
	}
}

static int read_header(struct rec_reader *r, char *msg, size_t mlen)
{
	char *f[MAX_FIELDS];
	int n, err = read_record(r, msg, mlen);

	if (err == 0) {
		snprintf(msg, mlen, "%s: empty, not a wattprobe recording", r->path);
		return -EBADMSG;
	}
	if (err == -EBADMSG && r->lineno == 0 && !strstr(msg, "gzip")) {
		/* No header line at all: a binary file, not a truncated recording. */
		snprintf(msg, mlen, "%s: not a wattprobe recording (no header line)", r->path);
		return err;
	}
	if (err < 0)
		return err;
	n = recfile_split(r->line, f, MAX_FIELDS);
	if (n < 0) {
		snprintf(msg, mlen, "%s:1: not a CSV header", r->path);
		return -EBADMSG;
	}
	r->nfields = n;
	for (int c = 0; c < C__N; c++) {
		r->col[c] = -1;
		for (int i = 0; i < n; i++)
			if (!strcmp(f[i], col_names[c]))
				r->col[c] = i;
		if (r->col[c] < 0 && !col_optional[c]) {
			snprintf(msg, mlen, "%s: not a wattprobe recording (no column %s)", r->path,
				 col_names[c]);
			return -EBADMSG;
		}
	}
	for (int i = 0; i < n && r->nz < RECFILE_MAX_ZONES; i++) {
		if (strncmp(f[i], "energy_uj.", 10))
			continue;
		r->zname[r->nz] = strdup(f[i] + 10);
		if (!r->zname[r->nz])
			return -ENOMEM;
		r->zcol[r->nz++] = i;
	}
	return 0;
}

struct rec_reader *rec__open(const char *path, char *msg, size_t mlen)
{
	struct rec_reader *r = calloc(1, sizeof(*r));
	struct stat st;
	int err;

	if (!r)
		return NULL;
	r->path = strdup(path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(msg, mlen, "%s: not a regular file", path);
		err = -EINVAL;
		goto fail;
	}
	r->size = (uint64_t)st.st_size;
	r->gz = gzopen(path, "rb");
	if (!r->path || !r->gz) {
		err = errno ? -errno : -ENOMEM;
		snprintf(msg, mlen, "%s: %s", path, strerror(-err));
		goto fail;
	}
	err = read_header(r, msg, mlen);
	if (err)
		goto fail;
	return r;
fail:
	rec__close(r);
	errno = -err;
	return NULL;
}

void rec__close(struct rec_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	for (size_t z = 0; z < r->nz; z++)
		free(r->zname[z]);
	free(r->line);
	free(r->path);
	free(r);
}

size_t rec__nzones(const struct rec_reader *r)
{
	return r->nz;
}

const char *rec__zone(const struct rec_reader *r, size_t z)
{
	return r->zname[z];
}

double rec__progress(const struct rec_reader *r)
{
	long off = gzoffset(r->gz); /* where zlib is in the file itself, gzip or not */

	return r->size && off > 0 ? fmin(1.0, (double)off / (double)r->size) : 0;
}

const char *rec__path(const struct rec_reader *r)
{
	return r->path;
}

/* An unsigned decimal, or empty (*has false) when empty_ok. */
static int num(const char *s, uint64_t *v, bool *has, bool empty_ok)
{
	char *end;

	if (has)
		*has = s[0] != '\0';
	if (!s[0]) {
		*v = 0;
		return empty_ok ? 0 : -EINVAL;
	}
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static const char *field(const struct rec_reader *r, char **f, int c)
{
	return r->col[c] >= 0 ? f[r->col[c]] : "";
}

int rec__next(struct rec_reader *r, struct rec_row *row, char *msg, size_t mlen)
{
	static const int nums[] = { C_TS, C_INTERVAL, C_CGID, C_CPU };
	char *f[MAX_FIELDS];
	uint64_t *dst[] = { &row->ts_ns, &row->interval_ns, &row->cgroup_id, &row->cpu_ns };
	int n, err = read_record(r, msg, mlen);

	if (err <= 0)
		return err;
	n = recfile_split(r->line, f, MAX_FIELDS);
	if (n != r->nfields) {
		snprintf(msg, mlen, "%s:%lu: %d fields, the header has %d", r->path, r->lineno,
			 n < 0 ? 0 : n, r->nfields);
		return -EBADMSG;
	}
	memset(row, 0, sizeof(*row));
	row->line = r->lineno;
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (num(field(r, f, nums[i]), dst[i], NULL, false))
			goto bad;
	if (num(field(r, f, C_WAKEUPS), &row->wakeups, &row->has_wakeups, true) ||
	    num(field(r, f, C_SWITCHES), &row->switches, NULL, true) ||
	    num(field(r, f, C_ENERGY), &row->energy_uj, &row->has_energy, true) ||
	    num(field(r, f, C_NODE), &row->node_energy_uj, NULL, true))
		goto bad;
	for (size_t z = 0; z < r->nz; z++)
		if (num(f[r->zcol[z]], &row->zone_uj[z], &row->zone_has[z], true))
			goto bad;
	row->cgroup = field(r, f, C_CGROUP);
	row->source = field(r, f, C_SOURCE);
	row->gap = field(r, f, C_GAP);
	row->ns = field(r, f, C_NS);
	row->pod = field(r, f, C_POD);
	row->container = field(r, f, C_CONTAINER);
	row->group = field(r, f, C_GROUP);
	row->component = field(r, f, C_COMPONENT);
	return 1;
bad:
	snprintf(msg, mlen, "%s:%lu: a number field is malformed", r->path, r->lineno);
	return -EBADMSG;
}
