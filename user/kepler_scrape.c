// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kepler_scrape.c: GET Kepler's /metrics with libcurl, once or every period on a thread. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "esrc_kepler.h"
#include "kepler_scrape.h"

#define NS_PER_MS 1000000ULL

struct kepler_scrape {
	char *url;
	CURL *curl;
	struct curl_slist *hdrs;
	bool curl_global;
	char curl_msg[CURL_ERROR_SIZE];
	/* The thread's sleep between scrapes, and how free() ends it. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool locks_up, thread_up, stop;
	kepler_scrape_fn *fn;
	void *ctx;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct sink {
	char *buf;
	size_t len, cap;
	bool big;
};

static size_t sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t add = size * nmemb, cap = s->cap ? s->cap : 1 << 16;
	char *b;

	if (s->len + add + 1 > KEPLER_BODY_MAX) {
		s->big = true;
		return 0;
	}
	while (cap < s->len + add + 1)
		cap *= 2;
	if (cap != s->cap) {
		b = realloc(s->buf, cap);
		if (!b)
			return 0;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

/* libcurl asks often during a transfer: kepler_scrape__free() ends the one in flight. */
static int progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	struct kepler_scrape *ks = p;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return __atomic_load_n(&ks->stop, __ATOMIC_RELAXED);
}

static int setup_curl(struct kepler_scrape *ks)
{
	CURL *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -EIO;
	ks->curl_global = true;
	c = ks->curl = curl_easy_init();
	/* The text format, not OpenMetrics or protobuf; gzip is what Kepler's promhttp sends. */
	ks->hdrs = curl_slist_append(NULL, "Accept: text/plain;version=0.0.4");
	if (!c || !ks->hdrs)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, ks->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, ks->hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "wattprobe/" WP_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	/* A thread of its own: no SIGALRM for timeouts. */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ks->curl_msg);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, ks);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	return 0;
}

static int curl_failure(struct kepler_scrape *ks, CURLcode rc, const struct sink *s,
			long timeout_ms, char *msg, size_t len)
{
	const char *why = *ks->curl_msg ? ks->curl_msg : curl_easy_strerror(rc);
	long os_errno = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(ks->curl, CURLINFO_OS_ERRNO, &os_errno);
		os_errno = os_errno ? os_errno : ECONNREFUSED;
		snprintf(msg, len, "kepler %s: %s", ks->url, strerror(os_errno));
		return -os_errno;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(msg, len, "kepler %s: %s", ks->url, why);
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(msg, len, "kepler %s: no answer within %ld ms", ks->url, timeout_ms);
		return -ETIMEDOUT;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		snprintf(msg, len, "kepler %s: not an http:// or https:// URL (%s)", ks->url, why);
		return -EINVAL;
	case CURLE_WRITE_ERROR:
		if (s->big)
			snprintf(msg, len, "kepler %s: the scrape is larger than %lu MiB", ks->url,
				 KEPLER_BODY_MAX >> 20);
		else
			snprintf(msg, len, "kepler %s: %s", ks->url, strerror(ENOMEM));
		return s->big ? -EFBIG : -ENOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
		snprintf(msg, len, "kepler %s: stopped", ks->url);
		return -ECANCELED;
	default:
		snprintf(msg, len, "kepler %s: %s", ks->url, why);
		return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
	}
}

