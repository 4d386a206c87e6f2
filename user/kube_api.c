// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kube_api.c: the pod list from the Kubernetes API server, in-cluster (libcurl, TLS, token). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "kube_api.h"

#define AUTH_PREFIX "Authorization: Bearer "
#define SNIPPET_LEN 200 /* of an error response, in err */

int kube_api_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) ? -EIO : 0;
}

void kube_api_global_cleanup(void)
{
	curl_global_cleanup();
}

/* A token goes into a header line: a blank or control character would end or split it. */
static bool token_ok(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			return false;
	return true;
}

int kube_api_read_token(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	size_t n = 0;
	ssize_t r = 0;
	int fd, e = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		snprintf(err, errlen, "service account token %s: %s", path, strerror(-e));
		return e;
	}
	while (n < len && (r = read(fd, buf + n, len - n)) != 0) {
		if (r < 0 && errno != EINTR) {
			e = -errno;
			break;
		}
		n += r > 0 ? (size_t)r : 0;
	}
	close(fd);
	if (e) {
		snprintf(err, errlen, "service account token %s: %s", path, strerror(-e));
		return e;
	}
	if (n == len) {
		snprintf(err, errlen, "service account token %s: longer than %zu bytes", path,
			 len - 1);
		return -E2BIG;
	}
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (!n || !token_ok(buf)) {
		snprintf(err, errlen, "service account token %s: %s", path,
			 n ? "has a blank or control character" : "is empty");
		return -EINVAL;
	}
	return 0;
}

/* Host names and IP addresses only: nothing that could change the URL's meaning. */
static bool host_ok(const char *h)
{
	if (!*h)
		return false;
	for (; *h; h++)
		if (!(*h >= 'a' && *h <= 'z') && !(*h >= 'A' && *h <= 'Z') &&
		    !(*h >= '0' && *h <= '9') && !strchr(".-:", *h))
			return false;
	return true;
}

static bool port_ok(const char *p)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(p, &end, 10);
	return *p >= '0' && *p <= '9' && !errno && !*end && v >= 1 && v <= 65535;
}

