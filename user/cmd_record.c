// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_record.c: `wattprobe record`: sample, attribute, write the CSV, print the summary. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "cgroupfs.h"
#include "cmds.h"
#include "csv.h"
#include "duration.h"
#include "energy.h"
#include "ident.h"
#include "interval.h"
#include "opts.h"
#include "podsrc.h"
#include "probe.h"
#include "kepler_cmp.h"
#include "recmeta.h"
#include "recorder.h"
#include "sampling.h"
#include "summary.h"

static volatile sig_atomic_t stop_signal;
/* The same, for what waits on another thread's terms (the first pod list). Lock-free. */
static atomic_bool stop_requested;

static void on_signal(int sig)
{
	stop_signal = sig;
	atomic_store(&stop_requested, true);
}

/* Nothing to do: the write that raised the signal fails (EPIPE, EFBIG) and says so. */
static void on_write_signal(int sig)
{
	(void)sig;
}

/*
 * SIGINT, SIGTERM, SIGHUP: no SA_RESTART, the sleep ends at once; SA_RESETHAND, a second Ctrl-C
 * kills as usual. SIGPIPE (the reader of -o - left: `| head`) and SIGXFSZ (the file size limit)
 * would kill the process in the middle of a row; caught, the write fails instead, the recording
 * ends at that interval and the CSV ends with a whole one. Caught rather than ignored: an ignored
 * signal stays ignored across exec, and the command of `run` must start with the defaults.
 */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	struct sigaction wr = { .sa_handler = on_write_signal, .sa_flags = SA_RESTART };

	struct sigaction hup;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A lost terminal ends the recording as SIGTERM does, unless nohup ignores it. */
	if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&wr.sa_mask);
	sigaction(SIGPIPE, &wr, NULL);
	sigaction(SIGXFSZ, &wr, NULL);
}

struct recorder {
	struct record_env env;
	struct sampler sp;
	struct csv_out *csv;
	struct summary *sum;
	struct strbuf sb;
	struct csv_layout lay;
	FILE *report;
	const struct rec_hook *hooks;
	size_t nhooks;
	struct recmeta meta; /* the sidecar of -o FILE */
	bool meta_on;
	int forget_err; /* folding a forgotten cgroup's entries failed: ENOMEM */
};

/*
 * Opened before anything else can fail: a bad path is the first and only error. Only a regular
 * file is written on (csv.c): what else is there is named in the refusal.
 */
static int open_output(struct recorder *r)
{
	const char *out = r->env.output, *kind;
	int err;

	r->report = stdout;
	if (!out)
		return 0;
	if (strcmp(out, "-") == 0)
		r->report = stderr;
	r->csv = csv__open_kind(out, &kind);
	if (r->csv)
		return 0;
	err = -errno;
	if (kind && err == -ELOOP)
		wp_err("output %s: is a symbolic link, refused (name the file itself; -o - writes "
		       "to stdout)",
		       out);
	else if (kind)
		wp_err("output %s: is %s, not a regular file: refused (-o - writes the CSV to "
		       "stdout, to pipe it on)",
		       out, kind);
	else
		wp_err("output %s: %s", out, strerror(-err));
	return err;
}

static int start_output(struct recorder *r)
{
	int err;

	if (!r->env.quiet)
		sampler__say_notes(&r->sp);
	r->lay = (struct csv_layout){ .nzones = energy__nzones(r->sp.energy),
				      .zone_labels = r->sp.labels,
				      .has_pmu = probe__has_pmu(r->sp.probe),
				      .has_wakeups = probe__has_wakeups(r->sp.probe),
				      .source = energy__source(r->sp.energy) };
	if (!r->csv)
		return 0;
	strbuf_reset(&r->sb);
	csv_header(&r->sb, &r->lay);
	err = csv__write(r->csv, r->sb.buf, r->sb.len);
	if (err)
		wp_err("writing %s: %s", r->env.output, strerror(-err));
	return err;
}

