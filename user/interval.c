// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* interval.c: one interval's energy, zone by zone, attributed to its rows; pure, no I/O. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "interval.h"

static int reserve(struct interval_res *res, size_t rows, size_t nzones)
{
	size_t need = rows * (nzones ? nzones : 1);

	if (need <= res->cap)
		return 0;
	free(res->zone_uj);
	free(res->node_uj);
	res->zone_uj = calloc(need, sizeof(uint64_t));
	res->node_uj = calloc(rows, sizeof(uint64_t));
	if (!res->zone_uj || !res->node_uj) {
		res->cap = 0;
		return -ENOMEM;
	}
	/* node_uj is sized by rows <= need, so cap covers both. */
	res->cap = need;
	return 0;
}

int interval_attribute(const struct attrib_rule *rule, const struct probe_sample *s,
		       uint64_t interval_ns, const struct zone_delta *zd, const bool *zone_node,
		       size_t nzones, bool use_cycles, struct interval_res *res)
{
	size_t rows = s->nrows + 1;
	struct attrib_cg *cg;
	uint64_t *part;
	int err;

	err = reserve(res, rows, nzones);
	if (err)
		return err;
	res->nrows = s->nrows;
	res->nzones = nzones;
	res->node_total_uj = 0;
	res->node_gap = false;
	memset(res->zone_uj, 0, rows * nzones * sizeof(uint64_t));
	memset(res->node_uj, 0, rows * sizeof(uint64_t));
	cg = calloc(s->nrows ? s->nrows : 1, sizeof(*cg));
	part = calloc(rows, sizeof(*part));
	if (!cg || !part) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < s->nrows; i++) {
		cg[i].cpu_ns = s->rows[i].s.cpu_ns;
		cg[i].cycles = s->rows[i].s.cycles;
	}
	for (size_t z = 0; z < nzones; z++) {
		struct attrib_in in = { .energy_uj = zd[z].energy_uj,
					.interval_ns = interval_ns,
					.idle_ns = s->idle.cpu_ns,
					.cg = cg,
					.n = s->nrows,
					.use_cycles = use_cycles };

		if (zd[z].gap) {
			res->node_gap |= zone_node[z];
			continue;
		}
		err = attrib_interval(rule, &in, part, &part[s->nrows]);
		if (err)
			goto cleanup;
		for (size_t r = 0; r < rows; r++) {
			res->zone_uj[r * nzones + z] = part[r];
			if (zone_node[z])
				res->node_uj[r] += part[r];
		}
		if (zone_node[z])
			res->node_total_uj += zd[z].energy_uj;
	}
cleanup:
	free(cg);
	free(part);
	return err;
}

void interval_res__free(struct interval_res *res)
{
	free(res->zone_uj);
	free(res->node_uj);
	memset(res, 0, sizeof(*res));
}
