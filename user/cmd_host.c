// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cmd_host.c: `wattprobe host`: record's sampling on a VM host, each VM's share of the energy
 * written as a feed for its guest, and served on /metrics.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "cgroupfs.h"
#include "cmds.h"
#include "feed_write.h"
#include "httpd.h"
#include "recorder.h"
#include "sysfile.h"
#include "virt.h"
#include "vm_metrics.h"
#include "vm_share.h"

#define VIRT_PERIOD_MS	 1000		/* libvirt is listed at least this often */
#define RESOLVE_EVERY_NS 1000000000ULL	/* pid files are read again this often */
#define NAME_WAIT_NS	 2000000000ULL	/* a cgroup's VM that libvirt does not list yet */
#define PUBLISH_MIN_NS	 100000000ULL	/* /metrics snapshots at most every 100 ms */
#define STALE_AFTER_NS	 10000000000ULL /* /healthz: 503 when no snapshot came for this long */
#define ALIVE_EVERY_NS	 5000000000ULL	/* a VM's cgroup is looked for this often */
#define CLOSE_AFTER_NS	 10000000000ULL /* a VM stopped this long: its feed is closed */
#define RETRY_NS	 1000000000ULL	/* a feed that failed is tried again after this */
#define SOURCE_LEN	 640
#define LIBVIRT_PID_DIR	 "/run/libvirt/qemu" /* qemu:///system's pid files: NAME.pid */

struct host_vm {
	char name[VM_NAME_MAX];
	const char *arg; /* FILE or PATH */
	bool pidfile;
	bool libvirt_pid;	  /* libvirt's pid file of a domain without a cgroup of its own */
	bool has_rule;		  /* its cgroup is counted as the VM's now */
	char own[512];		  /* arg, when it is libvirt's pid file */
	char cgroup[CG_PATH_MAX]; /* resolved; "" until it is */
	bool warned;
};

/* What host keeps of each VM beside its share. */
struct host_dom {
	struct feed_writer *fw;	   /* NULL until the VM has a name to write, or when closed */
	char fw_name[VM_NAME_MAX]; /* the VM's name when fw was opened; "" never opened */
	uint64_t listed_ns;	   /* when libvirt first listed it running, 0 before */
	uint64_t dead_ns;	   /* since when it is not running, 0 while it runs */
	uint64_t checked_ns;	   /* when its cgroup was last looked for (no libvirt) */
	uint64_t retry_ns;	   /* a failed feed is opened again from then */
	bool alive;		   /* its cgroup was there at checked_ns */
	bool said_nocg;		   /* "no cgroup of it seen" said */
	bool said_err;		   /* its feed's error said */
};

struct host {
	const struct record_env *env;
	struct sampler *sp;
	struct vm_share *vs;
	struct feed_slot slots[FEED_MAX_ZONES];
	size_t nz;
	char source[SOURCE_LEN];
	struct host_dom *doms; /* [vm_share__count] */
	size_t ndoms;
	struct host_vm vms[HOST_MAX_VMS];
	size_t nvms;
	uint64_t last_resolve_ns, last_publish_ns;
	/* libvirt, from its thread */
	struct virt *virt;
	pthread_mutex_t lock;
	struct vm_info *snap;
	size_t nsnap;
	unsigned int gen, seen_gen;
	char virt_err[512];
	bool virt_err_new, virt_failed;
	/* /metrics */
	struct httpd *http;
	struct strbuf sb;
	char node[256];
	const char *node_name; /* --node, $NODE_NAME or node */
	bool said_disk;	       /* the feed dir's filesystem is not in memory: said once */
};

/* The cgroup a --vm names: PATH, or the pid file's process's, which libvirt puts in its
 * domain's emulator cgroup: then the domain's cgroup, so that its vCPUs count too. */
