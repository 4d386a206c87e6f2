/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* kepler_scrape.h: GET Kepler's /metrics with libcurl, once or every period on a thread. */
#ifndef WP_KEPLER_SCRAPE_H
#define WP_KEPLER_SCRAPE_H

#include <stddef.h>

struct kepler_scrape;

/* A scrape's outcome, on the scraper thread: body (len bytes, NUL-terminated), or err < 0 with
 * one line in msg naming the URL. */
typedef void kepler_scrape_fn(void *ctx, const char *body, size_t len, int err, const char *msg);

/*
 * A libcurl handle for url (http:// or https://, refused at the first fetch otherwise). NULL
 * with errno (EIO: curl_global_init() failed). Calls curl_global_init(): see esrc_kepler.h.
 */
struct kepler_scrape *kepler_scrape__open(const char *url);
/*
 * GET the URL once, within timeout_ms: 0 with *body (NUL-terminated, malloc'd) and *len, or
 * -errno with one line in msg (-ECONNREFUSED, -ETIMEDOUT, -EIO for an HTTP status, ...).
 * Not while the thread runs: the handle is its.
 */
int kepler_scrape__fetch(struct kepler_scrape *ks, long timeout_ms, char **body, size_t *len,
			 char *msg, size_t mlen);
/*
 * Start the thread: a fetch (KEPLER_SCRAPE_TIMEOUT_MS) every KEPLER_PERIOD_MS, each outcome
 * passed to fn. The thread blocks all signals. 0 or -errno.
 */
int kepler_scrape__start(struct kepler_scrape *ks, kepler_scrape_fn *fn, void *ctx);
/* Stop the thread, ending the transfer in flight, join it and free ks. NULL is fine. */
void kepler_scrape__free(struct kepler_scrape *ks);

#endif
