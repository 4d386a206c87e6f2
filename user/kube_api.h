/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* kube_api.h: the pod list from the Kubernetes API server, in-cluster (libcurl, TLS, token). */
#ifndef WP_KUBE_API_H
#define WP_KUBE_API_H

#include <stdatomic.h>
#include <stddef.h>

#define KUBE_API_SA_DIR	   "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBE_API_BODY_MAX  (256UL << 20) /* a pod list larger than this is refused */
#define KUBE_API_TOKEN_MAX 16384	 /* bound tokens are 1-2 KiB */

struct kube_api_cfg {
	char base_url[512]; /* "https://HOST:PORT" (IPv6 host in brackets) */
	char token_path[4096];
	char ca_path[4096];
};

/*
 * libcurl's global state: call kube_api_global_init() once from the CLI before any thread
 * starts, and kube_api_global_cleanup() once after the last fetch has returned.
 * curl_global_init() is not thread safe, and curl_easy_init() calls it when it was not done.
 * Fetches run with CURLOPT_NOSIGNAL (no SIGALRM on a background thread), so libcurl leaves
 * SIGPIPE alone: it avoids raising it, but the caller should ignore SIGPIPE to be sure. 0 or -EIO.
 */
int kube_api_global_init(void);
void kube_api_global_cleanup(void);

/*
 * From KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT (port default 443) and the service
 * account directory sa_dir (NULL: KUBE_API_SA_DIR), which holds "token" and "ca.crt". Checks
 * that the token can be read and is not empty. 0, or -errno with a one-line reason in err
 * naming what is missing (the env var, the token file, the CA file).
 */
int kube_api_cfg_from_env(struct kube_api_cfg *cfg, const char *sa_dir, char *err, size_t errlen);

/*
 * Read a bearer token into buf: one trailing newline (or CRLF) stripped; an empty token, or one
 * with a blank or control character (it goes into a header line), is -EINVAL, one longer than
 * len - 1 -E2BIG. 0, or -errno with err naming the file.
 */
int kube_api_read_token(const char *path, char *buf, size_t len, char *err, size_t errlen);

/*
 * Pure: the pods URL, base_url "/api/v1/pods" plus "?fieldSelector=spec.nodeName%3D<node,
 * percent-encoded>" when node is not NULL or empty. 0 or -ENAMETOOLONG.
 */
int kube_api_pods_url(const struct kube_api_cfg *cfg, const char *node, char *out, size_t len);

/*
 * Blocking GET of the pod list (of node, as kube_api_pods_url). Safe to call from any thread
 * after kube_api_global_init(): each call has its own easy handle and re-reads the token (bound
 * tokens rotate). timeout_ms bounds the whole request (0: none). The server is verified against
 * ca_path. On success 0, *body (malloc'd, NUL-terminated, at most KUBE_API_BODY_MAX) and *len. On
 * failure -errno and a one-line err naming the URL and the cause: -ECONNREFUSED (or what else
 * connect() failed with), -ETIMEDOUT,
 * -EPROTO (TLS verification, naming the CA file), -EACCES (HTTP 401: token rejected), -EPERM (HTTP
 * 403: RBAC), -EIO (another HTTP status, with the start of the body), -EFBIG (body too big),
 * -ENOMEM, -ECANCELED (*cancel turned true; cancel may be NULL); token errors as
 * kube_api_read_token.
 */
int kube_api_fetch_pods(const struct kube_api_cfg *cfg, const char *node, long timeout_ms,
			const atomic_bool *cancel, char **body, size_t *len, char *err,
			size_t errlen);

#endif
