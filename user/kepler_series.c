// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kepler_series.c: which samples of a Kepler scrape are node energy, in every metric generation. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kepler_series.h"

const char *const kepler_kind_names[] = { "package", "dram",	 "core", "uncore",
					  "psys",    "platform", "other" };

static bool parse_uint(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end || v > 4095)
		return false;
	*out = v;
	return true;
}

/* "/sys/class/powercap/intel-rapl:1" and ".../intel-rapl:0:2" belong to package 1 and 0. */
static int path_index(const char *path)
{
	const char *base = strrchr(path, '/');
	unsigned int a;

	base = base ? base + 1 : path;
	return sscanf(base, "intel-rapl:%u", &a) == 1 && a < 4096 ? (int)a : -1;
}

static const char *const id_labels[] = {
	"package", "package_id", "pkg_id", "socket", "path", "zone"
};

static int index_of(const struct prom_sample *s)
{
	const char *path = prom_label(s, "path");
	int v;

	for (size_t i = 0; i < 4; i++)
		if (parse_uint(prom_label(s, id_labels[i]), &v))
			return v;
	return path ? path_index(path) : -1;
}

/* What identifies a zone's series across scrapes; mode, instance, source... do not. */
static void make_key(const struct prom_sample *s, enum kkind kind, char *key)
{
	size_t used = snprintf(key, KEPLER_KEY_LEN, "%s", kepler_kind_names[kind]);

	for (size_t i = 0; i < sizeof(id_labels) / sizeof(id_labels[0]); i++) {
		const char *v = prom_label(s, id_labels[i]);

		if (v && used < KEPLER_KEY_LEN)
			used += snprintf(key + used, KEPLER_KEY_LEN - used, "|%s=%s", id_labels[i],
					 v);
	}
}

static enum kkind zone_kind(const char *z)
{
	static const struct {
		const char *name;
		enum kkind kind;
	} map[] = { { "package", KK_PACKAGE }, { "dram", KK_DRAM },	   { "core", KK_CORE },
		    { "pp0", KK_CORE },	       { "uncore", KK_UNCORE },	   { "pp1", KK_UNCORE },
		    { "psys", KK_PSYS },       { "platform", KK_PLATFORM } };

	for (size_t i = 0; z && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(z, map[i].name))
			return map[i].kind;
	return KK_OTHER;
}

static bool fill(struct kser *o, const struct prom_sample *s, enum kgen gen, enum kkind kind,
		 unsigned int mode, double scale)
{
	const char *z = prom_label(s, "zone");

	*o = (struct kser){ .gen = gen,
			    .kind = kind,
			    .mode = mode,
			    .value = s->value,
			    .scale = scale,
			    .index = index_of(s) };
	snprintf(o->zname, sizeof(o->zname), "%s", z && *z ? z : "zone");
	make_key(s, kind, o->key);
	return true;
}

/* The mode of a 0.5-0.9 series; false for one that is neither a part nor the whole. */
static bool zone_mode(const struct prom_sample *s, unsigned int *mode)
{
	const char *m = prom_label(s, "mode");

	if (!m || !strcmp(m, "absolute"))
		*mode = KM_WHOLE;
	else if (!strcmp(m, "dynamic"))
		*mode = KM_BUSY;
	else if (!strcmp(m, "idle"))
		*mode = KM_IDLE;
	else
		return false;
	return true;
}

/* 2022's package counter in mJ carries DRAM, core and uncore in mJ as label values. */
static size_t classify_mj(const struct prom_sample *s, struct kser *out)
{
	static const struct {
		const char *label;
		enum kkind kind;
	} parts[] = { { "dram", KK_DRAM }, { "core", KK_CORE }, { "uncore", KK_UNCORE } };
	size_t n = 1;

	fill(&out[0], s, KG_MJ, KK_PACKAGE, KM_WHOLE, 1e3);
	for (size_t i = 0; i < 3; i++) {
		const char *v = prom_label(s, parts[i].label);
		char *end;

		if (!v || !*v)
			continue;
		fill(&out[n], s, KG_MJ, parts[i].kind, KM_WHOLE, 1e3);
		out[n].value = strtod(v, &end);
		n += !*end;
	}
	return n;
}

/* The node energy series in sample s (up to 4), by the name of its family. */
size_t kepler_classify(const struct prom_sample *s, struct kser *out)
{
	static const char *const zone_fams[] = { "package", "dram", "core", "uncore", "platform" };
	const char *n = s->name;
	unsigned int mode;
	char fam[64];

	/* Most of a scrape is per-process and per-container series: out at once. */
	if (strncmp(n, "kepler_node_", 12) && strcmp(n, "node_package_energy_millijoule"))
		return 0;
	if (!strcmp(n, "kepler_node_cpu_joules_total"))
		return fill(out, s, KG_CPU, zone_kind(prom_label(s, "zone")), KM_WHOLE, 1e6);
	if (!strcmp(n, "kepler_node_cpu_active_joules_total"))
		return fill(out, s, KG_CPU, zone_kind(prom_label(s, "zone")), KM_BUSY, 1e6);
	if (!strcmp(n, "kepler_node_cpu_idle_joules_total"))
		return fill(out, s, KG_CPU, zone_kind(prom_label(s, "zone")), KM_IDLE, 1e6);
	if (!strcmp(n, "kepler_node_package_energy_millijoule") ||
	    !strcmp(n, "node_package_energy_millijoule"))
		return classify_mj(s, out);
	for (size_t i = 0; i < sizeof(zone_fams) / sizeof(zone_fams[0]); i++) {
		snprintf(fam, sizeof(fam), "kepler_node_%s_joules_total", zone_fams[i]);
		if (!strcmp(n, fam))
			return zone_mode(s, &mode) &&
			       fill(out, s, KG_ZONE, zone_kind(zone_fams[i]), mode, 1e6);
	}
	return 0;
}

/* µJ from a sample's value; -ERANGE for NaN, negative or absurd values. */
int kepler_to_uj(double v, double scale, uint64_t *uj)
{
	double x = v * scale;

	if (!(x >= 0) || x > 9e18)
		return -ERANGE;
	*uj = (uint64_t)llround(x);
	return 0;
}
