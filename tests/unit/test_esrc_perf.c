// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_esrc_perf.c: the perf power PMU source on fake sysfs trees, with fake system calls. */
#include <linux/perf_event.h>
#include <math.h>
#include "testutil.h"
#include "esrc_perf.h"

#define PMU   "bus/event_source/devices/power"
#define SCALE "2.3283064365386962890625e-10\n" /* 2^-32 J */
#define TWO32 4294967296ULL

/* ---- fake system calls: counters that advance with a fake clock ------------------------- */

#define FAKE_FDS  64
#define FAKE_CFGS 16
#define FAKE_CPUS 64

struct fake {
	struct {
		bool open;
		uint64_t config;
		int cpu;
	} fd[FAKE_FDS];
	uint64_t rate[FAKE_CFGS][FAKE_CPUS]; /* counts per fake ms */
	uint64_t base[FAKE_CFGS][FAKE_CPUS]; /* counts at open */
	int open_err[FAKE_CFGS];	     /* -errno for opening this config */
	int read_err;			     /* -errno for every read */
	unsigned int now_ms, opens, closes;
	char paranoid[256];
};

static int fake_open(void *ctx, struct perf_event_attr *attr, int cpu)
{
	struct fake *f = ctx;

	/* A counting event: no sampling, enabled at once, nothing inherited, no read format. */
	assert_int_equal(attr->size, sizeof(*attr));
	assert_int_equal(attr->sample_period, 0);
	assert_int_equal(attr->read_format, 0);
	assert_false(attr->disabled);
	assert_false(attr->inherit);
	assert_int_equal(attr->type, 13);
	assert_true(attr->config < FAKE_CFGS && cpu >= 0 && cpu < FAKE_CPUS);
	if (f->open_err[attr->config])
		return f->open_err[attr->config];
	for (int i = 0; i < FAKE_FDS; i++) {
		if (f->fd[i].open)
			continue;
		f->fd[i].open = true;
		f->fd[i].config = attr->config;
		f->fd[i].cpu = cpu;
		f->opens++;
		return 100 + i;
	}
	return -EMFILE;
}

static int fake_read(void *ctx, int fd, uint64_t *count)
{
	struct fake *f = ctx;
	int i = fd - 100;

	assert_true(i >= 0 && i < FAKE_FDS && f->fd[i].open);
	if (f->read_err)
		return f->read_err;
	*count = f->base[f->fd[i].config][f->fd[i].cpu] +
		 f->rate[f->fd[i].config][f->fd[i].cpu] * f->now_ms;
	return 0;
}

static void fake_close(void *ctx, int fd)
{
	struct fake *f = ctx;
	int i = fd - 100;

	assert_true(i >= 0 && i < FAKE_FDS && f->fd[i].open);
	f->fd[i].open = false;
	f->closes++;
}

static void fake_sleep(void *ctx, unsigned int ms)
{
	((struct fake *)ctx)->now_ms += ms;
}

static struct esrc *open_fake(const char *root, struct fake *f, char *msg, size_t len)
{
	struct esrc_perf_sys sys = { .open = fake_open,
				     .read = fake_read,
				     .close = fake_close,
				     .sleep_ms = fake_sleep,
				     .paranoid_path = f->paranoid,
				     .probe_ms = PERF_PROBE_MS,
				     .ctx = f };

	return esrc_perf_open_sys(root, &sys, msg, len);
}

/* Every config counts on every CPU. */
static void all_count(struct fake *f, uint64_t rate)
{
	for (int c = 0; c < FAKE_CFGS; c++)
		for (int cpu = 0; cpu < FAKE_CPUS; cpu++)
			f->rate[c][cpu] = rate;
}

/* ---- fake sysfs trees --------------------------------------------------------------------- */

static void put_event(const char *root, const char *name, const char *event, const char *scale)
{
	char rel[256];

	snprintf(rel, sizeof(rel), PMU "/events/%s", name);
	put_file(root, rel, event, 0644);
	snprintf(rel, sizeof(rel), PMU "/events/%s.scale", name);
	if (scale)
		put_file(root, rel, scale, 0644);
	snprintf(rel, sizeof(rel), PMU "/events/%s.unit", name);
	put_file(root, rel, "Joules\n", 0644);
}

