// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_prom_text.c: prom_parse on any bytes, not NUL-terminated, each sample checked. */
#include <math.h>
#include "fuzz_util.h"
#include "prom_text.h"

struct seen {
	unsigned int samples, last_line, stop_at;
};

static bool metric_name(const char *s, bool colon)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
		      (*s >= '0' && *s <= '9') || (colon && *s == ':')))
			return false;
	return true;
}

static int sample_cb(const struct prom_sample *s, void *ctx)
{
	struct seen *v = ctx;

	FZ_CHECK(metric_name(s->name, true));
	FZ_CHECK(s->nlabels <= PROM_MAX_LABELS);
	FZ_CHECK(s->line >= v->last_line);
	FZ_CHECK(s->type <= PROM_SUMMARY && strcmp(prom_type_name(s->type), "?"));
	v->last_line = s->line;
	for (size_t i = 0; i < s->nlabels; i++) {
		FZ_CHECK(metric_name(s->labels[i].name, false));
		(void)strlen(s->labels[i].value);
		/* Label names are unique: the lookup finds this one's value. */
		FZ_CHECK(prom_label(s, s->labels[i].name) == s->labels[i].value);
	}
	FZ_CHECK(prom_label(s, "no such label!") == NULL);
	/* A callback's non-zero return stops the parse and is its result. */
	return ++v->samples == v->stop_at ? 42 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The exact bytes, in a buffer of their size: a read past len is ASan's to see. */
	struct seen v = { .stop_at = size ? data[0] % 8 : 0 };
	char err[128];
	int rc = prom_parse((const char *)data, size, sample_cb, &v, err, sizeof(err));

	fz_check_cstr(err, sizeof(err));
	FZ_CHECK(rc == 0 || rc == 42 || rc == -EBADMSG || rc == -ENOMEM);
	FZ_CHECK((rc == -EBADMSG) == !!err[0]);
	if (rc == 42)
		FZ_CHECK(v.samples == v.stop_at);
	/* A small error buffer, and none at all. */
	v = (struct seen){ 0 };
	prom_parse((const char *)data, size, sample_cb, &v, err, 8);
	fz_check_cstr(err, 8);
	v = (struct seen){ 0 };
	prom_parse((const char *)data, size, sample_cb, &v, NULL, 0);
	return 0;
}
