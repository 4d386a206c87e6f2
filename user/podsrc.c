// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* podsrc.c: pod metadata from a file, kubectl or the API server, kept fresh on a thread. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kube_api.h"
#include "kubectl.h"
#include "podsrc.h"

#define ERR_LEN	   512
#define TIMEOUT_MS 30000L

enum kind { SRC_FILE, SRC_KUBECTL, SRC_API };

struct podsrc {
	enum kind kind;
	char *path;
	char *node;
	uint64_t period_ns;
	struct kube_api_cfg api;
	char desc[768];
	/* The file as last read: a change in any of these is a change of the file. */
	struct stat st;
	bool have_st;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;		/* under lock */
	atomic_bool cancel;	/* a fetch in flight gives up: set once, at the end */
	struct pods *pending;	/* under lock: newer than what the caller has */
	char err[ERR_LEN];	/* under lock: a failure not yet taken */
	char last_err[ERR_LEN]; /* thread only: the failure last reported */
};

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The file's size and type are checked on the open descriptor: a FIFO swapped in is refused. */
static int file_open(struct podsrc *s, struct stat *st, char *err, size_t errlen)
{
	int fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), ret;

	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "pods %s: %s", s->path, strerror(errno));
		return ret;
	}
	if (fstat(fd, st)) {
		ret = -errno;
		snprintf(err, errlen, "pods %s: %s", s->path, strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

/* Read a whole regular file of at most PODSRC_FILE_MAX bytes; a stop ends it. */
static int file_read(struct podsrc *s, int fd, const struct stat *st, const atomic_bool *cancel,
		     char **body, size_t *len, char *err, size_t errlen)
{
	size_t n = 0, cap = (size_t)st->st_size + 1;
	char *buf;

	/* A FIFO or a device would block the read, and the thread with it, for good. */
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "pods %s: not a regular file", s->path);
		return -EINVAL;
	}
	if ((uint64_t)st->st_size > PODSRC_FILE_MAX) {
		snprintf(err, errlen,
			 "pods %s: %lld bytes, more than the %u MiB a pod list may have", s->path,
			 (long long)st->st_size, PODSRC_FILE_MAX >> 20);
		return -EFBIG;
	}
	buf = malloc(cap);
	if (!buf) {
		snprintf(err, errlen, "pods %s: %s", s->path, strerror(ENOMEM));
		return -ENOMEM;
	}
	/* The file may grow while it is read: what is read is bounded by the size seen. */
	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n < 1u << 20 ? cap - 1 - n : 1u << 20);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (cancel && atomic_load(cancel))) {
			int e = r < 0 ? errno : ECANCELED;

			snprintf(err, errlen, "pods %s: %s", s->path, strerror(e));
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	*body = buf;
	*len = n;
	return 0;
}

/* A file's new version: 1 when it changed (and *body, *len are it), 0 when not, -errno. */
static int file_fetch(struct podsrc *s, const atomic_bool *cancel, char **body, size_t *len,
		      char *err, size_t errlen)
{
	struct stat st;
	int fd = file_open(s, &st, err, errlen), ret;

	if (fd < 0)
		return fd;
	if (s->have_st && same_file(&st, &s->st)) {
		close(fd);
		return 0;
	}
	/* Tried once per version of the file: a bad one is not read again until it changes. */
	s->st = st;
	s->have_st = true;
	ret = file_read(s, fd, &st, cancel, body, len, err, errlen);
	close(fd);
	return ret ? ret : 1;
}

/* One refresh: 1 with *out, 0 when the file did not change, -errno with err. */
static int refresh(struct podsrc *s, const atomic_bool *cancel, struct pods **out, char *err,
		   size_t errlen)
{
	const char *what = s->kind == SRC_API ? "the API server" : "kubectl";
	char *body = NULL, tmp[ERR_LEN];
	size_t len = 0;
	int ret;

	*out = NULL;
	switch (s->kind) {
	case SRC_FILE:
		ret = file_fetch(s, cancel, &body, &len, err, errlen);
		if (ret <= 0)
			return ret;
		ret = 0;
		what = s->path;
		break;
	case SRC_KUBECTL:
		ret = kubectl_get_pods(s->node, TIMEOUT_MS, cancel, &body, &len, err, errlen);
		break;
	default:
		ret = kube_api_fetch_pods(&s->api, s->node, TIMEOUT_MS, cancel, &body, &len, err,
					  errlen);
		break;
	}
	if (ret)
		return ret;
	*out = pods_parse(body, len, s->node, err, errlen);
	ret = *out ? 1 : -errno;
	if (!*out) {
		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "pods from %s: %s", what, tmp);
	}
	free(body);
	return ret;
}

static struct timespec deadline_after(uint64_t ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns += ts.tv_nsec;
	ts.tv_sec += ns / 1000000000ULL;
	ts.tv_nsec = ns % 1000000000ULL;
	return ts;
}

