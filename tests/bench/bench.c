// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* bench.c: what wattprobe's BPF programs cost per event, by the kernel's own bpf stats. */
/*
 * For each attach mode the real probe is loaded through probe.h, as record loads it, and the
 * empty programs of bench_floor.bpf.c go on the same tracepoints. With bpf stats on
 * (BPF_STATS_RUN_TIME), storms of context switches run while this process samples the probe
 * every 100 ms as record would; each program's run_time_ns / run_cnt over a storm is its cost
 * per event. The empty program's cost is the floor (dispatch, and the stats' own clock reads):
 * probe less floor is what the probe's code adds.
 *
 * Usage: bench [-t SECONDS] [-c CGROUP_DIR] [-j JSON_FILE]
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench_floor.skel.h"
#include "cgroupfs.h"
#include "probe.h"
#include "storm.h"

#define SAMPLE_NS  100000000ULL /* the probe is sampled as record samples it by default */
#define NMODES	   3
#define TARGET_NS  130.0 /* issue 7: tp_btf sched_switch */
#define MIN_EVENTS 1000	 /* fewer in a storm is noise: left out of the table, kept in the JSON */
#define NSEC_PER_S 1000000000ULL

enum ev { EV_SWITCH, EV_WAKEUP, EV_WAKEUP_NEW, EV__MAX };

static const char *const ev_name[EV__MAX] = { "sched_switch", "sched_wakeup", "sched_wakeup_new" };

static const enum probe_attach modes[NMODES] = { ATTACH_TP_BTF, ATTACH_RAW_TP, ATTACH_TRACEPOINT };

/* The probe's programs by the names the kernel has for them; NULL: the mode has none. */
static const char *const probe_prog[NMODES][EV__MAX] = {
	{ "switch_btf", "wakeup_btf", "wakeup_new_btf" },
	{ "switch_raw", "wakeup_raw", "wakeup_new_raw" },
	{ "switch_tp", NULL, NULL },
};

struct prog_stat {
	__u64 run_ns, cnt;
};

struct ev_res {
	struct prog_stat probe, floor;
	bool has;
};

struct storm_res {
	bool ran;
	double seconds;
	__u64 rounds, missed;
	struct ev_res ev[EV__MAX];
	char skip[128];
};

struct mode_res {
	bool ran;
	bool pmu;
	char skip[512];
	struct storm_res st[NSTORMS];
};

struct bench {
	double seconds;
	const char *cg_dir; /* where ring16's cgroups go; NULL: the cgroup2 mount */
	const char *json;
	enum wp_cgroup_mode cg_mode;
	char cg_base[CG_PATH_MAX];
	struct storm_env env;
	struct mode_res res[NMODES];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	if (stop)
		signal(sig, SIG_DFL);
	stop = 1;
}

/* bpf_prog_get_info_by_fd is libbpf 1.2's name for this; Debian 12 has 1.1. */
static int prog_stat(int fd, struct prog_stat *st)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return fd < 0 ? -EBADF : -errno;
	st->run_ns = info.run_time_ns;
	st->cnt = info.run_cnt;
	return 0;
}

/* A BPF program of this process by name: probe.h hands out only the sched_switch one. */
static int own_prog_fd(const char *name)
{
	DIR *d = opendir("/proc/self/fd");
	char link[64], target[64];
	struct dirent *e;
	int fd = -ENOENT;

	while (d && (e = readdir(d))) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:bpf-prog") ||
		    bpf_obj_get_info_by_fd(atoi(e->d_name), &info, &len) || strcmp(info.name, name))
			continue;
		fd = atoi(e->d_name);
		break;
	}
	if (d)
		closedir(d);
	return fd;
}

static void floor_autoload(struct bench_floor_bpf *f, int m)
{
	bpf_program__set_autoload(f->progs.floor_switch_btf, m == 0);
	bpf_program__set_autoload(f->progs.floor_wakeup_btf, m == 0);
	bpf_program__set_autoload(f->progs.floor_wknew_btf, m == 0);
	bpf_program__set_autoload(f->progs.floor_switch_raw, m == 1);
	bpf_program__set_autoload(f->progs.floor_wakeup_raw, m == 1);
	bpf_program__set_autoload(f->progs.floor_wknew_raw, m == 1);
	bpf_program__set_autoload(f->progs.floor_switch_tp, m == 2);
}

