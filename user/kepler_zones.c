// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kepler_zones.c: a Kepler source's zones from its first scrape: names, node rule and desc. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kepler_zones.h"
#include "prom_text.h"

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
	struct kser tmp[KEPLER_SAMPLE_SER];
	size_t n;

	note_family(sc, s->name);
	if (!strcmp(s->name, "kepler_node_info")) {
		copy_label(s, "components_power_source", sc->comp_src, sizeof(sc->comp_src));
		copy_label(s, "platform_power_source", sc->plat_src, sizeof(sc->plat_src));
	} else if (!strcmp(s->name, "kepler_build_info") ||
		   !strcmp(s->name, "kepler_exporter_build_info")) {
		copy_label(s, "version", sc->version, sizeof(sc->version));
	}
	n = kepler_classify(s, tmp);
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

int kepler_zones_find(const struct kepler_zones *zs, size_t nz, const char *key)
{
	for (size_t i = 0; i < nz; i++)
		if (!strcmp(zs->z[i].key, key))
			return (int)i;
	return -1;
}

/* Group the series of the newest generation into zones; a whole series beats its parts. */
static int group(struct kepler_zones *zs, struct esrc *b, const char *url, const struct scan *sc,
		 char *msg, size_t len)
{
	for (size_t i = 0; i < sc->n; i++)
		if (sc->ser[i].gen > zs->gen)
			zs->gen = sc->ser[i].gen;
	for (size_t i = 0; i < sc->n; i++) {
		const struct kser *r = &sc->ser[i];
		struct kepler_zone *z;
		int j;

		if (r->gen != zs->gen)
			continue;
		j = kepler_zones_find(zs, b->nz, r->key);
		z = j >= 0 ? &zs->z[j] : NULL;
		if (!z) {
			if (b->nz == ESRC_MAX_ZONES) {
				snprintf(msg, len, "kepler %s: more than %d zones", url,
					 ESRC_MAX_ZONES);
				return -E2BIG;
			}
			z = &zs->z[b->nz++];
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
			snprintf(msg, len, "kepler %s: the same series twice (%s)", url, r->key);
			return -EBADMSG;
		}
		z->modes |= r->mode;
		z->nser++;
	}
	return 0;
}

static int cmp_zone(const void *a, const void *b)
{
	const struct kepler_zone *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return strcmp(x->key, y->key);
}

static bool label_taken(const struct esrc *b, size_t upto, const char *label)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(b->zones[i].label, label))
			return true;
	return false;
}

