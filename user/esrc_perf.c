// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* esrc_perf.c: RAPL through the perf `power` PMU (perf_event_open), independent of powercap. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "esrc_perf.h"
#include "sysfile.h"

/* The zone each event becomes, "package-0" or "psys". */
static const char *const zone_names[PERF_EV_N] = {
	[PERF_EV_PKG] = "package", [PERF_EV_CORES] = "core", [PERF_EV_GPU] = "uncore",
	[PERF_EV_RAM] = "dram",	   [PERF_EV_PSYS] = "psys",
};

/* ---- the events ------------------------------------------------------------------------- */

/* An event opened on one CPU, while the source is being opened. */
struct slot {
	int fd;
	size_t ev, cpu; /* indexes into the pmu info */
	bool live;	/* counted something while watched */
};

struct perf_src {
	struct esrc base;
	struct esrc_perf_sys sys;
	struct perf_pmu_info info;
	int fd[ESRC_MAX_ZONES];
	size_t ev[ESRC_MAX_ZONES];
};

static int perf_read(struct esrc *s, size_t i, uint64_t *uj)
{
	struct perf_src *p = (struct perf_src *)s;
	const struct perf_energy_event *ev;
	uint64_t count;
	int err;

	if (i >= s->nz)
		return -EINVAL;
	err = p->sys.read(p->sys.ctx, p->fd[i], &count);
	if (err)
		return err;
	/* 64-bit counts, kept by the kernel free of the MSR's 32-bit wraps: never -EAGAIN. */
	ev = &p->info.ev[p->ev[i]];
	return perf_count_to_uj(count, ev->scale_j, ev->shift, uj);
}

static void perf_free(struct esrc *s)
{
	struct perf_src *p = (struct perf_src *)s;

	for (size_t i = 0; i < s->nz; i++)
		p->sys.close(p->sys.ctx, p->fd[i]);
	free(p);
}

static const struct esrc_ops perf_ops = { .name = "perf", .read = perf_read, .free = perf_free };

static void say_open_error(const struct perf_src *p, const struct slot *sl, int err, char *msg,
			   size_t len)
{
	const struct perf_energy_event *ev = &p->info.ev[sl->ev];
	int cpu = p->info.cpu[sl->cpu];
	char paranoid[32];

	switch (-err) {
	case EACCES:
	case EPERM:
		if (sysfile_read(p->sys.paranoid_path, paranoid, sizeof(paranoid)))
			snprintf(paranoid, sizeof(paranoid), "unknown");
		snprintf(msg, len,
			 "perf: perf_event_open %s on CPU %d: %s: needs CAP_PERFMON (or root) or "
			 "kernel.perf_event_paranoid <= 0 (now %s)",
			 ev->name, cpu, strerror(-err), paranoid);
		break;
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
		snprintf(msg, len, "perf: no power PMU event %s on this CPU (CPU %d: %s)", ev->name,
			 cpu, strerror(-err));
		break;
	default:
		snprintf(msg, len,
			 "perf: perf_event_open %s (type %u, config 0x%llx) on CPU %d: %s",
			 ev->name, p->info.type, (unsigned long long)ev->config, cpu,
			 strerror(-err));
	}
}

/* Every event on every CPU of the cpumask; psys last, so that its zone comes last. */
static int open_slots(struct perf_src *p, struct slot *sl, size_t *n, char *msg, size_t len)
{
	for (int psys = 0; psys < 2; psys++)
		for (size_t c = 0; c < p->info.ncpus; c++)
			for (size_t e = 0; e < p->info.nev; e++) {
				struct perf_event_attr attr = {
					.size = sizeof(attr),
					.type = p->info.type,
					.config = p->info.ev[e].config,
				};
				struct slot *s = &sl[*n];

				if ((p->info.ev[e].kind == PERF_EV_PSYS) != psys)
					continue;
				*s = (struct slot){ .fd = -1, .ev = e, .cpu = c };
				/* Counting, system-wide on the CPU, no group: FIELD-NOTES 4. */
				s->fd = p->sys.open(p->sys.ctx, &attr, p->info.cpu[c]);
				if (s->fd < 0) {
					say_open_error(p, s, s->fd, msg, len);
					return s->fd;
				}
				(*n)++;
			}
	return 0;
}

static bool is_psys(const struct perf_src *p, const struct slot *s)
{
	return p->info.ev[s->ev].kind == PERF_EV_PSYS;
}

