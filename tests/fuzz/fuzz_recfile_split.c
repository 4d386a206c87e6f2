// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_recfile_split.c: recfile_split on one CSV record, quotes undone in place. */
#include "fuzz_util.h"
#include "recfile.h"

#define MAX 96 /* recfile.c's MAX_FIELDS */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *fields[MAX];
	int max = size ? 1 + data[0] % MAX : MAX;
	size_t len = strlen(s);
	int n = recfile_split(s, fields, max);

	FZ_CHECK(n == -EBADMSG || n == -E2BIG || (n >= 1 && n <= max));
	/* Fields are pieces of the line, in order, each ending before the next starts. */
	for (int i = 0; i < n; i++) {
		FZ_CHECK(fields[i] >= s && fields[i] <= s + len);
		if (i)
			FZ_CHECK(fields[i] > fields[i - 1] + strlen(fields[i - 1]));
		(void)strlen(fields[i]);
	}
	/* Without quotes the fields are the text between commas. */
	if (n > 0 && !memchr(data, '"', size) && !memchr(data, '\0', size)) {
		size_t commas = 0;

		for (size_t i = 0; i < size; i++)
			commas += data[i] == ',';
		FZ_CHECK((size_t)n == commas + 1);
	}
	free(s);
	return 0;
}