/* package-0, dram-1, "package" for sockets Kepler aggregated, psys, platform, pp0 as core. */
static void name_zones(const struct kepler_zones *zs, struct esrc *b)
{
	for (size_t i = 0; i < b->nz; i++) {
		const struct kepler_zone *z = &zs->z[i];
		char *label = b->zones[i].label, base[ESRC_LABEL_LEN];
		bool indexed = z->index >= 0 && z->kind != KK_PSYS && z->kind != KK_PLATFORM;

		snprintf(base, sizeof(base), "%s",
			 z->kind == KK_OTHER ? z->zname : kepler_kind_names[z->kind]);
		for (char *c = base; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
				*c = (*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : '_';
		if (indexed)
			snprintf(label, ESRC_LABEL_LEN, "%.20s-%d", base, z->index);
		else
			snprintf(label, ESRC_LABEL_LEN, "%s", base);
		for (int n = 2; label_taken(b, i, label); n++)
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
static void choose_node(const struct kepler_zones *zs, struct esrc *b, const struct scan *sc)
{
	bool psys = false, platform = false;

	for (size_t i = 0; i < b->nz; i++) {
		psys |= zs->z[i].kind == KK_PSYS;
		platform |= zs->z[i].kind == KK_PLATFORM && platform_measured(sc->plat_src);
	}
	for (size_t i = 0; i < b->nz; i++) {
		enum kkind kind = zs->z[i].kind;

		b->zones[i].node = psys	      ? kind == KK_PSYS
				   : platform ? kind == KK_PLATFORM
					      : kind == KK_PACKAGE || kind == KK_DRAM;
	}
}

static const char *family_text(const struct kepler_zones *zs, const struct esrc *b)
{
	bool parts = false, whole = false;

	for (size_t i = 0; i < b->nz; i++) {
		parts |= !zs->z[i].whole;
		whole |= zs->z[i].whole;
	}
	switch (zs->gen) {
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
static const char *zone_note(const struct kepler_zones *zs, const struct esrc *b, size_t i,
			     const struct scan *sc)
{
	const struct kepler_zone *z = &zs->z[i];

	if (!z->whole && z->modes != (KM_BUSY | KM_IDLE) && !b->zones[i].node)
		return "(not counted; idle mode missing)";
	if (!z->whole && z->modes != (KM_BUSY | KM_IDLE))
		return "(idle mode missing)";
	if (b->zones[i].node)
		return "";
	switch (z->kind) {
	case KK_CORE:
	case KK_UNCORE:
		return "(in package)";
	case KK_PACKAGE:
	case KK_DRAM:
		for (size_t j = 0; j < b->nz; j++)
			if (b->zones[j].node && zs->z[j].kind == KK_PSYS)
				return "(in psys)";
		return "(in platform)";
	case KK_PLATFORM:
		return *sc->plat_src ? "(not counted: estimated)" : "(not counted: source unknown)";
	default:
		return "(not counted)";
	}
}

static void describe(const struct kepler_zones *zs, struct esrc *b, const char *url,
		     const struct scan *sc)
{
	const char *src = *sc->comp_src ? sc->comp_src : sc->src;
	char what[256];
	size_t used;

	snprintf(what, sizeof(what), "%s%s%s%s%s%s%s", *sc->version ? "Kepler " : "", sc->version,
		 *sc->version ? ", " : "", family_text(zs, b), *src ? ", source " : "", src,
		 strstr(src, "estimat") || strstr(src, "model") ? ": estimated, not measured" : "");
	snprintf(b->desc, ESRC_DESC_LEN, "kepler %s (%s):", url, what);
	for (size_t i = 0; i < b->nz; i++) {
		used = strlen(b->desc);
		snprintf(b->desc + used, ESRC_DESC_LEN - used, " %s%s", b->zones[i].label,
			 zone_note(zs, b, i, sc));
	}
}

static int no_counters(const struct scan *sc, const char *url, char *msg, size_t len)
{
	snprintf(msg, len,
		 "kepler %s: no Kepler node energy counters in the scrape (%zu families%s%s)", url,
		 sc->nfam, *sc->found ? ": " : "", sc->found);
	return -ENODATA;
}

static int no_node(const struct esrc *b, const char *url, char *msg, size_t len)
{
	size_t used =
		snprintf(msg, len, "kepler %s: no node zone (package, dram, psys) among:", url);

	for (size_t i = 0; i < b->nz && used < len; i++)
		used += snprintf(msg + used, len - used, " %s", b->zones[i].label);
	return -ENODATA;
}

int kepler_zones_plan(struct kepler_zones *zs, struct esrc *b, const char *url, const char *text,
		      size_t len, char *msg, size_t mlen)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	char perr[256];
	bool node = false;
	int err;

	if (!sc) {
		snprintf(msg, mlen, "kepler %s: %s", url, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = prom_parse(text, len, scan_cb, sc, perr, sizeof(perr));
	if (err) {
		snprintf(msg, mlen, "kepler %s: %s", url, err == -EBADMSG ? perr : strerror(-err));
		goto out;
	}
	if (sc->overflow) {
		snprintf(msg, mlen, "kepler %s: more than %d node energy series", url, MAX_SERIES);
		err = -E2BIG;
		goto out;
	}
	if (sc->other_node[0]) {
		snprintf(msg, mlen,
			 "kepler %s: the scrape holds several nodes (%s, %s): name one Kepler", url,
			 sc->node, sc->other_node);
		err = -EINVAL;
		goto out;
	}
	err = sc->n ? group(zs, b, url, sc, msg, mlen) : no_counters(sc, url, msg, mlen);
	if (err)
		goto out;
	qsort(zs->z, b->nz, sizeof(zs->z[0]), cmp_zone);
	name_zones(zs, b);
	choose_node(zs, b, sc);
	for (size_t i = 0; i < b->nz; i++)
		node |= b->zones[i].node;
	describe(zs, b, url, sc);
	if (!node)
		err = no_node(b, url, msg, mlen);
out:
	free(sc);
	return err;
}
