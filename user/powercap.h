/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* powercap.h: RAPL energy counters through the powercap sysfs tree (Intel and AMD). */
#ifndef WP_POWERCAP_H
#define WP_POWERCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POWERCAP_DEFAULT_ROOT "/sys/class/powercap"

/* PC_MODEL: a feed's zone whose host had only the model (docs/feed.md); never in sysfs. */
enum pc_kind { PC_PACKAGE, PC_CORE, PC_UNCORE, PC_DRAM, PC_PSYS, PC_MODEL, PC_OTHER };

struct pc_zone {
	char dir[64];	/* directory under the root: "intel-rapl:0:1" */
	char name[32];	/* content of its name file: "package-0", "dram", "psys" */
	char label[40]; /* unique label: "package-0", "dram-0", "core-1", "psys" */
	enum pc_kind kind;
	int package;	       /* package number of the zone or of its parent, -1 if none */
	uint64_t max_range_uj; /* 0 when max_energy_range_uj is missing or zero */
	int err;	       /* 0 if energy_uj was readable at open, else -errno (-EACCES...) */
	bool dangling;	       /* the zone's sysfs symlink points nowhere */
	bool node;	       /* counted in node energy */
	bool mmio;	       /* intel-rapl-mmio: kept only where no MSR zone has its name */
	bool duplicate;	       /* its name was another zone's: labelled -2, never node energy */
};

struct powercap;

/*
 * Scan root for intel-rapl zones (AMD hosts show the same tree). Zones are told apart by the
 * content of their name file, never by index. NULL with errno: ENOENT when root is missing.
 * A root with no zone at all opens with zero zones.
 */
struct powercap *powercap__open(const char *root);
void powercap__free(struct powercap *pc);
size_t powercap__nzones(const struct powercap *pc);
const struct pc_zone *powercap__zone(const struct powercap *pc, size_t i);
/* Number of zones that are readable and counted in node energy. */
size_t powercap__nnode(const struct powercap *pc);
/* Read a zone's energy_uj now. 0 or -errno (-EINVAL: not a number). */
int powercap__read(const struct powercap *pc, size_t i, uint64_t *energy_uj);

/*
 * Energy between two readings of one counter. cur < prev is a wrap when max_range_uj is known
 * (delta = cur + range - prev); without a range it cannot be told from a reset: -ERANGE.
 */
int rapl_delta(uint64_t prev_uj, uint64_t cur_uj, uint64_t max_range_uj, uint64_t *delta_uj);

#endif
