// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_powercap.c: powercap__open and esrc_powercap_open on a zone tree built from the input. */
#include <ctype.h>
#include "fuzz_util.h"
#include "esrc_powercap.h"
#include "powercap.h"

/* Labels become CSV column names: safe characters only, and no two alike. */
static void check_zones(const struct powercap *pc)
{
	size_t n = powercap__nzones(pc), nnode = 0;

	FZ_CHECK(n <= 64);
	FZ_CHECK(powercap__zone(pc, n) == NULL);
	for (size_t i = 0; i < n; i++) {
		const struct pc_zone *z = powercap__zone(pc, i);

		fz_check_cstr(z->dir, sizeof(z->dir));
		fz_check_cstr(z->name, sizeof(z->name));
		fz_check_cstr(z->label, sizeof(z->label));
		FZ_CHECK(z->label[0]);
		for (const char *c = z->label; *c; c++)
			FZ_CHECK(isalnum((unsigned char)*c) || strchr("._-", *c));
		for (size_t j = 0; j < i; j++)
			FZ_CHECK(strcmp(powercap__zone(pc, j)->label, z->label));
		/* Never node energy when unreadable or a copy; psys never beside packages. */
		FZ_CHECK(!z->node || (!z->err && !z->duplicate));
		nnode += z->node;
	}
	FZ_CHECK(nnode == powercap__nnode(pc));
}

/* Two readings of every zone, the second after the tree is rewritten by nothing: delta 0. */
static void read_zones(const struct powercap *pc)
{
	for (size_t i = 0; i < powercap__nzones(pc); i++) {
		const struct pc_zone *z = powercap__zone(pc, i);
		uint64_t a = 0, b = 0, d = 0;

		if (powercap__read(pc, i, &a) || powercap__read(pc, i, &b))
			continue;
		FZ_CHECK(a == b);
		FZ_CHECK(rapl_delta(a, b, z->max_range_uj, &d) == 0 && d == 0);
		/* A wrap: from the reading to a smaller one, never more than the range. */
		if (a && !rapl_delta(a, a - 1, z->max_range_uj, &d))
			FZ_CHECK(d <= z->max_range_uj);
	}
	FZ_CHECK(powercap__read(pc, powercap__nzones(pc), &(uint64_t){ 0 }) == -EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fz_tree_root();
	struct powercap *pc;
	struct esrc *s;
	char msg[1024];

	fz_tree_build((const char *)data, size, true, NULL);
	pc = powercap__open(root);
	if (pc) {
		check_zones(pc);
		read_zones(pc);
		powercap__free(pc);
	} else {
		FZ_CHECK(errno == E2BIG || errno == ENOMEM);
	}
	s = esrc_powercap_open(root, msg, sizeof(msg));
	fz_check_cstr(msg, sizeof(msg));
	if (s) {
		fz_check_cstr(s->desc, sizeof(s->desc));
		fz_check_cstr(s->warn, sizeof(s->warn));
		for (size_t i = 0; i < s->nz; i++) {
			uint64_t uj = 0;

			fz_check_cstr(s->zones[i].label, sizeof(s->zones[i].label));
			s->ops->read(s, i, &uj);
			s->ops->read(s, i, &uj);
		}
		esrc__free(s);
	}
	return 0;
}
