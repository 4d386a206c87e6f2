// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* burn.c: a CPU-bound load with a fixed duty cycle, for checking CPU time against cpu.stat. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

static const char usage[] = "usage: burn DUTY_PERCENT SECONDS [PERIOD_MS=10]";

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static struct timespec to_ts(unsigned long long ns)
{
	struct timespec ts = {.tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC};

	return ts;
}

/* Parse a finite decimal number within [lo, hi]; 0 or -EINVAL. */
static int parse_num(const char *s, double lo, double hi, double *out)
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

/* Spin until deadline: the load must stay on the CPU, so no sleeping calls in here. */
static void spin_until(unsigned long long deadline_ns)
{
	while (now_ns() < deadline_ns)
		;
}

static int sleep_until(unsigned long long deadline_ns)
{
	struct timespec ts = to_ts(deadline_ns);
	int err;

	do
		err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	while (err == EINTR);
	return -err;
}

int main(int argc, char **argv)
{
	double duty, seconds, period_ms = 10;
	unsigned long long start, end, period_ns, busy_ns, t;
	int err;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	if (parse_num(argv[1], 0, 100, &duty)) {
		fprintf(stderr, "burn: bad DUTY_PERCENT '%s' (0..100)\n", argv[1]);
		return 2;
	}
	if (parse_num(argv[2], 0.001, 86400, &seconds)) {
		fprintf(stderr, "burn: bad SECONDS '%s' (0.001..86400)\n", argv[2]);
		return 2;
	}
	if (argc == 4 && parse_num(argv[3], 1, 60000, &period_ms)) {
		fprintf(stderr, "burn: bad PERIOD_MS '%s' (1..60000)\n", argv[3]);
		return 2;
	}
	period_ns = (unsigned long long)llround(period_ms * NSEC_PER_MSEC);
	busy_ns = (unsigned long long)llround(period_ns * duty / 100.0);
	/* The default 50 us timer slack would come out of every busy part. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	start = now_ns();
	end = start + (unsigned long long)llround(seconds * NSEC_PER_SEC);
	/* Periods are laid on an absolute grid so that sleep overshoot does not add up. */
	for (t = start; t < end; t += period_ns) {
		unsigned long long busy_end = t + busy_ns, next = t + period_ns;

		spin_until(busy_end < end ? busy_end : end);
		if (busy_ns == period_ns)
			continue;
		err = sleep_until(next < end ? next : end);
		if (err) {
			fprintf(stderr, "burn: clock_nanosleep: %s\n", strerror(-err));
			return 1;
		}
	}
	return 0;
}
