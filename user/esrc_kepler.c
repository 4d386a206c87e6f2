// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* esrc_kepler.c: node energy counters scraped from a running Kepler's /metrics. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "esrc_kepler.h"
#include "prom_text.h"

#define NS_PER_MS      1000000ULL
#define KEPLER_KEY_LEN 384 /* a zone's identifying labels, RAPL paths among them */

/* Metric generations, oldest first: the newest one present in a scrape is used. */
enum kgen { KG_NONE, KG_MJ, KG_ZONE, KG_CPU };
enum kkind { KK_PACKAGE, KK_DRAM, KK_CORE, KK_UNCORE, KK_PSYS, KK_PLATFORM, KK_OTHER };
/* Which share of a zone a series holds: all of it, or one mode (state) of several to sum. */
enum { KM_WHOLE = 0, KM_BUSY = 1, KM_IDLE = 2 };

static const char *const kind_names[] = { "package", "dram",	 "core", "uncore",
					  "psys",    "platform", "other" };

/* One node-level series of a scrape, as far as the zones go. */
struct kser {
	enum kgen gen;
	enum kkind kind;
	int index;	     /* package (socket), -1 when the labels do not say */
	unsigned int mode;   /* KM_* */
	double value, scale; /* value x scale = µJ */
	char zname[24];	     /* KK_OTHER: the zone label's value */
	char key[KEPLER_KEY_LEN];
};

struct kzone {
	char key[KEPLER_KEY_LEN]; /* the identifying labels: the same series in every scrape */
	enum kkind kind;
	int index;
	bool whole;	    /* one series is the total, else nser modes are summed */
	unsigned int nser;  /* series that make up the zone, as at open */
	unsigned int modes; /* KM_* bits of the modes at open */
	char zname[24];	    /* KK_OTHER: Kepler's name of the zone */
	/* The counter with its steps spread (esrc_kepler.h), under lock. */
	bool have;
	int err;		 /* in the latest scrape */
	uint64_t obs_uj, obs_ns; /* Kepler's value, and when it was first seen */
	uint64_t base_uj, base_ns, target_uj, span_ns;
	unsigned int reset_gen; /* a new baseline at every change */
	/* The sampling thread's. */
	unsigned int seen_gen, gen;
	bool broken, fresh;
	int rc;
	uint64_t val;
};