int kube_api_cfg_from_env(struct kube_api_cfg *cfg, const char *sa_dir, char *err, size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char token[KUBE_API_TOKEN_MAX];
	size_t n;
	int e;

	if (!host || !*host) {
		snprintf(err, errlen, "KUBERNETES_SERVICE_HOST is not set (not running in a pod?)");
		return -ENOENT;
	}
	if (!host_ok(host)) {
		snprintf(err, errlen, "KUBERNETES_SERVICE_HOST=%s: not a host name or IP address",
			 host);
		return -EINVAL;
	}
	if (!port || !*port)
		port = "443";
	if (!port_ok(port)) {
		snprintf(err, errlen, "KUBERNETES_SERVICE_PORT=%s: not a port number", port);
		return -EINVAL;
	}
	if (!sa_dir)
		sa_dir = KUBE_API_SA_DIR;
	/* An IPv6 address is the only host with a colon. */
	n = snprintf(cfg->base_url, sizeof(cfg->base_url),
		     strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	if (n >= sizeof(cfg->base_url)) {
		snprintf(err, errlen, "KUBERNETES_SERVICE_HOST=%s: too long", host);
		return -ENAMETOOLONG;
	}
	if ((size_t)snprintf(cfg->token_path, sizeof(cfg->token_path), "%s/token", sa_dir) >=
		    sizeof(cfg->token_path) ||
	    (size_t)snprintf(cfg->ca_path, sizeof(cfg->ca_path), "%s/ca.crt", sa_dir) >=
		    sizeof(cfg->ca_path)) {
		snprintf(err, errlen, "service account directory %s: path too long", sa_dir);
		return -ENAMETOOLONG;
	}
	e = kube_api_read_token(cfg->token_path, token, sizeof(token), err, errlen);
	explicit_bzero(token, sizeof(token));
	if (e)
		return e;
	if (access(cfg->ca_path, R_OK)) {
		e = -errno;
		snprintf(err, errlen, "API server CA file %s: %s", cfg->ca_path, strerror(-e));
		return e;
	}
	return 0;
}

static bool unreserved(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int kube_api_pods_url(const struct kube_api_cfg *cfg, const char *node, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	bool sel = node && *node;
	size_t n;
	int r;

	r = snprintf(out, len, "%s/api/v1/pods%s", cfg->base_url,
		     sel ? "?fieldSelector=spec.nodeName%3D" : "");
	if (r < 0 || (size_t)r >= len)
		goto too_long;
	n = r;
	for (const unsigned char *p = (const unsigned char *)node; sel && *p; p++) {
		if (n + 3 >= len)
			goto too_long;
		if (unreserved(*p)) {
			out[n++] = *p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
	return 0;
too_long:
	if (len)
		out[0] = '\0';
	return -ENAMETOOLONG;
}

/* The response body, growing up to KUBE_API_BODY_MAX; err says why the write callback quit. */
struct sink {
	char *buf;
	size_t len, cap;
	int err;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb, cap;
	char *nb;

	if (n > KUBE_API_BODY_MAX - s->len) {
		s->err = -EFBIG;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		for (cap = s->cap ? s->cap : 65536; cap < s->len + n + 1; cap *= 2)
			;
		if (cap > KUBE_API_BODY_MAX + 1)
			cap = KUBE_API_BODY_MAX + 1;
		nb = realloc(s->buf, cap);
		if (!nb) {
			s->err = -ENOMEM;
			return 0;
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* The start of an error response on one line: a Status's message, or the raw body. */
static void snippet(const struct sink *s, char *out, size_t len)
{
	json_object *st = s->buf ? json_tokener_parse(s->buf) : NULL, *msg;
	const char *text = s->buf ? s->buf : "(empty body)";

	if (st && json_object_object_get_ex(st, "message", &msg) &&
	    json_object_is_type(msg, json_type_string))
		text = json_object_get_string(msg);
	snprintf(out, len, "%s", text);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
	json_object_put(st);
}

static int http_failure(long code, const struct sink *s, const char *url,
			const struct kube_api_cfg *cfg, char *err, size_t errlen)
{
	char text[SNIPPET_LEN + 1];

	snippet(s, text, sizeof(text));
	switch (code) {
	case 401:
		snprintf(err, errlen, "GET %s: HTTP 401: the API server rejected the token in %s",
			 url, cfg->token_path);
		return -EACCES;
	case 403:
		snprintf(err, errlen,
			 "GET %s: HTTP 403: the service account needs RBAC \"list\" on \"pods\" "
			 "(a ClusterRole): %s",
			 url, text);
		return -EPERM;
	default:
		snprintf(err, errlen, "GET %s: HTTP %ld: %s", url, code, text);
		return -EIO;
	}
}

static int curl_failure(CURL *curl, CURLcode rc, const struct sink *s, const char *detail,
			const char *url, const struct kube_api_cfg *cfg, char *err, size_t errlen)
{
	const char *why = *detail ? detail : curl_easy_strerror(rc);
	long os_errno = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
		os_errno = os_errno ? os_errno : ECONNREFUSED;
		snprintf(err, errlen, "GET %s: %s", url, strerror(os_errno));
		return -os_errno;
	case CURLE_ABORTED_BY_CALLBACK:
		snprintf(err, errlen, "GET %s: stopped", url);
		return -ECANCELED;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "GET %s: timed out: %s", url, why);
		return -ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(err, errlen, "GET %s: TLS verification with CA file %s failed: %s", url,
			 cfg->ca_path, why);
		return -EPROTO;
	case CURLE_WRITE_ERROR:
		if (s->err == -EFBIG) {
			snprintf(err, errlen, "GET %s: the pod list is larger than %lu MiB", url,
				 KUBE_API_BODY_MAX >> 20);
			return -EFBIG;
		}
		snprintf(err, errlen, "GET %s: out of memory for the pod list", url);
		return -ENOMEM;
	default:
		snprintf(err, errlen, "GET %s: %s", url, why);
		return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
	}
}

/* libcurl asks about once a second, and at every transfer: a stop ends the request. */
static int progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	const atomic_bool *cancel = p;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return cancel && atomic_load(cancel);
}

static void set_options(CURL *curl, const char *url, struct curl_slist *hdrs,
			const struct kube_api_cfg *cfg, long timeout_ms, const atomic_bool *cancel,
			struct sink *s, char *detail)
{
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "wattprobe/" WP_VERSION);
	/* Trust the cluster's CA only, not also the system's CA directory. */
	curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_path);
	curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The API server gzips large lists; the cap applies to what is decoded. */
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	/* A background thread: no SIGALRM for timeouts, no signal handlers touched. */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)cancel);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
}

int kube_api_fetch_pods(const struct kube_api_cfg *cfg, const char *node, long timeout_ms,
			const atomic_bool *cancel, char **body, size_t *len, char *err,
			size_t errlen)
{
	char auth[sizeof(AUTH_PREFIX) + KUBE_API_TOKEN_MAX] = AUTH_PREFIX;
	char url[sizeof(cfg->base_url) + 1024], detail[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *h = NULL;
	struct sink s = {};
	CURL *curl = NULL;
	long code = 0;
	CURLcode rc;
	int e;

	*body = NULL;
	*len = 0;
	e = kube_api_pods_url(cfg, node, url, sizeof(url));
	if (e) {
		snprintf(err, errlen, "the pods URL for node %s is too long", node);
		goto cleanup;
	}
	e = kube_api_read_token(cfg->token_path, auth + strlen(AUTH_PREFIX), KUBE_API_TOKEN_MAX,
				err, errlen);
	if (e)
		goto cleanup;
	curl = curl_easy_init();
	hdrs = curl_slist_append(NULL, auth);
	if (hdrs)
		h = curl_slist_append(hdrs, "Accept: application/json");
	if (!curl || !h) {
		e = -ENOMEM;
		snprintf(err, errlen, "GET %s: cannot set up libcurl", url);
		goto cleanup;
	}
	set_options(curl, url, hdrs, cfg, timeout_ms, cancel, &s, detail);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		e = curl_failure(curl, rc, &s, detail, url, cfg, err, errlen);
		goto cleanup;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		e = http_failure(code, &s, url, cfg, err, errlen);
		goto cleanup;
	}
	if (!s.len) {
		e = -EIO;
		snprintf(err, errlen, "GET %s: HTTP 200 with an empty body", url);
		goto cleanup;
	}
	*body = s.buf;
	*len = s.len;
	s.buf = NULL;
cleanup:
	explicit_bzero(auth, sizeof(auth));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	free(s.buf);
	return e;
}
