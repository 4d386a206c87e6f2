/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * feed_write.h: the host's side of the feed (docs/feed.md): one VM's cumulative share of the
 * host's energy, written as a powercap-shaped tree its guest reads with -e feed:DIR.
 */
#ifndef WP_FEED_WRITE_H
#define WP_FEED_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEED_MAX_ZONES 64
#define FEED_DIR_LEN   32
#define FEED_NAME_LEN  32

/* Where one host zone goes in the tree: its directory and the content of its name file. */
struct feed_slot {
	char dir[FEED_DIR_LEN];	  /* "intel-rapl:0", "intel-rapl:0:0" */
	char name[FEED_NAME_LEN]; /* "package-0", "dram" */
	bool node;		  /* what the guest's powercap rules will count as node energy */
};

/*
 * Pure: lay the host's zones out so that the guest labels them as the host does: package-X
 * top-level, dram-X/core-X/uncore-X as sub-zones of package-X, anything else (psys, model)
 * top-level under its label. -EINVAL (msg says which) when a label cannot be laid out
 * (too long, or no room), or when the guest would count other zones as node energy than
 * the host does (node[i]): a feed must never change what "the node" means.
 */
int feed_layout(const char *const *labels, const bool *node, size_t n, struct feed_slot *out,
		char *msg, size_t len);

struct feed_writer;

/* The directory every VM's tree goes in: made (0755) if it is not there, and writable. 0 or
 * -errno with msg naming it. */
int feed_dir_prepare(const char *dir, char *msg, size_t len);

/*
 * Create dir (and its parents) and the tree's fixed files: each zone's name, and source (one
 * line: what the host measured). Counters start at 0, so that a guest reading the tree of a
 * host that restarted sees them go back, a gap, rather than a stretch of no energy. NULL with
 * errno, and msg naming the file at fault.
 */
struct feed_writer *feed_writer__open(const char *dir, const struct feed_slot *slots, size_t n,
				      const char *source, char *msg, size_t len);
/*
 * The zones' cumulative µJ, each file replaced whole (written, then renamed), then seq: a
 * reader that sees the new seq sees these values or newer ones. A zone with gap[i] set (gap
 * may be NULL) gets an empty file: a reading its guest cannot use, a gap. 0 or -errno.
 */
int feed_writer__write(struct feed_writer *w, const uint64_t *uj, const bool *gap);
uint64_t feed_writer__seq(const struct feed_writer *w);
const char *feed_writer__dir(const struct feed_writer *w);
/* The kind of filesystem ("ext4", ...) when the tree is not on a tmpfs or ramfs, else "". */
const char *feed_writer__on_disk(const struct feed_writer *w);
void feed_writer__free(struct feed_writer *w);

#endif
