/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * podsrc.h: where pod metadata comes from: a file (re-read when it changes), kubectl, or the
 * API server. Fetched and parsed on a thread of its own: sampling never waits for it.
 */
#ifndef WP_PODSRC_H
#define WP_PODSRC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "pods.h"

#define PODSRC_FILE_CHECK_NS 200000000ULL /* a file's stat is checked this often */
#define PODSRC_FILE_MAX	     (256u << 20) /* a larger pod list file is refused */

struct podsrc_opts {
	const char *spec;	 /* a FILE, "kubectl" or "api" */
	const char *node;	 /* keep this node's pods; NULL: all */
	uint64_t refresh_ns;	 /* kubectl and api: how often */
	const char *sa_dir;	 /* api: the service account directory; NULL: the standard one */
	const atomic_bool *stop; /* the first fetch gives up when it turns true (a signal); NULL */
};

struct podsrc;

/*
 * Fetch the first pod list now (*first: caller owns it), then keep it fresh in the background.
 * NULL with errno and a one-line reason in err when the first fetch fails (-ECANCELED: stop).
 */
struct podsrc *podsrc__open(const struct podsrc_opts *o, struct pods **first, char *err,
			    size_t errlen);
void podsrc__free(struct podsrc *s);

/*
 * Never blocks for long. 1 with *out a newer pod list (caller owns it), else 0. err gets a
 * refresh's failure once (until a refresh succeeds or fails differently), else "": the last
 * good list stays in use.
 */
int podsrc__take(struct podsrc *s, struct pods **out, char *err, size_t errlen);
/* "file pods.json", "kubectl every 10s", "api https://10.96.0.1:443 every 10s". */
const char *podsrc__describe(const struct podsrc *s);

#endif
