// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_record.c: `wattprobe record`: sample, attribute, write the CSV, print the summary. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cgname.h"
#include "cgroupfs.h"
#include "cmds.h"
#include "csv.h"
#include "duration.h"
#include "energy.h"
#include "group_rules.h"
#include "ident.h"
#include "interval.h"
#include "kube_api.h"
#include "opts.h"
#include "podsrc.h"
#include "probe.h"
#include "summary.h"

static volatile sig_atomic_t stop_signal;
/* The same, for what waits on another thread's terms (the first pod list). Lock-free. */
static atomic_bool stop_requested;

static void on_signal(int sig)
{
	stop_signal = sig;
	atomic_store(&stop_requested, true);
}

/* No SA_RESTART: the sleep ends at once. SA_RESETHAND: a second Ctrl-C kills as usual. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct recorder {
	struct record_env env;
	struct cg_mounts mounts;
	const struct cg_hier *hier;
	enum wp_cgroup_mode mode;
	struct energy *energy;
	struct probe *probe;
	struct cgname *names;
	struct csv_out *csv;
	struct summary *sum;
	struct strbuf sb;
	struct probe_sample s;
	struct interval_res res;
	struct csv_layout lay;
	struct zone_delta zd[ENERGY_MAX_ZONES];
	bool zone_node[ENERGY_MAX_ZONES];
	const char *labels[ENERGY_MAX_ZONES];
	struct ident_cfg icfg;
	struct group_rules *rules;
	struct ident_cache *ids;
	struct podsrc *podsrc;
	struct pods *pods; /* the newest good pod list */
	const struct wp_ident **row_ids;
	size_t row_ids_cap;
	char probe_cg[CG_PATH_MAX];
	bool curl_up;	     /* kube_api_global_init() done */
	char notes[3][2048]; /* said once on stderr, after setup succeeded: errors stay one line */
	uint64_t start_ns, prev_ts_ns, late_ticks;
	bool started; /* intervals are being recorded: the summary is due even after an error */
	FILE *report;
	char why[2048];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int setup_cgroups(struct recorder *r)
{
	char msg[256];
	int err;

	err = cg_mounts_read(NULL, &r->mounts);
	if (err) {
		wp_err("/proc/self/mountinfo: %s", strerror(-err));
		return err;
	}
	err = cg_choose(&r->mounts, r->env.cgroup_mode, &r->mode, &r->hier, msg, sizeof(msg));
	if (err) {
		wp_err("%s", msg);
		return err;
	}
	r->names = cgname__open(r->hier);
	if (!r->names) {
		err = -errno;
		wp_err("cgroup hierarchy %s: %s", r->hier->mount, strerror(errno));
		return err;
	}
	return 0;
}

