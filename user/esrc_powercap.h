/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* esrc_powercap.h: RAPL through the powercap sysfs tree, and a host's feed in its shape. */
#ifndef WP_ESRC_POWERCAP_H
#define WP_ESRC_POWERCAP_H

#include <stddef.h>
#include <stdint.h>
#include "esrc.h"

#define FEED_DEFAULT_DIR      "/run/wattprobe/feed"
#define FEED_STALE_DEFAULT_NS 3000000000ULL /* no new seq for 3 s: the host stopped writing */

/*
 * powercap[:ROOT]: every readable zone. NULL with errno and a one-line reason in msg, naming
 * the zones found but unusable (EACCES, dangling symlinks) and why.
 */
struct esrc *esrc_powercap_open(const char *root, char *msg, size_t len);

/*
 * feed:DIR[,stale=DUR]: a powercap-shaped tree a host writes for its guest (docs/feed.md):
 * its zones, and DIR/seq, a number the host changes at every write. A seq that stays the same
 * for longer than stale_ns makes every zone a gap until it moves again (and one interval
 * more: what the host counted meanwhile is not this interval's).
 */
struct esrc *esrc_feed_open(const char *spec, char *msg, size_t len);
/* Tests: the clock staleness is judged by (CLOCK_MONOTONIC by default). */
void esrc_feed_set_clock(struct esrc *s, uint64_t (*now_ns)(void));

#endif