static void cpu_model(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "re");

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !v)
			continue;
		snprintf(buf, len, "%s", v + 1 + (v[1] == ' '));
		buf[strcspn(buf, "\n")] = '\0';
		break;
	}
	if (f)
		fclose(f);
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The sidecar, at the first interval (whose start it names on both clocks), and at the end. */
static int write_meta(struct recorder *r, const struct sampler_tick *t, bool end)
{
	struct recmeta *m = &r->meta;
	const struct sampler *sp = &r->sp;
	struct summary_totals tot;
	struct utsname u;
	int err;

	if (!end) {
		*m = (struct recmeta){ .cpus = probe__ncpus(sp->probe),
				       .interval_ns = r->env.interval_ns,
				       .nzones = energy__nzones(sp->energy) };
		snprintf(m->version, sizeof(m->version), "%s", WP_VERSION);
		snprintf(m->revision, sizeof(m->revision), "%s", WP_GIT_REV);
		gethostname(m->host, sizeof(m->host) - 1);
		if (uname(&u) == 0) {
			snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.release, u.version);
			snprintf(m->machine, sizeof(m->machine), "%s", u.machine);
		}
		cpu_model(m->cpu_model, sizeof(m->cpu_model));
		attrib_rule_format(&r->sp.rule, m->attribution, sizeof(m->attribution));
		snprintf(m->source, sizeof(m->source), "%s", energy__source(sp->energy));
		snprintf(m->energy_desc, sizeof(m->energy_desc), "%s",
			 energy__describe(sp->energy));
		for (size_t z = 0; z < m->nzones && z < RECMETA_ZONES; z++) {
			snprintf(m->zones[z].label, sizeof(m->zones[z].label), "%s", sp->labels[z]);
			m->zones[z].node = sp->zone_node[z];
		}
		snprintf(m->attach, sizeof(m->attach), "%s",
			 probe__attach_name(probe__attach_mode(sp->probe)));
		snprintf(m->cgroup_mode, sizeof(m->cgroup_mode), "%s", cg_mode_name(sp->mode));
		if (sp->podsrc)
			snprintf(m->pods, sizeof(m->pods), "%s", podsrc__describe(sp->podsrc));
		m->start_mono_ns = t->s->ts_ns - t->interval_ns;
		m->start_unix_ns = real_ns() - (mono_ns() - m->start_mono_ns);
	} else {
		summary__totals(r->sum, &tot);
		m->complete = true;
		m->intervals = tot.intervals;
		m->end_unix_ns = m->start_unix_ns + tot.wall_ns;
	}
	err = recmeta_write(r->env.output, m);
	if (err)
		wp_err("writing %s.meta.json: %s", r->env.output, strerror(-err));
	return err;
}

static int on_tick(void *ctx, const struct sampler_tick *t)
{
	struct recorder *r = ctx;
	int err, done = 0;

	if (r->forget_err)
		return r->forget_err;
	if (r->meta_on && !r->meta.start_mono_ns) {
		err = write_meta(r, t, false);
		if (err) {
			r->meta_on = false; /* said once: the end does not try again */
			return err;
		}
	}
	/* The file first: an interval that could not be written is not in the summary either. */
	if (r->csv) {
		strbuf_reset(&r->sb);
		err = csv_interval(&r->sb, &r->lay, t->s, t->interval_ns, t->zd, t->res, t->ids);
		err = err ?: csv__write(r->csv, r->sb.buf, r->sb.len);
		if (err) {
			wp_err("writing %s: %s", r->env.output, strerror(-err));
			return err;
		}
	}
	err = summary__add(r->sum, t->s, t->interval_ns, t->res, t->ids);
	/* Every hook sees the interval; one that says the run is over ends it after this one. */
	for (size_t i = 0; !err && i < r->nhooks; i++) {
		int rc = r->hooks[i].tick ? r->hooks[i].tick(r->hooks[i].ctx, &r->sp, t) : 0;

		if (rc < 0)
			err = rc;
		done |= rc > 0;
	}
	return err ?: done;
}

static int begin_hooks(void *ctx)
{
	struct recorder *r = ctx;
	int err = 0;

	for (size_t i = 0; !err && i < r->nhooks; i++)
		if (r->hooks[i].begin)
			err = r->hooks[i].begin(r->hooks[i].ctx);
	return err;
}

static int start_hooks(struct recorder *r)
{
	int err = 0;

	for (size_t i = 0; !err && i < r->nhooks; i++)
		if (r->hooks[i].start)
			err = r->hooks[i].start(r->hooks[i].ctx, &r->sp);
	return err;
}

