// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * esrc_kepler.c: the Kepler source: each scrape's zone counters, their steps spread over time,
 * and reads at one instant per tick. What the zones are is kepler_zones.c's, which series
 * are energy kepler_series.c's, the HTTP and the scraper thread kepler_scrape.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "esrc_kepler.h"
#include "kepler_scrape.h"
#include "kepler_series.h"
#include "kepler_zones.h"
#include "prom_text.h"

#define NS_PER_MS 1000000ULL

/* A zone's counter with its steps spread (esrc_kepler.h). */
struct kzone {
	/* Under lock. */
	bool have;
	int err;		 /* in the latest scrape */
	uint64_t obs_uj, obs_ns; /* Kepler's value, and when it was first seen */
	uint64_t base_uj, base_ns, target_uj, span_ns;
	unsigned int reset_gen; /* a new baseline at every change */
	bool outage;		/* unreadable since the last value: the next one is a baseline */
	bool stepped;		/* a step seen since the baseline: until then, no energy known */
	/* The sampling thread's. */
	unsigned int seen_gen, gen;
	bool broken, fresh;
	int rc;
	uint64_t val;
};

struct kepler {
	struct esrc base;
	char *url;
	struct kepler_zones zs; /* what the zones are, from the first scrape */
	struct kzone z[ESRC_MAX_ZONES];
	uint64_t (*now_ns)(void);
	/* The scraper thread's ingest against the sampling thread's tick. */
	pthread_mutex_t lock;
	bool lock_up;
	int scrape_err;		      /* of the latest scrape, under lock */
	uint64_t good_ns;	      /* when the latest good one finished */
	struct kepler_scrape *scrape; /* NULL for esrc_kepler_open_text() sources */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- every scrape: values, and their steps spread ------------------------------------ */

struct vals {
	struct kepler *k;
	uint64_t uj[ESRC_MAX_ZONES];
	unsigned int n[ESRC_MAX_ZONES];
	int err[ESRC_MAX_ZONES];
};

static int vals_cb(const struct prom_sample *s, void *ctx)
{
	struct vals *v = ctx;
	const struct kepler_zones *zs = &v->k->zs;
	struct kser tmp[KEPLER_SAMPLE_SER];
	size_t n = kepler_classify(s, tmp);

	for (size_t i = 0; i < n; i++) {
		int j = tmp[i].gen == zs->gen ? kepler_zones_find(zs, v->k->base.nz, tmp[i].key)
					      : -1;
		uint64_t uj;

		if (j < 0 || zs->z[j].whole != (tmp[i].mode == KM_WHOLE))
			continue;
		if (kepler_to_uj(tmp[i].value, tmp[i].scale, &uj)) {
			v->err[j] = -ERANGE;
			continue;
		}
		v->uj[j] += uj;
		v->n[j]++;
	}
	return 0;
}

/* The counter at t: the last step's share of the time it is spread over, added to base. */
static uint64_t spread(const struct kzone *z, uint64_t t)
{
	uint64_t el = t > z->base_ns ? t - z->base_ns : 0;

	if (el >= z->span_ns)
		return z->target_uj;
	return z->base_uj +
	       (uint64_t)((unsigned __int128)(z->target_uj - z->base_uj) * el / z->span_ns);
}

static void zone_feed(struct kzone *z, int err, uint64_t uj, uint64_t now)
{
	const uint64_t lo = KEPLER_SPAN_MIN_MS * NS_PER_MS, hi = KEPLER_SPAN_MAX_MS * NS_PER_MS;
	uint64_t span;

	z->err = err;
	if (err) {
		z->outage = true;
		return;
	}
	if (z->have && !z->outage && uj == z->obs_uj)
		return;
	if (!z->have || z->outage || uj < z->obs_uj) {
		/*
		 * The first value, Kepler restarted, or the first after an outage: a new
		 * baseline, not energy. What Kepler counted while the zone could not be read
		 * belongs to no interval.
		 */
		z->have = true;
		z->outage = false;
		z->stepped = false;
		z->base_uj = z->target_uj = z->obs_uj = uj;
		z->base_ns = z->obs_ns = now;
		z->span_ns = lo;
		z->reset_gen++;
		return;
	}
	span = now > z->obs_ns ? now - z->obs_ns : 0;
	z->base_uj = spread(z, now);
	z->base_ns = now;
	z->target_uj = uj;
	z->span_ns = span < lo ? lo : span > hi ? hi : span;
	z->obs_uj = uj;
	z->obs_ns = now;
	z->stepped = true;
}

int esrc_kepler_ingest(struct esrc *s, const char *text, size_t len, int err, uint64_t now_ns)
{
	struct kepler *k = (struct kepler *)s;
	struct vals v = { .k = k };
	char perr[256];

	if (!err)
		err = prom_parse(text, len, vals_cb, &v, perr, sizeof(perr));
	pthread_mutex_lock(&k->lock);
	k->scrape_err = err;
	for (size_t i = 0; err && i < k->base.nz; i++)
		k->z[i].outage = true;
	if (!err) {
		k->good_ns = now_ns;
		for (size_t i = 0; i < k->base.nz; i++)
			zone_feed(&k->z[i], v.err[i] ?: (v.n[i] == k->zs.z[i].nser ? 0 : -ENODATA),
				  v.uj[i], now_ns);
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

/* Every zone at one instant: a tick's readings are consistent with each other. */
static void tick(struct kepler *k)
{
	uint64_t now = k->now_ns();
	bool stale;

	pthread_mutex_lock(&k->lock);
	stale = now > k->good_ns + KEPLER_STALE_MS * NS_PER_MS;
	for (size_t i = 0; i < k->base.nz; i++) {
		struct kzone *z = &k->z[i];

		z->fresh = true;
		z->rc = k->scrape_err
				?: (stale ? -ETIMEDOUT : (z->err ?: (z->have ? 0 : -ENODATA)));
		if (stale)
			z->outage = true;
		if (z->rc)
			continue;
		/* Until Kepler's first step after a baseline, its energy is unknown: no zeros. */
		if (!z->stepped)
			z->rc = -EAGAIN;
		z->val = spread(z, now);
		z->gen = z->reset_gen;
	}
	pthread_mutex_unlock(&k->lock);
}

static int kepler_read(struct esrc *s, size_t i, uint64_t *uj)
{
	struct kepler *k = (struct kepler *)s;
	struct kzone *z;

	if (i >= k->base.nz)
		return -EINVAL;
	z = &k->z[i];
	if (i == 0 || !z->fresh)
		tick(k);
	z->fresh = false;
	if (z->rc == -EAGAIN) {
		*uj = z->val;
		z->seen_gen = z->gen;
		z->broken = false;
		return -EAGAIN;
	}
	if (z->rc) {
		z->broken = true;
		return z->rc;
	}
	*uj = z->val;
	if (z->broken || z->gen != z->seen_gen) {
		/* What Kepler counted while this zone was unreadable is no interval's. */
		z->broken = false;
		z->seen_gen = z->gen;
		return -EAGAIN;
	}
	return 0;
}

void esrc_kepler_set_clock(struct esrc *s, uint64_t (*now_ns)(void))
{
	((struct kepler *)s)->now_ns = now_ns;
}

/* ---- the source's life ------------------------------------------------------------------ */

static void kepler_free(struct esrc *s)
{
	struct kepler *k = (struct kepler *)s;

	if (!k)
		return;
	/* First: the scraper thread ingests into k until it is joined. */
	kepler_scrape__free(k->scrape);
	if (k->lock_up)
		pthread_mutex_destroy(&k->lock);
	free(k->url);
	free(k);
}

static const struct esrc_ops kepler_ops = { .name = "kepler",
					    .read = kepler_read,
					    .free = kepler_free };

static struct kepler *kepler_new(const char *url)
{
	struct kepler *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->base.ops = &kepler_ops;
	k->now_ns = mono_ns;
	k->url = strdup(url);
	if (!k->url || pthread_mutex_init(&k->lock, NULL))
		goto fail;
	k->lock_up = true;
	return k;
fail:
	free(k->url);
	free(k);
	return NULL;
}

static struct esrc *fail(struct kepler *k, int err, char *msg, size_t len)
{
	if (err == -ENOMEM && !*msg)
		snprintf(msg, len, "kepler: %s", strerror(ENOMEM));
	kepler_free(k ? &k->base : NULL);
	errno = -err;
	return NULL;
}

struct esrc *esrc_kepler_open_text(const char *url, const char *text, size_t len, uint64_t now_ns,
				   char *msg, size_t mlen)
{
	struct kepler *k = kepler_new(url ? url : "-");
	int err;

	msg[0] = '\0';
	if (!k)
		return fail(NULL, -ENOMEM, msg, mlen);
	err = kepler_zones_plan(&k->zs, &k->base, k->url, text, len, msg, mlen);
	if (err)
		return fail(k, err, msg, mlen);
	esrc_kepler_ingest(&k->base, text, len, 0, now_ns);
	return &k->base;
}

/* A scrape on the scraper thread, finished now. */
static void scraped(void *ctx, const char *body, size_t len, int err, const char *msg)
{
	struct kepler *k = ctx;

	(void)msg; /* an outage is a baseline, and a gap until Kepler's next step */
	esrc_kepler_ingest(&k->base, body, len, err, k->now_ns());
}

struct esrc *esrc_kepler_open(const char *url, char *msg, size_t len)
{
	struct kepler *k = kepler_new(url && *url ? url : KEPLER_DEFAULT_URL);
	char *body = NULL;
	size_t blen = 0;
	int err;

	msg[0] = '\0';
	if (!k)
		return fail(NULL, -ENOMEM, msg, len);
	k->scrape = kepler_scrape__open(k->url);
	if (!k->scrape) {
		err = -errno;
		snprintf(msg, len, "kepler %s: cannot set up libcurl", k->url);
		return fail(k, err, msg, len);
	}
	err = kepler_scrape__fetch(k->scrape, KEPLER_OPEN_TIMEOUT_MS, &body, &blen, msg, len);
	err = err ?: kepler_zones_plan(&k->zs, &k->base, k->url, body, blen, msg, len);
	if (!err)
		esrc_kepler_ingest(&k->base, body, blen, 0, k->now_ns());
	free(body);
	if (err)
		return fail(k, err, msg, len);
	err = kepler_scrape__start(k->scrape, scraped, k);
	if (err) {
		snprintf(msg, len, "kepler %s: scraper thread: %s", k->url, strerror(-err));
		return fail(k, err, msg, len);
	}
	return &k->base;
}
