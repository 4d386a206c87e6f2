// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* httpd.c: /metrics and /healthz with libmicrohttpd, from refcounted immutable snapshots. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include "expo.h"
#include "httpd.h"

#define HTTPD_THREADS 2
/*
 * Each connection may hold a snapshot until its response is sent: the limits bound that memory
 * (128 x the exposition), and one address cannot take every slot (slowloris: a client that
 * sends its headers a byte at a time is not idle, so the timeout does not end it).
 */
#define HTTPD_CONN_LIMIT   128
#define HTTPD_PER_IP_LIMIT 32
#define HTTPD_CONN_TIMEOUT 10 /* s: a scraper that stalls is dropped */

/* One published exposition; freed when the last response made from it is gone. */
struct snap {
	atomic_uint refs;
	uint64_t at_ns;
	size_t len;
	char *body;
};

struct httpd {
	struct MHD_Daemon *d;
	pthread_mutex_t lock; /* guards cur: held for a pointer swap, never for work */
	struct snap *cur;
	uint64_t stale_ns;
	atomic_ullong ok, errors;
	char addr[96];
};

static void snap_unref(void *p)
{
	struct snap *s = p;

	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		free(s->body);
		free(s);
	}
}

static uint64_t now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int httpd__publish(struct httpd *h, char *body, size_t len, uint64_t now_ns)
{
	struct snap *s = calloc(1, sizeof(*s)), *old;

	if (!s) {
		free(body);
		return -ENOMEM;
	}
	atomic_init(&s->refs, 1);
	s->at_ns = now_ns;
	s->len = len;
	s->body = body;
	pthread_mutex_lock(&h->lock);
	old = h->cur;
	h->cur = s;
	pthread_mutex_unlock(&h->lock);
	snap_unref(old);
	return 0;
}

static struct snap *snap_take(struct httpd *h)
{
	struct snap *s;

	pthread_mutex_lock(&h->lock);
	s = h->cur;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&h->lock);
	return s;
}

static enum MHD_Result reply_text(struct httpd *h, struct MHD_Connection *c, unsigned int code,
				  const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	atomic_fetch_add(code == MHD_HTTP_OK ? &h->ok : &h->errors, 1);
	return ret;
}

static enum MHD_Result reply_metrics(struct httpd *h, struct MHD_Connection *c)
{
	struct snap *s = snap_take(h);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!s)
		return reply_text(h, c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "wattprobe: no interval sampled yet\n");
	r = MHD_create_response_from_buffer_with_free_callback_cls(s->len, s->body, snap_unref, s);
	if (!r) {
		snap_unref(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, EXPO_CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	atomic_fetch_add(&h->ok, 1);
	return ret;
}

/* Healthy while snapshots keep coming: a sampler that hangs turns it to 503. */
static enum MHD_Result reply_health(struct httpd *h, struct MHD_Connection *c)
{
	struct snap *s = snap_take(h);
	uint64_t age = s ? now_mono_ns() - s->at_ns : 0;
	char msg[128];

	snap_unref(s);
	if (!s)
		return reply_text(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n");
	if (age > h->stale_ns) {
		snprintf(msg, sizeof(msg), "stale: the last snapshot is %.1f s old\n", age / 1e9);
		return reply_text(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
	}
	return reply_text(h, c, MHD_HTTP_OK, "ok\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	struct httpd *h = cls;

	(void)version;
	(void)upload;
	/* The first call is for the headers only; answer on the second, no body is read. */
	if (!*req) {
		*req = h;
		return MHD_YES;
	}
	if (*upload_len) {
		*upload_len = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(h, c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or HEAD only\n");
	if (!strcmp(url, "/metrics"))
		return reply_metrics(h, c);
	if (!strcmp(url, "/healthz"))
		return reply_health(h, c);
	if (!strcmp(url, "/"))
		return reply_text(
			h, c, MHD_HTTP_OK,
			"wattprobe exporter: /metrics (Prometheus text 0.0.4), /healthz\n");
	return reply_text(h, c, MHD_HTTP_NOT_FOUND, "not found: /metrics or /healthz\n");
}

int httpd_parse_listen(const char *listen, char *host, size_t hlen, unsigned int *port)
{
	const char *colon, *h = listen;
	size_t n;
	char *end;
	unsigned long p;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = listen + 1;
		n = close - h;
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || memchr(listen, ':', colon - listen))
			return -EINVAL;
		n = colon - listen;
	}
	if (n == 0 || n >= hlen || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p > 65535)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = p;
	return 0;
}

static int resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *sl, char *msg,
		   size_t mlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM },
			*ai;
	char host[64], port[8];
	unsigned int p;
	int rc;

	if (httpd_parse_listen(listen, host, sizeof(host), &p)) {
		snprintf(msg, mlen, "bad --listen '%s' (want ADDR:PORT, e.g. 127.0.0.1:9744)",
			 listen);
		return -EINVAL;
	}
	snprintf(port, sizeof(port), "%u", p);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(msg, mlen, "bad --listen address '%s': %s (a numeric address is wanted)",
			 host, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static void bound_address(struct httpd *h, const struct sockaddr_storage *ss)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned int port = di ? di->port : 0;

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof(ip));
		snprintf(h->addr, sizeof(h->addr), "[%s]:%u", ip, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof(ip));
		snprintf(h->addr, sizeof(h->addr), "%s:%u", ip, port);
	}
}

struct httpd *httpd__start(const char *listen, uint64_t stale_after_ns, char *msg, size_t mlen)
{
	struct httpd *h = calloc(1, sizeof(*h));
	struct sockaddr_storage ss = {};
	sigset_t all, old;
	socklen_t sl;
	int err;

	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->stale_ns = stale_after_ns;
	err = resolve(listen, &ss, &sl, msg, mlen);
	if (err)
		goto fail;
	/* The server's threads inherit this mask: signals stay the sampling thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = 0;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
					(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)HTTPD_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTPD_CONN_LIMIT,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned int)HTTPD_PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)HTTPD_CONN_TIMEOUT, MHD_OPTION_END);
	err = errno ? -errno : -EADDRINUSE;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		snprintf(msg, mlen, "listening on %s: %s", listen, strerror(-err));
		goto fail;
	}
	(void)sl;
	bound_address(h, &ss);
	return h;
fail:
	pthread_mutex_destroy(&h->lock);
	free(h);
	errno = -err;
	return NULL;
}

const char *httpd__address(const struct httpd *h)
{
	return h->addr;
}

void httpd__counts(const struct httpd *h, uint64_t *ok, uint64_t *errors)
{
	*ok = atomic_load(&h->ok);
	*errors = atomic_load(&h->errors);
}

void httpd__stop(struct httpd *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);
	snap_unref(h->cur);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
