// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_feed.c: a host's feed (docs/feed.md) opened and read as its tree changes step by step. */
#include "fuzz_util.h"
#include "duration.h"
#include "esrc_powercap.h"

#define MAX_STEPS 64

/*
 * The input is a tree description (fuzz_util.h) with lines of the feed's own:
 *	@spec ,OPTS	appended to the directory in the spec: ",stale=300ms"
 *	@step DUR	the clock moves on by DUR and every zone is read; the tree lines after
 *			it change the tree before the next step
 */
static uint64_t now_ns;

static uint64_t fake_clock(void)
{
	return now_ns;
}

static bool is_directive(const char *line, size_t n)
{
	return n && line[0] == '@';
}

/* The value after "@word " on this line, as a string; NULL when it is not that line. */
static const char *directive(const char *line, size_t n, const char *word, char *buf, size_t len)
{
	size_t wl = strlen(word);

	if (n <= wl + 1 || memcmp(line, word, wl) || line[wl] != ' ' || n - wl - 1 >= len)
		return NULL;
	memcpy(buf, line + wl + 1, n - wl - 1);
	buf[n - wl - 1] = '\0';
	return buf;
}

static void step(struct esrc *s, uint64_t *last)
{
	for (size_t i = 0; i < s->nz; i++) {
		uint64_t uj = last[i];
		int err = s->ops->read(s, i, &uj);

		/* A reading continues the last one (0), is a new baseline (-EAGAIN), or fails and
		 * leaves *uj alone. */
		FZ_CHECK(err <= 0);
		if (err && err != -EAGAIN)
			FZ_CHECK(uj == last[i]);
		else
			last[i] = uj;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = fz_tree_root(), *text = (const char *)data, *p = text;
	const char *end = text + size;
	char spec[512], msg[1024], buf[256];
	uint64_t last[ESRC_MAX_ZONES] = { 0 };
	struct esrc *s = NULL;
	unsigned int steps = 0;

	snprintf(spec, sizeof(spec), "%s", root);
	now_ns = 1000000000ULL;
	/* Up to the first @step: the tree the feed opens on. */
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *v;
		uint64_t ns;

		if ((v = directive(p, n, "@spec", buf, sizeof(buf)))) {
			/* Options only: the directory stays the tree's. */
			if (v[0] == ',' && !strchr(v, '/'))
				snprintf(spec, sizeof(spec), "%s%s", root, v);
		} else if ((v = directive(p, n, "@step", buf, sizeof(buf)))) {
			if (!s) {
				s = esrc_feed_open(spec, msg, sizeof(msg));
				fz_check_cstr(msg, sizeof(msg));
				if (!s)
					break;
				fz_check_cstr(s->desc, sizeof(s->desc));
				esrc_feed_set_clock(s, fake_clock);
				step(s, last);
			}
			if (++steps > MAX_STEPS)
				break;
			if (!duration_parse(v, &ns) && ns < (1ULL << 62))
				now_ns += ns;
			step(s, last);
		} else if (!is_directive(p, n)) {
			fz_tree_line(p, n, true);
		}
		p += n + 1;
	}
	if (!s) {
		s = esrc_feed_open(spec, msg, sizeof(msg));
		fz_check_cstr(msg, sizeof(msg));
		if (s)
			esrc_feed_set_clock(s, fake_clock);
	}
	if (s) {
		step(s, last);
		esrc__free(s);
	}
	return 0;
}