struct kepler {
	struct esrc base;
	char *url;
	enum kgen gen;
	struct kzone z[ESRC_MAX_ZONES];
	uint64_t (*now_ns)(void);
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool locks_up, thread_up, stop;
	int scrape_err;	  /* of the latest scrape, under lock */
	uint64_t good_ns; /* when the latest good one finished */
	CURL *curl;
	struct curl_slist *hdrs;
	bool curl_global;
	char curl_msg[CURL_ERROR_SIZE];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- which series are node energy ------------------------------------------------------ */

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
	size_t used = snprintf(key, KEPLER_KEY_LEN, "%s", kind_names[kind]);

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
static size_t classify(const struct prom_sample *s, struct kser *out)
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
static int to_uj(double v, double scale, uint64_t *uj)
{
	double x = v * scale;

	if (!(x >= 0) || x > 9e18)
		return -ERANGE;
	*uj = (uint64_t)llround(x);
	return 0;
}

/* ---- open: what the first scrape holds ------------------------------------------------- */

#define MAX_SERIES (4 * ESRC_MAX_ZONES)

struct scan {
	struct kser ser[MAX_SERIES];
	size_t n;
	bool overflow;
	char node[128], other_node[128]; /* instance / node_name: one node per scrape */
	char comp_src[40], plat_src[40], src[40], version[40];
	char found[400], last[128]; /* families seen, for a scrape with no counter we know */
	size_t nfam;
};

static void note_family(struct scan *sc, const char *name)
{
	size_t used = strlen(sc->found);

	if (!strcmp(name, sc->last))
		return;
	snprintf(sc->last, sizeof(sc->last), "%s", name);
	sc->nfam++;
	if (!strstr(name, "joule") && !strstr(name, "energy") && !strstr(name, "watt"))
		return;
	if (used + strlen(name) + 3 < sizeof(sc->found))
		snprintf(sc->found + used, sizeof(sc->found) - used, "%s%s", used ? ", " : "",
			 name);
	else if (used + 5 < sizeof(sc->found) && !strstr(sc->found, "..."))
		snprintf(sc->found + used, sizeof(sc->found) - used, ", ...");
}

static void copy_label(const struct prom_sample *s, const char *label, char *dst, size_t len)
{
	const char *v = prom_label(s, label);

	if (v && *v && !*dst)
		snprintf(dst, len, "%s", v);
}

static void note_node(struct scan *sc, const struct prom_sample *s)
{
	const char *v = prom_label(s, "node_name");

	v = v ? v : prom_label(s, "instance");
	if (!v || !*v)
		return;
	if (!sc->node[0])
		snprintf(sc->node, sizeof(sc->node), "%s", v);
	else if (strcmp(sc->node, v) && !sc->other_node[0])
		snprintf(sc->other_node, sizeof(sc->other_node), "%s", v);
}

static int scan_cb(const struct prom_sample *s, void *ctx)
{
	struct scan *sc = ctx;
	struct kser tmp[4];
	size_t n;

	note_family(sc, s->name);
	if (!strcmp(s->name, "kepler_node_info")) {
		copy_label(s, "components_power_source", sc->comp_src, sizeof(sc->comp_src));
		copy_label(s, "platform_power_source", sc->plat_src, sizeof(sc->plat_src));
	} else if (!strcmp(s->name, "kepler_build_info") ||
		   !strcmp(s->name, "kepler_exporter_build_info")) {
		copy_label(s, "version", sc->version, sizeof(sc->version));
	}
	n = classify(s, tmp);
	if (n) {
		note_node(sc, s);
		copy_label(s, "source", sc->src, sizeof(sc->src));
	}
	for (size_t i = 0; i < n; i++) {
		if (sc->n == MAX_SERIES) {
			sc->overflow = true;
			break;
		}
		sc->ser[sc->n++] = tmp[i];
	}
	return 0;
}

static struct kzone *zone_by_key(struct kepler *k, const char *key)
{
	for (size_t i = 0; i < k->base.nz; i++)
		if (!strcmp(k->z[i].key, key))
			return &k->z[i];
	return NULL;
}

/* Group the series of the newest generation into zones; a whole series beats its parts. */
static int group(struct kepler *k, const struct scan *sc, char *msg, size_t len)
{
	for (size_t i = 0; i < sc->n; i++)
		if (sc->ser[i].gen > k->gen)
			k->gen = sc->ser[i].gen;
	for (size_t i = 0; i < sc->n; i++) {
		const struct kser *r = &sc->ser[i];
		struct kzone *z;

		if (r->gen != k->gen)
			continue;
		z = zone_by_key(k, r->key);
		if (!z) {
			if (k->base.nz == ESRC_MAX_ZONES) {
				snprintf(msg, len, "kepler %s: more than %d zones", k->url,
					 ESRC_MAX_ZONES);
				return -E2BIG;
			}
			z = &k->z[k->base.nz++];
			snprintf(z->key, sizeof(z->key), "%s", r->key);
			z->kind = r->kind;
			z->index = r->index;
			snprintf(z->zname, sizeof(z->zname), "%s", r->zname);
		}
		if (r->mode == KM_WHOLE && !z->whole) {
			z->whole = true;
			z->nser = z->modes = 0;
		}
		if (z->whole != (r->mode == KM_WHOLE))
			continue;
		if (z->modes & r->mode || (z->whole && z->nser)) {
			snprintf(msg, len, "kepler %s: the same series twice (%s)", k->url, r->key);
			return -EBADMSG;
		}
		z->modes |= r->mode;
		z->nser++;
	}
	return 0;
}

static int cmp_zone(const void *a, const void *b)
{
	const struct kzone *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return strcmp(x->key, y->key);
}

static bool label_taken(const struct kepler *k, size_t upto, const char *label)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(k->base.zones[i].label, label))
			return true;
	return false;
}