/*
 * Watch the counters until each has counted (a psys on one CPU is enough: only the platform's
 * master package counts it) or probe_ms have passed. Counts start at 0 when the event opens.
 */
static int watch(struct perf_src *p, struct slot *sl, size_t n, char *msg, size_t len)
{
	unsigned int waited = 0, step;

	for (;;) {
		bool done = true, psys = false, psys_live = false;

		for (size_t i = 0; i < n; i++) {
			uint64_t count;
			int err = p->sys.read(p->sys.ctx, sl[i].fd, &count);

			if (err) {
				snprintf(msg, len, "perf: reading %s on CPU %d: %s",
					 p->info.ev[sl[i].ev].name, p->info.cpu[sl[i].cpu],
					 strerror(-err));
				return err;
			}
			sl[i].live |= count > 0;
			if (is_psys(p, &sl[i])) {
				psys = true;
				psys_live |= sl[i].live;
			} else {
				done &= sl[i].live;
			}
		}
		if ((done && (!psys || psys_live)) || waited >= p->sys.probe_ms)
			return 0;
		step = p->sys.probe_ms - waited < 10 ? p->sys.probe_ms - waited : 10;
		p->sys.sleep_ms(p->sys.ctx, step);
		waited += step;
	}
}

static void add(char *buf, size_t len, const char *sep, const char *what)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s", used ? sep : "", what);
}

/* Zones worth keeping: package, DRAM and psys that counted; cores and GPU (idle may be 0). */
static bool keep(const struct perf_src *p, const struct slot *s, bool *have_psys)
{
	enum perf_ekind k = p->info.ev[s->ev].kind;

	if (k == PERF_EV_PSYS) {
		if (!s->live || *have_psys)
			return false;
		*have_psys = true;
		return true;
	}
	return s->live || k == PERF_EV_CORES || k == PERF_EV_GPU;
}

static void take_zone(struct perf_src *p, const struct slot *s)
{
	enum perf_ekind k = p->info.ev[s->ev].kind;
	char label[ESRC_LABEL_LEN];

	if (k == PERF_EV_PSYS)
		snprintf(label, sizeof(label), "psys");
	else
		snprintf(label, sizeof(label), "%s-%s", zone_names[k], p->info.pkg[s->cpu]);
	memcpy(p->base.zones[p->base.nz].label, label, sizeof(label));
	p->fd[p->base.nz] = s->fd;
	p->ev[p->base.nz++] = s->ev;
}

/* Node energy: psys alone where it counts (it contains the rest), else packages and DRAM. */
static size_t choose_node(struct perf_src *p)
{
	bool psys = false;
	size_t n = 0;

	for (size_t i = 0; i < p->base.nz; i++)
		psys |= p->info.ev[p->ev[i]].kind == PERF_EV_PSYS;
	for (size_t i = 0; i < p->base.nz; i++) {
		enum perf_ekind k = p->info.ev[p->ev[i]].kind;

		p->base.zones[i].node =
			psys ? k == PERF_EV_PSYS : (k == PERF_EV_PKG || k == PERF_EV_RAM);
		n += p->base.zones[i].node;
	}
	return n;
}

/*
 * Keep what counts, close the rest. "EVENT on CPU N" of each event that stayed at 0 goes in
 * dead, and of each left out (not a duplicate psys) in dropped, for the messages.
 */
static int settle(struct perf_src *p, struct slot *sl, size_t n, char *dropped, size_t dlen,
		  char *msg, size_t len)
{
	bool have_psys = false, any_live = false, pkg = false;
	char what[64], dead[ESRC_DESC_LEN] = "";

	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s on CPU %d", p->info.ev[sl[i].ev].name,
			 p->info.cpu[sl[i].cpu]);
		any_live |= sl[i].live;
		pkg |= p->info.ev[sl[i].ev].kind == PERF_EV_PKG;
		if (!sl[i].live)
			add(dead, sizeof(dead), ", ", what);
		if (keep(p, &sl[i], &have_psys)) {
			take_zone(p, &sl[i]);
		} else {
			if (!sl[i].live)
				add(dropped, dlen, ", ", what);
			p->sys.close(p->sys.ctx, sl[i].fd);
		}
		sl[i].fd = -1;
	}
	if (!any_live) {
		snprintf(msg, len,
			 "perf: every power PMU event (%s) reads 0 over %u ms%s: no energy counted "
			 "here (a VM's virtual PMU)",
			 dead, p->sys.probe_ms, pkg ? "" : ", and there is no energy-pkg event");
		return -ENODATA;
	}
	if (!choose_node(p)) {
		snprintf(msg, len,
			 "perf: no package, DRAM or psys event counts (%s read 0 over %u ms): no "
			 "node energy to measure",
			 dead, p->sys.probe_ms);
		return -ENODATA;
	}
	return 0;
}

