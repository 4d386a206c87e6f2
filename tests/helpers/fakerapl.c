// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fakerapl.c: a powercap-shaped tree whose counters advance at a known power, and wrap early. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	  1000000000ULL
#define NSEC_PER_USEC	  1000ULL
#define DEFAULT_RANGE_UJ  262143328850ULL
#define DEFAULT_PERIOD_US 1000ULL
#define WRAP_AFTER_S	  2 /* every counter starts this many seconds of its energy below its range */

static const char usage[] = "usage: fakerapl DIR WATTS SECONDS [RANGE_UJ=262143328850] "
			    "[PERIOD_US=1000]\n"
			    "  FAKERAPL_FEED=AT:FOR (seconds): a host's feed (docs/feed.md): DIR/seq "
			    "written after every update, and no update at all from AT for FOR";

/* One zone as /sys/class/powercap shows it: subzones are top-level siblings (flat layout). */
struct zone {
	const char *dir;  /* relative to DIR */
	const char *name; /* content of the name file, without the newline */
	double power_div; /* the zone's power is WATTS / power_div */
	unsigned long long offset_uj;
	int fd; /* energy_uj, kept open */
};

static struct zone zones[] = {
	{
		.dir = "intel-rapl:0",
		.name = "package-0",
		.power_div = 1,
		.fd = -1,
	},
	{
		.dir = "intel-rapl:0:0",
		.name = "dram",
		.power_div = 4,
		.fd = -1,
	},
};

#define NZONES (sizeof(zones) / sizeof(zones[0]))

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, unsigned long long lo, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Replace a file's content: write the full value, then cut whatever a longer one left. */
static int put(int fd, const char *buf)
{
	size_t len = strlen(buf);
	ssize_t n = pwrite(fd, buf, len, 0);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return ftruncate(fd, len) ? -errno : 0;
}

static int open_file(const char *root, const char *zdir, const char *file, int *fd)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", root, zdir, file) >= sizeof(path))
		return -ENAMETOOLONG;
	*fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	return *fd < 0 ? -errno : 0;
}

static int put_file(const char *root, const char *zdir, const char *file, const char *val)
{
	int fd, err;

	err = open_file(root, zdir, file, &fd);
	if (err)
		return err;
	err = put(fd, val);
	close(fd);
	return err;
}

static int make_dir(const char *root, const char *zdir)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, zdir) >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int setup(const char *root, double watts, unsigned long long range_uj)
{
	char buf[32];
	int err;

	if (mkdir(root, 0755) && errno != EEXIST)
		return -errno;
	snprintf(buf, sizeof(buf), "%llu\n", range_uj);
	for (size_t i = 0; i < NZONES; i++) {
		struct zone *z = &zones[i];
		double wrap_uj = fmod(WRAP_AFTER_S * watts / z->power_div * 1e6, (double)range_uj);
		char name[64];

		z->offset_uj = (range_uj - (unsigned long long)wrap_uj) % range_uj;
		snprintf(name, sizeof(name), "%s\n", z->name);
		err = make_dir(root, z->dir);
		err = err ?: put_file(root, z->dir, "name", name);
		err = err ?: put_file(root, z->dir, "max_energy_range_uj", buf);
		err = err ?: open_file(root, z->dir, "energy_uj", &z->fd);
		if (err)
			return err;
	}
	return 0;
}

/* Counter values are a pure function of the time since start: E = W * t, modulo the range. */
static int update(double watts, unsigned long long range_uj, unsigned long long elapsed_ns)
{
	char buf[32];
	int err;

	for (size_t i = 0; i < NZONES; i++) {
		struct zone *z = &zones[i];
		/* W * us = uJ */
		unsigned long long e_uj = (unsigned long long)floor(
		    watts / z->power_div * ((double)elapsed_ns / NSEC_PER_USEC));

		snprintf(buf, sizeof(buf), "%llu\n", (z->offset_uj + e_uj % range_uj) % range_uj);
		err = put(z->fd, buf);
		if (err)
			return err;
	}
	return 0;
}

static int sleep_until(unsigned long long deadline_ns)
{
	struct timespec ts = {.tv_sec = deadline_ns / NSEC_PER_SEC,
			      .tv_nsec = deadline_ns % NSEC_PER_SEC};
	int err;

	do
		err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	while (err == EINTR);
	return -err;
}

/* The feed's seq, replaced whole (write, then rename), as a host should. */
static int write_seq(const char *root, unsigned long long seq)
{
	char tmp[4096], path[4096], buf[32];
	int err;

	snprintf(buf, sizeof(buf), "%llu\n", seq);
	snprintf(tmp, sizeof(tmp), "%s/.seq.tmp", root);
	snprintf(path, sizeof(path), "%s/seq", root);
	err = put_file(root, ".", ".seq.tmp", buf);
	if (!err && rename(tmp, path))
		err = -errno;
	return err;
}

static int run(const char *root, double watts, double seconds, unsigned long long range_uj,
	       unsigned long long period_us)
{
	unsigned long long start, end, t, seq = 0, pause_at = 0, pause_for = 0;
	const char *fs = getenv("FAKERAPL_FEED");
	double at, len;
	bool feed = false;
	int err;

	if (fs && sscanf(fs, "%lf:%lf", &at, &len) == 2 && at >= 0 && len >= 0) {
		feed = true;
		pause_at = (unsigned long long)llround(at * NSEC_PER_SEC);
		pause_for = (unsigned long long)llround(len * NSEC_PER_SEC);
	}

	err = setup(root, watts, range_uj);
	if (err)
		return err;
	start = now_ns();
	end = start + (unsigned long long)llround(seconds * NSEC_PER_SEC);
	err = update(watts, range_uj, 0);
	if (!err && feed)
		err = write_seq(root, ++seq);
	err = err ?: put_file(root, ".", "ready", "1\n");
	for (t = start; !err && t < end; t += period_us * NSEC_PER_USEC) {
		unsigned long long el;

		err = sleep_until(t);
		el = now_ns() - start;
		/* A feed's host that stops writing for a while: energy and seq both stand still. */
		if (feed && el >= pause_at && el < pause_at + pause_for)
			continue;
		err = err ?: update(watts, range_uj, el);
		if (!err && feed)
			err = write_seq(root, ++seq);
	}
	return err;
}

int main(int argc, char **argv)
{
	unsigned long long range_uj = DEFAULT_RANGE_UJ, period_us = DEFAULT_PERIOD_US;
	double watts, seconds;
	int err;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	if (parse_double(argv[2], 0, 1e6, &watts)) {
		fprintf(stderr, "fakerapl: bad WATTS '%s' (0..1e6)\n", argv[2]);
		return 2;
	}
	if (parse_double(argv[3], 0.001, 86400, &seconds)) {
		fprintf(stderr, "fakerapl: bad SECONDS '%s' (0.001..86400)\n", argv[3]);
		return 2;
	}
	if (argc > 4 && parse_u64(argv[4], 1, &range_uj)) {
		fprintf(stderr, "fakerapl: bad RANGE_UJ '%s' (an integer >= 1)\n", argv[4]);
		return 2;
	}
	if (argc > 5 && (parse_u64(argv[5], 1, &period_us) || period_us > 60000000ULL)) {
		fprintf(stderr, "fakerapl: bad PERIOD_US '%s' (1..60000000)\n", argv[5]);
		return 2;
	}
	err = run(argv[1], watts, seconds, range_uj, period_us);
	for (size_t i = 0; i < NZONES; i++)
		if (zones[i].fd >= 0)
			close(zones[i].fd);
	if (err) {
		fprintf(stderr, "fakerapl: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	return 0;
}