/* package-0, dram-1, "package" for sockets Kepler aggregated, psys, platform, pp0 as core. */
static void name_zones(struct kepler *k)
{
	for (size_t i = 0; i < k->base.nz; i++) {
		const struct kzone *z = &k->z[i];
		char *label = k->base.zones[i].label, base[ESRC_LABEL_LEN];
		bool indexed = z->index >= 0 && z->kind != KK_PSYS && z->kind != KK_PLATFORM;

		snprintf(base, sizeof(base), "%s",
			 z->kind == KK_OTHER ? z->zname : kind_names[z->kind]);
		for (char *c = base; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
				*c = (*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : '_';
		if (indexed)
			snprintf(label, ESRC_LABEL_LEN, "%.20s-%d", base, z->index);
		else
			snprintf(label, ESRC_LABEL_LEN, "%s", base);
		for (int n = 2; label_taken(k, i, label); n++)
			snprintf(label, ESRC_LABEL_LEN, "%.20s-%s%d", base, indexed ? "dup" : "",
				 n);
	}
}

/* Kepler's platform is a measurement only when kepler_node_info says where it came from. */
static bool platform_measured(const char *src)
{
	return *src && strcmp(src, "none") && !strstr(src, "estimat") && !strstr(src, "model");
}

/* psys, else a measured platform, contains the packages: never both (powercap's rule). */
static void choose_node(struct kepler *k, const struct scan *sc)
{
	bool psys = false, platform = false;

	for (size_t i = 0; i < k->base.nz; i++) {
		psys |= k->z[i].kind == KK_PSYS;
		platform |= k->z[i].kind == KK_PLATFORM && platform_measured(sc->plat_src);
	}
	for (size_t i = 0; i < k->base.nz; i++) {
		enum kkind kind = k->z[i].kind;

		k->base.zones[i].node = psys	   ? kind == KK_PSYS
					: platform ? kind == KK_PLATFORM
						   : kind == KK_PACKAGE || kind == KK_DRAM;
	}
}

static const char *family_text(const struct kepler *k)
{
	bool parts = false, whole = false;

	for (size_t i = 0; i < k->base.nz; i++) {
		parts |= !k->z[i].whole;
		whole |= k->z[i].whole;
	}
	switch (k->gen) {
	case KG_CPU:
		return whole ? "0.10+ kepler_node_cpu_joules_total, J"
			     : "0.10+ kepler_node_cpu_{active,idle}_joules_total summed, J";
	case KG_ZONE:
		return parts ? "0.5-0.9 kepler_node_<zone>_joules_total, modes dynamic+idle "
			       "summed, J"
			     : "0.4 kepler_node_<zone>_joules_total, J";
	default:
		return "2022-0.4 node_package_energy_millijoule, mJ; dram, core, uncore from "
		       "labels";
	}
}

/* Why a zone is not counted in node energy, for the desc. */
static const char *zone_note(const struct kepler *k, size_t i, const struct scan *sc)
{
	const struct kzone *z = &k->z[i];

	if (!z->whole && z->modes != (KM_BUSY | KM_IDLE) && !k->base.zones[i].node)
		return "(not counted; idle mode missing)";
	if (!z->whole && z->modes != (KM_BUSY | KM_IDLE))
		return "(idle mode missing)";
	if (k->base.zones[i].node)
		return "";
	switch (z->kind) {
	case KK_CORE:
	case KK_UNCORE:
		return "(in package)";
	case KK_PACKAGE:
	case KK_DRAM:
		for (size_t j = 0; j < k->base.nz; j++)
			if (k->base.zones[j].node && k->z[j].kind == KK_PSYS)
				return "(in psys)";
		return "(in platform)";
	case KK_PLATFORM:
		return *sc->plat_src ? "(not counted: estimated)" : "(not counted: source unknown)";
	default:
		return "(not counted)";
	}
}

static void describe(struct kepler *k, const struct scan *sc)
{
	const char *src = *sc->comp_src ? sc->comp_src : sc->src;
	char what[256];
	size_t used;

	snprintf(what, sizeof(what), "%s%s%s%s%s%s%s", *sc->version ? "Kepler " : "", sc->version,
		 *sc->version ? ", " : "", family_text(k), *src ? ", source " : "", src,
		 strstr(src, "estimat") || strstr(src, "model") ? ": estimated, not measured" : "");
	snprintf(k->base.desc, ESRC_DESC_LEN, "kepler %s (%s):", k->url, what);
	for (size_t i = 0; i < k->base.nz; i++) {
		used = strlen(k->base.desc);
		snprintf(k->base.desc + used, ESRC_DESC_LEN - used, " %s%s", k->base.zones[i].label,
			 zone_note(k, i, sc));
	}
}

static int no_counters(const struct scan *sc, const char *url, char *msg, size_t len)
{
	snprintf(msg, len,
		 "kepler %s: no Kepler node energy counters in the scrape (%zu families%s%s)", url,
		 sc->nfam, *sc->found ? ": " : "", sc->found);
	return -ENODATA;
}

static int no_node(const struct kepler *k, char *msg, size_t len)
{
	size_t used =
		snprintf(msg, len, "kepler %s: no node zone (package, dram, psys) among:", k->url);

	for (size_t i = 0; i < k->base.nz && used < len; i++)
		used += snprintf(msg + used, len - used, " %s", k->base.zones[i].label);
	return -ENODATA;
}

/* Zones, their names and node flags, and the desc, from the first scrape. */
static int plan(struct kepler *k, const char *text, size_t len, char *msg, size_t mlen)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	char perr[256];
	bool node = false;
	int err;

	if (!sc) {
		snprintf(msg, mlen, "kepler %s: %s", k->url, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = prom_parse(text, len, scan_cb, sc, perr, sizeof(perr));
	if (err) {
		snprintf(msg, mlen, "kepler %s: %s", k->url,
			 err == -EBADMSG ? perr : strerror(-err));
		goto out;
	}
	if (sc->overflow) {
		snprintf(msg, mlen, "kepler %s: more than %d node energy series", k->url,
			 MAX_SERIES);
		err = -E2BIG;
		goto out;
	}
	if (sc->other_node[0]) {
		snprintf(msg, mlen,
			 "kepler %s: the scrape holds several nodes (%s, %s): name one Kepler",
			 k->url, sc->node, sc->other_node);
		err = -EINVAL;
		goto out;
	}
	err = sc->n ? group(k, sc, msg, mlen) : no_counters(sc, k->url, msg, mlen);
	if (err)
		goto out;
	qsort(k->z, k->base.nz, sizeof(k->z[0]), cmp_zone);
	name_zones(k);
	choose_node(k, sc);
	for (size_t i = 0; i < k->base.nz; i++)
		node |= k->base.zones[i].node;
	describe(k, sc);
	if (!node)
		err = no_node(k, msg, mlen);
out:
	free(sc);
	return err;
}

/* ---- every scrape: values, and their steps spread ------------------------------------ */

struct vals {
	struct kepler *k;
	uint64_t uj[ESRC_MAX_ZONES];
	unsigned int n[ESRC_MAX_ZONES];
	int err[ESRC_MAX_ZONES];
};

static int vals_cb(const struct prom_sample *s, void *ctx)
{
	struct vals *v = ctx;
	struct kser tmp[4];
	size_t n = classify(s, tmp);

	for (size_t i = 0; i < n; i++) {
		struct kzone *z = tmp[i].gen == v->k->gen ? zone_by_key(v->k, tmp[i].key) : NULL;
		size_t j = z ? (size_t)(z - v->k->z) : 0;
		uint64_t uj;

		if (!z || z->whole != (tmp[i].mode == KM_WHOLE))
			continue;
		if (to_uj(tmp[i].value, tmp[i].scale, &uj)) {
			v->err[j] = -ERANGE;
			continue;
		}
		v->uj[j] += uj;
		v->n[j]++;
	}
	return 0;
}

/* The counter at t: the last step's share of the time it is spread over, added to base. */
static uint64_t spread(const struct kzone *z, uint64_t t)
{
	uint64_t el = t > z->base_ns ? t - z->base_ns : 0;

	if (el >= z->span_ns)
		return z->target_uj;
	return z->base_uj +
	       (uint64_t)((unsigned __int128)(z->target_uj - z->base_uj) * el / z->span_ns);
}

static void zone_feed(struct kzone *z, int err, uint64_t uj, uint64_t now)
{
	const uint64_t lo = KEPLER_SPAN_MIN_MS * NS_PER_MS, hi = KEPLER_SPAN_MAX_MS * NS_PER_MS;
	uint64_t span;

	z->err = err;
	if (err || (z->have && uj == z->obs_uj))
		return;
	if (!z->have || uj < z->obs_uj) {
		/* The first value, or Kepler restarted: a new baseline, not energy. */
		z->have = true;
		z->base_uj = z->target_uj = z->obs_uj = uj;
		z->base_ns = z->obs_ns = now;
		z->span_ns = lo;
		z->reset_gen++;
		return;
	}
	span = now > z->obs_ns ? now - z->obs_ns : 0;
	z->base_uj = spread(z, now);
	z->base_ns = now;
	z->target_uj = uj;
	z->span_ns = span < lo ? lo : span > hi ? hi : span;
	z->obs_uj = uj;
	z->obs_ns = now;
}

int esrc_kepler_ingest(struct esrc *s, const char *text, size_t len, int err, uint64_t now_ns)
{
	struct kepler *k = (struct kepler *)s;
	struct vals v = { .k = k };
	char perr[256];

	if (!err)
		err = prom_parse(text, len, vals_cb, &v, perr, sizeof(perr));
	pthread_mutex_lock(&k->lock);
	k->scrape_err = err;
	if (!err) {
		k->good_ns = now_ns;
		for (size_t i = 0; i < k->base.nz; i++)
			zone_feed(&k->z[i], v.err[i] ?: (v.n[i] == k->z[i].nser ? 0 : -ENODATA),
				  v.uj[i], now_ns);
	}
	pthread_mutex_unlock(&k->lock);
	return err;
}

/* Every zone at one instant: a tick's readings are consistent with each other. */
static void tick(struct kepler *k)
{
	uint64_t now = k->now_ns();
	bool stale;

	pthread_mutex_lock(&k->lock);
	stale = now > k->good_ns + KEPLER_STALE_MS * NS_PER_MS;
	for (size_t i = 0; i < k->base.nz; i++) {
		struct kzone *z = &k->z[i];

		z->fresh = true;
		z->rc = k->scrape_err
				?: (stale ? -ETIMEDOUT : (z->err ?: (z->have ? 0 : -ENODATA)));
		if (z->rc)
			continue;
		z->val = spread(z, now);
		z->gen = z->reset_gen;
	}
	pthread_mutex_unlock(&k->lock);
}

static int kepler_read(struct esrc *s, size_t i, uint64_t *uj)
{
	struct kepler *k = (struct kepler *)s;
	struct kzone *z;

	if (i >= k->base.nz)
		return -EINVAL;
	z = &k->z[i];
	if (i == 0 || !z->fresh)
		tick(k);
	z->fresh = false;
	if (z->rc) {
		z->broken = true;
		return z->rc;
	}
	*uj = z->val;
	if (z->broken || z->gen != z->seen_gen) {
		/* What Kepler counted while this zone was unreadable is no interval's. */
		z->broken = false;
		z->seen_gen = z->gen;
		return -EAGAIN;
	}
	return 0;
}

void esrc_kepler_set_clock(struct esrc *s, uint64_t (*now_ns)(void))
{
	((struct kepler *)s)->now_ns = now_ns;
}

/* ---- HTTP ------------------------------------------------------------------------------ */

struct sink {
	char *buf;
	size_t len, cap;
	bool big;
};

static size_t sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t add = size * nmemb, cap = s->cap ? s->cap : 1 << 16;
	char *b;

	if (s->len + add + 1 > KEPLER_BODY_MAX) {
		s->big = true;
		return 0;
	}
	while (cap < s->len + add + 1)
		cap *= 2;
	if (cap != s->cap) {
		b = realloc(s->buf, cap);
		if (!b)
			return 0;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

/* libcurl asks often during a transfer: stopping the source ends the one in flight. */
static int progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	struct kepler *k = p;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return __atomic_load_n(&k->stop, __ATOMIC_RELAXED);
}

static int setup_curl(struct kepler *k)
{
	CURL *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -EIO;
	k->curl_global = true;
	c = k->curl = curl_easy_init();
	/* The text format, not OpenMetrics or protobuf; gzip is what Kepler's promhttp sends. */
	k->hdrs = curl_slist_append(NULL, "Accept: text/plain;version=0.0.4");
	if (!c || !k->hdrs)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_URL, k->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, k->hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "wattprobe/" WP_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	/* A thread of its own: no SIGALRM for timeouts. */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, k->curl_msg);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, k);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	return 0;
}

static int curl_failure(struct kepler *k, CURLcode rc, const struct sink *s, long timeout_ms,
			char *msg, size_t len)
{
	const char *why = *k->curl_msg ? k->curl_msg : curl_easy_strerror(rc);
	long os_errno = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(k->curl, CURLINFO_OS_ERRNO, &os_errno);
		os_errno = os_errno ? os_errno : ECONNREFUSED;
		snprintf(msg, len, "kepler %s: %s", k->url, strerror(os_errno));
		return -os_errno;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(msg, len, "kepler %s: %s", k->url, why);
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(msg, len, "kepler %s: no answer within %ld ms", k->url, timeout_ms);
		return -ETIMEDOUT;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		snprintf(msg, len, "kepler %s: not an http:// or https:// URL (%s)", k->url, why);
		return -EINVAL;
	case CURLE_WRITE_ERROR:
		if (s->big)
			snprintf(msg, len, "kepler %s: the scrape is larger than %lu MiB", k->url,
				 KEPLER_BODY_MAX >> 20);
		else
			snprintf(msg, len, "kepler %s: %s", k->url, strerror(ENOMEM));
		return s->big ? -EFBIG : -ENOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
		snprintf(msg, len, "kepler %s: stopped", k->url);
		return -ECANCELED;
	default:
		snprintf(msg, len, "kepler %s: %s", k->url, why);
		return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
	}
}

