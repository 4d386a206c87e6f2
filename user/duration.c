// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* duration.c: durations with units ("250ms", "1.5s", "2m") to and from nanoseconds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "duration.h"

static const struct {
	const char *suffix;
	uint64_t ns;
} units[] = {
	{ "ns", 1ULL },		{ "us", 1000ULL },	 { "ms", 1000000ULL },
	{ "s", 1000000000ULL }, { "m", 60000000000ULL }, { "h", 3600000000000ULL },
	{ "", 1000000000ULL }, /* a bare number is seconds */
};

int duration_parse(const char *text, uint64_t *out_ns)
{
	uint64_t whole = 0, frac = 0, frac_div = 1, unit = 0, ns;
	const char *p = text;
	int digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		/* Exact: 18446744073709551615ns is UINT64_MAX, and duration_format writes it. */
		if (whole > UINT64_MAX / 10 || whole * 10 > UINT64_MAX - (uint64_t)(*p - '0'))
			return -ERANGE;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (frac_div > UINT64_MAX / 100)
				return -ERANGE;
			frac = frac * 10 + (*p - '0');
			frac_div *= 10;
		}
	}
	if (!digits)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) == 0) {
			unit = units[i].ns;
			break;
		}
	}
	if (!unit)
		return -EINVAL;
	if (whole > UINT64_MAX / unit)
		return -ERANGE;
	ns = whole * unit;
	/* The fraction must come out as whole nanoseconds: 1.5ns is refused, 1.5s is not. */
	if (frac) {
		if (frac > UINT64_MAX / unit || (frac * unit) % frac_div)
			return -ERANGE;
		if (ns > UINT64_MAX - frac * unit / frac_div)
			return -ERANGE;
		ns += frac * unit / frac_div;
	}
	*out_ns = ns;
	return 0;
}

char *duration_format(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} fmt[] = { { "m", 60000000000ULL },
		    { "s", 1000000000ULL },
		    { "ms", 1000000ULL },
		    { "us", 1000ULL } };

	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		uint64_t u = fmt[i].ns;

		if (ns < u)
			continue;
		if (ns % u == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(ns / u), fmt[i].suffix);
			return buf;
		}
		/* Up to three decimals when exact (1.5s, 2.25ms); else try a finer unit. */
		if (i > 0 && ns < UINT64_MAX / 1000 && (ns * 1000) % u == 0) {
			char tmp[48];
			size_t n;

			snprintf(tmp, sizeof(tmp), "%llu.%03llu", (unsigned long long)(ns / u),
				 (unsigned long long)((ns % u) * 1000 / u));
			n = strlen(tmp);
			while (tmp[n - 1] == '0')
				tmp[--n] = '\0';
			snprintf(buf, len, "%s%s", tmp, fmt[i].suffix);
			return buf;
		}
	}
	snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}
