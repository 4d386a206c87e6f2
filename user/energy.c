// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* energy.c: where a node's energy comes from: measured (powercap) or a labelled model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "energy.h"
#include "esrc_kepler.h"
#include "esrc_msr.h"
#include "esrc_perf.h"
#include "esrc_powercap.h"
#include "model_table.h"

typedef unsigned __int128 u128;

enum src_kind { SRC_MEASURED, SRC_MODEL };

struct energy {
	enum src_kind kind;
	struct esrc *src; /* measured */
	size_t nz;
	uint64_t prev_uj[ENERGY_MAX_ZONES];
	bool have_prev[ENERGY_MAX_ZONES];
	uint64_t cur_uj[ENERGY_MAX_ZONES]; /* staged by energy__read() */
	int cur_err[ENERGY_MAX_ZONES];	   /* its read's result: 0, -EAGAIN, -errno */
	uint64_t prev_ns, cur_ns;
	/* model */
	uint64_t idle_uw, max_uw;
	uint64_t carry_aj; /* fraction of a µJ carried to the next interval, in aJ (1e-12 µJ) */
	char desc[ESRC_DESC_LEN];
};

/* A measured source, by name; NULL and msg when it cannot be used here. */
static struct esrc *open_source(const char *spec, char *msg, size_t len)
{
	const char *arg = strchr(spec, ':');
	size_t n = arg ? (size_t)(arg - spec) : strlen(spec);

	arg = arg ? arg + 1 : NULL;
	if (n == 8 && !strncmp(spec, "powercap", 8))
		return esrc_powercap_open(arg, msg, len);
	if (n == 4 && !strncmp(spec, "feed", 4))
		return esrc_feed_open(arg, msg, len);
	if (n == 4 && !strncmp(spec, "perf", 4))
		return esrc_perf_open(arg, msg, len);
	if (n == 3 && !strncmp(spec, "msr", 3))
		return esrc_msr_open(arg, NULL, msg, len);
	if (n == 6 && !strncmp(spec, "kepler", 6))
		return esrc_kepler_open(arg, msg, len);
	snprintf(
		msg, len,
		"unknown energy source '%s' (want auto, powercap[:ROOT], perf[:SYSFS], msr[:ROOT], "
		"feed[:DIR], kepler[:URL], model[:instance=TYPE|arch=NAME|idle=W,max=W]; a "
		"comma-separated list "
		"is tried in order)",
		spec);
	errno = EINVAL;
	return NULL;
}

static int open_measured(struct energy *e, const char *spec, char *msg, size_t len)
{
	e->src = open_source(spec, msg, len);
	if (!e->src)
		return errno ? -errno : -EINVAL;
	e->kind = SRC_MEASURED;
	e->nz = e->src->nz;
	snprintf(e->desc, sizeof(e->desc), "%s", e->src->desc);
	return 0;
}

/* Decimal watts, 0..10 kW: no hex, no exponent, no nan, none of strtod's other forms. */
static int parse_watts(const char *s, uint64_t *uw)
{
	const char *p = s;
	char *end;
	double w;

	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	if (p == s || (*p && *p != ','))
		return -EINVAL;
	errno = 0;
	w = strtod(s, &end);
	if (errno || end != p || !(w >= 0 && w <= MODEL_MAX_W))
		return -EINVAL;
	*uw = (uint64_t)(w * 1e6 + 0.5);
	return 0;
}

/* Per-vCPU coefficients of an instance type or a microarchitecture, for the whole node. */
static int model_coeffs_for(struct energy *e, const char *name, unsigned int ncpus, char *from,
			    size_t fromlen, char *msg, size_t len)
{
	struct model_coeffs c;
	char matched[128] = "";

	if (model_lookup(name, &c, matched, sizeof(matched))) {
		snprintf(msg, len,
			 "energy model: no coefficients for '%s'%s%s%s (docs/model.md lists them; "
			 "or "
			 "give idle=W,max=W)",
			 name, matched[0] ? " (looked for " : "", matched, matched[0] ? ")" : "");
		return -ENOENT;
	}
	e->idle_uw = (uint64_t)(c.min_w * 1e6 * ncpus + 0.5);
	e->max_uw = (uint64_t)(c.max_w * 1e6 * ncpus + 0.5);
	snprintf(from, fromlen, "%s: %.2f..%.2f W per vCPU x %u, Cloud Carbon Footprint",
		 matched[0] ? matched : c.microarch, c.min_w, c.max_w, ncpus);
	return 0;
}

