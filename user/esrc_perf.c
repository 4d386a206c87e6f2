// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* esrc_perf.c: RAPL through the perf `power` PMU (perf_event_open), independent of powercap. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "cpulist.h"
#include "esrc_perf.h"

typedef unsigned __int128 u128;

static const struct {
	const char *event, *zone;
} kinds[PERF_EV_N] = {
	[PERF_EV_PKG] = { "energy-pkg", "package" }, [PERF_EV_CORES] = { "energy-cores", "core" },
	[PERF_EV_GPU] = { "energy-gpu", "uncore" },  [PERF_EV_RAM] = { "energy-ram", "dram" },
	[PERF_EV_PSYS] = { "energy-psys", "psys" },
};

/* ---- pure parsing ---------------------------------------------------------------------- */

static int parse_bit(const char **p, unsigned long *bit)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	*bit = strtoul(*p, &end, 10);
	if (errno || *bit > 63)
		return -EINVAL;
	*p = end;
	return 0;
}

int perf_format_parse(const char *text, uint64_t *mask)
{
	const char *p = text;
	unsigned long lo, hi;

	/* config1 and config2 hold no power PMU term; refusing them beats a wrong event. */
	if (strncmp(p, "config:", 7))
		return -EINVAL;
	p += 7;
	*mask = 0;
	for (;;) {
		if (parse_bit(&p, &lo))
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_bit(&p, &hi) || hi < lo)
				return -EINVAL;
		}
		for (unsigned long b = lo; b <= hi; b++)
			*mask |= 1ULL << b;
		if (*p != ',')
			break;
		p++;
	}
	p += *p == '\n';
	return *p ? -EINVAL : 0;
}

/* Spread val over the set bits of mask, lowest first, as perf(1) does. */
static int deposit(uint64_t val, uint64_t mask, uint64_t *config)
{
	for (int b = 0; b < 64; b++) {
		if (!(mask >> b & 1))
			continue;
		if (val & 1)
			*config |= 1ULL << b;
		val >>= 1;
	}
	return val ? -ERANGE : 0;
}

/* "0x05" or "5": no octal, sign, blank or suffix. */
static int parse_value(const char *s, uint64_t *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	char *end;

	if (!*d || strspn(d, hex ? "0123456789abcdefABCDEF" : "0123456789") != strlen(d))
		return -EINVAL;
	errno = 0;
	*v = strtoull(d, &end, hex ? 16 : 10);
	return errno ? -EINVAL : 0;
}

static int parse_term(char *term, const struct perf_format *fmt, size_t nfmt, unsigned int *seen,
		      uint64_t *config, char *msg, size_t len)
{
	char *eq = strchr(term, '=');
	uint64_t v = 1; /* a bare term is a flag */
	size_t f;

	if (eq)
		*eq = '\0';
	for (f = 0; f < nfmt && strcmp(fmt[f].name, term); f++)
		;
	if (f == nfmt) {
		snprintf(msg, len, "unknown term '%s' (no format/%s)", term, term);
		return -EINVAL;
	}
	if (*seen & 1U << f) {
		snprintf(msg, len, "term '%s' given twice", term);
		return -EINVAL;
	}
	*seen |= 1U << f;
	if (eq && parse_value(eq + 1, &v)) {
		snprintf(msg, len, "term '%s': '%s' is not a number", term, eq + 1);
		return -EINVAL;
	}
	if (deposit(v, fmt[f].mask, config)) {
		snprintf(msg, len, "term '%s': 0x%llx does not fit its field (mask 0x%llx)", term,
			 (unsigned long long)v, (unsigned long long)fmt[f].mask);
		return -EINVAL;
	}
	return 0;
}