static void floor_fds(struct bench_floor_bpf *f, int m, int fds[EV__MAX])
{
	struct bpf_program *p[NMODES][EV__MAX] = {
		{ f->progs.floor_switch_btf, f->progs.floor_wakeup_btf, f->progs.floor_wknew_btf },
		{ f->progs.floor_switch_raw, f->progs.floor_wakeup_raw, f->progs.floor_wknew_raw },
		{ f->progs.floor_switch_tp, NULL, NULL },
	};

	for (int e = 0; e < EV__MAX; e++)
		fds[e] = p[m][e] ? bpf_program__fd(p[m][e]) : -1;
}

static void read_stats(const int fds[EV__MAX], struct prog_stat out[EV__MAX])
{
	for (int e = 0; e < EV__MAX; e++)
		if (prog_stat(fds[e], &out[e]))
			out[e] = (struct prog_stat){ 0 };
}

/* Sample the probe every SAMPLE_NS until end_ns, as record would. */
static int sample_until(struct probe *p, __u64 end_ns)
{
	struct probe_sample s = {};
	struct timespec ts;
	__u64 t = storm_now_ns();
	int err = 0;

	while (!stop && !err && t < end_ns) {
		t = t + SAMPLE_NS < end_ns ? t + SAMPLE_NS : end_ns;
		ts.tv_sec = t / NSEC_PER_S;
		ts.tv_nsec = t % NSEC_PER_S;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		err = probe__sample(p, &s);
	}
	probe_sample__free(&s);
	return err;
}

static int run_storm(struct bench *b, struct probe *p, const int pfd[EV__MAX],
		     const int ffd[EV__MAX], const struct storm *st, struct storm_res *r)
{
	struct prog_stat p0[EV__MAX], f0[EV__MAX], p1[EV__MAX], f1[EV__MAX];
	__u64 drops[WP_DROP__MAX], m0, m1, t0, end_ns;
	pid_t pids[STORM_MAX_PROCS];
	int n, err;

	if (st->cgroups && b->cg_mode != WP_CG_V2) {
		snprintf(r->skip, sizeof(r->skip), "needs cgroup v2 keys");
		return 0;
	}
	if (st->cgroups && (err = storm_cgroups_make(&b->env, st->nprocs))) {
		snprintf(r->skip, sizeof(r->skip), "mkdir under %s: %s", b->cg_base,
			 strerror(-err));
		return 0;
	}
	probe__drops(p, drops, &m0);
	read_stats(pfd, p0);
	read_stats(ffd, f0);
	t0 = storm_now_ns();
	end_ns = t0 + (__u64)(b->seconds * NSEC_PER_S);
	n = storm_start(&b->env, st, pids, end_ns);
	err = n < 0 ? n : sample_until(p, end_ns);
	if (n > 0)
		storm_reap(pids, n, stop || err);
	read_stats(pfd, p1);
	read_stats(ffd, f1);
	probe__drops(p, drops, &m1);
	r->seconds = (double)(storm_now_ns() - t0) / NSEC_PER_S;
	if (st->cgroups)
		storm_cgroups_remove(&b->env, st->nprocs);
	if (err)
		return err;
	for (int e = 0; e < EV__MAX; e++) {
		r->ev[e].has = pfd[e] >= 0;
		r->ev[e].probe =
			(struct prog_stat){ p1[e].run_ns - p0[e].run_ns, p1[e].cnt - p0[e].cnt };
		r->ev[e].floor =
			(struct prog_stat){ f1[e].run_ns - f0[e].run_ns, f1[e].cnt - f0[e].cnt };
	}
	r->rounds = *b->env.rounds;
	r->missed = m1 - m0;
	r->ran = true;
	return 0;
}