/* model[:instance=TYPE|arch=NAME][,idle=W][,max=W][,dmi=ROOT]; none: the instance from DMI. */
static int open_model(struct energy *e, const char *args, unsigned int ncpus, char *msg, size_t len)
{
	char from[256] = "", name[128] = "", dmi[512] = "", why[256] = "";
	bool idle_set = false, max_set = false, named = false;
	uint64_t idle_uw = 0, max_uw = 0;
	const char *a = args;
	int err;

	e->kind = SRC_MODEL;
	e->idle_uw = MODEL_IDLE_UW_PER_CPU * ncpus;
	e->max_uw = MODEL_MAX_UW_PER_CPU * ncpus;
	while (a && *a) {
		size_t n = strcspn(a, ",");

		err = -EINVAL;
		if (!strncmp(a, "idle=", 5)) {
			err = parse_watts(a + 5, &idle_uw);
			idle_set = true;
		} else if (!strncmp(a, "max=", 4)) {
			err = parse_watts(a + 4, &max_uw);
			max_set = true;
		} else if ((!strncmp(a, "instance=", 9) || !strncmp(a, "arch=", 5)) && !named) {
			const char *v = strchr(a, '=') + 1;

			err = (size_t)(a + n - v) < sizeof(name) && a + n > v ? 0 : -EINVAL;
			snprintf(name, sizeof(name), "%.*s", (int)(a + n - v), v);
			named = true;
		} else if (!strncmp(a, "dmi=", 4) && n - 4 < sizeof(dmi)) {
			snprintf(dmi, sizeof(dmi), "%.*s", (int)(n - 4), a + 4);
			err = 0;
		}
		if (err) {
			snprintf(msg, len,
				 "energy model: bad parameter '%.*s' (want instance=TYPE, "
				 "arch=NAME, "
				 "idle=W, max=W)",
				 (int)n, a);
			return err;
		}
		a = a[n] ? a + n + 1 : NULL;
	}
	if (named) {
		err = model_coeffs_for(e, name, ncpus, from, sizeof(from), msg, len);
		if (err)
			return err;
	} else if (!idle_set && !max_set) {
		/* Nothing said: the cloud's instance type, where DMI names it. */
		if (!model_detect_instance(dmi[0] ? dmi : NULL, name, sizeof(name), why,
					   sizeof(why)) &&
		    !model_coeffs_for(e, name, ncpus, from, sizeof(from), msg, len))
			;
		else
			snprintf(from, sizeof(from),
				 "Cloud Carbon Footprint's average, 0.74..3.50 W per vCPU x %u%s%s",
				 ncpus, why[0] ? "; " : "", why);
		msg[0] = '\0';
	}
	/* Explicit watts win over the table's. */
	if (idle_set)
		e->idle_uw = idle_uw;
	if (max_set)
		e->max_uw = max_uw;
	if (e->max_uw < e->idle_uw) {
		snprintf(msg, len,
			 "energy model: max power %.2f W (%s) is below idle power %.2f W; give "
			 "max=W",
			 e->max_uw / 1e6, max_set ? "given" : "default", e->idle_uw / 1e6);
		return -EINVAL;
	}
	e->nz = 1;
	snprintf(e->desc, sizeof(e->desc),
		 "model (an estimate: linear in CPU utilization, %.2f W idle .. %.2f W busy%s%s)",
		 e->idle_uw / 1e6, e->max_uw / 1e6, from[0] ? "; " : "", from);
	return 0;
}

static bool is_model(const char *spec)
{
	return strcmp(spec, "model") == 0 || strncmp(spec, "model:", 6) == 0;
}

/* One entry of the list: "auto" expands to AUTO_ORDER, the rest open as they are. */
static int open_one(struct energy *e, const char *spec, unsigned int ncpus, char *msg, size_t len)
{
	if (is_model(spec))
		return open_model(e, spec[5] ? spec + 6 : NULL, ncpus, msg, len);
	return open_measured(e, spec, msg, len);
}

