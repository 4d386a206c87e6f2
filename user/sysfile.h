/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* sysfile.h: reading the small one-value text files of sysfs and procfs. */
#ifndef WP_SYSFILE_H
#define WP_SYSFILE_H

#include <stddef.h>

/*
 * The regular file at path into buf (len >= 1), without its trailing newlines, CRs and
 * blanks; only its start when it is longer than len - 1. 0, -errno, or -EINVAL for a FIFO,
 * a device or a directory (never blocks on one).
 */
int sysfile_read(const char *path, char *buf, size_t len);

/* A file holding one decimal int ("1\n"). 0, -errno, or -EINVAL for anything else. */
int sysfile_read_int(const char *path, int *out);

#endif
