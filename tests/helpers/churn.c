// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * churn.c: cgroup churn for the soak test: makes CGROUPS cgroups under DIR, JOBS at a time,
 * runs PROCS short-lived processes in each (each burns BURN_US of CPU and exits), reads the
 * cgroup's cpu.stat once they are all gone and removes it. Prints "ID USAGE_NS" per cgroup:
 * the kernel's count of everything that ran there, for the test to hold the probe's against.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] = "usage: churn DIR CGROUPS PROCS BURN_US JOBS";

static unsigned long long thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The child: into the cgroup (writing 0 moves the writer), burn, exit. */
static void child(int procs_fd, unsigned long burn_us)
{
	unsigned long long end;

	if (write(procs_fd, "0", 1) != 1)
		_exit(3);
	end = thread_ns() + burn_us * 1000ULL;
	while (thread_ns() < end)
		;
	_exit(0);
}

static unsigned long long usage_ns(const char *cg)
{
	char path[4200], key[64];
	unsigned long long v, got = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu.stat", cg);
	f = fopen(path, "re");
	while (f && fscanf(f, "%63s %llu", key, &v) == 2)
		if (!strcmp(key, "usage_usec"))
			got = v * 1000;
	if (f)
		fclose(f);
	return got;
}

/* One cgroup's life: made, PROCS processes run in it and reaped, measured, removed. */
static int one(const char *dir, unsigned long n, unsigned long procs, unsigned long burn_us)
{
	char cg[4096], path[4200];
	struct stat st;
	int fd, status, bad = 0;

	snprintf(cg, sizeof(cg), "%s/churn-%d-%lu", dir, (int)getpid(), n);
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	if (mkdir(cg, 0755) || stat(cg, &st) || (fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "churn: %s: %s\n", cg, strerror(errno));
		return -1;
	}
	for (unsigned long i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid == 0)
			child(fd, burn_us);
		if (pid < 0)
			bad = 1;
	}
	close(fd);
	while (wait(&status) > 0)
		bad |= !WIFEXITED(status) || WEXITSTATUS(status);
	printf("%llu %llu\n", (unsigned long long)st.st_ino, usage_ns(cg));
	fflush(stdout);
	if (rmdir(cg)) {
		fprintf(stderr, "churn: rmdir %s: %s\n", cg, strerror(errno));
		return -1;
	}
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long ncg, procs, burn_us, jobs, started = 0, running = 0;
	int status, bad = 0;

	if (argc != 6) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	ncg = strtoul(argv[2], NULL, 10);
	procs = strtoul(argv[3], NULL, 10);
	burn_us = strtoul(argv[4], NULL, 10);
	jobs = strtoul(argv[5], NULL, 10);
	if (!ncg || !procs || !jobs) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	/* JOBS workers at a time, each one cgroup's life; their lines are whole (one write). */
	while (started < ncg || running) {
		if (started < ncg && running < jobs) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(one(argv[1], started, procs, burn_us) ? 1 : 0);
			if (pid < 0) {
				perror("churn: fork");
				return 1;
			}
			started++;
			running++;
			continue;
		}
		if (wait(&status) > 0) {
			running--;
			bad |= !WIFEXITED(status) || WEXITSTATUS(status);
		}
	}
	return bad;
}
