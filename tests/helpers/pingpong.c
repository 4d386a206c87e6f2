// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* pingpong.c: two processes bouncing one byte over a pair of pipes: a context-switch storm. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC 1000000000ULL

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int xread(int fd, char *c)
{
	ssize_t n;

	do
		n = read(fd, c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EPIPE; /* EOF: the other side is done */
}

static int xwrite(int fd, char c)
{
	ssize_t n;

	do
		n = write(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EIO;
}

/* Child: echo every byte back until the parent closes its end. */
static int echo(int in, int out)
{
	char c;
	int err;

	for (;;) {
		err = xread(in, &c);
		if (err == -EPIPE)
			return 0;
		err = err ?: xwrite(out, c);
		if (err)
			return err;
	}
}

static int serve(int in, int out, unsigned long long end, unsigned long long *rounds)
{
	char c = 'x';
	int err;

	*rounds = 0;
	while (now_ns() < end) {
		err = xwrite(out, c);
		err = err ?: xread(in, &c);
		if (err)
			return err;
		(*rounds)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int to_child[2], to_parent[2], status, err;
	unsigned long long rounds;
	double seconds;
	char *end;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: pingpong SECONDS\n");
		return 2;
	}
	errno = 0;
	seconds = strtod(argv[1], &end);
	if (errno || end == argv[1] || *end || !isfinite(seconds) || seconds < 0.001 ||
	    seconds > 86400) {
		fprintf(stderr, "pingpong: bad SECONDS '%s' (0.001..86400)\n", argv[1]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(to_child) || pipe(to_parent)) {
		fprintf(stderr, "pingpong: pipe: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "pingpong: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		err = echo(to_child[0], to_parent[1]);
		if (err)
			fprintf(stderr, "pingpong: child: %s\n", strerror(-err));
		_exit(err ? 1 : 0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	err = serve(to_parent[0], to_child[1],
		    now_ns() + (unsigned long long)llround(seconds * 1e9), &rounds);
	close(to_child[1]);
	close(to_parent[0]);
	if (err)
		fprintf(stderr, "pingpong: %s\n", strerror(-err));
	if (waitpid(pid, &status, 0) < 0) {
		fprintf(stderr, "pingpong: waitpid: %s\n", strerror(errno));
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		err = err ?: -ECHILD;
	return err ? 1 : 0;
}
