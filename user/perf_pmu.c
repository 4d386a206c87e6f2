// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* perf_pmu.c: what sysfs says of the perf `power` PMU: its type, format, energy events, CPUs. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cpulist.h"
#include "cputopo.h"
#include "perf_pmu.h"
#include "sysfile.h"

typedef unsigned __int128 u128;

static const char *const event_names[PERF_EV_N] = {
	[PERF_EV_PKG] = "energy-pkg",	[PERF_EV_CORES] = "energy-cores",
	[PERF_EV_GPU] = "energy-gpu",	[PERF_EV_RAM] = "energy-ram",
	[PERF_EV_PSYS] = "energy-psys",
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
		else if ((err = sysfile_read(path, buf, sizeof(buf))) == 0)
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
	err = sysfile_read(path, buf, sizeof(buf));
	if (err == -ENOENT)
		return 1;
	if (!err && perf_event_parse(buf, fmt, nfmt, &ev->config, why, sizeof(why))) {
		snprintf(msg, len, "perf: %s: %s", path, why);
		return -EINVAL;
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/events/%s.scale", dir, ev->name);
		err = sysfile_read(path, buf, sizeof(buf));
		if (!err && perf_scale_parse(buf, &ev->scale_j, &ev->shift)) {
			snprintf(msg, len, "perf: %s: '%s' is not a positive number of joules",
				 path, buf);
			return -EINVAL;
		}
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/events/%s.unit", dir, ev->name);
		err = sysfile_read(path, buf, sizeof(buf));
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

/* Name each CPU's package as powercap does (package-0, package-0-die-1), else by position. */
static void name_packages(const char *root, struct perf_pmu_info *info)
{
	int pkg[PERF_MAX_PMU_CPUS], die[PERF_MAX_PMU_CPUS];
	bool pkg_ok = true, die_ok = true;
	char cpus[4200];

	snprintf(cpus, sizeof(cpus), "%s/%s", root, CPUTOPO_SYSFS_DIR);
	for (size_t i = 0; i < info->ncpus; i++) {
		/* -1 where the topology is missing (a container's partial /sys) */
		pkg[i] = cputopo_cpu_topology(cpus, info->cpu[i], "physical_package_id");
		die[i] = cputopo_cpu_topology(cpus, info->cpu[i], "die_id");
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
	err = sysfile_read(path, buf, sizeof(buf));
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
		snprintf(ev->name, sizeof(ev->name), "%s", event_names[k]);
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