/* What the user wrote wrong (fatal in a list), not what this machine lacks (skipped). */
static bool usage_error(const char *msg)
{
	return strstr(msg, "unknown energy source") || strstr(msg, "bad parameter") ||
	       strstr(msg, "bad spec") || strstr(msg, "bad source list");
}

/* An entry ends at a comma that starts another source, not an option: "feed:D,stale=1s". */
static size_t entry_len(const char *p)
{
	size_t n = 0;

	for (;;) {
		n += strcspn(p + n, ",");
		if (!p[n])
			return n;
		/* ",word=" continues the entry: source names have no '='. */
		if (p[n + 1 + strspn(p + n + 1, "abcdefghijklmnopqrstuvwxyz_")] != '=')
			return n;
		n++;
	}
}

/*
 * Try each comma-separated entry in turn (options after a comma, "key=value", belong to the
 * entry before them); the first that opens is used. why collects, for each that did not, its
 * reason: a line each.
 */
static int open_list(struct energy *e, const char *list, unsigned int ncpus, char *why,
		     size_t whylen, char *msg, size_t len)
{
	const char *p = list;
	int err = -EINVAL;

	while (*p) {
		char one[1024];
		size_t n = entry_len(p);

		if (n >= sizeof(one) || !n) {
			snprintf(msg, len, "energy: bad source list '%s'", list);
			return -EINVAL;
		}
		memcpy(one, p, n);
		one[n] = '\0';
		msg[0] = '\0';
		err = strcmp(one, "auto")
			      ? open_one(e, one, ncpus, msg, len)
			      : open_list(e, ENERGY_AUTO_ORDER, ncpus, why, whylen, msg, len);
		if (!err)
			return 0;
		/* A typo is an error, not a source to skip. */
		if (err == -EINVAL && usage_error(msg))
			return err;
		if (strcmp(one, "auto")) {
			size_t used = strlen(why);

			snprintf(why + used, whylen - used, "%s%s", used ? "\n" : "", msg);
		}
		p += n;
		p += *p == ',';
	}
	return err;
}

/* The reasons' lines joined by "; ": an error stays one line. */
static void one_line(char *dst, size_t len, const char *lines)
{
	size_t used = 0;

	for (const char *p = lines; *p && used + 3 < len; p++) {
		if (*p == '\n') {
			dst[used++] = ';';
			dst[used++] = ' ';
		} else {
			dst[used++] = *p;
		}
	}
	dst[used < len ? used : len - 1] = '\0';
}

struct energy *energy__open(const char *spec, unsigned int ncpus, char *msg, size_t len)
{
	char joined[2048];
	struct energy *e = calloc(1, sizeof(*e));
	char why[2048] = "";
	int err;

	if (!e) {
		snprintf(msg, len, "%s", strerror(ENOMEM));
		return NULL;
	}
	msg[0] = '\0';
	err = open_list(e, spec, ncpus, why, sizeof(why), msg, len);
	if (err) {
		/* Several tried: all their reasons; one: its own message. */
		if ((strchr(spec, ',') || !strcmp(spec, "auto")) && !usage_error(msg) && why[0]) {
			one_line(joined, sizeof(joined), why);
			snprintf(msg, len, "no energy source usable: %s", joined);
		}
		if (!msg[0])
			snprintf(msg, len, "energy: bad source list '%s'", spec);
		energy__free(e);
		errno = -err;
		return NULL;
	}
	/* What was passed over on the way, a line per source, for the caller to say once. */
	snprintf(msg, len, "%s", why);
	return e;
}

void energy__free(struct energy *e)
{
	if (!e)
		return;
	esrc__free(e->src);
	free(e);
}

const char *energy__source(const struct energy *e)
{
	return e->kind == SRC_MODEL ? "model" : e->src->ops->name;
}

size_t energy__nzones(const struct energy *e)
{
	return e->nz;
}

const char *energy__zone_label(const struct energy *e, size_t i)
{
	if (e->kind == SRC_MODEL)
		return "model";
	return e->src->zones[i].label;
}