static void put_pmu(const char *root, const char *cpumask)
{
	put_file(root, PMU "/type", "13\n", 0644);
	put_file(root, PMU "/cpumask", cpumask, 0644);
	put_file(root, PMU "/format/event", "config:0-7\n", 0644);
	put_file(root, PMU "/perf_event_mux_interval_ms", "1\n", 0644);
}

static void put_package(const char *root, int cpu, const char *pkg, const char *die)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
	put_file(root, rel, pkg, 0644);
	snprintf(rel, sizeof(rel), "devices/system/cpu/cpu%d/topology/die_id", cpu);
	put_file(root, rel, die, 0644);
}

/* An Intel laptop: one package with every domain, the kernel's own event numbers. */
static char *laptop_tree(void)
{
	char *root = tmp_tree();

	put_pmu(root, "0\n");
	put_event(root, "energy-cores", "event=0x01\n", SCALE);
	put_event(root, "energy-pkg", "event=0x02\n", SCALE);
	put_event(root, "energy-ram", "event=0x03\n", SCALE);
	put_event(root, "energy-gpu", "event=0x04\n", SCALE);
	put_event(root, "energy-psys", "event=0x05\n", SCALE);
	put_package(root, 0, "0\n", "0\n");
	return root;
}

/* A two-socket server: package and DRAM, one CPU per socket in a sparse cpumask. */
static char *server_tree(void)
{
	char *root = tmp_tree();

	put_pmu(root, "0,28\n");
	put_event(root, "energy-pkg", "event=0x02\n", SCALE);
	put_event(root, "energy-ram", "event=0x03\n", SCALE);
	put_package(root, 0, "0\n", "0\n");
	put_package(root, 28, "1\n", "0\n");
	return root;
}

static const struct esrc_zone *zone(const struct esrc *s, const char *label, size_t *idx)
{
	for (size_t i = 0; i < s->nz; i++) {
		if (strcmp(s->zones[i].label, label) == 0) {
			if (idx)
				*idx = i;
			return &s->zones[i];
		}
	}
	return NULL;
}

static void assert_all_closed(const struct fake *f)
{
	assert_int_equal(f->opens, f->closes);
}

/* ---- the pure parts ------------------------------------------------------------------------ */

