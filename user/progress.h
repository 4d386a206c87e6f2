/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * progress.h: a progress line on stderr for long operations (reading a big recording), shown
 * only on a terminal, only once the operation has taken half a second, at most 5 times a
 * second, and erased when done. Never on a pipe or a file.
 */
#ifndef WP_PROGRESS_H
#define WP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool tty, shown;
	uint64_t start_ns, last_ns;
	char what[256];
};

/* what: "reading FILE". tty: whether stderr is a terminal (isatty(2), or a test's choice). */
void progress_start(struct progress *p, const char *what, bool tty);
/* done: 0 .. 1; a report_window's progress callback. */
void progress_update(void *p, double done);
/* Erase the line, if it was shown. */
void progress_end(struct progress *p);

#endif
