/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* duration.h: durations with units ("250ms", "1.5s", "2m") to and from nanoseconds. */
#ifndef WP_DURATION_H
#define WP_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse an integer or decimal number followed by ns, us, ms, s, m or h (a bare number is
 * seconds). Returns 0, -EINVAL when malformed, -ERANGE when it does not fit in 64 bits or is
 * not a whole number of nanoseconds.
 */
int duration_parse(const char *text, uint64_t *out_ns);

/* Shortest exact rendering: 100ms, 1.5s, 250us, 2m; returns buf. */
char *duration_format(uint64_t ns, char *buf, size_t len);

#endif