static void test_format(void **state)
{
	static const char *const bad[] = { "config1:0-7", "config:8-7", "config:64",
					   "config:",	  "event",	"config:0-7x",
					   "config:0-7,", "config:-1",	"" };
	uint64_t m;

	(void)state;
	assert_int_equal(perf_format_parse("config:0-7", &m), 0);
	assert_int_equal(m, 0xff);
	assert_int_equal(perf_format_parse("config:0-7,32-35\n", &m), 0);
	assert_int_equal(m, 0xf000000ffULL);
	assert_int_equal(perf_format_parse("config:63", &m), 0);
	assert_int_equal(m, 1ULL << 63);
	assert_int_equal(perf_format_parse("config:0-63", &m), 0);
	assert_int_equal(m, UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(perf_format_parse(bad[i], &m), -EINVAL);
}

static void test_event_terms(void **state)
{
	const struct perf_format fmt[] = { { "event", 0xff },
					   { "umask", 0xff00 },
					   { "edge", 1 << 18 },
					   { "split", 0xf000000f0ULL } };
	char msg[256];
	uint64_t c;

	(void)state;
	assert_int_equal(perf_event_parse("event=0x05\n", fmt, 1, &c, msg, sizeof(msg)), 0);
	assert_int_equal(c, 5);
	assert_int_equal(perf_event_parse("event=2", fmt, 1, &c, msg, sizeof(msg)), 0);
	assert_int_equal(c, 2);
	assert_int_equal(
		perf_event_parse("event=0x3c,umask=0x1,edge", fmt, 3, &c, msg, sizeof(msg)), 0);
	assert_int_equal(c, 0x4013c);
	/* A field in two pieces takes the value's low bits first, as perf(1) does. */
	assert_int_equal(perf_event_parse("split=0xab", fmt, 4, &c, msg, sizeof(msg)), 0);
	assert_int_equal(c, 0xa000000b0ULL);

	/* The power PMU has only "event": anything else is refused, by name. */
	assert_int_equal(perf_event_parse("event=0x05,umask=0x1", fmt, 1, &c, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "'umask'"));
	assert_int_equal(perf_event_parse("event=0x100", fmt, 1, &c, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "does not fit"));
	assert_int_equal(perf_event_parse("event=0x05,event=0x06", fmt, 1, &c, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "twice"));
	static const char *const bad[] = { "event=",	  "event=zz",	     "event=-1", "event=0x",
					   "event=0x05,", ",event=0x05",     "",	 "event=5 ",
					   "event=1e3",	  "event=0x05,,edge" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(perf_event_parse(bad[i], fmt, 3, &c, msg, sizeof(msg)), -EINVAL);
		assert_true(msg[0]);
	}
}

static void test_scale(void **state)
{
	static const char *const bad[] = { "",	      "abc",	"0",	   "-2.3e-10", "inf", "nan",
					   "0x1p-32", "1e-9 J", "1e99999", "e-9",      "\n" };
	long double s;
	int shift;

	(void)state;
	assert_int_equal(perf_scale_parse(SCALE, &s, &shift), 0);
	assert_int_equal(shift, 32);
	assert_true(s == ldexpl(1, -32));
	assert_int_equal(perf_scale_parse("0.5", &s, &shift), 0);
	assert_int_equal(shift, 1);
	assert_int_equal(perf_scale_parse("1", &s, &shift), 0);
	assert_int_equal(shift, 0);
	assert_int_equal(perf_scale_parse("1e-9", &s, &shift), 0);
	assert_int_equal(shift, -1);
	assert_int_equal(perf_scale_parse("4", &s, &shift), 0); /* 2^2: no right shift */
	assert_int_equal(shift, -1);
	assert_true(s == 4);
	/* 2^-32 cut short: not exact, so long double (1.6e-11 off: nothing to guess at). */
	assert_int_equal(perf_scale_parse("2.3283064365e-10", &s, &shift), 0);
	assert_int_equal(shift, -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(perf_scale_parse(bad[i], &s, &shift), -EINVAL);
}

static void test_count_to_uj(void **state)
{
	uint64_t uj, prev = 0;

	(void)state;
	/* 2^-32 J: exact. */
	assert_int_equal(perf_count_to_uj(TWO32, 0, 32, &uj), 0);
	assert_int_equal(uj, 1000000);
	assert_int_equal(perf_count_to_uj(1000 * TWO32 + TWO32 / 2, 0, 32, &uj), 0);
	assert_int_equal(uj, 1000500000ULL);
	assert_int_equal(perf_count_to_uj(4294, 0, 32, &uj), 0); /* 0.99998 µJ: rounded down */
	assert_int_equal(uj, 0);
	assert_int_equal(perf_count_to_uj(4295, 0, 32, &uj), 0);
	assert_int_equal(uj, 1);
	/* The whole 64-bit count: (2^64 - 1) x 1e6 / 2^32 = 2^32 x 1e6 - 1, no overflow. */
	assert_int_equal(perf_count_to_uj(UINT64_MAX, 0, 32, &uj), 0);
	assert_int_equal(uj, 4294967296000000ULL - 1);
	/* Cumulative readings never step back. */
	for (uint64_t c = 123456789012ULL; c < 123456789012ULL + 20000; c++) {
		assert_int_equal(perf_count_to_uj(c, 0, 32, &uj), 0);
		assert_true(uj >= prev);
		prev = uj;
	}
	/* Other scales through long double. */
	assert_int_equal(perf_count_to_uj(1000000000ULL, 1e-9L, -1, &uj), 0);
	assert_int_equal(uj, 1000000);
	assert_int_equal(perf_count_to_uj(3, 15.3e-6L, -1, &uj), 0); /* 45.9 µJ */
	assert_int_equal(uj, 45);
	/* A scale of 1 J: 2^64 counts are far beyond 2^64 µJ. */
	assert_int_equal(perf_count_to_uj(UINT64_MAX, 1, 0, &uj), -ERANGE);
	assert_int_equal(perf_count_to_uj(UINT64_MAX, 1000, -1, &uj), -ERANGE);
}

/* ---- scanning trees ---------------------------------------------------------------------- */

static void test_scan_laptop(void **state)
{
	char *root = laptop_tree(), msg[512];
	struct perf_pmu_info info;
	static const uint64_t cfg[] = { 0x02, 0x01, 0x04, 0x03, 0x05 }; /* enum order */

	(void)state;
	assert_int_equal(perf_pmu_scan(root, &info, msg, sizeof(msg)), 0);
	assert_int_equal(info.type, 13);
	assert_int_equal(info.nev, 5);
	for (int k = 0; k < PERF_EV_N; k++) {
		assert_int_equal(info.ev[k].kind, k);
		assert_int_equal(info.ev[k].config, cfg[k]);
		assert_int_equal(info.ev[k].shift, 32);
	}
	assert_string_equal(info.ev[PERF_EV_PSYS].name, "energy-psys");
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.cpu[0], 0);
	assert_string_equal(info.pkg[0], "0");
	rm_tree(root);
}

static void test_scan_server(void **state)
{
	char *root = server_tree(), msg[512];
	struct perf_pmu_info info;

	(void)state;
	assert_int_equal(perf_pmu_scan(root, &info, msg, sizeof(msg)), 0);
	assert_int_equal(info.nev, 2);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.cpu[0], 0);
	assert_int_equal(info.cpu[1], 28);
	assert_string_equal(info.pkg[1], "1");
	/* Two dies of one package (the cpumask lists one CPU per die): named as powercap does. */
	put_package(root, 28, "0\n", "1\n");
	assert_int_equal(perf_pmu_scan(root, &info, msg, sizeof(msg)), 0);
	assert_string_equal(info.pkg[0], "0-die-0");
	assert_string_equal(info.pkg[1], "0-die-1");
	/* No topology (a container's partial /sys): by position. */
	put_file(root, "devices/system/cpu/cpu28/topology/physical_package_id", "x\n", 0644);
	assert_int_equal(perf_pmu_scan(root, &info, msg, sizeof(msg)), 0);
	assert_string_equal(info.pkg[0], "0");
	assert_string_equal(info.pkg[1], "1");
	rm_tree(root);
}

