/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* unit_name.h: systemd's \xNN escapes in unit names ("qemu\x2d2\x2dvm1"), undone; pure. */
#ifndef WP_UNIT_NAME_H
#define WP_UNIT_NAME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * len bytes of in into out, each \xNN as its byte. strict: a malformed escape, \x00 or no room
 * is -EINVAL; otherwise a malformed escape stays as it is and what does not fit is cut. 0.
 */
int unit_unescape(const char *in, size_t len, char *out, size_t outlen, bool strict);

#endif