int kepler_scrape__fetch(struct kepler_scrape *ks, long timeout_ms, char **body, size_t *blen,
			 char *msg, size_t len)
{
	struct sink s = {};
	char snip[121];
	long code = 0;
	CURLcode rc;

	ks->curl_msg[0] = '\0';
	curl_easy_setopt(ks->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(ks->curl, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_perform(ks->curl);
	if (rc != CURLE_OK) {
		free(s.buf);
		return curl_failure(ks, rc, &s, timeout_ms, msg, len);
	}
	curl_easy_getinfo(ks->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 || !s.len) {
		snprintf(snip, sizeof(snip), "%s", s.buf ? s.buf : "");
		for (char *c = snip; *c; c++)
			*c = (unsigned char)*c < ' ' ? ' ' : *c;
		if (code != 200)
			snprintf(msg, len, "kepler %s: HTTP %ld%s%s", ks->url, code,
				 *snip ? ": " : "", snip);
		else
			snprintf(msg, len, "kepler %s: HTTP 200 with an empty body", ks->url);
		free(s.buf);
		return code != 200 ? -EIO : -ENODATA;
	}
	*body = s.buf;
	*blen = s.len;
	return 0;
}

/* ---- the scraper thread ---------------------------------------------------------------- */

static void wait_until(struct kepler_scrape *ks, uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = t_ns / 1000000000ULL, .tv_nsec = t_ns % 1000000000ULL };

	while (!ks->stop && mono_ns() < t_ns)
		pthread_cond_timedwait(&ks->wake, &ks->lock, &ts);
}

static void *scraper(void *arg)
{
	struct kepler_scrape *ks = arg;
	uint64_t next = mono_ns() + KEPLER_PERIOD_MS * NS_PER_MS;
	char msg[256];

	pthread_mutex_lock(&ks->lock);
	for (;;) {
		char *body = NULL;
		size_t len = 0;
		int err;

		wait_until(ks, next);
		if (ks->stop)
			break;
		pthread_mutex_unlock(&ks->lock);
		next = mono_ns() + KEPLER_PERIOD_MS * NS_PER_MS;
		err = kepler_scrape__fetch(ks, KEPLER_SCRAPE_TIMEOUT_MS, &body, &len, msg,
					   sizeof(msg));
		ks->fn(ks->ctx, body, len, err, err ? msg : "");
		free(body);
		pthread_mutex_lock(&ks->lock);
	}
	pthread_mutex_unlock(&ks->lock);
	return NULL;
}

int kepler_scrape__start(struct kepler_scrape *ks, kepler_scrape_fn *fn, void *ctx)
{
	sigset_t all, old;
	int err;

	ks->fn = fn;
	ks->ctx = ctx;
	/* Signals are the main thread's: blocked here, they keep interrupting its waits. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&ks->thread, NULL, scraper, ks);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return err;
	ks->thread_up = true;
	return 0;
}

/* ---- life ------------------------------------------------------------------------------- */

void kepler_scrape__free(struct kepler_scrape *ks)
{
	if (!ks)
		return;
	if (ks->thread_up) {
		pthread_mutex_lock(&ks->lock);
		__atomic_store_n(&ks->stop, true, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&ks->wake);
		pthread_mutex_unlock(&ks->lock);
		pthread_join(ks->thread, NULL);
	}
	if (ks->locks_up) {
		pthread_cond_destroy(&ks->wake);
		pthread_mutex_destroy(&ks->lock);
	}
	curl_slist_free_all(ks->hdrs);
	curl_easy_cleanup(ks->curl);
	if (ks->curl_global)
		curl_global_cleanup();
	free(ks->url);
	free(ks);
}

static int init_locks(struct kepler_scrape *ks)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca))
		return -ENOMEM;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&ks->wake, &ca)) {
		pthread_condattr_destroy(&ca);
		return -ENOMEM;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&ks->lock, NULL)) {
		pthread_cond_destroy(&ks->wake);
		return -ENOMEM;
	}
	ks->locks_up = true;
	return 0;
}

struct kepler_scrape *kepler_scrape__open(const char *url)
{
	struct kepler_scrape *ks = calloc(1, sizeof(*ks));
	int err = -ENOMEM;

	if (!ks)
		goto fail;
	ks->url = strdup(url);
	if (!ks->url)
		goto fail;
	err = init_locks(ks);
	err = err ?: setup_curl(ks);
	if (err)
		goto fail;
	return ks;
fail:
	kepler_scrape__free(ks);
	errno = -err;
	return NULL;
}