/* Each breakage of the tree: the error, and a message naming the file and what is wrong. */
static void scan_fails(const char *root, int err, const char *want1, const char *want2)
{
	struct perf_pmu_info info;
	char msg[512];

	assert_int_equal(perf_pmu_scan(root, &info, msg, sizeof(msg)), err);
	if (!strstr(msg, want1) || (want2 && !strstr(msg, want2)))
		fail_msg("message '%s' lacks '%s' or '%s'", msg, want1, want2 ? want2 : "");
}

static void test_scan_bad_event(void **state)
{
	char *root = laptop_tree(), path[512], msg[512];
	struct perf_pmu_info info;

	(void)state;
	put_file(root, PMU "/events/energy-pkg", "event=0x02,umask=0x1\n", 0644);
	scan_fails(root, -EINVAL, "events/energy-pkg:", "unknown term 'umask'");
	put_file(root, PMU "/events/energy-pkg", "event=0x102\n", 0644);
	scan_fails(root, -EINVAL, "events/energy-pkg:", "does not fit");
	put_file(root, PMU "/events/energy-pkg", "config=0x02\n", 0644);
	scan_fails(root, -EINVAL, "events/energy-pkg:", "'config'");
	put_file(root, PMU "/events/energy-pkg", "\n", 0644);
	scan_fails(root, -EINVAL, "events/energy-pkg:", NULL);
	/* A format the source cannot place is refused, not guessed. */
	put_file(root, PMU "/events/energy-pkg", "event=0x02\n", 0644);
	put_file(root, PMU "/format/event", "config1:0-7\n", 0644);
	scan_fails(root, -EINVAL, "format/event", "config1:0-7");
	/* No format directory at all: the PMU's fixed layout, event = config:0-7. */
	snprintf(path, sizeof(path), "%s/" PMU "/format/event", root);
	assert_int_equal(remove(path), 0);
	snprintf(path, sizeof(path), "%s/" PMU "/format", root);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(perf_pmu_scan(root, &info, msg, sizeof(msg)), 0);
	assert_int_equal(info.ev[PERF_EV_PKG].config, 0x02);
	rm_tree(root);
}

