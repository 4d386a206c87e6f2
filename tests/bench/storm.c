// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* storm.c: context-switch storms for make bench: rings of processes passing a byte, forks. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "storm.h"

#define PATH_LEN 4200

const struct storm storms[NSTORMS] = {
	{ "cross", "2 processes on 2 CPUs, one cgroup", 2, false, false },
	{ "same", "2 processes on one CPU, one cgroup", 2, true, false },
	{ "ring16", "16 processes on one CPU, 16 cgroups (slot cache misses)", STORM_MAX_PROCS,
	  true, true },
	{ "fork", "fork + exit + wait (sched_wakeup_new)", 0, false, false },
};

__u64 storm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int xread1(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

static int xwrite1(int fd)
{
	ssize_t n;

	do
		n = write(fd, "x", 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

/* Process i of the ring: pass the byte on until the first process stops (EOF all round). */
static void ring_member(const struct storm_env *env, int i, int in, int out, __u64 end_ns)
{
	__u64 rounds = 0;

	if (i == 0 && xwrite1(out))
		_exit(1);
	while (xread1(in) == 0) {
		if (i == 0 && (++rounds & 63) == 0 && storm_now_ns() >= end_ns)
			break;
		if (xwrite1(out))
			break;
	}
	if (i == 0)
		*env->rounds = rounds;
	_exit(0);
}

static void fork_loop(const struct storm_env *env, __u64 end_ns)
{
	__u64 n = 0;
	pid_t pid;

	while (!*env->stop && storm_now_ns() < end_ns) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) < 0)
			break;
		n++;
	}
	*env->rounds = n;
	_exit(0);
}

/* Child i of a storm: die with the bench, take its CPU and cgroup, then do its part. */
static void storm_child(const struct storm_env *env, const struct storm *st, int i, int pipes[][2],
			__u64 end_ns)
{
	char path[PATH_LEN];
	int n = st->nprocs, fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN); /* the ring's last write may find the first process gone */
	if (!st->nprocs)
		fork_loop(env, end_ns);
	pin(st->same_cpu ? env->cpu[0] : env->cpu[i % 2]);
	if (st->cgroups) {
		snprintf(path, sizeof(path), "%s/c%02d/cgroup.procs", env->cg_base, i);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(1);
		close(fd);
	}
	for (int j = 0; j < n; j++) {
		if (j != i)
			close(pipes[j][0]);
		if (j != (i + 1) % n)
			close(pipes[j][1]);
	}
	ring_member(env, i, pipes[i][0], pipes[(i + 1) % n][1], end_ns);
}

int storm_start(const struct storm_env *env, const struct storm *st, pid_t *pids, __u64 end_ns)
{
	int pipes[STORM_MAX_PROCS][2], n = st->nprocs ? st->nprocs : 1, started = 0, err = 0;

	*env->rounds = 0;
	for (int i = 0; i < st->nprocs; i++)
		if (pipe2(pipes[i], O_CLOEXEC))
			return -errno;
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			storm_child(env, st, i, pipes, end_ns);
		if (pids[i] < 0) {
			err = -errno;
			break;
		}
		started++;
	}
	for (int i = 0; i < st->nprocs; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	if (err)
		storm_reap(pids, started, true);
	return err ? err : started;
}

void storm_reap(const pid_t *pids, int n, bool kill_first)
{
	for (int i = 0; i < n; i++) {
		if (kill_first)
			kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

int storm_cgroups_make(const struct storm_env *env, int n)
{
	char path[PATH_LEN];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/c%02d", env->cg_base, i);
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
	}
	return 0;
}

void storm_cgroups_remove(const struct storm_env *env, int n)
{
	char path[PATH_LEN];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/c%02d", env->cg_base, i);
		/* A task just reaped may linger in its cgroup for a moment. */
		for (int t = 0; t < 100 && rmdir(path) && errno == EBUSY; t++)
			usleep(10000);
	}
}

int storm_env_init(struct storm_env *env)
{
	cpu_set_t set;
	int n = 0;

	env->cpu[0] = env->cpu[1] = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
			if (CPU_ISSET(c, &set))
				env->cpu[n++] = c;
	if (n == 1)
		env->cpu[1] = env->cpu[0];
	env->rounds = mmap(NULL, sizeof(*env->rounds), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return env->rounds == MAP_FAILED ? -errno : 0;
}