static int bench_mode(struct bench *b, int m)
{
	struct probe_opts po = { .attach = modes[m], .cgroup_mode = b->cg_mode };
	struct mode_res *r = &b->res[m];
	struct bench_floor_bpf *f = NULL;
	int pfd[EV__MAX], ffd[EV__MAX], stats_fd = -1, err = 0;
	struct probe *p;

	p = probe__open(&po, r->skip, sizeof(r->skip));
	if (!p)
		return 0; /* the mode is not supported here: said in the table */
	r->pmu = probe__has_pmu(p);
	f = bench_floor_bpf__open();
	if (!f) {
		err = -errno;
		snprintf(r->skip, sizeof(r->skip), "opening bench_floor: %s", strerror(-err));
		goto cleanup;
	}
	floor_autoload(f, m);
	err = bench_floor_bpf__load(f);
	err = err ?: bench_floor_bpf__attach(f);
	if (err) {
		snprintf(r->skip, sizeof(r->skip), "loading bench_floor: %s", strerror(-err));
		goto cleanup;
	}
	floor_fds(f, m, ffd);
	for (int e = 0; e < EV__MAX; e++)
		pfd[e] = probe_prog[m][e] ? own_prog_fd(probe_prog[m][e]) : -1;
	pfd[EV_SWITCH] = probe__switch_prog_fd(p);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		err = stats_fd;
		snprintf(r->skip, sizeof(r->skip), "bpf_enable_stats: %s", strerror(-err));
		goto cleanup;
	}
	r->skip[0] = '\0';
	for (size_t s = 0; s < NSTORMS && !stop && !err; s++)
		err = run_storm(b, p, pfd, ffd, &storms[s], &r->st[s]);
	if (err)
		snprintf(r->skip, sizeof(r->skip), "sampling the probe: %s", strerror(-err));
	r->ran = !err;
cleanup:
	if (stats_fd >= 0)
		close(stats_fd);
	bench_floor_bpf__destroy(f);
	probe__free(p);
	return err;
}

static double per(const struct prog_stat *s)
{
	return s->cnt ? (double)s->run_ns / (double)s->cnt : 0.0;
}

static void print_table(const struct bench *b)
{
	printf("BPF cost per event: kernel bpf stats (run_time_ns / run_cnt), %.1f s per storm\n",
	       b->seconds);
	for (size_t s = 0; s < NSTORMS; s++)
		printf("  storm %-7s %s\n", storms[s].name, storms[s].what);
	printf("  (rows of under %d events left out; DIFF = PROBE - FLOOR, MISSED: recursion "
	       "misses)\n",
	       MIN_EVENTS);
	printf("%-10s %-7s %-16s %10s %9s %9s %9s %8s\n", "MODE", "STORM", "EVENT", "EVENTS",
	       "PROBE ns", "FLOOR ns", "DIFF ns", "MISSED");
	for (int m = 0; m < NMODES; m++) {
		const struct mode_res *r = &b->res[m];

		if (!r->ran) {
			printf("%-10s SKIP: %s\n", probe__attach_name(modes[m]), r->skip);
			continue;
		}
		for (size_t s = 0; s < NSTORMS; s++) {
			const struct storm_res *sr = &r->st[s];

			if (!sr->ran)
				printf("%-10s %-7s SKIP: %s\n", probe__attach_name(modes[m]),
				       storms[s].name, sr->skip);
			for (int e = 0; sr->ran && e < EV__MAX; e++) {
				const struct ev_res *er = &sr->ev[e];

				if (!er->has || er->probe.cnt < MIN_EVENTS)
					continue;
				printf("%-10s %-7s %-16s %10llu %9.1f %9.1f %9.1f %8llu\n",
				       probe__attach_name(modes[m]), storms[s].name, ev_name[e],
				       (unsigned long long)er->probe.cnt, per(&er->probe),
				       per(&er->floor), per(&er->probe) - per(&er->floor),
				       (unsigned long long)sr->missed);
			}
		}
	}
}