static void test_scan_bad_scale(void **state)
{
	char *root = laptop_tree(), path[512];

	(void)state;
	put_file(root, PMU "/events/energy-ram.scale", "abc\n", 0644);
	scan_fails(root, -EINVAL, "energy-ram.scale", "'abc' is not a positive number");
	put_file(root, PMU "/events/energy-ram.scale", "0\n", 0644);
	scan_fails(root, -EINVAL, "energy-ram.scale", "'0'");
	put_file(root, PMU "/events/energy-ram.scale", "-2.3283064365386962890625e-10\n", 0644);
	scan_fails(root, -EINVAL, "energy-ram.scale", NULL);
	put_file(root, PMU "/events/energy-ram.scale", SCALE, 0644);
	put_file(root, PMU "/events/energy-ram.unit", "Watts\n", 0644);
	scan_fails(root, -EINVAL, "energy-ram.unit", "'Watts'");
	/* Without a scale counts cannot become joules. */
	snprintf(path, sizeof(path), "%s/" PMU "/events/energy-ram.scale", root);
	assert_int_equal(remove(path), 0);
	put_file(root, PMU "/events/energy-ram.unit", "Joules\n", 0644);
	scan_fails(root, -ENOENT, "energy-ram.scale", "No such file");
	rm_tree(root);
}

static void test_scan_bad_pmu(void **state)
{
	char *root = tmp_tree(), path[512];

	(void)state;
	scan_fails(root, -ENOENT, "no perf power PMU (", "/" PMU " missing: no RAPL exposed");
	put_pmu(root, "0\n");
	scan_fails(root, -ENODEV, "has no energy event", NULL);
	put_event(root, "energy-pkg", "event=0x02\n", SCALE);
	put_event(root, "energy-bogus", "event=0x09\n", SCALE); /* not ours: ignored */
	put_file(root, PMU "/type", "power\n", 0644);
	scan_fails(root, -EINVAL, PMU "/type", "not a PMU type");
	put_file(root, PMU "/type", "13\n", 0644);
	put_file(root, PMU "/cpumask", "0-\n", 0644);
	scan_fails(root, -EINVAL, PMU "/cpumask", "not a CPU list");
	put_file(root, PMU "/cpumask", "\n", 0644);
	scan_fails(root, -ENODEV, PMU "/cpumask", "lists no CPU");
	snprintf(path, sizeof(path), "%s/" PMU "/cpumask", root);
	assert_int_equal(remove(path), 0);
	scan_fails(root, -ENOENT, PMU "/cpumask", NULL);
	put_file(root, PMU "/cpumask", "0-1\n", 0644);
	{
		struct perf_pmu_info info;
		char msg[512];

		assert_int_equal(perf_pmu_scan(root, &info, msg, sizeof(msg)), 0);
		assert_int_equal(info.nev, 1);
		assert_int_equal(info.ncpus, 2);
	}
	rm_tree(root);
}

/* ---- opening and reading ------------------------------------------------------------------ */

static void test_laptop(void **state)
{
	char *root = laptop_tree(), msg[512];
	struct fake f = { 0 };
	struct esrc *s;
	size_t i = 0;
	uint64_t uj;

	(void)state;
	all_count(&f, TWO32 / 1000); /* about 1 W each */
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_non_null(s);
	assert_string_equal(msg, "");
	assert_string_equal(s->ops->name, "perf");
	assert_int_equal(f.now_ms, 10); /* every counter moved at the first look: no more wait */
	assert_int_equal(s->nz, 5);
	assert_string_equal(s->zones[0].label, "package-0");
	assert_string_equal(s->zones[1].label, "core-0");
	assert_string_equal(s->zones[2].label, "uncore-0");
	assert_string_equal(s->zones[3].label, "dram-0");
	assert_string_equal(s->zones[4].label, "psys");
	/* psys contains the rest: node energy is psys alone, never psys plus packages. */
	for (i = 0; i < 4; i++)
		assert_false(s->zones[i].node);
	assert_true(s->zones[4].node);
	assert_non_null(strstr(s->desc, "perf "));
	assert_non_null(strstr(s->desc, "package-0(in psys)"));
	assert_non_null(strstr(s->desc, "core-0(in package)"));
	assert_null(strstr(s->desc, "left out"));
	/* Reading: count x 2^-32 J, exactly; each zone's own counter. */
	f.base[0x03][0] = 5 * TWO32;
	f.now_ms = 0;
	assert_non_null(zone(s, "dram-0", &i));
	assert_int_equal(s->ops->read(s, i, &uj), 0);
	assert_int_equal(uj, 5000000);
	f.now_ms = 1000;
	assert_int_equal(s->ops->read(s, i, &uj), 0);
	assert_int_equal(uj, 5000000 + (TWO32 / 1000) * 1000 * 1000000 / TWO32);
	f.read_err = -EIO;
	assert_int_equal(s->ops->read(s, i, &uj), -EIO);
	assert_int_equal(s->ops->read(s, s->nz, &uj), -EINVAL);
	esrc__free(s);
	assert_int_equal(f.opens, 5);
	assert_all_closed(&f);
	rm_tree(root);
}

