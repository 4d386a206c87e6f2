// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fakeapi.c: kube-apiserver's pod list endpoint over TLS on 127.0.0.1, for the in-cluster tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <microhttpd.h>

static const char usage[] =
	"usage: fakeapi --cert PEM --key PEM --token-file FILE --pods PODLIST.json\n"
	"               --port-file FILE [--port N] [--log FILE] [--status CODE]\n"
	"Serves GET /api/v1/pods (fieldSelector honoured) to \"Authorization: Bearer TOKEN\"\n"
	"on 127.0.0.1 (port 0 or none: any free one, written to --port-file once listening).\n"
	"--status CODE: answer authenticated requests with it (403: an RBAC denial).\n"
	"--log: one line per request, \"METHOD PATH QUERY|- token=ok|bad status=N\".\n"
	"Runs until SIGTERM or SIGINT.";

/* The fields kube-apiserver accepts in a pod field selector (pkg/registry/core/pod). */
static const char *const selectable[] = {
	"metadata.name",      "metadata.namespace", "spec.nodeName",
	"spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
	"status.phase",	      "status.podIP",	    "status.nominatedNodeName",
};

#define NSELECTABLE (sizeof(selectable) / sizeof(selectable[0]))
#define MAX_TERMS   8

struct args {
	const char *cert, *key, *token_file, *pods, *port_file, *log;
	int port, status;
};

struct server {
	char *token;	    /* the one bearer token accepted */
	json_object *list;  /* the fixture, owning items */
	json_object *items; /* its pods, without per-item kind/apiVersion (as in a real list) */
	FILE *log;
	int status; /* forced after authentication; 0: serve */
};

struct term {
	char *field, *value;
	bool negate; /* "!=" */
};

/* A Kubernetes Status object, as the API server sends with every error. */
static char *status_json(int code, const char *reason, const char *msg, const char *kind)
{
	json_object *o = json_object_new_object(), *details;
	char *s;

	json_object_object_add(o, "kind", json_object_new_string("Status"));
	json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(o, "metadata", json_object_new_object());
	json_object_object_add(o, "status", json_object_new_string("Failure"));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	if (kind) {
		details = json_object_new_object();
		json_object_object_add(details, "kind", json_object_new_string(kind));
		json_object_object_add(o, "details", details);
	}
	json_object_object_add(o, "code", json_object_new_int(code));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* A string field by dotted path; "" when absent, as the server's field sets have it. */
static const char *field_of(json_object *item, const char *path)
{
	char buf[128], *save, *key;
	json_object *o = item;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, ".", &save); key && o; key = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, key, &o))
			o = NULL;
	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "";
}

static bool selectable_field(const char *f)
{
	for (size_t i = 0; i < NSELECTABLE; i++)
		if (!strcmp(f, selectable[i]))
			return true;
	return false;
}

/* Split "a=x,b!=y" (sel is modified) into terms; 0 or 400 with the server's message in msg. */
static int parse_selector(char *sel, struct term *t, size_t *n, char *msg, size_t len)
{
	char *save, *s, *op;

	*n = 0;
	for (s = strtok_r(sel, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		op = strchr(s, '=');
		if (!op || op == s || *n == MAX_TERMS) {
			snprintf(msg, len, "invalid selector: '%s'; can't understand '%s'", s, s);
			return 400;
		}
		t[*n].negate = op > s && op[-1] == '!';
		op[-t[*n].negate] = '\0';
		t[*n].field = s;
		t[*n].value = op + 1 + (op[1] == '=' && !t[*n].negate);
		if (!selectable_field(s)) {
			snprintf(msg, len, "field label not supported: %s", s);
			return 400;
		}
		(*n)++;
	}
	return 0;
}

static bool matches(json_object *item, const struct term *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(field_of(item, t[i].field), t[i].value) == t[i].negate)
			return false;
	return true;
}

