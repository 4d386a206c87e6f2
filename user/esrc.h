/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * esrc.h: one measured energy source (powercap, perf power PMU, MSR, host feed, Kepler): its
 * zones, each read as a cumulative counter in µJ that the source keeps free of wraps.
 *
 * A source opens with its zones known. energy.c turns two readings of a zone into the
 * interval's energy, and checks it (backwards, faster than ESRC_ZONE_MAX_UW): a source only
 * says whether a reading continues the last one.
 */
#ifndef WP_ESRC_H
#define WP_ESRC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESRC_MAX_ZONES 64
#define ESRC_LABEL_LEN 40
#define ESRC_DESC_LEN  512
/* A counter moving faster than this is not energy but a fault (FIELD-NOTES 6). */
#define ESRC_ZONE_MAX_UW 5000000000ULL /* 5 kW per zone */

struct esrc_zone {
	char label[ESRC_LABEL_LEN]; /* unique: "package-0", "dram-0", "core-0", "psys" */
	bool node;		    /* counted in node energy (not a part of another zone) */
};

struct esrc;

struct esrc_ops {
	const char *name; /* "powercap", "perf", "msr", "feed", "kepler": the CSV's source */
	/*
	 * Read zone i now, into *uj: a cumulative count in µJ, wraps undone by the source.
	 * 0: it continues the zone's last reading (the difference is energy). -EAGAIN: it does
	 * not (a wrap that cannot be undone, a reset, a feed gone stale): a gap, and *uj is the
	 * new baseline. Other -errno: unreadable now (a gap; *uj untouched).
	 */
	int (*read)(struct esrc *s, size_t i, uint64_t *uj);
	void (*free)(struct esrc *s);
};

/* Every source's struct starts with this. */
struct esrc {
	const struct esrc_ops *ops;
	size_t nz;
	struct esrc_zone zones[ESRC_MAX_ZONES];
	char desc[ESRC_DESC_LEN]; /* one line: "msr /dev/cpu: package-0 dram-0 (CPU 0)" */
	char warn[ESRC_DESC_LEN]; /* zones found but left out, and why; "" when none */
};

static inline void esrc__free(struct esrc *s)
{
	if (s)
		s->ops->free(s);
}

/*
 * Undo a counter's wraps: *acc (the cumulative count, in the counter's own units) grows by
 * the distance from prev to cur, modulo wrap (0: the counter does not wrap: cur < prev is a
 * reset, -EAGAIN). Pure.
 */
static inline int esrc_unwrap(uint64_t prev, uint64_t cur, uint64_t wrap, uint64_t *acc)
{
	if (cur >= prev) {
		*acc += cur - prev;
		return 0;
	}
	if (!wrap || prev >= wrap)
		return -EAGAIN;
	*acc += cur + wrap - prev;
	return 0;
}

#endif