/* A psys that reads 0 (a package not the platform's master, or a VM) is left out, not 0 J. */
static void test_laptop_psys_zero(void **state)
{
	char *root = laptop_tree(), msg[512];
	struct fake f = { 0 };
	struct esrc *s;

	(void)state;
	all_count(&f, 1000);
	f.rate[0x05][0] = 0;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_non_null(s);
	assert_int_equal(f.now_ms, PERF_PROBE_MS); /* watched the whole time for psys */
	assert_int_equal(s->nz, 4);
	assert_null(zone(s, "psys", NULL));
	assert_true(zone(s, "package-0", NULL)->node);
	assert_true(zone(s, "dram-0", NULL)->node);
	assert_false(zone(s, "core-0", NULL)->node);
	assert_false(zone(s, "uncore-0", NULL)->node);
	assert_non_null(strstr(s->desc, "left out, reading 0 over 100 ms: energy-psys on CPU 0"));
	assert_int_equal(f.opens - f.closes, 4);
	esrc__free(s);
	assert_all_closed(&f);
	rm_tree(root);
}

/* An idle GPU may count nothing for a while: it stays, measured at 0. */
static void test_laptop_gpu_idle(void **state)
{
	char *root = laptop_tree(), msg[512];
	struct fake f = { 0 };
	struct esrc *s;

	(void)state;
	all_count(&f, 1000);
	f.rate[0x04][0] = 0;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_non_null(s);
	assert_int_equal(s->nz, 5);
	assert_non_null(zone(s, "uncore-0", NULL));
	assert_true(zone(s, "psys", NULL)->node);
	esrc__free(s);
	assert_all_closed(&f);
	rm_tree(root);
}

static void test_server(void **state)
{
	char *root = server_tree(), msg[512];
	struct fake f = { 0 };
	struct esrc *s;
	size_t i = 0;
	uint64_t uj;

	(void)state;
	all_count(&f, 1000);
	f.base[0x02][28] = 7 * TWO32;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_non_null(s);
	assert_int_equal(s->nz, 4);
	assert_string_equal(s->zones[0].label, "package-0");
	assert_string_equal(s->zones[1].label, "dram-0");
	assert_string_equal(s->zones[2].label, "package-1");
	assert_string_equal(s->zones[3].label, "dram-1");
	for (i = 0; i < 4; i++)
		assert_true(s->zones[i].node);
	assert_non_null(strstr(s->desc, "CPUs 0,28"));
	/* Each event is opened on the socket's own CPU. */
	for (i = 0; i < 4; i++)
		assert_int_equal(f.fd[i].cpu, i < 2 ? 0 : 28);
	f.now_ms = 0;
	assert_non_null(zone(s, "package-1", &i));
	assert_int_equal(s->ops->read(s, i, &uj), 0);
	assert_int_equal(uj, 7000000);
	esrc__free(s);
	assert_all_closed(&f);
	rm_tree(root);
}

/* psys on every socket: only the master package's counts (kernel commit on SPR), kept once. */
static void test_server_psys_master(void **state)
{
	char *root = server_tree(), msg[512];
	struct fake f = { 0 };
	struct esrc *s;
	size_t i = 0;
	uint64_t uj;

	(void)state;
	put_event(root, "energy-psys", "event=0x05\n", SCALE);
	all_count(&f, 1000);
	f.rate[0x05][0] = 0;
	f.base[0x05][28] = 3 * TWO32;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_non_null(s);
	assert_int_equal(s->nz, 5);
	assert_non_null(zone(s, "psys", &i));
	assert_int_equal(i, 4);
	assert_true(s->zones[i].node);
	f.now_ms = 0;
	assert_int_equal(s->ops->read(s, i, &uj), 0);
	assert_int_equal(uj, 3000000); /* CPU 28's counter */
	assert_false(zone(s, "package-0", NULL)->node);
	assert_non_null(strstr(s->desc, "energy-psys on CPU 0"));
	esrc__free(s);
	assert_all_closed(&f);
	rm_tree(root);
}

