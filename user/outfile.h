/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* outfile.h: small output files written whole or not at all (a temporary file, then rename). */
#ifndef WP_OUTFILE_H
#define WP_OUTFILE_H

#include <stddef.h>

/*
 * len bytes of data into path: written to path.tmp (created afresh, never through a symlink),
 * synced, then renamed over path, so that a reader sees the old file or the new one whole.
 * A symbolic link at path is replaced, its target left alone; a directory is -EISDIR, a
 * device, a FIFO or a socket -ENOTSUP. 0 or -errno; nothing is left behind on failure.
 */
int outfile_write_atomic(const char *path, const char *data, size_t len);

#endif
