/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* kubectl.h: the pod list from `kubectl get pods -A -o json`, run as a child process. */
#ifndef WP_KUBECTL_H
#define WP_KUBECTL_H

#include <stdatomic.h>
#include <stddef.h>

#define KUBECTL_OUT_MAX (256u << 20) /* a pod list larger than this is refused */

/*
 * Run kubectl (found in $PATH; $KUBECONFIG as the caller has it) for all pods, or only node's
 * (--field-selector spec.nodeName=NODE) when node is not NULL, within timeout_ms. Its stdout
 * goes to *out (malloc'd, NUL-terminated), *len. 0, or -errno with a one-line reason in err:
 * not installed, killed at the timeout (or when *cancel turns true: -ECANCELED), or its exit
 * status and the first line it wrote on stderr.
 */
int kubectl_get_pods(const char *node, long timeout_ms, const atomic_bool *cancel, char **out,
		     size_t *len, char *err, size_t errlen);

#endif
