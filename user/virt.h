/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * virt.h: a VM host's domains through libvirt (read-only): the running ones with their vCPUs
 * and CPU time, listed in bulk, and followed as they start and stop. I/O; the pure side is
 * vm_share.
 */
#ifndef WP_VIRT_H
#define WP_VIRT_H

#include <stddef.h>
#include "vm_share.h"

#define VIRT_DEFAULT_URI "qemu:///system"

struct virt;

/* A read-only connection to uri. NULL with errno, and msg saying why (libvirt's words). */
struct virt *virt__open(const char *uri, char *msg, size_t len);
void virt__free(struct virt *v);
const char *virt__uri(const struct virt *v);

/*
 * The running (and paused) domains, in one bulk stats call (state, cpu.time, vcpu.current),
 * with per-domain calls only for what a driver's bulk stats leave out. *out is malloc'd (free
 * it). 0, or -errno with msg set.
 */
int virt__list(struct virt *v, struct vm_info **out, size_t *n, char *msg, size_t len);

/*
 * Follow the domains on a thread of its own: list them at once, then whenever libvirt reports
 * a domain's lifecycle event and at least every period_ms, and pass each list to cb (on that
 * thread; the list is valid during the call). A lost connection is reopened every period. A
 * failure is passed as n == 0 with msg set, once per failure in a row. 0 or -errno.
 */
typedef void (*virt_cb)(void *ctx, const struct vm_info *doms, size_t n, const char *err);
int virt__follow(struct virt *v, unsigned int period_ms, virt_cb cb, void *ctx);
/* Stop following (waits for the thread). */
void virt__stop(struct virt *v);

#endif
