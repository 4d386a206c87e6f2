// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fakekepler.c: a Kepler /metrics endpoint over plain HTTP on 127.0.0.1, serving a file. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>

static const char usage[] =
	"usage: fakekepler --metrics FILE --port-file FILE [--port N] [--status CODE]\n"
	"                  [--delay-ms N] [--log FILE]\n"
	"Serves GET /metrics on 127.0.0.1 with FILE's content, read again at every request (a\n"
	"test changes it between scrapes; a missing FILE is an HTTP 500). Port 0 or none: any "
	"free\n"
	"one, written to --port-file once listening. --status CODE: answer /metrics with it.\n"
	"--delay-ms N: wait N ms before answering. --log: one line per request,\n"
	"\"METHOD PATH status=N bytes=N\". Runs until SIGTERM or SIGINT.";

struct args {
	const char *metrics, *port_file, *log;
	int port, status, delay_ms;
};

struct server {
	const struct args *a;
	FILE *log;
};

/* A whole file; NULL with errno. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		buf = strdup(""); /* an empty file is an empty body */
		n = 0;
	}
	*len = n;
	return buf;
}

static int answer(struct server *srv, const char *path, char **body, size_t *len)
{
	char msg[4200];

	if (strcmp(path, "/metrics")) {
		*body = strdup("404 page not found\n");
		*len = strlen(*body);
		return 404;
	}
	if (srv->a->status) {
		*body = strdup("fakekepler: forced status\n");
		*len = strlen(*body);
		return srv->a->status;
	}
	*body = read_all(srv->a->metrics, len);
	if (!*body) {
		snprintf(msg, sizeof(msg), "fakekepler: %s: %s\n", srv->a->metrics,
			 strerror(errno));
		*body = strdup(msg);
		*len = strlen(msg);
		return 500;
	}
	return 200;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *path,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	struct server *srv = cls;
	struct timespec ts = { .tv_sec = srv->a->delay_ms / 1000,
			       .tv_nsec = (srv->a->delay_ms % 1000) * 1000000L };
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	int code;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req;
	if (strcmp(method, "GET")) {
		body = strdup("method not allowed\n");
		len = strlen(body);
		code = 405;
	} else {
		code = answer(srv, path, &body, &len);
	}
	if (srv->a->delay_ms)
		nanosleep(&ts, NULL);
	if (srv->log)
		fprintf(srv->log, "%s %s status=%d bytes=%zu\n", method, path, code, len);
	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "metrics", required_argument, NULL, 'm' },
		{ "port-file", required_argument, NULL, 'f' },
		{ "port", required_argument, NULL, 'P' },
		{ "status", required_argument, NULL, 's' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'l' },
		{},
	};
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a->metrics = optarg;
			break;
		case 'f':
			a->port_file = optarg;
			break;
		case 'l':
			a->log = optarg;
			break;
		case 'P':
		case 's':
		case 'd':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 65535)
				return -EINVAL;
			*(c == 'P' ? &a->port : c == 's' ? &a->status : &a->delay_ms) = v;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || !a->metrics || !a->port_file ||
	    (a->status && (a->status < 100 || a->status > 599)))
		return -EINVAL;
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
		fprintf(stderr, "fakekepler: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct args a = {};
	struct server srv = { .a = &a };
	struct MHD_Daemon *d = NULL;
	int err = EXIT_FAILURE, sig;
	sigset_t stop;

	if (parse_args(argc, argv, &a)) {
		fprintf(stderr, "%s\n", usage);
		return EXIT_FAILURE;
	}
	if (a.log) {
		srv.log = fopen(a.log, "a");
		if (!srv.log) {
			fprintf(stderr, "fakekepler: %s: %s\n", a.log, strerror(errno));
			return EXIT_FAILURE;
		}
		setvbuf(srv.log, NULL, _IOLBF, 0);
	}
	/* Blocked before MHD's threads start, so that they inherit the mask and sigwait gets them.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	sa.sin_port = htons(a.port);
	/* A thread per connection: a delayed answer does not hold up the next scrape. */
	d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
		a.port, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fakekepler: cannot listen on 127.0.0.1:%d\n", a.port);
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
	return err;
}