static int resolve_vm(const struct host *h, struct host_vm *v, char *msg, size_t len)
{
	char buf[64], *end;
	struct vm_ident vi;
	long pid;
	int err;

	if (!v->pidfile) {
		snprintf(v->cgroup, sizeof(v->cgroup), "%s", v->arg);
		return 0;
	}
	err = sysfile_read(v->arg, buf, sizeof(buf));
	if (err) {
		snprintf(msg, len, "--vm %s: pid file %s: %s", v->name, v->arg, strerror(-err));
		return err;
	}
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno || end == buf || *end || pid <= 0) {
		snprintf(msg, len, "--vm %s: pid file %s: not a pid ('%.20s')", v->name, v->arg,
			 buf);
		return -EINVAL;
	}
	err = cg_proc_path(pid, h->sp->mode, v->cgroup, sizeof(v->cgroup));
	if (err) {
		if (err == -ENOENT || err == -EINVAL || err == -ENAMETOOLONG)
			snprintf(msg, len, "--vm %s: /proc/%ld/cgroup has no %s cgroup", v->name,
				 pid, cg_mode_name(h->sp->mode));
		else
			snprintf(msg, len, "--vm %s: process %ld (from %s): %s", v->name, pid,
				 v->arg, err == -ESRCH ? "gone" : strerror(-err));
		v->cgroup[0] = '\0';
		return err;
	}
	if (!strcmp(v->cgroup, "/")) {
		snprintf(msg, len,
			 "--vm %s: process %ld (from %s) is in the root cgroup, which would make "
			 "the "
			 "whole host the VM's: not counted",
			 v->name, pid, v->arg);
		v->cgroup[0] = '\0';
		return -EPERM;
	}
	if (!vm_parse_path(v->cgroup, &vi) && vi.part != VM_NONE && vi.part != VM_DOMAIN) {
		char *slash = strrchr(v->cgroup, '/');

		if (slash && slash != v->cgroup)
			*slash = '\0';
		slash = strrchr(v->cgroup, '/');
		if (slash && !strcmp(slash, "/libvirt"))
			*slash = '\0';
	}
	return 0;
}

#define NO_CGROUP " (which does not exist yet: the VM's energy stays 0 until it does)"

static bool cgroup_exists(void *ctx, const char *cgroup)
{
	const struct host *h = ctx;

	return cg_exists(h->sp->hier, cgroup);
}

/* Another --vm with the same cgroup: the first one named keeps it. */
static const char *shared_with(const struct host *h, size_t i)
{
	static const char *const said = " (another --vm's already: counted as that VM's)";

	for (size_t k = 0; k < i; k++)
		if (h->vms[k].cgroup[0] && !strcmp(h->vms[k].cgroup, h->vms[i].cgroup))
			return said;
	return "";
}

/* Pid files are read again: a VM that restarts has a new process, maybe a new cgroup. */
static int resolve_vms(struct host *h, bool first)
{
	char msg[512];

	for (size_t i = 0; i < h->nvms; i++) {
		struct host_vm *v = &h->vms[i];
		char before[CG_PATH_MAX];
		int err;

		snprintf(before, sizeof(before), "%s", v->cgroup);
		err = resolve_vm(h, v, msg, sizeof(msg));
		if (err == -ENOMEM)
			return err;
		if (err) {
			if (v->has_rule) {
				/* Its process ended: its cgroup is no longer the VM's. */
				vm_share__drop_rule(h->vs, v->name);
				v->has_rule = false;
				wp_err("%s: no longer counted as VM %s (looked for again every "
				       "second)",
				       msg, v->name);
			} else if (!v->libvirt_pid && (first || (err == -EPERM && !v->warned))) {
				wp_err("%s (looked for again every second)", msg);
			}
			v->cgroup[0] = '\0';
			v->warned = true;
			continue;
		}
		if (!strcmp(before, v->cgroup))
			continue;
		if (v->libvirt_pid) {
			struct vm_ident vi;

			/* A domain's own cgroup is named by libvirt's layout; "/" is everyone's. */
			if (!strcmp(v->cgroup, "/") ||
			    (!vm_parse_path(v->cgroup, &vi) && vi.part != VM_NONE))
				continue;
			wp_err("VM %s: no cgroup of its own; its process (%s) is in %s, which is "
			       "counted as the VM's, with whatever else runs there",
			       v->name, v->arg, v->cgroup);
			err = vm_share__set_rule(h->vs, v->name, v->cgroup);
			if (err)
				return err;
			v->has_rule = true;
			continue;
		}
		wp_err("VM %s: cgroup %s%s%s%s%s", v->name, v->cgroup, v->pidfile ? ", from " : "",
		       v->pidfile ? v->arg : "", cgroup_exists(h, v->cgroup) ? "" : NO_CGROUP,
		       shared_with(h, i));
		v->warned = false;
		err = vm_share__set_rule(h->vs, v->name, v->cgroup);
		if (err)
			return err;
		v->has_rule = true;
	}
	return 0;
}