/* This CI machine: a virtual PMU with only energy-psys, which opens and reads 0. */
static void test_virtual_pmu_reads_zero(void **state)
{
	char *root = tmp_tree(), msg[512];
	struct fake f = { 0 };
	struct esrc *s;

	(void)state;
	put_pmu(root, "0\n");
	put_event(root, "energy-psys", "event=0x05\n", SCALE);
	errno = 0;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_int_equal(errno, ENODATA);
	assert_int_equal(f.now_ms, PERF_PROBE_MS);
	assert_string_equal(msg, "perf: every power PMU event (energy-psys on CPU 0) reads 0 over "
				 "100 ms, and there is no energy-pkg event: no energy counted here "
				 "(a VM's virtual PMU)");
	assert_all_closed(&f);
	/* The same with packages that read 0 too: no "no energy-pkg" then. */
	put_event(root, "energy-pkg", "event=0x02\n", SCALE);
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_int_equal(errno, ENODATA);
	assert_non_null(strstr(msg, "(energy-pkg on CPU 0, energy-psys on CPU 0) reads 0"));
	assert_null(strstr(msg, "no energy-pkg"));
	assert_all_closed(&f);
	/* Only the cores count: there is no node energy to measure. */
	put_event(root, "energy-cores", "event=0x01\n", SCALE);
	f.rate[0x01][0] = 10;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_int_equal(errno, ENODATA);
	assert_non_null(strstr(msg, "no package, DRAM or psys event counts"));
	assert_all_closed(&f);
	rm_tree(root);
}

static void test_open_refused(void **state)
{
	char *root = laptop_tree(), msg[512];
	struct fake f = { 0 };
	struct esrc *s;

	(void)state;
	snprintf(f.paranoid, sizeof(f.paranoid), "%s/paranoid", root);
	put_file(root, "paranoid", "2\n", 0644);
	f.open_err[0x02] = -EACCES;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(msg, "energy-pkg on CPU 0"));
	assert_non_null(strstr(msg, "needs CAP_PERFMON (or root) or kernel.perf_event_paranoid "
				    "<= 0 (now 2)"));
	assert_all_closed(&f);
	/* A later event refused: those opened before it are closed. */
	f.open_err[0x02] = 0;
	f.open_err[0x05] = -EPERM;
	snprintf(f.paranoid, sizeof(f.paranoid), "%s/none", root);
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(msg, "(now unknown)"));
	assert_int_equal(f.opens, 4);
	assert_all_closed(&f);
	f.open_err[0x05] = 0;
	f.open_err[0x04] = -ENODEV;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_int_equal(errno, ENODEV);
	assert_non_null(strstr(msg, "no power PMU event energy-gpu on this CPU"));
	f.open_err[0x04] = -EINVAL;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_non_null(strstr(msg, "perf_event_open energy-gpu (type 13, config 0x4) on CPU 0"));
	assert_all_closed(&f);
	/* A read failing while the counters are watched fails the open. */
	f.open_err[0x04] = 0;
	f.read_err = -EIO;
	s = open_fake(root, &f, msg, sizeof(msg));
	assert_null(s);
	assert_int_equal(errno, EIO);
	assert_non_null(strstr(msg, "reading energy-pkg on CPU 0"));
	assert_all_closed(&f);
	rm_tree(root);
}

static void test_open_no_pmu(void **state)
{
	char *root = tmp_tree(), msg[512], want[600];
	struct fake f = { 0 };

	(void)state;
	assert_null(open_fake(root, &f, msg, sizeof(msg)));
	assert_int_equal(errno, ENOENT);
	snprintf(want, sizeof(want),
		 "no perf power PMU (%s/" PMU " missing: no RAPL exposed to this kernel, as in "
		 "most VMs)",
		 root);
	assert_string_equal(msg, want);
	assert_int_equal(f.opens, 0);
	rm_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_event_terms),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_count_to_uj),
		cmocka_unit_test(test_scan_laptop),
		cmocka_unit_test(test_scan_server),
		cmocka_unit_test(test_scan_bad_event),
		cmocka_unit_test(test_scan_bad_scale),
		cmocka_unit_test(test_scan_bad_pmu),
		cmocka_unit_test(test_laptop),
		cmocka_unit_test(test_laptop_psys_zero),
		cmocka_unit_test(test_laptop_gpu_idle),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_server_psys_master),
		cmocka_unit_test(test_virtual_pmu_reads_zero),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_open_no_pmu),
	};

	return cmocka_run_group_tests_name("esrc_perf", tests, NULL, NULL);
}
