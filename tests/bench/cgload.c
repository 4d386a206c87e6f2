// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cgload.c: many cgroups, each with one thread that wakes periodically and burns a little CPU. */
/*
 * make bench's population of "active" cgroups. To keep 10,000 of them cheap they are the
 * threaded children of one cgroup v2 threaded domain, with one thread of one process each:
 * a thread costs a 64 KiB stack, a process much more. Active thread i wakes every PERIOD at
 * phase i * PERIOD / ACTIVE and spins BURN; idle threads block at once and never run again.
 *
 * Usage: cgload -d DIR [-a ACTIVE] [-i IDLE] [-p PERIOD_US] [-b BURN_US]
 * DIR (made here, e.g. MOUNT/wattprobe-bench.PID/load) must not exist. "ready" goes to stdout
 * once every thread is in its cgroup; at SIGTERM or SIGINT (or when the parent dies) the
 * threads end and every cgroup made is removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_S  1000000000ULL
#define STACK_SIZE  (64 * 1024)
#define MAX_CGROUPS 100000

struct load {
	const char *dir;
	long active, idle;
	unsigned long long period_ns, burn_ns, start_ns;
	int block_fd;  /* idle threads read it forever */
	int placed_fd; /* each thread writes a byte once it is in its cgroup (or failed) */
};

struct worker {
	struct load *l;
	long i;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_S + ts.tv_nsec;
}

static void cg_name(const struct load *l, long i, char *buf, size_t len)
{
	if (i < l->active)
		snprintf(buf, len, "%s/a%05ld", l->dir, i);
	else
		snprintf(buf, len, "%s/i%05ld", l->dir, i - l->active);
}

static int write_file(const char *dir, const char *file, const char *text)
{
	char path[4096];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct load *l = w->l;
	unsigned long long next, woke;
	struct timespec ts;
	char path[4096], ok;

	cg_name(l, w->i, path, sizeof(path));
	ok = write_file(path, "cgroup.threads", "0") ? 'x' : 'y';
	if (write(l->placed_fd, &ok, 1) != 1 || ok != 'y')
		return NULL;
	if (w->i >= l->active) {
		while (read(l->block_fd, &ok, 1) < 0 && errno == EINTR)
			;
		return NULL;
	}
	next = l->start_ns +
	       (unsigned long long)w->i * l->period_ns / (unsigned long long)l->active;
	for (;; next += l->period_ns) {
		ts.tv_sec = next / NSEC_PER_S;
		ts.tv_nsec = next % NSEC_PER_S;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		woke = now_ns();
		while (now_ns() - woke < l->burn_ns)
			;
	}
	return NULL;
}

/* The worker process: into DIR, then one thread per cgroup; tells the parent when all are in. */
static int run_worker(struct load *l, int ready_fd)
{
	long n = l->active + l->idle, placed = 0;
	int block[2], placed_p[2], err;
	pthread_attr_t attr;
	pthread_t t;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	err = write_file(l->dir, "cgroup.procs", "0");
	if (err || pipe2(block, O_CLOEXEC) || pipe2(placed_p, O_CLOEXEC))
		return err ? err : -errno;
	l->block_fd = block[0];
	l->placed_fd = placed_p[1];
	l->start_ns = now_ns(); /* thread i first wakes at its phase after this */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (long i = 0; i < n; i++) {
		struct worker *w = malloc(sizeof(*w));

		if (!w)
			return -ENOMEM;
		*w = (struct worker){ l, i };
		err = pthread_create(&t, &attr, thread_main, w);
		if (err)
			return -err;
	}
	for (; placed < n && read(placed_p[0], &c, 1) == 1; placed++)
		if (c != 'y')
			return -EIO;
	if (write(ready_fd, "r", 1) != 1)
		return -EPIPE;
	for (;;)
		pause();
}

/* *made: -1 when DIR itself could not be made (it may be someone else's), else the children. */
static int make_dirs(const struct load *l, long *made)
{
	char path[4096];

	*made = -1;
	if (mkdir(l->dir, 0755))
		return -errno;
	for (*made = 0; *made < l->active + l->idle; (*made)++) {
		int err;

		cg_name(l, *made, path, sizeof(path));
		if (mkdir(path, 0755))
			return -errno;
		err = write_file(path, "cgroup.type", "threaded");
		if (err)
			return err;
	}
	return 0;
}

static void remove_dirs(const struct load *l, long made)
{
	char path[4096];

	if (made < 0)
		return;
	for (long i = made - 1; i >= 0; i--) {
		cg_name(l, i, path, sizeof(path));
		/* The worker's threads may take a moment to leave once it is reaped. */
		for (int t = 0; t < 200 && rmdir(path) && errno == EBUSY; t++)
			usleep(10000);
	}
	for (int t = 0; t < 200 && rmdir(l->dir) && errno == EBUSY; t++)
		usleep(10000);
}

static int parse(struct load *l, int argc, char **argv)
{
	unsigned long long us;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "d:a:i:p:b:")) != -1) {
		errno = 0;
		us = c == 'd' ? 0 : strtoull(optarg, &end, 10);
		if (c != 'd' && (errno || *end || end == optarg || us > MAX_CGROUPS * 1000ULL))
			return -EINVAL;
		switch (c) {
		case 'd':
			l->dir = optarg;
			break;
		case 'a':
			l->active = (long)us;
			break;
		case 'i':
			l->idle = (long)us;
			break;
		case 'p':
			l->period_ns = us * 1000;
			break;
		case 'b':
			l->burn_ns = us * 1000;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || !l->dir || !l->period_ns || l->burn_ns >= l->period_ns ||
	    l->active + l->idle > MAX_CGROUPS)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct load l = { .period_ns = 100000000ULL, .burn_ns = 100000ULL };
	int ready[2], status, err;
	sigset_t block, old;
	long made = 0;
	ssize_t n;
	pid_t pid = -1;
	char c;

	if (parse(&l, argc, argv)) {
		fprintf(stderr, "usage: cgload -d DIR [-a ACTIVE] [-i IDLE] [-p PERIOD_US] "
				"[-b BURN_US]\n");
		return EXIT_FAILURE;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	err = make_dirs(&l, &made);
	/* Blocked but in the read and sigsuspend below: stop is never missed between check and
	 * wait. */
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!err && pipe2(ready, O_CLOEXEC))
		err = -errno;
	if (!err && (pid = fork()) < 0)
		err = -errno;
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(ready[0]);
		err = run_worker(&l, ready[1]);
		fprintf(stderr, "cgload: worker: %s\n", strerror(-err));
		_exit(1);
	}
	if (!err) {
		close(ready[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		n = read(ready[0], &c, 1);
		sigprocmask(SIG_BLOCK, &block, NULL);
		if (n == 1) {
			printf("ready\n");
			fflush(stdout);
			while (!stop)
				sigsuspend(&old);
		} else if (!stop) {
			err = -EIO; /* the worker said why */
		}
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	remove_dirs(&l, made);
	if (err)
		fprintf(stderr, "cgload: %s: %s\n", l.dir, strerror(-err));
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
