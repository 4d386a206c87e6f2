// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* scrapers.c: N concurrent keep-alive HTTP/1.1 clients GETting one path for a while. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: scrapers HOST:PORT PATH CLIENTS SECONDS\n"
	"       scrapers --slowloris SRCADDR HOST:PORT CONNECTIONS SECONDS\n"
	"CLIENTS threads each GET PATH over one keep-alive connection (a new one when the server\n"
	"closes it) for SECONDS, then print \"requests=N ok=N errors=N bytes=N max_ms=F\": ok are\n"
	"200 responses read whole, errors everything else (a status, a short body, a refused\n"
	"connection). Exit 0 when every request was ok.\n"
	"--slowloris: CONNECTIONS connections from SRCADDR (e.g. 127.0.0.2) that send a request's\n"
	"headers one byte every 500 ms and never finish, for SECONDS; prints how many the server\n"
	"accepted and how many it closed.";

struct shared {
	struct sockaddr_in addr;
	const char *host, *path;
	double end;
	atomic_ullong requests, ok, errors, bytes, max_us;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dial(const struct shared *sh)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sh->addr, sizeof(sh->addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One response: 0 when it was a whole 200, 1 another whole response, -1 a broken one. */
static int read_response(int fd, char *buf, size_t cap, unsigned long long *body_len)
{
	unsigned long long want, got;
	size_t have = 0;
	char *end, *cl;
	int status = 0;
	ssize_t n;

	buf[0] = '\0';
	while (!(end = strstr(buf, "\r\n\r\n"))) {
		n = have < cap - 1 ? read(fd, buf + have, cap - 1 - have) : -1;
		if (n <= 0)
			return -1;
		have += n;
		buf[have] = '\0';
	}
	sscanf(buf, "HTTP/1.%*d %d", &status);
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || cl > end)
		return -1;
	want = strtoull(cl + 17, NULL, 10);
	got = have - (size_t)(end + 4 - buf);
	while (got < want) {
		n = read(fd, buf, want - got < cap ? want - got : cap);
		if (n <= 0)
			return -1;
		got += n;
	}
	*body_len = got;
	return got != want ? -1 : status == 200 ? 0 : 1;
}

static void *client(void *arg)
{
	struct shared *sh = arg;
	char req[512], *buf = malloc(1 << 16);
	int fd = -1, len;

	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", sh->path, sh->host);
	while (buf && now_s() < sh->end) {
		unsigned long long body = 0, us;
		double t0 = now_s();
		int rc;

		if (fd < 0)
			fd = dial(sh);
		rc = fd < 0 || write(fd, req, len) != len ? -1
							  : read_response(fd, buf, 1 << 16, &body);
		atomic_fetch_add(&sh->requests, 1);
		atomic_fetch_add(rc == 0 ? &sh->ok : &sh->errors, 1);
		atomic_fetch_add(&sh->bytes, body);
		us = (now_s() - t0) * 1e6;
		for (unsigned long long m = atomic_load(&sh->max_us);
		     us > m && !atomic_compare_exchange_weak(&sh->max_us, &m, us);)
			;
		if (rc < 0 && fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Connections that never finish their headers: a slot each, for as long as the server lets. */
static int slowloris(const char *src, const char *dst, int n, double secs)
{
	static const char req[] =
		"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaa";
	struct sockaddr_in from = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	char host[64], *colon = strrchr(dst, ':');
	int fds[1024], open_n = 0, closed = 0;
	double end = now_s() + secs;

	if (!colon || n < 1 || n > 1024)
		return 2;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - dst), dst);
	to.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
	    inet_pton(AF_INET, host, &to.sin_addr) != 1)
		return 2;
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&from, sizeof(from)) ||
		    connect(fds[i], (struct sockaddr *)&to, sizeof(to))) {
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = -1;
			continue;
		}
		open_n++;
	}
	for (size_t k = 0; now_s() < end; k = (k + 1) % (sizeof(req) - 1)) {
		for (int i = 0; i < n; i++)
			if (fds[i] >= 0 && send(fds[i], req + k, 1, MSG_NOSIGNAL) != 1) {
				close(fds[i]);
				fds[i] = -1;
				closed++;
			}
		usleep(500000);
	}
	printf("connected=%d closed_by_server=%d\n", open_n, closed);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct shared sh;
	pthread_t th[256];
	char host[64], *colon;
	int n;

	if (argc == 6 && !strcmp(argv[1], "--slowloris"))
		return slowloris(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
	if (argc != 5 || !(colon = strrchr(argv[1], ':')) || (n = atoi(argv[3])) < 1 || n > 256) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - argv[1]), argv[1]);
	sh.addr.sin_family = AF_INET;
	sh.addr.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sh.addr.sin_addr) != 1) {
		fprintf(stderr, "scrapers: bad address %s\n", argv[1]);
		return 2;
	}
	sh.host = argv[1];
	sh.path = argv[2];
	sh.end = now_s() + atof(argv[4]);
	for (int i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, client, &sh)) {
			fprintf(stderr, "scrapers: pthread_create: %s\n", strerror(errno));
			return 2;
		}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("requests=%llu ok=%llu errors=%llu bytes=%llu max_ms=%.1f\n",
	       (unsigned long long)sh.requests, (unsigned long long)sh.ok,
	       (unsigned long long)sh.errors, (unsigned long long)sh.bytes, sh.max_us / 1e3);
	return sh.errors ? 1 : 0;
}
