// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* vm_metrics.c: the VMs' shares on `wattprobe host`'s /metrics, in the exposition format. */
#include <stdio.h>
#include "expo.h"
#include "vm_metrics.h"

static void dom_labels(struct strbuf *sb, const struct vm_dom *d, const char *node)
{
	char id[16];
	bool first = true;

	snprintf(id, sizeof(id), "%d", d->id);
	expo_label(sb, &first, "vm", d->name);
	expo_label(sb, &first, "vm_id", d->id >= 0 ? id : "");
	expo_label(sb, &first, "vm_uuid", d->libvirt ? d->info.uuid : "");
	expo_label(sb, &first, "node_name", node);
}

int vm_metrics_render(const struct vm_share *vs, const char *const *zone_labels, const char *source,
		      const char *node, struct strbuf *sb)
{
	size_t n = vm_share__count(vs), nz = vm_share__nzones(vs);
	struct strbuf lb = {};

	expo_family(sb, "wattprobe_vm_energy_joules_total", "counter",
		    "Energy attributed to a VM's threads (vcpu, emulator, iothread, or domain: the "
		    "rest of its cgroup), by zone");
	for (size_t i = 0; i < n; i++) {
		const struct vm_dom *d = vm_share__get(vs, i);

		for (enum vm_part p = VM_DOMAIN; p <= VM_IOTHREAD; p++) {
			size_t pi = vm_part_idx(p);
			bool any = d->cpu_ns[pi] > 0;

			for (size_t z = 0; z < nz && !any; z++)
				any = d->part_uj[pi * nz + z] > 0;
			if (!any)
				continue;
			for (size_t z = 0; z < nz; z++) {
				bool first = false;

				strbuf_reset(&lb);
				dom_labels(&lb, d, node);
				expo_label(&lb, &first, "part", vm_part_name(p));
				expo_label(&lb, &first, "zone", zone_labels[z]);
				expo_label(&lb, &first, "source", source);
				expo_sample_begin(sb, "wattprobe_vm_energy_joules_total", lb.buf,
						  "");
				expo_value_micro(sb, d->part_uj[pi * nz + z]);
			}
		}
	}
	expo_family(sb, "wattprobe_vm_cpu_seconds_total", "counter",
		    "On-CPU time of a VM's threads, from the probe");
	for (size_t i = 0; i < n; i++) {
		const struct vm_dom *d = vm_share__get(vs, i);

		for (enum vm_part p = VM_DOMAIN; p <= VM_IOTHREAD; p++) {
			bool first = false;

			if (!d->cpu_ns[vm_part_idx(p)])
				continue;
			strbuf_reset(&lb);
			dom_labels(&lb, d, node);
			expo_label(&lb, &first, "part", vm_part_name(p));
			expo_sample_begin(sb, "wattprobe_vm_cpu_seconds_total", lb.buf, "");
			expo_value_nano(sb, d->cpu_ns[vm_part_idx(p)]);
		}
	}
	expo_family(sb, "wattprobe_vm_running", "gauge",
		    "1 while libvirt lists the VM as running; without libvirt, 1 once the VM is "
		    "known");
	for (size_t i = 0; i < n; i++) {
		const struct vm_dom *d = vm_share__get(vs, i);

		strbuf_reset(&lb);
		dom_labels(&lb, d, node);
		expo_sample_begin(sb, "wattprobe_vm_running", lb.buf, "");
		expo_value_u64(sb, d->libvirt ? d->info.running : 1);
	}
	expo_family(sb, "wattprobe_vm_vcpus", "gauge",
		    "The VM's vCPUs now (libvirt's vcpu.current)");
	for (size_t i = 0; i < n; i++) {
		const struct vm_dom *d = vm_share__get(vs, i);

		if (!d->libvirt || !d->info.vcpus)
			continue;
		strbuf_reset(&lb);
		dom_labels(&lb, d, node);
		expo_sample_begin(sb, "wattprobe_vm_vcpus", lb.buf, "");
		expo_value_u64(sb, d->info.vcpus);
	}
	expo_family(sb, "wattprobe_vm_libvirt_cpu_seconds_total", "counter",
		    "libvirt's cpu.time of the VM (all its threads), to check the probe's against");
	for (size_t i = 0; i < n; i++) {
		const struct vm_dom *d = vm_share__get(vs, i);

		if (!d->libvirt || !d->info.has_cpu)
			continue;
		strbuf_reset(&lb);
		dom_labels(&lb, d, node);
		expo_sample_begin(sb, "wattprobe_vm_libvirt_cpu_seconds_total", lb.buf, "");
		expo_value_nano(sb, d->info.cpu_ns);
	}
	strbuf_free(&lb);
	return sb->err;
}
