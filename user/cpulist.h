/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* cpulist.h: parsing the kernel's CPU list format ("0-11,16-27"). */
#ifndef WP_CPULIST_H
#define WP_CPULIST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parse a CPU list into mask[0..ncpus): true for each listed CPU. Returns 0, -EINVAL on a
 * malformed list, -ERANGE when a CPU is >= ncpus.
 */
int cpulist_parse(const char *text, bool *mask, size_t ncpus);

/* Read and parse a sysfs CPU list file; -errno on failure. */
int cpulist_read(const char *path, bool *mask, size_t ncpus);

#endif