int perf_event_parse(const char *text, const struct perf_format *fmt, size_t nfmt, uint64_t *config,
		     char *msg, size_t len)
{
	char buf[256], *save, *term;
	unsigned int seen = 0;
	size_t n = strlen(text);
	int err;

	msg[0] = '\0';
	*config = 0;
	if (n && text[n - 1] == '\n')
		n--;
	if (!n || n >= sizeof(buf) || nfmt > 32) {
		snprintf(msg, len, "'%.*s' is not an event description", (int)(n < 64 ? n : 64),
			 text);
		return -EINVAL;
	}
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (buf[0] == ',' || buf[n - 1] == ',' || strstr(buf, ",,")) {
		snprintf(msg, len, "'%s': an empty term", buf);
		return -EINVAL;
	}
	for (term = strtok_r(buf, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
		err = parse_term(term, fmt, nfmt, &seen, config, msg, len);
		if (err)
			return err;
	}
	return 0;
}

int perf_scale_parse(const char *text, long double *scale_j, int *shift)
{
	size_t n = strlen(text);
	long double m;
	char *end;
	int e;

	if (n && text[n - 1] == '\n')
		n--;
	/* Plain decimals only: strtold's hex floats, inf and nan are no scale the kernel writes. */
	if (!n || strspn(text, "0123456789.eE+-") != n ||
	    !(text[0] == '.' || (text[0] >= '0' && text[0] <= '9')))
		return -EINVAL;
	errno = 0;
	*scale_j = strtold(text, &end);
	if (errno || (size_t)(end - text) != n || !isfinite(*scale_j) || !(*scale_j > 0))
		return -EINVAL;
	m = frexpl(*scale_j, &e); /* scale = m x 2^e, m in [0.5, 1) */
	*shift = m == 0.5L && 1 - e >= 0 && 1 - e <= 63 ? 1 - e : -1;
	return 0;
}

int perf_count_to_uj(uint64_t count, long double scale_j, int shift, uint64_t *uj)
{
	if (shift >= 0) {
		/* The kernel's 2^-32 J: exact, and so monotonic in count. */
		u128 v = ((u128)count * 1000000U) >> shift;

		if (v > UINT64_MAX)
			return -ERANGE;
		*uj = (uint64_t)v;
		return 0;
	}
	long double v = (long double)count * scale_j * 1e6L;

	if (!(v < 18446744073709551616.0L))
		return -ERANGE;
	*uj = (uint64_t)v;
	return 0;
}

/* ---- the sysfs tree ---------------------------------------------------------------------- */

/* A small sysfs file into buf, without its trailing newline and blanks. */
static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int scan_formats(const char *dir, struct perf_format *fmt, size_t *nfmt, char *msg,
			size_t len)
{
	char path[4200], buf[128];
	struct dirent *de;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "%s/format", dir);
	d = opendir(path);
	if (!d && errno == ENOENT) {
		/* Every kernel with the PMU has format/event; the layout it has had since 3.14. */
		snprintf(fmt[0].name, sizeof(fmt[0].name), "event");
		fmt[0].mask = 0xff;
		*nfmt = 1;
		return 0;
	}
	if (!d) {
		err = -errno;
		snprintf(msg, len, "perf: %s: %s", path, strerror(-err));
		return err;
	}
	*nfmt = 0;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/format/%s", dir, de->d_name);
		if (*nfmt == PERF_MAX_FORMATS || strlen(de->d_name) >= sizeof(fmt[0].name))
			err = -E2BIG;
		else if ((err = read_small(path, buf, sizeof(buf))) == 0)
			err = perf_format_parse(buf, &fmt[*nfmt].mask);
		if (err == -EINVAL)
			snprintf(msg, len,
				 "perf: %s: '%s' is not a config bit field (config:LO-HI)", path,
				 buf);
		else if (err)
			snprintf(msg, len, "perf: %s: %s", path, strerror(-err));
		else
			snprintf(fmt[(*nfmt)++].name, sizeof(fmt[0].name), "%s", de->d_name);
	}
	closedir(d);
	return err;
}

/* events/NAME, NAME.scale, NAME.unit: 0, 1 when the PMU has no such event, or -errno. */
static int scan_event(const char *dir, const struct perf_format *fmt, size_t nfmt,
		      struct perf_energy_event *ev, char *msg, size_t len)
{
	char path[4200], buf[256], why[256];
	int err;

	snprintf(path, sizeof(path), "%s/events/%s", dir, ev->name);
	err = read_small(path, buf, sizeof(buf));
	if (err == -ENOENT)
		return 1;
	if (!err && perf_event_parse(buf, fmt, nfmt, &ev->config, why, sizeof(why))) {
		snprintf(msg, len, "perf: %s: %s", path, why);
		return -EINVAL;
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/events/%s.scale", dir, ev->name);
		err = read_small(path, buf, sizeof(buf));
		if (!err && perf_scale_parse(buf, &ev->scale_j, &ev->shift)) {
			snprintf(msg, len, "perf: %s: '%s' is not a positive number of joules",
				 path, buf);
			return -EINVAL;
		}
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/events/%s.unit", dir, ev->name);
		err = read_small(path, buf, sizeof(buf));
		if (err == -ENOENT)
			err = 0; /* the scale alone says joules per count */
		else if (!err && strcmp(buf, "Joules")) {
			snprintf(msg, len, "perf: %s: unit '%s', expected Joules", path, buf);
			return -EINVAL;
		}
	}
	if (err)
		snprintf(msg, len, "perf: %s: %s", path, strerror(-err));
	return err;
}

/* A CPU's package, or package and die: -1 when the topology file is missing. */
static int topo_id(const char *root, int cpu, const char *file)
{
	char path[4200], buf[32];
	long v;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/topology/%s", root, cpu, file);
	if (read_small(path, buf, sizeof(buf)) || sscanf(buf, "%ld", &v) != 1 || v < 0)
		return -1;
	return (int)v;
}

