/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* jsonnum.h: numbers and strings for json-c output: numbers printed as asked, strings UTF-8. */
#ifndef WP_JSONNUM_H
#define WP_JSONNUM_H

#include <json-c/json.h>

/* v printed with fmt ("%.6f"); JSON null when v is not finite (JSON has no NaN). */
json_object *json_num(double v, const char *fmt);

/* s as a JSON string, made valid UTF-8 (each invalid byte becomes U+FFFD): JSON is UTF-8. */
json_object *json_str(const char *s);

#endif