/* On libvirt's thread: keep the newest list for the sampling thread. */
static void on_domains(void *ctx, const struct vm_info *doms, size_t n, const char *err)
{
	struct host *h = ctx;
	struct vm_info *copy = NULL;

	pthread_mutex_lock(&h->lock);
	if (err) {
		snprintf(h->virt_err, sizeof(h->virt_err), "%s", err);
		h->virt_err_new = true;
	} else {
		copy = malloc((n ? n : 1) * sizeof(*copy));
		if (copy) {
			memcpy(copy, doms, n * sizeof(*copy));
			free(h->snap);
			h->snap = copy;
			h->nsnap = n;
			h->gen++;
		}
	}
	pthread_mutex_unlock(&h->lock);
}

static bool listed(const struct vm_info *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return true;
	return false;
}

/*
 * A running domain with no cgroup row yet may have no cgroup of its own (libvirt configured
 * without cgroups): its pid file is watched then, as a --vm pidfile would be.
 */
static int find_by_pidfile(struct host *h)
{
	const char *uri = h->env->connect, *dir = h->env->pid_dir;

	if (!dir && strstr(uri, "qemu") && strstr(uri, "/system"))
		dir = LIBVIRT_PID_DIR;
	if (!dir)
		return 0;
	for (size_t i = 0; i < vm_share__count(h->vs); i++) {
		const struct vm_dom *d = vm_share__get(h->vs, i);
		struct host_vm *v;
		bool known = false;

		if (!d->libvirt || !d->info.running || d->first_ns || d->rule)
			continue;
		for (size_t k = 0; k < h->nvms && !known; k++)
			known = !strcmp(h->vms[k].name, d->name);
		if (known || h->nvms == HOST_MAX_VMS)
			continue;
		v = &h->vms[h->nvms++];
		memset(v, 0, sizeof(*v));
		snprintf(v->name, sizeof(v->name), "%s", d->name);
		snprintf(v->own, sizeof(v->own), "%s/%s.pid", dir, d->name);
		v->arg = v->own;
		v->pidfile = true;
		v->libvirt_pid = true;
	}
	return 0;
}

/* libvirt's newest list into the shares, its starts and stops said on stderr. */
static int take_domains(struct host *h)
{
	struct vm_info *snap = NULL, *old = NULL;
	size_t n = 0, nold = 0;
	char err[512] = "";
	int rc = 0;

	pthread_mutex_lock(&h->lock);
	if (h->virt_err_new) {
		snprintf(err, sizeof(err), "%s", h->virt_err);
		h->virt_err_new = false;
	}
	if (h->gen != h->seen_gen) {
		n = h->nsnap;
		snap = malloc((n ? n : 1) * sizeof(*snap));
		if (snap)
			memcpy(snap, h->snap, n * sizeof(*snap));
		h->seen_gen = h->gen;
	}
	pthread_mutex_unlock(&h->lock);
	if (err[0]) {
		wp_err("%s (the VMs' cgroups are still followed; trying again every second)", err);
		h->virt_failed = true;
	}
	if (!snap)
		return 0;
	/* What libvirt listed before, from the shares. */
	old = calloc(vm_share__count(h->vs) + 1, sizeof(*old));
	if (!old) {
		free(snap);
		return -ENOMEM;
	}
	for (size_t i = 0; i < vm_share__count(h->vs); i++) {
		const struct vm_dom *d = vm_share__get(h->vs, i);

		if (d->libvirt && d->info.running)
			old[nold++] = d->info;
	}
	if (h->virt_failed)
		wp_err("libvirt %s: listing domains again", virt__uri(h->virt));
	h->virt_failed = false;
	for (size_t i = 0; i < n; i++)
		if (!listed(old, nold, snap[i].name))
			wp_err("VM %s (id %d, %u vCPU%s): running", snap[i].name, snap[i].id,
			       snap[i].vcpus, snap[i].vcpus == 1 ? "" : "s");
	for (size_t i = 0; i < nold; i++)
		if (!listed(snap, n, old[i].name))
			wp_err("VM %s (id %d): stopped", old[i].name, old[i].id);
	rc = vm_share__libvirt(h->vs, snap, n);
	free(old);
	free(snap);
	return rc ?: find_by_pidfile(h);
}

/* A VM is written once it has its name: libvirt's, --vm's, or its cgroup's after a wait. */
static bool named(const struct host *h, const struct vm_dom *d, uint64_t now)
{
	return d->rule || d->libvirt || !h->virt ||
	       (d->first_ns && now - d->first_ns >= NAME_WAIT_NS);
}

