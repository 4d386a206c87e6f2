/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* vm_metrics.h: the VMs' shares on `wattprobe host`'s /metrics; pure. */
#ifndef WP_VM_METRICS_H
#define WP_VM_METRICS_H

#include "strbuf.h"
#include "vm_share.h"

/*
 * Every VM's families (docs/metrics.md): energy per part and zone, CPU time per part, vCPUs,
 * libvirt's CPU time, whether it runs. zone_labels[nzones]; source: the energy source's name.
 * 0 or -ENOMEM.
 */
int vm_metrics_render(const struct vm_share *vs, const char *const *zone_labels, const char *source,
		      const char *node, struct strbuf *sb);

#endif
