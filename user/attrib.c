// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* attrib.c: splitting one interval's measured energy among cgroups and idle; pure, no I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attrib.h"

typedef unsigned __int128 u128;

struct rem {
	uint64_t rem;
	size_t idx;
};

static int cmp_rem(const void *a, const void *b)
{
	const struct rem *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int attrib_split(uint64_t total, const uint64_t *weights, size_t n, size_t fallback, uint64_t *out)
{
	uint64_t given = 0, left;
	u128 sum = 0;
	struct rem *r;
	size_t k = 0;

	if (!n || fallback >= n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		sum += weights[i];
	memset(out, 0, n * sizeof(*out));
	if (sum == 0) {
		out[fallback] = total;
		return 0;
	}
	r = malloc(n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		u128 num = (u128)total * weights[i];

		out[i] = (uint64_t)(num / sum);
		given += out[i];
		if (weights[i])
			r[k++] = (struct rem){ .rem = (uint64_t)(num % sum), .idx = i };
	}
	/* Fewer than k µJ are left over, since each floor lost less than one. */
	left = total - given;
	qsort(r, k, sizeof(*r), cmp_rem);
	for (size_t i = 0; i < left && i < k; i++)
		out[r[i].idx]++;
	free(r);
	return 0;
}

/* Split the active part by cycles, else CPU time; with no activity at all it stays idle. */
static int split_active(uint64_t active, const struct attrib_in *in, uint64_t *cg_uj,
			uint64_t *idle_uj)
{
	uint64_t *w, *out, cycles = 0;
	int err;

	for (size_t i = 0; i < in->n; i++)
		cycles += in->cg[i].cycles;
	w = calloc(in->n + 1, sizeof(*w));
	out = calloc(in->n + 1, sizeof(*out));
	if (!w || !out) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < in->n; i++)
		w[i] = (in->use_cycles && cycles) ? in->cg[i].cycles : in->cg[i].cpu_ns;
	/* Slot n has no weight: it takes the whole active part only when nobody ran. */
	err = attrib_split(active, w, in->n + 1, in->n, out);
	if (err)
		goto cleanup;
	memcpy(cg_uj, out, in->n * sizeof(*cg_uj));
	*idle_uj += out[in->n];
cleanup:
	free(w);
	free(out);
	return err;
}

int attrib_interval(const struct attrib_rule *rule, const struct attrib_in *in, uint64_t *cg_uj,
		    uint64_t *idle_uj)
{
	uint64_t busy_ns = 0, idle_part, two[2], parts[2];
	int err;

	for (size_t i = 0; i < in->n; i++)
		busy_ns += in->cg[i].cpu_ns;
	if (rule->kind == ATTRIB_IDLE_POWER) {
		u128 e = (u128)rule->idle_power_uw * in->interval_ns / 1000000000ULL;

		idle_part = e < in->energy_uj ? (uint64_t)e : in->energy_uj;
	} else {
		/* Kepler 0.10's rule: the idle share is the idle fraction of CPU time. */
		two[0] = busy_ns;
		two[1] = in->idle_ns;
		err = attrib_split(in->energy_uj, two, 2, 1, parts);
		if (err)
			return err;
		idle_part = parts[1];
	}
	*idle_uj = idle_part;
	return split_active(in->energy_uj - idle_part, in, cg_uj, idle_uj);
}

int attrib_rule_parse(const char *text, struct attrib_rule *rule)
{
	const char *num = text + 5, *p = num;
	char *end;
	double w;

	if (strcmp(text, "util") == 0) {
		*rule = (struct attrib_rule){ .kind = ATTRIB_UTIL };
		return 0;
	}
	if (strncmp(text, "idle:", 5) != 0)
		return -EINVAL;
	/* Decimal watts only, 0..10 kW: no hex, exponent or nan through strtod. */
	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	if (p == num || (*p && strcmp(p, "W") != 0))
		return -EINVAL;
	errno = 0;
	w = strtod(num, &end);
	if (errno || end != p || !(w >= 0 && w <= 10000.0))
		return -EINVAL;
	*rule = (struct attrib_rule){ .kind = ATTRIB_IDLE_POWER,
				      .idle_power_uw = (uint64_t)(w * 1e6 + 0.5) };
	return 0;
}

char *attrib_rule_format(const struct attrib_rule *rule, char *buf, size_t len)
{
	if (rule->kind == ATTRIB_UTIL)
		snprintf(buf, len, "util");
	else
		snprintf(buf, len, "idle:%gW", rule->idle_power_uw / 1e6);
	return buf;
}
