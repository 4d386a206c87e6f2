// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cpulist.c: parsing the kernel's CPU list format ("0-11,16-27"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpulist.h"

static int parse_num(const char **p, unsigned long *out)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(*p, &end, 10);
	if (errno)
		return -EINVAL;
	*p = end;
	return 0;
}

int cpulist_parse(const char *text, bool *mask, size_t ncpus)
{
	const char *p = text;
	unsigned long lo, hi;
	int err;

	memset(mask, 0, ncpus * sizeof(*mask));
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\n' || *p == '\0')
		return 0; /* an empty list is valid: e.g. no offline CPU */
	for (;;) {
		err = parse_num(&p, &lo);
		if (err)
			return err;
		hi = lo;
		if (*p == '-') {
			p++;
			err = parse_num(&p, &hi);
			if (err)
				return err;
			if (hi < lo)
				return -EINVAL;
		}
		if (hi >= ncpus)
			return -ERANGE;
		for (unsigned long c = lo; c <= hi; c++)
			mask[c] = true;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n')
			p++;
		return *p == '\0' ? 0 : -EINVAL;
	}
}

int cpulist_read(const char *path, bool *mask, size_t ncpus)
{
	char buf[4096];
	size_t n;
	FILE *f;
	int err;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err)
		return err;
	buf[n] = '\0';
	return cpulist_parse(buf, mask, ncpus);
}