static void describe(struct perf_src *p, const char *root, const char *dropped)
{
	char *d = p->base.desc, cpus[256] = "", n[16];

	for (size_t c = 0; c < p->info.ncpus; c++) {
		snprintf(n, sizeof(n), "%d", p->info.cpu[c]);
		add(cpus, sizeof(cpus), ",", n);
	}
	snprintf(d, ESRC_DESC_LEN, "perf %s (power PMU type %u, CPU%s %s):", root, p->info.type,
		 p->info.ncpus > 1 ? "s" : "", cpus);
	for (size_t i = 0; i < p->base.nz; i++) {
		add(d, ESRC_DESC_LEN, " ", p->base.zones[i].label);
		if (!p->base.zones[i].node)
			add(d, ESRC_DESC_LEN, "",
			    p->info.ev[p->ev[i]].kind == PERF_EV_PKG ||
					    p->info.ev[p->ev[i]].kind == PERF_EV_RAM
				    ? "(in psys)"
				    : "(in package)");
	}
	if (dropped[0]) {
		snprintf(n, sizeof(n), "%u", p->sys.probe_ms);
		add(d, ESRC_DESC_LEN, "", "; left out, reading 0 over ");
		add(d, ESRC_DESC_LEN, "", n);
		add(d, ESRC_DESC_LEN, "", " ms: ");
		add(d, ESRC_DESC_LEN, "", dropped);
	}
}

struct esrc *esrc_perf_open_sys(const char *root, const struct esrc_perf_sys *sys, char *msg,
				size_t len)
{
	struct slot sl[PERF_EV_N * PERF_MAX_PMU_CPUS];
	struct perf_src *p = calloc(1, sizeof(*p));
	char dropped[ESRC_DESC_LEN] = "";
	size_t n = 0, want;
	int err;

	msg[0] = '\0';
	if (!p) {
		snprintf(msg, len, "perf: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	root = root && *root ? root : PERF_DEFAULT_SYSFS;
	p->sys = *sys;
	p->base.ops = &perf_ops;
	err = perf_pmu_scan(root, &p->info, msg, len);
	if (err)
		goto fail;
	want = p->info.nev * p->info.ncpus;
	if (p->info.ev[p->info.nev - 1].kind == PERF_EV_PSYS)
		want -= p->info.ncpus - 1; /* one psys is kept */
	if (want > ESRC_MAX_ZONES) {
		snprintf(msg, len, "perf: %zu zones (%zu events on %zu CPUs), at most %d", want,
			 p->info.nev, p->info.ncpus, ESRC_MAX_ZONES);
		err = -E2BIG;
		goto fail;
	}
	err = open_slots(p, sl, &n, msg, len);
	err = err ?: watch(p, sl, n, msg, len);
	err = err ?: settle(p, sl, n, dropped, sizeof(dropped), msg, len);
	if (err)
		goto fail;
	describe(p, root, dropped);
	return &p->base;
fail:
	for (size_t i = 0; i < n; i++)
		if (sl[i].fd >= 0)
			sys->close(sys->ctx, sl[i].fd);
	perf_free(&p->base);
	errno = -err;
	return NULL;
}

/* ---- the real system calls --------------------------------------------------------------- */

static int sys_open(void *ctx, struct perf_event_attr *attr, int cpu)
{
	int fd;

	(void)ctx;
	fd = syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int sys_read(void *ctx, int fd, uint64_t *count)
{
	uint64_t v;
	ssize_t n;

	(void)ctx;
	do
		n = read(fd, &v, sizeof(v));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != sizeof(v))
		return -EIO;
	*count = v;
	return 0;
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static void sys_sleep_ms(void *ctx, unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

struct esrc *esrc_perf_open(const char *sysfs_root, char *msg, size_t len)
{
	static const struct esrc_perf_sys real = {
		.open = sys_open,
		.read = sys_read,
		.close = sys_close,
		.sleep_ms = sys_sleep_ms,
		.paranoid_path = PERF_PARANOID_PATH,
		.probe_ms = PERF_PROBE_MS,
	};

	return esrc_perf_open_sys(sysfs_root, &real, msg, len);
}
