// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_duration.c: duration_parse on any text, and every duration_format output parsed back. */
#include "fuzz_util.h"
#include "duration.h"

/* What duration_format writes, duration_parse must read back as the same nanoseconds. */
static void round_trip(uint64_t ns)
{
	char buf[48];
	uint64_t back = 0;

	duration_format(ns, buf, sizeof(buf));
	fz_check_cstr(buf, sizeof(buf));
	if (duration_parse(buf, &back)) {
		fprintf(stderr, "duration_format(%llu) = '%s' does not parse\n",
			(unsigned long long)ns, buf);
		abort();
	}
	FZ_CHECK(back == ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	uint64_t ns = 0, raw = 0;
	int err = duration_parse(s, &ns);

	FZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (!err)
		round_trip(ns);
	/* The first 8 bytes as a count of ns: every value, not only those that parse. */
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	round_trip(raw);
	free(s);
	return 0;
}
