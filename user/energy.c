// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* energy.c: where a node's energy comes from: measured (powercap) or a labelled model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "energy.h"
#include "powercap.h"

typedef unsigned __int128 u128;

/* A counter moving faster than this is not energy but a fault (FIELD-NOTES 6). */
#define ZONE_MAX_UW 2000000000ULL /* 2 kW per zone */

enum src_kind { SRC_POWERCAP, SRC_MODEL };

struct energy {
	enum src_kind kind;
	struct powercap *pc;
	size_t nz;
	size_t zone_idx[ENERGY_MAX_ZONES]; /* our zone i -> powercap zone */
	uint64_t prev_uj[ENERGY_MAX_ZONES];
	bool have_prev[ENERGY_MAX_ZONES];
	uint64_t cur_uj[ENERGY_MAX_ZONES]; /* staged by energy__read() */
	bool have_cur[ENERGY_MAX_ZONES];
	uint64_t prev_ns, cur_ns;
	/* model */
	uint64_t idle_uw, max_uw;
	uint64_t carry_aj; /* fraction of a µJ carried to the next interval, in aJ (1e-12 µJ) */
	char desc[512];
};

static void why_add(char *msg, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t used = strlen(msg);

	if (used < len)
		snprintf(msg + used, len - used, fmt, a, b);
}

/* Explain zones we found but cannot use; FIELD-NOTES 2 and 5. */
static void explain_zone(const struct pc_zone *z, const char *root, char *msg, size_t len)
{
	char what[160];

	if (z->dangling)
		snprintf(what, sizeof(what),
			 "%s/%s is a dangling symlink (mount the host's /sys "
			 "read-only into the container)",
			 root, z->dir);
	else if (z->err == -EACCES || z->err == -EPERM)
		snprintf(what, sizeof(what),
			 "%s/%s (%s) present but energy_uj unreadable (EACCES: "
			 "root-only since Linux 5.10; run as root)",
			 root, z->dir, z->name);
	else
		snprintf(what, sizeof(what), "%s/%s (%s) energy_uj: %s", root, z->dir, z->name,
			 strerror(-z->err));
	why_add(msg, len, "%s%s", msg[0] ? "; " : "", what);
}

static int open_powercap(struct energy *e, const char *root, char *msg, size_t len)
{
	size_t n;
	int err;

	e->pc = powercap__open(root);
	if (!e->pc) {
		err = -errno;
		snprintf(msg, len, "powercap root %s: %s", root, strerror(-err));
		return err;
	}
	n = powercap__nzones(e->pc);
	for (size_t i = 0; i < n; i++) {
		const struct pc_zone *z = powercap__zone(e->pc, i);

		if (z->err) {
			explain_zone(z, root, msg, len);
			continue;
		}
		e->zone_idx[e->nz++] = i;
	}
	if (!powercap__nnode(e->pc)) {
		if (!n)
			snprintf(msg, len, "powercap root %s: no intel-rapl zone", root);
		return -ENODEV;
	}
	e->kind = SRC_POWERCAP;
	snprintf(e->desc, sizeof(e->desc), "powercap %s:", root);
	for (size_t i = 0; i < e->nz; i++) {
		const struct pc_zone *z = powercap__zone(e->pc, e->zone_idx[i]);
		size_t used = strlen(e->desc);

		snprintf(e->desc + used, sizeof(e->desc) - used, " %s%s", z->label,
			 z->node ? "" : "(in package)");
	}
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

static int open_model(struct energy *e, const char *args, unsigned int ncpus, char *msg, size_t len)
{
	e->kind = SRC_MODEL;
	e->idle_uw = MODEL_IDLE_UW_PER_CPU * ncpus;
	e->max_uw = MODEL_MAX_UW_PER_CPU * ncpus;
	while (args && *args) {
		int err = -EINVAL;

		if (strncmp(args, "idle=", 5) == 0)
			err = parse_watts(args + 5, &e->idle_uw);
		else if (strncmp(args, "max=", 4) == 0)
			err = parse_watts(args + 4, &e->max_uw);
		if (err) {
			snprintf(msg, len, "energy model: bad parameter '%s' (want idle=W,max=W)",
				 args);
			return err;
		}
		args = strchr(args, ',');
		args = args ? args + 1 : NULL;
	}
	if (e->max_uw < e->idle_uw) {
		snprintf(msg, len,
			 "energy model: max power %.2f W (%s) is below idle power %.2f W; give "
			 "max=W",
			 e->max_uw / 1e6,
			 args && strstr(args, "max=") ? "given" : "default: 3.5 W x online CPUs",
			 e->idle_uw / 1e6);
		return -EINVAL;
	}
	e->nz = 1;
	snprintf(e->desc, sizeof(e->desc),
		 "model (linear in CPU utilization, %.2f W idle .. %.2f W busy)", e->idle_uw / 1e6,
		 e->max_uw / 1e6);
	return 0;
}

struct energy *energy__open(const char *spec, unsigned int ncpus, char *msg, size_t len)
{
	struct energy *e = calloc(1, sizeof(*e));
	int err;

	if (!e) {
		snprintf(msg, len, "%s", strerror(ENOMEM));
		return NULL;
	}
	msg[0] = '\0';
	if (strcmp(spec, "auto") == 0) {
		/* Measured first; the model only when nothing can be measured, and saying why. */
		err = open_powercap(e, POWERCAP_DEFAULT_ROOT, msg, len);
		if (err == -ENOENT)
			snprintf(msg, len, "no RAPL: %s: %s", POWERCAP_DEFAULT_ROOT,
				 strerror(ENOENT));
		if (err) {
			powercap__free(e->pc);
			e->pc = NULL;
			e->nz = 0;
			err = open_model(e, NULL, ncpus, msg, len);
		}
	} else if (strcmp(spec, "powercap") == 0 || strncmp(spec, "powercap:", 9) == 0) {
		err = open_powercap(e, spec[8] ? spec + 9 : POWERCAP_DEFAULT_ROOT, msg, len);
		if (err == -ENODEV && !strstr(msg, "no intel-rapl")) {
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "powercap: no readable node zone: %s", msg);
			snprintf(msg, len, "%s", tmp);
		}
		if (!err)
			msg[0] = '\0';
	} else if (strcmp(spec, "model") == 0 || strncmp(spec, "model:", 6) == 0) {
		err = open_model(e, spec[5] ? spec + 6 : NULL, ncpus, msg, len);
	} else {
		snprintf(msg, len,
			 "unknown energy source '%s' (want auto, powercap[:ROOT], "
			 "model[:idle=W,max=W])",
			 spec);
		err = -EINVAL;
	}
	if (err) {
		energy__free(e);
		errno = -err;
		return NULL;
	}
	return e;
}

