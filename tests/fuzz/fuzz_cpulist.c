// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_cpulist.c: cpulist_parse on any text, with small and CONFIG_NR_CPUS-sized masks. */
#include "fuzz_util.h"
#include "cpulist.h"

#define BIG_NCPUS 8192 /* CPUTOPO_MAX_CPUS */

/* A mask written back as a list ("0-3,8"), which must parse to the same mask. */
static void round_trip(const bool *mask, size_t ncpus)
{
	static bool back[BIG_NCPUS];
	static char buf[BIG_NCPUS * 12];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t c = 0; c < ncpus; c++) {
		size_t hi = c;

		if (!mask[c])
			continue;
		while (hi + 1 < ncpus && mask[hi + 1])
			hi++;
		used += snprintf(buf + used, sizeof(buf) - used, "%s%zu", used ? "," : "", c);
		if (hi > c)
			used += snprintf(buf + used, sizeof(buf) - used, "-%zu", hi);
		c = hi;
	}
	FZ_CHECK(cpulist_parse(buf, back, ncpus) == 0);
	FZ_CHECK(memcmp(back, mask, ncpus * sizeof(*mask)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool big[BIG_NCPUS];
	char *s = fz_str(data, size);
	/* A mask of its own size: ASan sees a CPU set past its end. */
	size_t n = size ? 1 + data[0] % 64 : 1;
	bool *small = malloc(n * sizeof(*small));
	int err;

	if (!small)
		abort();
	err = cpulist_parse(s, small, n);
	FZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (!err)
		round_trip(small, n);
	err = cpulist_parse(s, big, BIG_NCPUS);
	FZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (!err)
		round_trip(big, BIG_NCPUS);
	free(small);
	free(s);
	return 0;
}
