// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* unit_name.c: systemd's \xNN escapes in unit names, undone. */
#include <errno.h>
#include "unit_name.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int unit_unescape(const char *in, size_t len, char *out, size_t outlen, bool strict)
{
	size_t o = 0;

	if (!outlen)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];
		bool esc = c == '\\' && i + 3 < len && in[i + 1] == 'x' && hexval(in[i + 2]) >= 0 &&
			   hexval(in[i + 3]) >= 0;

		if (esc) {
			c = hexval(in[i + 2]) * 16 + hexval(in[i + 3]);
			i += 3;
		}
		if (strict && ((c == '\\' && !esc) || c == 0))
			return -EINVAL;
		if (o + 1 >= outlen) {
			if (strict)
				return -EINVAL;
			break;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}