/* Name each CPU's package as powercap does (package-0, package-0-die-1), else by position. */
static void name_packages(const char *root, struct perf_pmu_info *info)
{
	int pkg[PERF_MAX_PMU_CPUS], die[PERF_MAX_PMU_CPUS];
	bool pkg_ok = true, die_ok = true;

	for (size_t i = 0; i < info->ncpus; i++) {
		pkg[i] = topo_id(root, info->cpu[i], "physical_package_id");
		die[i] = topo_id(root, info->cpu[i], "die_id");
		pkg_ok &= pkg[i] >= 0;
		die_ok &= pkg[i] >= 0 && die[i] >= 0;
		for (size_t j = 0; j < i; j++) {
			pkg_ok &= pkg[j] != pkg[i];
			die_ok &= pkg[j] != pkg[i] || die[j] != die[i];
		}
	}
	for (size_t i = 0; i < info->ncpus; i++) {
		if (pkg_ok)
			snprintf(info->pkg[i], sizeof(info->pkg[i]), "%d", pkg[i]);
		else if (die_ok)
			snprintf(info->pkg[i], sizeof(info->pkg[i]), "%d-die-%d", pkg[i], die[i]);
		else
			snprintf(info->pkg[i], sizeof(info->pkg[i]), "%zu", i);
	}
}

static int scan_cpus(const char *root, const char *dir, struct perf_pmu_info *info, char *msg,
		     size_t len)
{
	bool *mask = calloc(PERF_CPULIST_CPUS, sizeof(*mask));
	char path[4200];
	int err;

	snprintf(path, sizeof(path), "%s/cpumask", dir);
	if (!mask) {
		snprintf(msg, len, "perf: %s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = cpulist_read(path, mask, PERF_CPULIST_CPUS);
	info->ncpus = 0;
	for (int c = 0; !err && c < PERF_CPULIST_CPUS; c++) {
		if (!mask[c])
			continue;
		if (info->ncpus == PERF_MAX_PMU_CPUS)
			err = -E2BIG;
		else
			info->cpu[info->ncpus++] = c;
	}
	free(mask);
	if (!err && !info->ncpus)
		err = -ENODEV;
	if (err)
		snprintf(msg, len, "perf: %s: %s", path,
			 err == -EINVAL	  ? "not a CPU list"
			 : err == -ENODEV ? "lists no CPU"
					  : strerror(-err));
	else
		name_packages(root, info);
	return err;
}

int perf_pmu_scan(const char *root, struct perf_pmu_info *info, char *msg, size_t len)
{
	struct perf_format fmt[PERF_MAX_FORMATS];
	char dir[4096], path[4200], buf[32], *end;
	size_t nfmt = 0;
	struct stat st;
	unsigned long t;
	int err;

	memset(info, 0, sizeof(*info));
	msg[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/%s", root, PERF_PMU_DIR);
	if (stat(dir, &st)) {
		err = -errno;
		if (err == -ENOENT)
			snprintf(
				msg, len,
				"no perf power PMU (%s missing: no RAPL exposed to this kernel, as "
				"in most VMs)",
				dir);
		else
			snprintf(msg, len, "perf: %s: %s", dir, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/type", dir);
	err = read_small(path, buf, sizeof(buf));
	errno = 0;
	t = err ? 0 : strtoul(buf, &end, 10);
	if (!err && (errno || end == buf || *end || t > UINT32_MAX))
		err = -EINVAL;
	if (err) {
		snprintf(msg, len, "perf: %s: %s", path,
			 err == -EINVAL ? "not a PMU type number" : strerror(-err));
		return err;
	}
	info->type = (uint32_t)t;
	err = scan_formats(dir, fmt, &nfmt, msg, len);
	for (int k = 0; !err && k < PERF_EV_N; k++) {
		struct perf_energy_event *ev = &info->ev[info->nev];

		ev->kind = k;
		snprintf(ev->name, sizeof(ev->name), "%s", kinds[k].event);
		err = scan_event(dir, fmt, nfmt, ev, msg, len);
		info->nev += err == 0;
		err = err < 0 ? err : 0;
	}
	if (!err && !info->nev) {
		snprintf(msg, len,
			 "perf: %s/events has no energy event (energy-pkg, -ram, -cores, -gpu, "
			 "-psys)",
			 dir);
		err = -ENODEV;
	}
	return err ?: scan_cpus(root, dir, info, msg, len);
}

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
		if (read_small(p->sys.paranoid_path, paranoid, sizeof(paranoid)))
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
		snprintf(label, sizeof(label), "%s-%s", kinds[k].zone, p->info.pkg[s->cpu]);
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