static void *run(void *arg)
{
	struct podsrc *s = arg;
	char err[ERR_LEN];

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		struct timespec ts = deadline_after(s->period_ns);
		struct pods *p;
		int ret;

		while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &ts) != ETIMEDOUT)
			;
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->lock);
		err[0] = '\0';
		ret = refresh(s, &s->cancel, &p, err, sizeof(err));
		/* Only a good list is a recovery: an unchanged bad file is not. */
		if (ret > 0)
			s->last_err[0] = '\0';
		pthread_mutex_lock(&s->lock);
		if (ret > 0) {
			pods__free(s->pending);
			s->pending = p;
		} else if (ret < 0 && strcmp(err, s->last_err)) {
			snprintf(s->err, sizeof(s->err), "%s", err);
			snprintf(s->last_err, sizeof(s->last_err), "%s", err);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int init_sync(struct podsrc *s)
{
	pthread_condattr_t ca;
	int err;

	err = pthread_condattr_init(&ca);
	if (err)
		return -err;
	err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = err ?: pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (err)
		return -err;
	err = pthread_mutex_init(&s->lock, NULL);
	if (err) {
		pthread_cond_destroy(&s->wake);
		return -err;
	}
	return 0;
}

static int setup(struct podsrc *s, const struct podsrc_opts *o, char *err, size_t errlen)
{
	char every[32];

	snprintf(every, sizeof(every), "every %.3gs", o->refresh_ns / 1e9);
	s->period_ns = o->refresh_ns;
	if (strcmp(o->spec, "kubectl") == 0) {
		s->kind = SRC_KUBECTL;
		snprintf(s->desc, sizeof(s->desc), "kubectl %s", every);
	} else if (strcmp(o->spec, "api") == 0) {
		int ret = kube_api_cfg_from_env(&s->api, o->sa_dir, err, errlen);

		if (ret)
			return ret;
		s->kind = SRC_API;
		snprintf(s->desc, sizeof(s->desc), "api %s %s", s->api.base_url, every);
	} else {
		s->kind = SRC_FILE;
		s->period_ns = PODSRC_FILE_CHECK_NS;
		s->path = strdup(o->spec);
		if (!s->path)
			return -ENOMEM;
		snprintf(s->desc, sizeof(s->desc), "file %s", o->spec);
	}
	if (o->node) {
		size_t n = strlen(s->desc);

		s->node = strdup(o->node);
		if (!s->node)
			return -ENOMEM;
		snprintf(s->desc + n, sizeof(s->desc) - n, ", node %s", o->node);
	}
	return 0;
}

struct podsrc *podsrc__open(const struct podsrc_opts *o, struct pods **first, char *err,
			    size_t errlen)
{
	struct podsrc *s = calloc(1, sizeof(*s));
	int ret;

	*first = NULL;
	if (!s) {
		snprintf(err, errlen, "pods: %s", strerror(ENOMEM));
		return NULL;
	}
	ret = setup(s, o, err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "pods: %s", strerror(ENOMEM));
	if (ret)
		goto fail_free;
	ret = refresh(s, o->stop, first, err, errlen);
	if (ret < 0)
		goto fail_free;
	ret = init_sync(s);
	if (ret)
		goto fail_first;
	ret = -pthread_create(&s->thread, NULL, run, s);
	if (ret) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
		goto fail_first;
	}
	s->started = true;
	return s;
fail_first:
	snprintf(err, errlen, "pods: starting the refresh thread: %s", strerror(-ret));
	pods__free(*first);
	*first = NULL;
fail_free:
	free(s->path);
	free(s->node);
	free(s);
	errno = -ret;
	return NULL;
}

static int join_within(pthread_t t, int seconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	return pthread_timedjoin_np(t, NULL, &ts);
}

void podsrc__free(struct podsrc *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		s->cancel = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		/*
		 * kubectl and the API server see the cancel within 100 ms and a second; a file
		 * read at once. What cannot be cancelled (a parse of a big list, an open() on a
		 * hung network mount) is left to finish alone, with s: the process is ending.
		 */
		if (join_within(s->thread, 2)) {
			pthread_detach(s->thread);
			return;
		}
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
	}
	pods__free(s->pending);
	free(s->path);
	free(s->node);
	free(s);
}

int podsrc__take(struct podsrc *s, struct pods **out, char *err, size_t errlen)
{
	int ret = 0;

	*out = NULL;
	err[0] = '\0';
	/* The thread holds the lock only to swap a pointer; sampling does not wait on a fetch. */
	if (pthread_mutex_trylock(&s->lock))
		return 0;
	if (s->pending) {
		*out = s->pending;
		s->pending = NULL;
		ret = 1;
	}
	if (s->err[0]) {
		snprintf(err, errlen, "%s", s->err);
		s->err[0] = '\0';
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

const char *podsrc__describe(const struct podsrc *s)
{
	return s->desc;
}
