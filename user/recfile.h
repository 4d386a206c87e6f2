/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * recfile.h: reading a record CSV back (plain or gzip), row by row, by column name; the
 * parser is pure (recfile_parse_line), the reader adds zlib.
 */
#ifndef WP_RECFILE_H
#define WP_RECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECFILE_MAX_ZONES 64

/* One row. Strings are valid until the next rec__next(). */
struct rec_row {
	uint64_t ts_ns, interval_ns, cgroup_id, cpu_ns, wakeups, switches;
	uint64_t energy_uj, node_energy_uj; /* 0 where has_energy is false */
	bool has_energy, has_wakeups;	    /* empty in a gap; wakeups in tracepoint mode */
	const char *cgroup, *source, *gap, *ns, *pod, *container, *group, *component;
	uint64_t zone_uj[RECFILE_MAX_ZONES];
	bool zone_has[RECFILE_MAX_ZONES];
	unsigned long line;
};

struct rec_reader;

/* Open path (gzip or not: zlib tells) and read its header. NULL with errno and msg. */
struct rec_reader *rec__open(const char *path, char *msg, size_t mlen);
/* The next row: 1, 0 at the end, or -errno with msg "FILE:LINE: what". */
int rec__next(struct rec_reader *r, struct rec_row *row, char *msg, size_t mlen);
void rec__close(struct rec_reader *r);
size_t rec__nzones(const struct rec_reader *r);
const char *rec__zone(const struct rec_reader *r, size_t z);
const char *rec__path(const struct rec_reader *r);
/*
 * Read a file cut short (a recording killed in the middle of a write: the last row without its
 * end of line, a gzip stream that stops) to its end instead of failing; rec__cut then says
 * where it was cut, else NULL. A damaged file (bad data, a bad checksum) is still an error.
 */
void rec__allow_cut(struct rec_reader *r);
const char *rec__cut(const struct rec_reader *r);
/* How far into the file reading has come, 0 .. 1 (by its bytes, compressed or not). */
double rec__progress(const struct rec_reader *r);

/*
 * Pure: split one CSV record (RFC 4180; quotes and doubled quotes undone in place) into at
 * most max fields. Returns the count, or -EBADMSG for an unterminated quote.
 */
int recfile_split(char *line, char **fields, int max);

#endif
