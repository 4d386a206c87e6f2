// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_kepler_work.c: Kepler's per-pod and per-container joules from any scrape. */
#include <ctype.h>
#include "fuzz_util.h"
#include "kepler_work.h"

static void check(const struct kwork *w)
{
	FZ_CHECK(w->gen == KWORK_GEN_07 || w->gen == KWORK_GEN_010);
	fz_check_cstr(w->zones, sizeof(w->zones));
	for (size_t i = 0; i < w->nctrs; i++) {
		const struct kwork_ctr *k = &w->ctrs[i];

		FZ_CHECK(strlen(k->id) == KWORK_ID_LEN);
		for (const char *c = k->id; *c; c++)
			FZ_CHECK(isxdigit((unsigned char)*c) && !isupper((unsigned char)*c));
		fz_check_cstr(k->name, sizeof(k->name));
		fz_check_cstr(k->pod_uid, sizeof(k->pod_uid));
		fz_check_cstr(k->ns, sizeof(k->ns));
		fz_check_cstr(k->pod, sizeof(k->pod));
		/* Sorted by id, one entry per id: each finds itself. */
		FZ_CHECK(kwork_ctr_by_id(w, k->id) == k);
		if (i)
			FZ_CHECK(strcmp(w->ctrs[i - 1].id, k->id) < 0);
	}
	for (size_t i = 0; i < w->npods; i++) {
		const struct kwork_pod *p = &w->pods[i];

		fz_check_cstr(p->uid, sizeof(p->uid));
		fz_check_cstr(p->ns, sizeof(p->ns));
		fz_check_cstr(p->name, sizeof(p->name));
		if (p->uid[0])
			FZ_CHECK(kwork_pod_by_uid(w, p->uid) == p);
		FZ_CHECK(kwork_pod_by_name(w, p->ns, p->name) != NULL);
	}
	FZ_CHECK(kwork_pod_by_uid(w, "") == NULL);
	FZ_CHECK(kwork_ctr_by_id(w, "not an id") == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kwork w;
	char msg[256];
	int rc = kwork_parse((const char *)data, size, &w, msg, sizeof(msg));

	fz_check_cstr(msg, sizeof(msg));
	FZ_CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOENT || rc == -ENOMEM);
	if (!rc)
		check(&w);
	else
		FZ_CHECK(!w.pods && !w.ctrs && !w.npods && !w.nctrs);
	kwork_free(&w);
	return 0;
}
