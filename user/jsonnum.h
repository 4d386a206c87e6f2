/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* jsonnum.h: numbers for json-c output, printed as asked (json-c's own show 17 digits). */
#ifndef WP_JSONNUM_H
#define WP_JSONNUM_H

#include <json-c/json.h>

/* v printed with fmt ("%.6f"); JSON null when v is not finite (JSON has no NaN). */
json_object *json_num(double v, const char *fmt);

#endif