/* 200 and the PodList of the pods the selector (NULL: all) keeps, or 400. */
static int list_pods(const struct server *srv, const char *selector, char **body)
{
	char sel[1024], msg[1200];
	struct term t[MAX_TERMS];
	json_object *list, *items, *meta;
	size_t n = 0;

	snprintf(sel, sizeof(sel), "%s", selector ? selector : "");
	if (parse_selector(sel, t, &n, msg, sizeof(msg))) {
		*body = status_json(400, "BadRequest", msg, NULL);
		return 400;
	}
	list = json_object_new_object();
	items = json_object_new_array();
	meta = json_object_new_object();
	json_object_object_add(meta, "resourceVersion", json_object_new_string("4242"));
	json_object_object_add(list, "kind", json_object_new_string("PodList"));
	json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(list, "metadata", meta);
	for (size_t i = 0; i < json_object_array_length(srv->items); i++) {
		json_object *item = json_object_array_get_idx(srv->items, i);

		if (matches(item, t, n))
			json_object_array_add(items, json_object_get(item));
	}
	json_object_object_add(list, "items", items);
	*body = strdup(json_object_to_json_string_ext(
		list, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(list);
	return 200;
}

/* In kube-apiserver's order: authentication, the route, authorization (RBAC), the handler. */
static int route(const struct server *srv, struct MHD_Connection *conn, const char *method,
		 const char *path, bool token_ok, char **body)
{
	if (!token_ok) {
		*body = status_json(401, "Unauthorized", "Unauthorized", NULL);
		return 401;
	}
	if (strcmp(path, "/api/v1/pods")) {
		*body = status_json(404, "NotFound",
				    "the server could not find the requested resource", NULL);
		return 404;
	}
	if (strcmp(method, "GET")) {
		*body = status_json(
			405, "MethodNotAllowed",
			"the server does not allow this method on the requested resource", NULL);
		return 405;
	}
	if (srv->status == 403) {
		*body = status_json(
			403, "Forbidden",
			"pods is forbidden: User \"system:serviceaccount:wattprobe:"
			"wattprobe\" cannot list resource \"pods\" in API group \"\" at "
			"the cluster scope",
			"pods");
		return 403;
	}
	if (srv->status) {
		*body = status_json(srv->status, "InternalError", "fakeapi: forced status", NULL);
		return srv->status;
	}
	return list_pods(srv,
			 MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "fieldSelector"),
			 body);
}

/* MHD passes the handler the decoded path only: keep the raw URI for the log's query. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	return strdup(uri);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **req,
		    enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)conn;
	(void)why;
	free(*req);
	*req = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *path,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	struct server *srv = cls;
	const char *auth =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *query = *req ? strchr(*req, '?') : NULL;
	bool token_ok = auth && !strncmp(auth, "Bearer ", 7) && !strcmp(auth + 7, srv->token);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = NULL;
	int code;

	(void)version;
	(void)upload;
	(void)upload_len;
	code = route(srv, conn, method, path, token_ok, &body);
	if (srv->log)
		fprintf(srv->log, "%s %s %s token=%s status=%d\n", method, path,
			query && query[1] ? query + 1 : "-", token_ok ? "ok" : "bad", code);
	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* A whole file, NUL-terminated; NULL with a message on stderr. */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f || getdelim(&buf, &len, '\0', f) < 0) {
		fprintf(stderr, "fakeapi: %s: %s\n", path,
			f ? "empty or unreadable" : strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "token-file", required_argument, NULL, 't' },
		{ "pods", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'f' },
		{ "port", required_argument, NULL, 'P' },
		{ "log", required_argument, NULL, 'l' },
		{ "status", required_argument, NULL, 's' },
		{},
	};
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->cert = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 't':
			a->token_file = optarg;
			break;
		case 'p':
			a->pods = optarg;
			break;
		case 'f':
			a->port_file = optarg;
			break;
		case 'l':
			a->log = optarg;
			break;
		case 'P':
		case 's':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 65535)
				return -EINVAL;
			*(c == 'P' ? &a->port : &a->status) = v;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || !a->cert || !a->key || !a->token_file || !a->pods || !a->port_file ||
	    (a->status && (a->status < 100 || a->status > 599)))
		return -EINVAL;
	return 0;
}

/* The token, the fixture and the log; 0 or -1 with a message on stderr. */
static int load(const struct args *a, struct server *srv)
{
	size_t n;

	srv->status = a->status;
	srv->token = read_all(a->token_file);
	if (!srv->token)
		return -1;
	n = strlen(srv->token);
	while (n && (srv->token[n - 1] == '\n' || srv->token[n - 1] == '\r'))
		srv->token[--n] = '\0';
	srv->list = json_object_from_file(a->pods);
	if (!srv->list || !json_object_object_get_ex(srv->list, "items", &srv->items) ||
	    !json_object_is_type(srv->items, json_type_array)) {
		fprintf(stderr, "fakeapi: %s: not a pod list: %s\n", a->pods,
			json_util_get_last_err() ?: "no items array");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(srv->items); i++) {
		json_object_object_del(json_object_array_get_idx(srv->items, i), "kind");
		json_object_object_del(json_object_array_get_idx(srv->items, i), "apiVersion");
	}
	if (a->log) {
		srv->log = fopen(a->log, "a");
		if (!srv->log) {
			fprintf(stderr, "fakeapi: %s: %s\n", a->log, strerror(errno));
			return -1;
		}
		setvbuf(srv->log, NULL, _IOLBF, 0);
	}
	return 0;
}

/* Written under another name and renamed: whoever waits for the file never sees half of it. */
static int write_port(const char *path, unsigned int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "fakeapi: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct args a = {};
	struct server srv = {};
	struct MHD_Daemon *d = NULL;
	char *cert = NULL, *key = NULL;
	int err = EXIT_FAILURE, sig;
	sigset_t stop;

	if (parse_args(argc, argv, &a)) {
		fprintf(stderr, "%s\n", usage);
		return EXIT_FAILURE;
	}
	cert = read_all(a.cert);
	key = read_all(a.key);
	if (!cert || !key || load(&a, &srv))
		goto cleanup;
	/* Blocked before MHD's thread starts, so that it inherits the mask and sigwait gets them.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	sa.sin_port = htons(a.port);
	d = MHD_start_daemon(MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
			     a.port, NULL, NULL, on_request, &srv, MHD_OPTION_HTTPS_MEM_KEY, key,
			     MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_SOCK_ADDR, &sa,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
			     on_done, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fakeapi: cannot listen on 127.0.0.1:%d with TLS (%s, %s)\n",
			a.port, a.cert, a.key);
		goto cleanup;
	}
	if (write_port(a.port_file, MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port))
		goto cleanup;
	sigwait(&stop, &sig);
	err = EXIT_SUCCESS;
cleanup:
	if (d)
		MHD_stop_daemon(d);
	if (srv.log)
		fclose(srv.log);
	json_object_put(srv.list);
	free(srv.token);
	free(cert);
	free(key);
	return err;
}