bool energy__zone_is_node(const struct energy *e, size_t i)
{
	if (e->kind == SRC_MODEL)
		return true;
	return e->src->zones[i].node;
}

const char *energy__warning(const struct energy *e)
{
	return e->src ? e->src->warn : "";
}

const char *energy__describe(const struct energy *e)
{
	return e->desc;
}

int energy__start(struct energy *e, uint64_t now_ns)
{
	e->prev_ns = now_ns;
	e->carry_aj = 0;
	for (size_t i = 0; e->kind == SRC_MEASURED && i < e->nz; i++) {
		int err = e->src->ops->read(e->src, i, &e->prev_uj[i]);

		e->have_prev[i] = err == 0 || err == -EAGAIN;
	}
	return 0;
}

uint64_t energy_model_power_uw(uint64_t idle_uw, uint64_t max_uw, uint64_t busy_ns,
			       uint64_t window_ns)
{
	if (!window_ns)
		return idle_uw;
	if (busy_ns > window_ns)
		busy_ns = window_ns;
	return idle_uw + (uint64_t)((u128)(max_uw - idle_uw) * busy_ns / window_ns);
}

/* E = (P_idle + (P_max - P_idle) x busy/window) x dt, exact with the fraction carried over. */
static void model_sample(struct energy *e, uint64_t dt_ns, uint64_t busy_ns, uint64_t window_ns,
			 struct zone_delta *out)
{
	u128 w = window_ns ? window_ns : 1, den = w * 1000000000ULL, num;

	if (busy_ns > window_ns)
		busy_ns = window_ns;
	num = ((u128)e->idle_uw * w + (u128)(e->max_uw - e->idle_uw) * busy_ns) * dt_ns;
	num += (u128)e->carry_aj * den / 1000000000000ULL;
	out[0].energy_uj = (uint64_t)(num / den);
	out[0].gap = false;
	/* Keep what the floor dropped, so that a long run loses no µJ to rounding. */
	e->carry_aj = (uint64_t)((num % den) * 1000000000000ULL / den);
}

/* Each zone's energy from the last two readings; anything implausible is a gap, never energy. */
static int measured_delta(struct energy *e, uint64_t dt_ns, struct zone_delta *out)
{
	int gaps = 0;

	for (size_t i = 0; i < e->nz; i++) {
		uint64_t cur = e->cur_uj[i];
		int err = e->cur_err[i];

		out[i].energy_uj = 0;
		out[i].gap = true;
		if (!err && e->have_prev[i] && cur >= e->prev_uj[i] &&
		    (u128)(cur - e->prev_uj[i]) * 1000000000ULL <= (u128)ESRC_ZONE_MAX_UW * dt_ns) {
			out[i].energy_uj = cur - e->prev_uj[i];
			out[i].gap = false;
		}
		gaps += out[i].gap;
		/* An unreadable zone has no baseline: its next interval is a gap too. */
		e->have_prev[i] = !err || err == -EAGAIN;
		if (e->have_prev[i])
			e->prev_uj[i] = cur;
	}
	return gaps;
}

int energy__read(struct energy *e, uint64_t now_ns)
{
	e->cur_ns = now_ns;
	for (size_t i = 0; e->kind == SRC_MEASURED && i < e->nz; i++)
		e->cur_err[i] = e->src->ops->read(e->src, i, &e->cur_uj[i]);
	return 0;
}

int energy__delta(struct energy *e, uint64_t busy_ns, uint64_t window_ns, struct zone_delta *out)
{
	/* dt is the time between the two reads, which is what the counters saw. */
	uint64_t dt = e->cur_ns > e->prev_ns ? e->cur_ns - e->prev_ns : 0;

	e->prev_ns = e->cur_ns;
	if (e->kind == SRC_MODEL) {
		model_sample(e, dt, busy_ns, window_ns, out);
		return 0;
	}
	return measured_delta(e, dt, out);
}

int energy__sample(struct energy *e, uint64_t now_ns, uint64_t busy_ns, uint64_t window_ns,
		   struct zone_delta *out)
{
	int err = energy__read(e, now_ns);

	return err ?: energy__delta(e, busy_ns, window_ns, out);
}
