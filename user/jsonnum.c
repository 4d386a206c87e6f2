// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* jsonnum.c: numbers for json-c output, printed as asked. */
#include <math.h>
#include <stdio.h>
#include "expo.h"
#include "jsonnum.h"
#include "strbuf.h"

json_object *json_num(double v, const char *fmt)
{
	char buf[64];

	if (!isfinite(v))
		return NULL;
	snprintf(buf, sizeof(buf), fmt, v);
	return json_object_new_double_s(v, buf);
}

json_object *json_str(const char *s)
{
	struct strbuf sb = {};
	json_object *o;

	expo_utf8(&sb, s);
	o = json_object_new_string(sb.buf ? sb.buf : "");
	strbuf_free(&sb);
	return o;
}