/* GET the URL once: 0 with the body (NUL-terminated, malloc'd), or -errno with msg. */
static int fetch(struct kepler *k, long timeout_ms, char **body, size_t *blen, char *msg,
		 size_t len)
{
	struct sink s = {};
	char snip[121];
	long code = 0;
	CURLcode rc;

	k->curl_msg[0] = '\0';
	curl_easy_setopt(k->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_perform(k->curl);
	if (rc != CURLE_OK) {
		free(s.buf);
		return curl_failure(k, rc, &s, timeout_ms, msg, len);
	}
	curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 || !s.len) {
		snprintf(snip, sizeof(snip), "%s", s.buf ? s.buf : "");
		for (char *c = snip; *c; c++)
			*c = (unsigned char)*c < ' ' ? ' ' : *c;
		if (code != 200)
			snprintf(msg, len, "kepler %s: HTTP %ld%s%s", k->url, code,
				 *snip ? ": " : "", snip);
		else
			snprintf(msg, len, "kepler %s: HTTP 200 with an empty body", k->url);
		free(s.buf);
		return code != 200 ? -EIO : -ENODATA;
	}
	*body = s.buf;
	*blen = s.len;
	return 0;
}

/* ---- the scraper thread, and the source's life ---------------------------------------- */

static void wait_until(struct kepler *k, uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = t_ns / 1000000000ULL, .tv_nsec = t_ns % 1000000000ULL };

	while (!k->stop && mono_ns() < t_ns)
		pthread_cond_timedwait(&k->wake, &k->lock, &ts);
}