/* Running now: libvirt says so, or (without libvirt) a cgroup of it still exists. */
static bool vm_alive(struct host *h, const struct vm_dom *d, struct host_dom *hd, uint64_t now)
{
	if (d->libvirt)
		return d->info.running;
	if (!d->path)
		return true;
	if (d->last_ns == now) {
		/* A row this interval: running, whatever the last look found. */
		hd->alive = true;
		hd->checked_ns = now;
		return true;
	}
	if (!hd->checked_ns || now - hd->checked_ns >= ALIVE_EVERY_NS) {
		hd->alive = cgroup_exists(h, d->path);
		hd->checked_ns = now;
	}
	return hd->alive;
}

static void close_feed(struct host_dom *hd)
{
	feed_writer__free(hd->fw);
	hd->fw = NULL;
}

/* Open VM i's feed afresh: its counters start again from 0 (a gap for a guest reading it). */
static int open_feed(struct host *h, size_t i, const struct vm_dom *d, struct host_dom *hd,
		     uint64_t now)
{
	char dir[CG_PATH_MAX], msg[512];
	int n;

	/* d->name is safe as a directory's (vm_share). */
	n = snprintf(dir, sizeof(dir), "%s/%s", h->env->feed_dir, d->name);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		if (!hd->said_err)
			wp_err("VM %s: feed path %s/%s too long", d->name, h->env->feed_dir,
			       d->name);
		hd->said_err = true;
		hd->retry_ns = now + RETRY_NS;
		return 0;
	}
	vm_share__feed_reset(h->vs, i);
	hd->fw = feed_writer__open(dir, h->slots, h->nz, h->source, msg, sizeof(msg));
	if (!hd->fw) {
		if (errno == ENOMEM)
			return -ENOMEM;
		if (!hd->said_err)
			wp_err("VM %s: %s (tried again every second)", d->name, msg);
		hd->said_err = true;
		hd->retry_ns = now + RETRY_NS;
		return 0;
	}
	snprintf(hd->fw_name, sizeof(hd->fw_name), "%s", d->name);
	wp_err("VM %s: feed %s", d->name, dir);
	if (feed_writer__on_disk(hd->fw)[0] && !h->said_disk) {
		wp_err("%s is on %s: every interval's files go to the disk (on a tmpfs they cost "
		       "a sixth of the CPU and no I/O: mount -t tmpfs wattprobe-feed %s)",
		       h->env->feed_dir, feed_writer__on_disk(hd->fw), h->env->feed_dir);
		h->said_disk = true;
	}
	return 0;
}

/*
 * Each VM's feed, every interval. A VM gone for CLOSE_AFTER_NS gets its last write and its
 * writer closed (its tree stays as it was: its guest, if any, sees it go stale); one that
 * libvirt renames is written under its new name; a failed write is said once and tried again
 * a second later, from 0: sampling goes on.
 */
static int write_feeds(struct host *h, uint64_t now)
{
	size_t n = vm_share__count(h->vs);

	if (n > h->ndoms) {
		struct host_dom *hd = realloc(h->doms, n * sizeof(*hd));

		if (!hd)
			return -ENOMEM;
		memset(hd + h->ndoms, 0, (n - h->ndoms) * sizeof(*hd));
		h->doms = hd;
		h->ndoms = n;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vm_dom *d = vm_share__get(h->vs, i);
		struct host_dom *hd = &h->doms[i];
		bool alive = vm_alive(h, d, hd, now);
		int err;

		if (d->libvirt && d->info.running && !hd->listed_ns)
			hd->listed_ns = now;
		if (hd->listed_ns && !d->first_ns && !hd->said_nocg &&
		    now - hd->listed_ns >= NAME_WAIT_NS) {
			wp_err("VM %s: libvirt runs it, but no cgroup of it was seen "
			       "(machine-qemu\\x2d%d\\x2d....scope, or a --vm): its energy stays 0",
			       d->name, d->id);
			hd->said_nocg = true;
		}
		hd->dead_ns = alive ? 0 : hd->dead_ns ? hd->dead_ns : now;
		if (hd->fw && hd->dead_ns && now - hd->dead_ns >= CLOSE_AFTER_NS) {
			feed_writer__write(hd->fw, d->feed_uj, d->feed_gap);
			wp_err("VM %s: stopped; its feed %s is no longer written", d->name,
			       feed_writer__dir(hd->fw));
			close_feed(hd);
		}
		if (hd->fw && strcmp(hd->fw_name, d->name)) {
			wp_err("VM %s (%s before libvirt named it): its feed moves", d->name,
			       hd->fw_name);
			close_feed(hd);
		}
		if (!hd->fw) {
			if (!named(h, d, now) || (hd->dead_ns && hd->fw_name[0]) ||
			    now < hd->retry_ns)
				continue;
			err = open_feed(h, i, d, hd, now);
			if (err)
				return err;
			if (!hd->fw)
				continue;
		}
		err = feed_writer__write(hd->fw, d->feed_uj, d->feed_gap);
		if (err) {
			wp_err("VM %s: feed %s: %s (tried again every second)", d->name,
			       feed_writer__dir(hd->fw), strerror(-err));
			close_feed(hd);
			hd->retry_ns = now + RETRY_NS;
			continue;
		}
		hd->said_err = false;
	}
	return 0;
}

