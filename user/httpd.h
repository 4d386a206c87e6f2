/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * httpd.h: GET /metrics and /healthz with libmicrohttpd, served from the newest published
 * snapshot: a scrape never waits for sampling, and sampling never waits for a scrape.
 */
#ifndef WP_HTTPD_H
#define WP_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct httpd;

/*
 * Listen on listen ("ADDR:PORT", "[ADDR6]:PORT"; port 0: any free one). The server's threads
 * block every signal. NULL with errno set and one line in msg.
 */
struct httpd *httpd__start(const char *listen, uint64_t stale_after_ns, char *msg, size_t mlen);
/* Replace the snapshot with body (len bytes, malloc'd: taken over, also on error). 0 or -errno. */
int httpd__publish(struct httpd *h, char *body, size_t len, uint64_t now_ns);
/* The address actually bound, "127.0.0.1:9744". */
const char *httpd__address(const struct httpd *h);
/* Requests answered so far, and those that were not 200. */
void httpd__counts(const struct httpd *h, uint64_t *ok, uint64_t *errors);
/* Stop listening, wait for the requests in flight, free. NULL is fine. */
void httpd__stop(struct httpd *h);

/* Pure, for tests: split listen into a numeric host and a port. 0 or -EINVAL. */
int httpd_parse_listen(const char *listen, char *host, size_t hlen, unsigned int *port);

#endif