static void *scraper(void *arg)
{
	struct kepler *k = arg;
	uint64_t next = mono_ns() + KEPLER_PERIOD_MS * NS_PER_MS;
	char msg[256];

	pthread_mutex_lock(&k->lock);
	for (;;) {
		char *body = NULL;
		size_t len = 0;
		int err;

		wait_until(k, next);
		if (k->stop)
			break;
		pthread_mutex_unlock(&k->lock);
		next = mono_ns() + KEPLER_PERIOD_MS * NS_PER_MS;
		err = fetch(k, KEPLER_SCRAPE_TIMEOUT_MS, &body, &len, msg, sizeof(msg));
		esrc_kepler_ingest(&k->base, body, len, err, k->now_ns());
		free(body);
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

static void kepler_free(struct esrc *s)
{
	struct kepler *k = (struct kepler *)s;

	if (!k)
		return;
	if (k->thread_up) {
		pthread_mutex_lock(&k->lock);
		__atomic_store_n(&k->stop, true, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&k->wake);
		pthread_mutex_unlock(&k->lock);
		pthread_join(k->thread, NULL);
	}
	if (k->locks_up) {
		pthread_cond_destroy(&k->wake);
		pthread_mutex_destroy(&k->lock);
	}
	curl_slist_free_all(k->hdrs);
	curl_easy_cleanup(k->curl);
	if (k->curl_global)
		curl_global_cleanup();
	free(k->url);
	free(k);
}

static const struct esrc_ops kepler_ops = { .name = "kepler",
					    .read = kepler_read,
					    .free = kepler_free };

static struct kepler *kepler_new(const char *url)
{
	struct kepler *k = calloc(1, sizeof(*k));
	pthread_condattr_t ca;

	if (!k)
		return NULL;
	k->base.ops = &kepler_ops;
	k->now_ns = mono_ns;
	k->url = strdup(url);
	if (!k->url || pthread_condattr_init(&ca))
		goto fail;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&k->wake, &ca)) {
		pthread_condattr_destroy(&ca);
		goto fail;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&k->lock, NULL)) {
		pthread_cond_destroy(&k->wake);
		goto fail;
	}
	k->locks_up = true;
	return k;