static int publish(struct host *h, uint64_t now)
{
	int err;

	strbuf_reset(&h->sb);
	err = vm_metrics_render(h->vs, h->sp->labels, energy__source(h->sp->energy), h->node_name,
				&h->sb);
	if (err) {
		wp_err("rendering /metrics: %s", strerror(-err));
		return err;
	}
	err = httpd__publish(h->http, h->sb.buf, h->sb.len, now);
	h->sb = (struct strbuf){};
	h->last_publish_ns = now;
	return err;
}

static int host_start(void *ctx, struct sampler *sp)
{
	struct host *h = ctx;
	char msg[512];
	int err;

	h->sp = sp;
	h->nz = energy__nzones(sp->energy);
	err = feed_layout(sp->labels, sp->zone_node, h->nz, h->slots, msg, sizeof(msg));
	if (err) {
		wp_err("%s: energy source %s cannot feed guests", msg, energy__source(sp->energy));
		return err;
	}
	snprintf(h->source, sizeof(h->source), "%s; a VM's share by the CPU time of its threads",
		 energy__describe(sp->energy));
	err = feed_dir_prepare(h->env->feed_dir, msg, sizeof(msg));
	if (err) {
		wp_err("%s (--feed-dir)", msg);
		return err;
	}
	{
		/* A feed keeps a directory open per running VM: hosts with many use more. */
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	h->vs = vm_share__new(h->nz, sp->zone_node);
	if (!h->vs) {
		wp_err("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	vm_share__set_exists(h->vs, cgroup_exists, h);
	h->node_name = wp_node_name(h->env->node, h->node, sizeof(h->node));
	err = resolve_vms(h, true);
	if (err) {
		wp_err("%s", strerror(-err));
		return err;
	}
	if (h->env->connect) {
		h->virt = virt__open(h->env->connect, msg, sizeof(msg));
		if (!h->virt) {
			wp_err("%s (--connect none: find VMs by their cgroups and --vm only)", msg);
			return -ECONNREFUSED;
		}
		err = virt__follow(h->virt, VIRT_PERIOD_MS, on_domains, h);
		if (err) {
			wp_err("libvirt %s: cannot follow domains: %s", h->env->connect,
			       strerror(-err));
			return err;
		}
	}
	if (h->env->listen) {
		h->http = httpd__start(h->env->listen, STALE_AFTER_NS + 2 * h->env->interval_ns,
				       msg, sizeof(msg));
		if (!h->http) {
			err = errno ? -errno : -EINVAL;
			wp_err("%s", msg);
			return err;
		}
		wp_err("serving http://%s/metrics", httpd__address(h->http));
	}
	wp_err("VMs: %s%s; feeds in %s", h->env->connect ? "libvirt " : "cgroups",
	       h->env->connect ? h->env->connect : (h->nvms ? " and --vm" : ""), h->env->feed_dir);
	return 0;
}

static int host_tick(void *ctx, struct sampler *sp, const struct sampler_tick *t)
{
	struct host *h = ctx;
	uint64_t now = t->s->ts_ns;
	int err = 0;

	(void)sp;
	if (h->virt)
		err = take_domains(h);
	if (!err && h->nvms && now - h->last_resolve_ns >= RESOLVE_EVERY_NS) {
		err = resolve_vms(h, false);
		h->last_resolve_ns = now;
	}
	err = err ?: vm_share__add(h->vs, t->s, t->res, t->zd, t->ids);
	if (err == -ENOMEM)
		wp_err("%s", strerror(ENOMEM));
	err = err ?: write_feeds(h, now);
	if (!err && h->http && now - h->last_publish_ns + h->env->interval_ns / 2 >= PUBLISH_MIN_NS)
		err = publish(h, now);
	return err;
}

static void host_stop(void *ctx)
{
	struct host *h = ctx;

	virt__stop(h->virt);
	httpd__stop(h->http);
	h->http = NULL;
}

static void host_report(void *ctx, FILE *f)
{
	struct host *h = ctx;
	size_t n = h->vs ? vm_share__count(h->vs) : 0;

	if (!h->vs)
		return;
	fprintf(f, "%-24s %5s %5s %-9s %12s %12s  %s\n", "VM", "ID", "VCPUS", "PART", "CPU_S",
		"ENERGY_J", "FEED");
	for (size_t i = 0; i < n; i++) {
		const struct vm_dom *d = vm_share__get(h->vs, i);
		char id[16] = "-", vc[16] = "-";

		if (d->id >= 0)
			snprintf(id, sizeof(id), "%d", d->id);
		if (d->libvirt && d->info.vcpus)
			snprintf(vc, sizeof(vc), "%u", d->info.vcpus);
		for (enum vm_part p = VM_DOMAIN; p <= VM_IOTHREAD; p++) {
			size_t pi = vm_part_idx(p);
			uint64_t uj = 0;

			for (size_t z = 0; z < h->nz; z++)
				if (h->sp->zone_node[z])
					uj += d->part_uj[pi * h->nz + z];
			if (!d->cpu_ns[pi] && !uj)
				continue;
			fprintf(f, "%-24s %5s %5s %-9s %12.3f %12.3f\n", d->name, id, vc,
				vm_part_name(p), d->cpu_ns[pi] / 1e9, uj / 1e6);
		}
		{
			uint64_t cpu = 0;

			for (size_t p = 0; p < VM_NPARTS; p++)
				cpu += d->cpu_ns[p];
			fprintf(f, "%-24s %5s %5s %-9s %12.3f %12.3f  %s\n", d->name, id, vc,
				"total", cpu / 1e9, d->node_uj / 1e6,
				i < h->ndoms && h->doms[i].fw ? feed_writer__dir(h->doms[i].fw)
							      : "(none yet)");
			if (d->libvirt && d->has_cpu0 && d->info.has_cpu)
				fprintf(f,
					"%-24s libvirt's cpu.time grew %.3f s while listed (the "
					"probe's: %.3f s)\n",
					d->name, (d->info.cpu_ns - d->cpu0_ns) / 1e9, cpu / 1e9);
			if (d->gaps)
				fprintf(f,
					"%-24s %" PRIu64 " intervals with a zone unknown (the "
					"feed went back to 0: a gap in the guest)\n",
					d->name, d->gaps);
		}
	}
	if (!n)
		fprintf(f, "no VM seen\n");
}

static void host_free(struct host *h)
{
	virt__free(h->virt);
	httpd__stop(h->http);
	for (size_t i = 0; i < h->ndoms; i++)
		feed_writer__free(h->doms[i].fw);
	free(h->doms);
	vm_share__free(h->vs);
	free(h->snap);
	strbuf_free(&h->sb);
	pthread_mutex_destroy(&h->lock);
}

int do_host(int argc, char **argv)
{
	struct record_env env;
	struct host *h;
	struct rec_hook hook;
	char msg[512];
	int rc;

	if (host_parse(argc, argv, &env, msg, sizeof(msg))) {
		wp_err("host: %s", msg);
		return EXIT_FAILURE;
	}
	if (env.help)
		return EXIT_SUCCESS;
	h = calloc(1, sizeof(*h));
	if (!h) {
		wp_err("%s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	h->env = &env;
	pthread_mutex_init(&h->lock, NULL);
	for (size_t i = 0; i < env.nvms; i++) {
		struct host_vm *v = &h->vms[h->nvms++];

		vm_spec_parse(env.vms[i], v->name, sizeof(v->name), &v->pidfile, &v->arg);
	}
	hook = (struct rec_hook){ .start = host_start,
				  .tick = host_tick,
				  .stop = host_stop,
				  .report = host_report,
				  .ctx = h };
	rc = recorder_main(&env, &hook, 1);
	host_free(h);
	free(h);
	return rc;
}
