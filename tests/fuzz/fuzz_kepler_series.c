// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_kepler_series.c: Kepler's node energy series, and a source's zones, from any scrape. */
#include <math.h>
#include "fuzz_util.h"
#include "kepler_series.h"
#include "kepler_zones.h"

static int sample_cb(const struct prom_sample *s, void *ctx)
{
	struct kser out[KEPLER_SAMPLE_SER];
	size_t n = kepler_classify(s, out);

	(void)ctx;
	FZ_CHECK(n <= KEPLER_SAMPLE_SER);
	for (size_t i = 0; i < n; i++) {
		uint64_t uj;

		FZ_CHECK(out[i].gen > KG_NONE && out[i].gen <= KG_CPU);
		FZ_CHECK(out[i].kind <= KK_OTHER);
		FZ_CHECK(out[i].mode <= KM_IDLE);
		FZ_CHECK(out[i].index >= -1 && out[i].index < 4096);
		fz_check_cstr(out[i].zname, sizeof(out[i].zname));
		fz_check_cstr(out[i].key, sizeof(out[i].key));
		if (!kepler_to_uj(out[i].value, out[i].scale, &uj))
			FZ_CHECK(!isnan(out[i].value) && out[i].value >= 0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kepler_zones zs;
	static struct esrc base;
	char msg[512];
	int rc;

	prom_parse((const char *)data, size, sample_cb, NULL, msg, sizeof(msg));
	memset(&zs, 0, sizeof(zs));
	memset(&base, 0, sizeof(base));
	rc = kepler_zones_plan(&zs, &base, "http://fuzz/metrics", (const char *)data, size, msg,
			       sizeof(msg));
	fz_check_cstr(msg, sizeof(msg));
	FZ_CHECK(rc <= 0);
	if (rc)
		return 0;
	FZ_CHECK(base.nz > 0 && base.nz <= ESRC_MAX_ZONES);
	fz_check_cstr(base.desc, sizeof(base.desc));
	for (size_t i = 0; i < base.nz; i++) {
		fz_check_cstr(base.zones[i].label, sizeof(base.zones[i].label));
		fz_check_cstr(zs.z[i].key, sizeof(zs.z[i].key));
		/* Zones are told apart by their keys: each finds itself first. */
		FZ_CHECK(kepler_zones_find(&zs, base.nz, zs.z[i].key) == (int)i);
		for (size_t j = 0; j < i; j++)
			FZ_CHECK(strcmp(base.zones[i].label, base.zones[j].label));
	}
	return 0;
}
