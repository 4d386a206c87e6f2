/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* esrc_kepler.h: node energy counters scraped from a running Kepler's /metrics. */
#ifndef WP_ESRC_KEPLER_H
#define WP_ESRC_KEPLER_H

#include <stddef.h>
#include <stdint.h>
#include "esrc.h"

#define KEPLER_DEFAULT_URL	 "http://127.0.0.1:28282/metrics" /* Kepler 0.10+'s default */
#define KEPLER_PERIOD_MS	 1000 /* between the starts of two scrapes */
#define KEPLER_OPEN_TIMEOUT_MS	 3000 /* the first scrape, at open */
#define KEPLER_SCRAPE_TIMEOUT_MS 2000 /* every later one, on the scraper thread */
#define KEPLER_STALE_MS		 5000 /* no good scrape for this long: every zone a gap */
#define KEPLER_SPAN_MIN_MS	 100  /* bounds of the time a step is spread over */
#define KEPLER_SPAN_MAX_MS	 10000
#define KEPLER_BODY_MAX		 (64UL << 20) /* per-process series make /metrics large */

/*
 * kepler:URL (NULL or "": KEPLER_DEFAULT_URL), http:// or https://. Reads the node-level
 * joules counters of every Kepler generation (FIELD-NOTES 16), the newest one present:
 *   0.10+     kepler_node_cpu_joules_total{zone,path} (J; active/idle summed only without it)
 *   0.4-0.9   kepler_node_{package,dram,core,uncore,platform}_joules_total{package,mode} (J;
 *             the modes dynamic and idle summed: together they are the zone's total)
 *   2022-0.4  [kepler_]node_package_energy_millijoule{pkg_id,core,dram,uncore} (mJ; DRAM, core
 *             and uncore are its label values)
 * Zones: package-N, dram-N, core-N, uncore-N (N from package/pkg_id or the RAPL path; none
 * when Kepler aggregated the sockets: "package"), psys, platform. Node energy is psys (or a
 * measured platform: kepler_node_info's platform_power_source) alone when there is one, else
 * packages + DRAM; core and uncore are inside their package.
 *
 * Why a scraper thread: the source is read on the sampling thread at every tick (100 ms by
 * default, 1 ms at least), and a scrape costs from milliseconds to seconds (Kepler renders
 * every process' series, megabytes of text; a timeout is 2 s). So open scrapes once
 * (synchronously, to find the zones), then a thread scrapes every KEPLER_PERIOD_MS and read()
 * only takes a lock: it never waits on the network.
 * Why steps are spread: Kepler moves its counters once per update (3 s in 0.7, on scrape in
 * 0.10+), so a scrape sees steps of seconds of energy; one step in one 100 ms interval would
 * look like kilowatts, and energy.c would drop it as implausible. Each step is spread linearly
 * over the time since the step before (clamped to KEPLER_SPAN_MIN_MS..KEPLER_SPAN_MAX_MS):
 * energy is conserved, power per interval is Kepler's own average, and readings lag Kepler by
 * up to one of its updates (the part of the last step still being spread at the end of a run
 * is not counted).
 * read(): all zones are evaluated at one instant per tick (reading zone 0, or a zone a second
 * time, starts a tick). The first reading, one after a counter that went down (Kepler
 * restarted) and one after any failed reading are -EAGAIN (a new baseline). A failed latest
 * scrape makes every zone fail with its error (-ECONNREFUSED, -ETIMEDOUT, -EIO for an HTTP
 * status, -EBADMSG for malformed text); a zone missing from the scrape is -ENODATA; no good
 * scrape for KEPLER_STALE_MS is -ETIMEDOUT.
 *
 * NULL with errno and one line in msg: the connection refused, an HTTP status, malformed text
 * (its line), no Kepler node counters (naming what the scrape held), several nodes in one
 * scrape. Calls curl_global_init() (thread safe since libcurl 7.84; with an older one, open
 * before other threads start, as record does) and starts a thread that blocks all signals.
 */
struct esrc *esrc_kepler_open(const char *url, char *msg, size_t len);

/* ---- the parts, for tests ------------------------------------------------------------ */

/* The source from one exposition, scraped at now_ns: no network, no thread. */
struct esrc *esrc_kepler_open_text(const char *url, const char *text, size_t len, uint64_t now_ns,
				   char *msg, size_t mlen);
/* A scrape finishing at now_ns: text, or a failure err (< 0). 0 or the scrape's -errno. */
int esrc_kepler_ingest(struct esrc *s, const char *text, size_t len, int err, uint64_t now_ns);
/* The clock read() uses (CLOCK_MONOTONIC by default); for esrc_kepler_open_text() sources. */
void esrc_kepler_set_clock(struct esrc *s, uint64_t (*now_ns)(void));

#endif