static void json_storm(FILE *f, const struct storm *st, const struct storm_res *sr)
{
	fprintf(f,
		"{\"storm\":\"%s\",\"what\":\"%s\",\"seconds\":%.3f,\"rounds\":%llu,"
		"\"missed\":%llu,\"events\":{",
		st->name, st->what, sr->seconds, (unsigned long long)sr->rounds,
		(unsigned long long)sr->missed);
	for (int e = 0, first = 1; e < EV__MAX; e++) {
		const struct ev_res *er = &sr->ev[e];

		if (!er->has)
			continue;
		fprintf(f,
			"%s\"%s\":{\"count\":%llu,\"floor_count\":%llu,\"probe_ns\":%.1f,"
			"\"floor_ns\":%.1f,\"diff_ns\":%.1f}",
			first ? "" : ",", ev_name[e], (unsigned long long)er->probe.cnt,
			(unsigned long long)er->floor.cnt, per(&er->probe), per(&er->floor),
			per(&er->probe) - per(&er->floor));
		first = 0;
	}
	fprintf(f, "}}");
}

static int write_json(const struct bench *b)
{
	FILE *f = fopen(b->json, "we");

	if (!f)
		return -errno;
	fprintf(f,
		"{\"method\":\"bpf_enable_stats(BPF_STATS_RUN_TIME); run_time_ns/run_cnt\","
		"\"sample_interval_ns\":%llu,\"target_switch_ns\":%.0f,\"modes\":[",
		SAMPLE_NS, TARGET_NS);
	for (int m = 0; m < NMODES; m++) {
		const struct mode_res *r = &b->res[m];

		fprintf(f, "%s{\"mode\":\"%s\",\"ran\":%s", m ? "," : "",
			probe__attach_name(modes[m]), r->ran ? "true" : "false");
		if (!r->ran) {
			fprintf(f, ",\"skip\":\"");
			for (const char *c = r->skip; *c; c++)
				fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
			fprintf(f, "\"}");
			continue;
		}
		fprintf(f, ",\"pmu\":%s,\"storms\":[", r->pmu ? "true" : "false");
		for (size_t s = 0, first = 1; s < NSTORMS; s++) {
			if (!r->st[s].ran)
				continue;
			fprintf(f, "%s", first ? "" : ",");
			json_storm(f, &storms[s], &r->st[s]);
			first = 0;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]}\n");
	return fclose(f) ? -errno : 0;
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	char *end;
	int c;

	while ((c = getopt(argc, argv, "t:c:j:")) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			b->seconds = strtod(optarg, &end);
			if (errno || *end || b->seconds < 0.1 || b->seconds > 600)
				return -EINVAL;
			break;
		case 'c':
			b->cg_dir = optarg;
			break;
		case 'j':
			b->json = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

/* Which cgroup keys the probe (as record picks it), where ring16 makes its cgroups, the CPUs. */
static int setup(struct bench *b)
{
	const struct cg_hier *hier;
	struct cg_mounts mounts;
	char msg[256];
	int err;

	b->env.stop = &stop;
	b->env.cg_base = b->cg_base;
	err = storm_env_init(&b->env);
	err = err ?: cg_mounts_read(NULL, &mounts);
	err = err ?: cg_choose(&mounts, "auto", &b->cg_mode, &hier, msg, sizeof(msg));
	if (err)
		return err;
	snprintf(b->cg_base, sizeof(b->cg_base), "%s/bench-ring.%d",
		 b->cg_dir ? b->cg_dir : hier->mount, (int)getpid());
	if (b->cg_mode == WP_CG_V2 && mkdir(b->cg_base, 0755))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = { .seconds = 3.0 };
	int err;

	if (parse_args(&b, argc, argv)) {
		fprintf(stderr, "usage: bench [-t SECONDS] [-c CGROUP_DIR] [-j JSON_FILE]\n");
		return EXIT_FAILURE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = setup(&b);
	if (err) {
		fprintf(stderr, "bench: setup (cgroups under %s): %s\n",
			b.cg_base[0] ? b.cg_base : "the cgroup mount", strerror(-err));
		return EXIT_FAILURE;
	}
	for (int m = 0; m < NMODES && !stop && !err; m++)
		err = bench_mode(&b, m);
	if (b.cg_mode == WP_CG_V2)
		rmdir(b.cg_base);
	if (err || stop) {
		fprintf(stderr, "bench: %s\n", stop ? "interrupted" : strerror(-err));
		return EXIT_FAILURE;
	}
	print_table(&b);
	err = b.json ? write_json(&b) : 0;
	if (err) {
		fprintf(stderr, "bench: %s: %s\n", b.json, strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