/* wattprobe's own cgroup, group probe. Not the root: the root holds far more than us. */
static void find_probe_cgroup(struct recorder *r)
{
	char buf[8192];
	FILE *f = fopen("/proc/self/cgroup", "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	if (cg_self_path(buf, r->mode, r->probe_cg, sizeof(r->probe_cg)) == 0 &&
	    strcmp(r->probe_cg, "/") != 0)
		r->icfg.groups.probe_cgroup = r->probe_cg;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int setup_pods(struct recorder *r)
{
	struct podsrc_opts po = { .spec = r->env.pods,
				  .node = r->env.node ? r->env.node : getenv("NODE_NAME"),
				  .refresh_ns = r->env.pods_refresh_ns,
				  .sa_dir = getenv("WATTPROBE_SA_DIR"),
				  .stop = &stop_requested };
	char msg[1024];
	int err;

	if (po.node && !po.node[0])
		po.node = NULL;
	if (same_file(r->env.output, po.spec)) {
		wp_err("output %s is the --pods file", r->env.output);
		return -EINVAL;
	}
	if (strcmp(po.spec, "api") == 0) {
		err = kube_api_global_init();
		if (err) {
			wp_err("libcurl: %s", strerror(-err));
			return err;
		}
		r->curl_up = true;
	}
	r->podsrc = podsrc__open(&po, &r->pods, msg, sizeof(msg));
	if (!r->podsrc) {
		err = errno ? -errno : -EINVAL;
		wp_err("%s", msg);
		return err;
	}
	return 0;
}

/* Who each row is: pods and groups. */
static int setup_idents(struct recorder *r)
{
	char msg[1024];
	int err;

	r->icfg.groups.flux_ns = r->env.flux_ns;
	find_probe_cgroup(r);
	if (r->env.groups) {
		r->rules = group_rules_load(r->env.groups, msg, sizeof(msg));
		if (!r->rules) {
			err = errno ? -errno : -EINVAL;
			wp_err("groups %s", msg);
			return err;
		}
		r->icfg.rules = r->rules;
	}
	if (r->env.pods) {
		err = setup_pods(r);
		if (err)
			return err;
	}
	r->ids = ident__new(&r->icfg);
	if (!r->ids) {
		wp_err("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ident__set_pods(r->ids, r->pods);
	return 0;
}

/* A newer pod list, if the source has one; a failed refresh keeps the last good one. */
static void refresh_pods(struct recorder *r)
{
	struct pods *p;
	char msg[1024];

	if (!r->podsrc)
		return;
	if (podsrc__take(r->podsrc, &p, msg, sizeof(msg)) == 1) {
		ident__set_pods(r->ids, p);
		pods__free(r->pods);
		r->pods = p;
	}
	if (msg[0])
		wp_err("%s; keeping the last good pod list (%zu pods)", msg,
		       r->pods ? pods__count(r->pods) : 0);
}

static int setup_energy(struct recorder *r, unsigned int ncpus)
{
	r->energy = energy__open(r->env.energy, ncpus, r->why, sizeof(r->why));
	if (!r->energy) {
		wp_err("%s", r->why);
		return -EINVAL;
	}
	/* Say once what was passed over and why: every row then says which source it is. */
	if (r->why[0] && strcmp(energy__source(r->energy), "model") == 0)
		snprintf(r->notes[0], sizeof(r->notes[0]),
			 "no energy counter readable (%s); using %s", r->why,
			 energy__describe(r->energy));
	else if (r->why[0])
		snprintf(r->notes[0], sizeof(r->notes[0]), "energy: passed over %s; using %s",
			 r->why, energy__describe(r->energy));
	if (energy__warning(r->energy)[0])
		snprintf(r->notes[2], sizeof(r->notes[2]), "energy: %s",
			 energy__warning(r->energy));
	for (size_t z = 0; z < energy__nzones(r->energy); z++) {
		r->labels[z] = energy__zone_label(r->energy, z);
		r->zone_node[z] = energy__zone_is_node(r->energy, z);
	}
	return 0;
}

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

static int setup_probe(struct recorder *r)
{
	struct probe_opts po = { .attach = r->env.attach,
				 .cgroup_mode = r->mode,
				 .pmu = r->env.pmu,
				 .max_cgroups = r->env.max_cgroups,
				 .btf_path = r->env.btf };
	char msg[1024];

	r->probe = probe__open(&po, msg, sizeof(msg));
	if (!r->probe) {
		int err = -errno;

		if (geteuid() != 0)
			wp_err("loading the BPF probe needs root: %s", msg);
		else
			wp_err("loading the BPF probe: %s", msg);
		return err ? err : -EINVAL;
	}
	if (!probe__has_pmu(r->probe) && r->env.pmu == PMU_AUTO)
		snprintf(r->notes[1], sizeof(r->notes[1]), "%s; cycles and instructions left empty",
			 probe__pmu_reason(r->probe));
	if (r->env.verbose)
		wp_err("attach %s, cgroup %s at %s, %s",
		       probe__attach_name(probe__attach_mode(r->probe)), cg_mode_name(r->mode),
		       r->hier->mount, energy__describe(r->energy));
	return 0;
}

/* Opened before anything else can fail: a bad path is the first and only error. */
static int open_output(struct recorder *r)
{
	r->report = stdout;
	if (!r->env.output)
		return 0;
	if (strcmp(r->env.output, "-") == 0)
		r->report = stderr;
	r->csv = csv__open(r->env.output);
	if (!r->csv) {
		int err = -errno;

		wp_err("output %s: %s", r->env.output, strerror(errno));
		return err;
	}
	return 0;
}

static int start_output(struct recorder *r)
{
	int err;

	for (int i = 0; i < 3; i++)
		if (r->notes[i][0])
			wp_err("%s", r->notes[i]);
	r->lay = (struct csv_layout){ .nzones = energy__nzones(r->energy),
				      .zone_labels = r->labels,
				      .has_pmu = probe__has_pmu(r->probe),
				      .has_wakeups = probe__has_wakeups(r->probe),
				      .source = energy__source(r->energy) };
	if (!r->csv)
		return 0;
	strbuf_reset(&r->sb);
	csv_header(&r->sb, &r->lay);
	err = csv__write(r->csv, r->sb.buf, r->sb.len);
	if (err)
		wp_err("writing %s: %s", r->env.output, strerror(-err));
	return err;
}

/* Each row's identity; then idle's and steal's, as csv_interval wants them. */
static int name_rows(struct recorder *r)
{
	size_t n = r->s.nrows + 2;

	if (n > r->row_ids_cap) {
		const struct wp_ident **nb = realloc(r->row_ids, n * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		r->row_ids = nb;
		r->row_ids_cap = n;
	}
	refresh_pods(r);
	for (size_t i = 0; i < r->s.nrows; i++) {
		__u64 id = r->s.rows[i].cgroup_id;

		r->row_ids[i] = ident__get(r->ids, id, wp_row_name(r->names, id));
		if (!r->row_ids[i])
			return -ENOMEM;
	}
	r->row_ids[r->s.nrows] = ident__idle(r->ids);
	r->row_ids[r->s.nrows + 1] = ident__steal(r->ids);
	return 0;
}

static int tick(struct recorder *r)
{
	uint64_t interval_ns, busy_ns, window_ns;
	int err;

	err = probe__flush(r->probe, &r->s);
	/*
	 * Energy is read at the flush, before the drain, so both windows close together; it is
	 * stamped with the sample's time, microseconds off its read, so that a modelled interval
	 * is exactly the row's interval_ns.
	 */
	err = err ?: energy__read(r->energy, r->s.ts_ns);
	err = err ?: probe__collect(r->probe, &r->s);
	if (err) {
		wp_err("reading the probe: %s", strerror(-err));
		return err;
	}
	interval_ns = r->s.ts_ns - r->prev_ts_ns;
	r->prev_ts_ns = r->s.ts_ns;
	/* Stolen time is neither busy nor idle for this node: the model sees what remains. */
	window_ns = r->s.window_ns - r->s.steal.cpu_ns;
	busy_ns = window_ns > r->s.idle.cpu_ns ? window_ns - r->s.idle.cpu_ns : 0;
	err = energy__delta(r->energy, busy_ns, window_ns, r->zd);
	if (err < 0) {
		wp_err("reading energy: %s", strerror(-err));
		return err;
	}
	err = interval_attribute(&r->env.rule, &r->s, interval_ns, r->zd, r->zone_node,
				 energy__nzones(r->energy), probe__has_pmu(r->probe), &r->res);
	err = err ?: name_rows(r);
	err = err ?: summary__add(r->sum, &r->s, interval_ns, &r->res, r->row_ids);
	if (!err && r->csv) {
		strbuf_reset(&r->sb);
		err = csv_interval(&r->sb, &r->lay, &r->s, interval_ns, r->zd, &r->res, r->row_ids);
		err = err ?: csv__write(r->csv, r->sb.buf, r->sb.len);
		if (err)
			wp_err("writing %s: %s", r->env.output, strerror(-err));
	}
	return err;
}

/* Sleep to the next deadline; a tick later than one whole interval is counted, not caught up. */
static bool wait_tick(struct recorder *r, uint64_t *deadline, uint64_t end_ns)
{
	struct timespec ts;
	uint64_t now = mono_ns();

	*deadline += r->env.interval_ns;
	if (now > *deadline + r->env.interval_ns) {
		r->late_ticks++;
		*deadline = now;
	}
	if (end_ns && *deadline > end_ns)
		*deadline = end_ns;
	ts.tv_sec = *deadline / 1000000000ULL;
	ts.tv_nsec = *deadline % 1000000000ULL;
	while (!stop_signal && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return !stop_signal && (!end_ns || *deadline < end_ns);
}

static int run(struct recorder *r)
{
	uint64_t deadline, end_ns = 0;
	bool more = true;
	int err = 0;

	r->start_ns = mono_ns();
	r->prev_ts_ns = r->start_ns;
	deadline = r->start_ns;
	if (r->env.duration_ns)
		end_ns = r->start_ns + r->env.duration_ns;
	/* The probe started its first interval when it opened; realign both clocks here. */
	err = probe__flush(r->probe, &r->s);
	err = err ?: energy__start(r->energy, r->s.ts_ns);
	err = err ?: probe__collect(r->probe, &r->s);
	if (err) {
		wp_err("reading the probe: %s", strerror(-err));
		return err;
	}
	r->prev_ts_ns = r->s.ts_ns;
	r->started = true;
	while (more && !err) {
		more = wait_tick(r, &deadline, end_ns);
		/* The last interval, cut by the duration or a signal, is recorded too. */
		err = tick(r);
	}
	return err;
}

static void report(struct recorder *r)
{
	__u64 drops[WP_DROP__MAX] = {}, missed = 0;
	struct summary_totals t;
	char iv[32];

	summary__totals(r->sum, &t);
	probe__drops(r->probe, drops, &missed);
	fprintf(r->report,
		"wattprobe: %.2f s, %llu intervals of %s, %zu CPUs, attach %s, cgroup %s\n",
		t.wall_ns / 1e9, (unsigned long long)t.intervals,
		duration_format(r->env.interval_ns, iv, sizeof(iv)), probe__ncpus(r->probe),
		probe__attach_name(probe__attach_mode(r->probe)), cg_mode_name(r->mode));
	fprintf(r->report, "energy: %s\n", energy__describe(r->energy));
	if (r->podsrc)
		fprintf(r->report, "pods: %s, %zu pods known\n", podsrc__describe(r->podsrc),
			r->pods ? pods__count(r->pods) : 0);
	summary__print(r->sum, r->report, r->env.by, r->env.top);
	fprintf(r->report,
		"dropped %llu (map full %llu, pmu %llu, missed by the kernel %llu), gaps %llu, "
		"late ticks %llu\n",
		(unsigned long long)(drops[WP_DROP_MAP_FULL] + drops[WP_DROP_PMU_READ] + missed),
		(unsigned long long)drops[WP_DROP_MAP_FULL],
		(unsigned long long)drops[WP_DROP_PMU_READ], (unsigned long long)missed,
		(unsigned long long)t.gap_intervals, (unsigned long long)r->late_ticks);
}

static void cleanup(struct recorder *r)
{
	probe__free(r->probe);
	energy__free(r->energy);
	cgname__free(r->names);
	summary__free(r->sum);
	strbuf_free(&r->sb);
	probe_sample__free(&r->s);
	interval_res__free(&r->res);
	free(r->row_ids);
	podsrc__free(r->podsrc);
	ident__free(r->ids);
	pods__free(r->pods);
	group_rules__free(r->rules);
	if (r->curl_up)
		kube_api_global_cleanup();
}

int do_record(int argc, char **argv)
{
	struct recorder r = {};
	char msg[512];
	int err;

	if (record_parse(argc, argv, &r.env, msg, sizeof(msg))) {
		wp_err("record: %s", msg);
		return EXIT_FAILURE;
	}
	if (r.env.help)
		return EXIT_SUCCESS;
	wp_libbpf_verbosity(r.env.verbose);
	catch_signals();
	r.sum = summary__new();
	err = r.sum ? 0 : -ENOMEM;
	if (err)
		wp_err("%s", strerror(ENOMEM));
	err = err ?: open_output(&r);
	err = err ?: setup_energy(&r, online_cpus());
	err = err ?: setup_cgroups(&r);
	err = err ?: setup_idents(&r);
	err = err ?: setup_probe(&r);
	err = err ?: start_output(&r);
	err = err ?: run(&r);
	if (r.csv && !r.started) {
		csv__abort(r.csv);
	} else if (r.csv) {
		int cerr = csv__close(r.csv);

		if (cerr && !err) {
			wp_err("closing %s: %s", r.env.output, strerror(-cerr));
			err = cerr;
		}
	}
	if (r.started)
		report(&r);
	/* Out before anything else can go wrong: the summary is the run's result. */
	fflush(r.report ? r.report : stdout);
	cleanup(&r);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
