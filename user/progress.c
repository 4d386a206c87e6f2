// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* progress.c: a progress line on a terminal's stderr, erased when done. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "progress.h"

#define SHOW_AFTER_NS 500000000ULL
#define EVERY_NS      200000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void progress_start(struct progress *p, const char *what, bool tty)
{
	memset(p, 0, sizeof(*p));
	p->tty = tty;
	p->start_ns = now_ns();
	snprintf(p->what, sizeof(p->what), "%s", what);
}

void progress_update(void *ctx, double done)
{
	struct progress *p = ctx;
	uint64_t now;

	if (!p->tty)
		return;
	now = now_ns();
	if (now - p->start_ns < SHOW_AFTER_NS || now - p->last_ns < EVERY_NS)
		return;
	p->last_ns = now;
	p->shown = true;
	/* \r and erase-to-end: one line, rewritten in place. */
	fprintf(stderr, "\r\033[Kwattprobe: %s: %3.0f %%", p->what, 100 * done);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}