static void report(struct recorder *r)
{
	__u64 drops[WP_DROP__MAX] = {}, missed = 0;
	const struct sampler *sp = &r->sp;
	struct summary_totals t;
	char iv[32];

	summary__totals(r->sum, &t);
	probe__drops(sp->probe, drops, &missed);
	fprintf(r->report,
		"wattprobe: %.2f s, %llu intervals of %s, %zu CPUs, attach %s, cgroup %s\n",
		t.wall_ns / 1e9, (unsigned long long)t.intervals,
		duration_format(r->env.interval_ns, iv, sizeof(iv)), probe__ncpus(sp->probe),
		probe__attach_name(probe__attach_mode(sp->probe)), cg_mode_name(sp->mode));
	fprintf(r->report, "energy: %s\n", energy__describe(sp->energy));
	if (sp->podsrc)
		fprintf(r->report, "pods: %s, %zu pods known\n", podsrc__describe(sp->podsrc),
			sp->pods ? pods__count(sp->pods) : 0);
	summary__print(r->sum, r->report, r->env.by, r->env.top);
	for (size_t i = 0; i < r->nhooks; i++)
		if (r->hooks[i].report)
			r->hooks[i].report(r->hooks[i].ctx, r->report);
	fprintf(r->report,
		"dropped %llu (map full %llu, pmu %llu, missed by the kernel %llu), gaps %llu, "
		"late ticks %llu\n",
		(unsigned long long)(drops[WP_DROP_MAP_FULL] + drops[WP_DROP_PMU_READ] + missed),
		(unsigned long long)drops[WP_DROP_MAP_FULL],
		(unsigned long long)drops[WP_DROP_PMU_READ], (unsigned long long)missed,
		(unsigned long long)t.gap_intervals, (unsigned long long)sp->late_ticks);
}

/* A gone cgroup the sampler forgets: its summary entries fold into their group's and pod's. */
static void forget_cgroup(void *ctx, uint64_t cgroup_id)
{
	struct recorder *r = ctx;

	if (summary__forget(r->sum, cgroup_id))
		r->forget_err = -ENOMEM;
}

static void stop_hooks(struct recorder *r)
{
	for (size_t i = 0; i < r->nhooks; i++)
		if (r->hooks[i].stop)
			r->hooks[i].stop(r->hooks[i].ctx);
}

int recorder_main(const struct record_env *env, const struct rec_hook *hooks, size_t nhooks)
{
	struct recorder r = { .env = *env, .hooks = hooks, .nhooks = nhooks };
	int err;

	wp_libbpf_verbosity(r.env.verbose);
	catch_signals();
	r.sum = summary__new();
	err = r.sum ? 0 : -ENOMEM;
	if (err)
		wp_err("%s", strerror(ENOMEM));
	err = err ?: open_output(&r);
	err = err ?: sampler__setup(&r.sp, &r.env, &stop_signal, &stop_requested);
	r.sp.forget = forget_cgroup;
	r.sp.forget_ctx = &r;
	/* A server that cannot listen is the only error said: the notes come after. */
	err = err ?: start_hooks(&r);
	err = err ?: start_output(&r);
	/* A file gets its metadata beside it; stdout, a pipe or a device do not. */
	r.meta_on = r.csv && csv__is_file(r.csv);
	err = err ?: sampler__run(&r.sp, on_tick, begin_hooks, &r);
	/* Servers and scrapers end before the summary: nothing else writes while it is printed. */
	stop_hooks(&r);
	if (r.csv && !r.sp.started) {
		csv__abort(r.csv);
	} else if (r.csv) {
		int cerr = csv__close(r.csv);

		if (cerr && !err) {
			wp_err("closing %s: %s", r.env.output, strerror(-cerr));
			err = cerr;
		}
	}
	if (r.meta_on && r.meta.start_mono_ns) {
		int merr = write_meta(&r, NULL, true);

		err = err ?: merr;
		/* Where it all went, and what reads it back, as perf record says of perf.data. */
		if (!merr && !r.env.quiet)
			wp_err("wrote %llu intervals to %s and its metadata to %s.meta.json "
			       "(wattprobe "
			       "report %s)",
			       (unsigned long long)r.meta.intervals, r.env.output, r.env.output,
			       r.env.output);
	}
	if (r.sp.started && !r.env.no_summary)
		report(&r);
	/* Out before anything else can go wrong: the summary is the run's result. */
	fflush(r.report ? r.report : stdout);
	summary__free(r.sum);
	strbuf_free(&r.sb);
	sampler__cleanup(&r.sp);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

int do_record(int argc, char **argv)
{
	struct kepler_cmp *kc = NULL;
	struct record_env env;
	struct rec_hook hook;
	char msg[512];
	int rc;

	if (record_parse(argc, argv, &env, msg, sizeof(msg))) {
		wp_err("record: %s", msg);
		return EXIT_FAILURE;
	}
	if (env.help)
		return EXIT_SUCCESS;
	if (env.kepler) {
		kc = kepler_cmp__new(env.kepler);
		if (!kc) {
			wp_err("%s", strerror(errno));
			return EXIT_FAILURE;
		}
		hook = kepler_cmp__hook(kc);
	}
	rc = recorder_main(&env, kc ? &hook : NULL, kc ? 1 : 0);
	kepler_cmp__free(kc);
	return rc;
}
