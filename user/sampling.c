// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* sampling.c: the engine record and serve share: probe, energy and identities, tick by tick. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cmds.h"
#include "kube_api.h"
#include "sampling.h"

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int setup_cgroups(struct sampler *sp)
{
	char msg[256];
	int err;

	err = cg_mounts_read(NULL, &sp->mounts);
	if (err) {
		wp_err("/proc/self/mountinfo: %s", strerror(-err));
		return err;
	}
	err = cg_choose(&sp->mounts, sp->env->cgroup_mode, &sp->mode, &sp->hier, msg, sizeof(msg));
	if (err) {
		wp_err("%s", msg);
		return err;
	}
	sp->names = cgname__open(sp->hier);
	if (!sp->names) {
		err = -errno;
		wp_err("cgroup hierarchy %s: %s", sp->hier->mount, strerror(errno));
		return err;
	}
	return 0;
}

/* wattprobe's own cgroup, group probe. Not the root: the root holds far more than us. */
static void find_probe_cgroup(struct sampler *sp)
{
	if (cg_proc_path(0, sp->mode, sp->probe_cg, sizeof(sp->probe_cg)) == 0 &&
	    strcmp(sp->probe_cg, "/") != 0)
		sp->icfg.groups.probe_cgroup = sp->probe_cg;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int setup_pods(struct sampler *sp)
{
	struct podsrc_opts po = { .spec = sp->env->pods,
				  .node = sp->env->node ? sp->env->node : getenv("NODE_NAME"),
				  .refresh_ns = sp->env->pods_refresh_ns,
				  .sa_dir = getenv("WATTPROBE_SA_DIR"),
				  .stop = sp->stop_requested };
	char msg[1024];
	int err;

	if (po.node && !po.node[0])
		po.node = NULL;
	if (same_file(sp->env->output, po.spec)) {
		wp_err("output %s is the --pods file", sp->env->output);
		return -EINVAL;
	}
	if (strcmp(po.spec, "api") == 0) {
		err = kube_api_global_init();
		if (err) {
			wp_err("libcurl: %s", strerror(-err));
			return err;
		}
		sp->curl_up = true;
	}
	sp->podsrc = podsrc__open(&po, &sp->pods, msg, sizeof(msg));
	if (!sp->podsrc) {
		err = errno ? -errno : -EINVAL;
		wp_err("%s", msg);
		return err;
	}
	return 0;
}

/* Who each row is: pods and groups. */
static int setup_idents(struct sampler *sp)
{
	char msg[1024];
	int err;

	sp->icfg.groups.flux_ns = sp->env->flux_ns;
	find_probe_cgroup(sp);
	if (sp->env->groups) {
		sp->rules = group_rules_load(sp->env->groups, msg, sizeof(msg));
		if (!sp->rules) {
			err = errno ? -errno : -EINVAL;
			wp_err("groups %s", msg);
			return err;
		}
		sp->icfg.rules = sp->rules;
	}
	if (sp->env->pods) {
		err = setup_pods(sp);
		if (err)
			return err;
	}
	sp->ids = ident__new(&sp->icfg);
	if (!sp->ids) {
		wp_err("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ident__set_pods(sp->ids, sp->pods);
	return 0;
}

/* A newer pod list, if the source has one; a failed refresh keeps the last good one. */
static void refresh_pods(struct sampler *sp)
{
	struct pods *p;
	char msg[1024];

	if (!sp->podsrc)
		return;
	if (podsrc__take(sp->podsrc, &p, msg, sizeof(msg)) == 1) {
		ident__set_pods(sp->ids, p);
		pods__free(sp->pods);
		sp->pods = p;
		sp->pods_gen++;
	}
	if (msg[0])
		wp_err("%s; keeping the last good pod list (%zu pods)", msg,
		       sp->pods ? pods__count(sp->pods) : 0);
}

/* "energy: using X", then "wattprobe: energy: passed over REASON" for each line of why. */
static void passed_over(char *note, size_t len, const char *using, const char *why)
{
	size_t used = (size_t)snprintf(note, len, "energy: using %s", using);

	for (const char *p = why; *p && used < len;) {
		size_t n = strcspn(p, "\n");

		used += (size_t)snprintf(note + used, len - used,
					 "\nwattprobe: energy: passed over %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static int setup_energy(struct sampler *sp, unsigned int ncpus)
{
	sp->energy = energy__open(sp->env->energy, ncpus, sp->why, sizeof(sp->why));
	if (!sp->energy) {
		wp_err("%s", sp->why);
		return -EINVAL;
	}
	/*
	 * Say once what is used, then a line for each source passed over and why: every row then
	 * says which source it is.
	 */
	if (sp->why[0])
		passed_over(sp->notes[0], sizeof(sp->notes[0]), energy__describe(sp->energy),
			    sp->why);
	if (energy__warning(sp->energy)[0])
		snprintf(sp->notes[2], sizeof(sp->notes[2]), "energy: %s",
			 energy__warning(sp->energy));
	/*
	 * A feed is the VM's share of its host's energy: what its vCPUs drew while they ran. A
	 * halted vCPU draws nothing more, so none of it is the guest's idle (docs/feed.md).
	 */
	sp->rule = sp->env->rule;
	if (!sp->env->rule_set && !strcmp(energy__source(sp->energy), "feed")) {
		sp->rule = (struct attrib_rule){ .kind = ATTRIB_IDLE_POWER, .idle_power_uw = 0 };
		snprintf(sp->notes[3], sizeof(sp->notes[3]),
			 "attribution idle:0W: a feed is this VM's share of its host's energy, "
			 "drawn "
			 "while its vCPUs ran, so none of it is idle's (-a util splits it by idle "
			 "time too)");
	}
	for (size_t z = 0; z < energy__nzones(sp->energy); z++) {
		sp->labels[z] = energy__zone_label(sp->energy, z);
		sp->zone_node[z] = energy__zone_is_node(sp->energy, z);
	}
	return 0;
}

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

static int setup_probe(struct sampler *sp)
{
	struct probe_opts po = { .attach = sp->env->attach,
				 .cgroup_mode = sp->mode,
				 .pmu = sp->env->pmu,
				 .max_cgroups = sp->env->max_cgroups,
				 .btf_path = sp->env->btf };
	char msg[1024];

	sp->probe = probe__open(&po, msg, sizeof(msg));
	if (!sp->probe) {
		int err = -errno;

		if (geteuid() != 0)
			wp_err("loading the BPF probe needs root: %s", msg);
		else
			wp_err("loading the BPF probe: %s", msg);
		return err ? err : -EINVAL;
	}
	if (!probe__has_pmu(sp->probe) && sp->env->pmu == PMU_AUTO)
		snprintf(sp->notes[1], sizeof(sp->notes[1]),
			 "%s; cycles and instructions left empty", probe__pmu_reason(sp->probe));
	if (sp->env->verbose)
		wp_err("attach %s, cgroup %s at %s, %s",
		       probe__attach_name(probe__attach_mode(sp->probe)), cg_mode_name(sp->mode),
		       sp->hier->mount, energy__describe(sp->energy));
	return 0;
}

/* Each row's identity; then idle's and steal's, as csv_interval wants them. */
static int name_rows(struct sampler *sp)
{
	size_t n = sp->s.nrows + 2;

	if (n > sp->row_ids_cap) {
		const struct wp_ident **nb = realloc(sp->row_ids, n * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		sp->row_ids = nb;
		sp->row_ids_cap = n;
	}
	refresh_pods(sp);
	ident__tick(sp->ids, sp->s.ts_ns);
	for (size_t i = 0; i < sp->s.nrows; i++) {
		__u64 id = sp->s.rows[i].cgroup_id;

		sp->row_ids[i] = ident__get(sp->ids, id, wp_row_name(sp->names, id));
		if (!sp->row_ids[i])
			return -ENOMEM;
	}
	sp->row_ids[sp->s.nrows] = ident__idle(sp->ids);
	sp->row_ids[sp->s.nrows + 1] = ident__steal(sp->ids);
	return 0;
}

static int tick(struct sampler *sp, struct sampler_tick *t)
{
	uint64_t interval_ns, busy_ns, window_ns;
	int err;

	err = probe__flush(sp->probe, &sp->s);
	/*
	 * Energy is read at the flush, before the drain, so both windows close together; it is
	 * stamped with the sample's time, microseconds off its read, so that a modelled interval
	 * is exactly the row's interval_ns.
	 */
	err = err ?: energy__read(sp->energy, sp->s.ts_ns);
	err = err ?: probe__collect(sp->probe, &sp->s);
	if (err) {
		wp_err("reading the probe: %s", strerror(-err));
		return err;
	}
	interval_ns = sp->s.ts_ns - sp->prev_ts_ns;
	sp->prev_ts_ns = sp->s.ts_ns;
	/* Stolen time is neither busy nor idle for this node: the model sees what remains. */
	window_ns = sp->s.window_ns - sp->s.steal.cpu_ns;
	busy_ns = window_ns > sp->s.idle.cpu_ns ? window_ns - sp->s.idle.cpu_ns : 0;
	err = energy__delta(sp->energy, busy_ns, window_ns, sp->zd);
	if (err < 0) {
		wp_err("reading energy: %s", strerror(-err));
		return err;
	}
	err = interval_attribute(&sp->rule, &sp->s, interval_ns, sp->zd, sp->zone_node,
				 energy__nzones(sp->energy), probe__has_pmu(sp->probe), &sp->res);
	err = err ?: name_rows(sp);
	if (err)
		return err;
	*t = (struct sampler_tick){ .s = &sp->s,
				    .interval_ns = interval_ns,
				    .zd = sp->zd,
				    .res = &sp->res,
				    .ids = sp->row_ids,
				    .nzones = energy__nzones(sp->energy),
				    .busy_ns = busy_ns,
				    .window_ns = window_ns };
	return 0;
}

/* Sleep to the next deadline; a tick later than one whole interval is counted, not caught up. */
static bool wait_tick(struct sampler *sp, uint64_t *deadline, uint64_t end_ns)
{
	struct timespec ts;
	uint64_t now = mono_ns();

	*deadline += sp->env->interval_ns;
	if (now > *deadline + sp->env->interval_ns) {
		sp->late_ticks++;
		*deadline = now;
	}
	if (end_ns && *deadline > end_ns)
		*deadline = end_ns;
	ts.tv_sec = *deadline / 1000000000ULL;
	ts.tv_nsec = *deadline % 1000000000ULL;
	while (!*sp->stop_signal &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return !*sp->stop_signal && (!end_ns || *deadline < end_ns);
}

static bool cgroup_gone(void *ctx, uint64_t id)
{
	struct sampler *sp = ctx;

	return cgname__alive(sp->names, id) == 0;
}

static void cgroup_forget(void *ctx, uint64_t id)
{
	struct sampler *sp = ctx;

	if (sp->forget)
		sp->forget(sp->forget_ctx, id);
	cgname__forget(sp->names, id);
}

/*
 * Every few seconds, the cgroups gone and quiet (no row for 10 intervals, and 5 s at least)
 * are forgotten here and by whoever asked (sampler.forget), so that memory follows the cgroups
 * alive, not every one a churning node ever had.
 */
static int sweep(struct sampler *sp)
{
	struct ident_sweep sw = { cgroup_gone, cgroup_forget, sp };
	uint64_t quiet = 10 * sp->env->interval_ns;
	int n;

	if (sp->s.ts_ns - sp->last_sweep_ns < SWEEP_EVERY_NS)
		return 0;
	sp->last_sweep_ns = sp->s.ts_ns;
	n = ident__sweep(sp->ids, quiet > SWEEP_QUIET_NS ? quiet : SWEEP_QUIET_NS, &sw);
	if (n < 0)
		return n;
	sp->forgotten += (uint64_t)n;
	return 0;
}

int sampler__run(struct sampler *sp, sampler_tick_fn *fn, int (*begin)(void *ctx), void *ctx)
{
	uint64_t deadline, end_ns = 0;
	struct sampler_tick t;
	bool more = true;
	int err = 0;

	sp->start_ns = mono_ns();
	sp->prev_ts_ns = sp->start_ns;
	deadline = sp->start_ns;
	if (sp->env->duration_ns)
		end_ns = sp->start_ns + sp->env->duration_ns;
	/* The probe started its first interval when it opened; realign both clocks here. */
	err = probe__flush(sp->probe, &sp->s);
	err = err ?: energy__start(sp->energy, sp->s.ts_ns);
	err = err ?: probe__collect(sp->probe, &sp->s);
	if (err) {
		wp_err("reading the probe: %s", strerror(-err));
		return err;
	}
	sp->prev_ts_ns = sp->s.ts_ns;
	sp->last_sweep_ns = sp->s.ts_ns;
	sp->started = true;
	err = begin ? begin(ctx) : 0;
	while (more && !err) {
		more = wait_tick(sp, &deadline, end_ns);
		/* The last interval, cut by the duration or a signal, is recorded too. */
		err = tick(sp, &t);
		err = err ?: fn(ctx, &t);
		/* After fn: nobody holds this interval's identities any more. */
		if (!err)
			err = sweep(sp);
	}
	return err > 0 ? 0 : err;
}

int sampler__setup(struct sampler *sp, const struct record_env *env,
		   volatile sig_atomic_t *stop_signal, atomic_bool *stop_requested)
{
	int err;

	sp->env = env;
	sp->stop_signal = stop_signal;
	sp->stop_requested = stop_requested;
	err = setup_energy(sp, online_cpus());
	err = err ?: setup_cgroups(sp);
	err = err ?: setup_idents(sp);
	err = err ?: setup_probe(sp);
	return err;
}

void sampler__say_notes(const struct sampler *sp)
{
	for (size_t i = 0; i < sizeof(sp->notes) / sizeof(sp->notes[0]); i++)
		if (sp->notes[i][0])
			wp_err("%s", sp->notes[i]);
}

void sampler__cleanup(struct sampler *sp)
{
	probe__free(sp->probe);
	energy__free(sp->energy);
	cgname__free(sp->names);
	probe_sample__free(&sp->s);
	interval_res__free(&sp->res);
	free(sp->row_ids);
	podsrc__free(sp->podsrc);
	ident__free(sp->ids);
	pods__free(sp->pods);
	group_rules__free(sp->rules);
	if (sp->curl_up)
		kube_api_global_cleanup();
}