fail:
	free(k->url);
	free(k);
	return NULL;
}

static struct esrc *fail(struct kepler *k, int err, char *msg, size_t len)
{
	if (err == -ENOMEM && !*msg)
		snprintf(msg, len, "kepler: %s", strerror(ENOMEM));
	kepler_free(k ? &k->base : NULL);
	errno = -err;
	return NULL;
}

struct esrc *esrc_kepler_open_text(const char *url, const char *text, size_t len, uint64_t now_ns,
				   char *msg, size_t mlen)
{
	struct kepler *k = kepler_new(url ? url : "-");
	int err;

	msg[0] = '\0';
	if (!k)
		return fail(NULL, -ENOMEM, msg, mlen);
	err = plan(k, text, len, msg, mlen);
	if (err)
		return fail(k, err, msg, mlen);
	esrc_kepler_ingest(&k->base, text, len, 0, now_ns);
	return &k->base;
}

struct esrc *esrc_kepler_open(const char *url, char *msg, size_t len)
{
	struct kepler *k = kepler_new(url && *url ? url : KEPLER_DEFAULT_URL);
	sigset_t all, old;
	char *body = NULL;
	size_t blen = 0;
	int err;

	msg[0] = '\0';
	if (!k)
		return fail(NULL, -ENOMEM, msg, len);
	err = setup_curl(k);
	if (err) {
		snprintf(msg, len, "kepler %s: cannot set up libcurl", k->url);
		return fail(k, err, msg, len);
	}
	err = fetch(k, KEPLER_OPEN_TIMEOUT_MS, &body, &blen, msg, len);
	err = err ?: plan(k, body, blen, msg, len);
	if (!err)
		esrc_kepler_ingest(&k->base, body, blen, 0, k->now_ns());
	free(body);
	if (err)
		return fail(k, err, msg, len);
	/* Signals are the main thread's: blocked here, they keep interrupting its waits. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&k->thread, NULL, scraper, k);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		snprintf(msg, len, "kepler %s: scraper thread: %s", k->url, strerror(-err));
		return fail(k, err, msg, len);
	}
	k->thread_up = true;
	return &k->base;
}