void energy__free(struct energy *e)
{
	if (!e)
		return;
	powercap__free(e->pc);
	free(e);
}

const char *energy__source(const struct energy *e)
{
	return e->kind == SRC_MODEL ? "model" : "powercap";
}

size_t energy__nzones(const struct energy *e)
{
	return e->nz;
}

const char *energy__zone_label(const struct energy *e, size_t i)
{
	if (e->kind == SRC_MODEL)
		return "model";
	return powercap__zone(e->pc, e->zone_idx[i])->label;
}

bool energy__zone_is_node(const struct energy *e, size_t i)
{
	if (e->kind == SRC_MODEL)
		return true;
	return powercap__zone(e->pc, e->zone_idx[i])->node;
}

const char *energy__describe(const struct energy *e)
{
	return e->desc;
}

int energy__start(struct energy *e, uint64_t now_ns)
{
	e->prev_ns = now_ns;
	e->carry_aj = 0;
	for (size_t i = 0; e->kind == SRC_POWERCAP && i < e->nz; i++)
		e->have_prev[i] = powercap__read(e->pc, e->zone_idx[i], &e->prev_uj[i]) == 0;
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

static int powercap_delta(struct energy *e, uint64_t dt_ns, struct zone_delta *out)
{
	int gaps = 0;

	for (size_t i = 0; i < e->nz; i++) {
		uint64_t cur = e->cur_uj[i], d;
		bool ok = e->have_cur[i];

		out[i].energy_uj = 0;
		out[i].gap = true;
		if (ok && e->have_prev[i] &&
		    !rapl_delta(e->prev_uj[i], cur,
				powercap__zone(e->pc, e->zone_idx[i])->max_range_uj, &d) &&
		    (u128)d * 1000000000ULL <= (u128)ZONE_MAX_UW * dt_ns) {
			out[i].energy_uj = d;
			out[i].gap = false;
		}
		gaps += out[i].gap;
		e->have_prev[i] = ok;
		if (ok)
			e->prev_uj[i] = cur;
	}
	return gaps;
}

int energy__read(struct energy *e, uint64_t now_ns)
{
	e->cur_ns = now_ns;
	for (size_t i = 0; e->kind == SRC_POWERCAP && i < e->nz; i++)
		e->have_cur[i] = powercap__read(e->pc, e->zone_idx[i], &e->cur_uj[i]) == 0;
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
	return powercap_delta(e, dt, out);
}

int energy__sample(struct energy *e, uint64_t now_ns, uint64_t busy_ns, uint64_t window_ns,
		   struct zone_delta *out)
{
	int err = energy__read(e, now_ns);

	return err ?: energy__delta(e, busy_ns, window_ns, out);
}
