/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vm_path.h: a cgroup path's libvirt domain, and which of its threads the cgroup holds (vCPU,
 * emulator, I/O thread); pure. The first piece of `wattprobe host` (issue 8): VMs are found by
 * their cgroups, never by the name of the qemu binary.
 */
#ifndef WP_VM_PATH_H
#define WP_VM_PATH_H

#include <stddef.h>

#define VM_NAME_MAX 256

enum vm_part {
	VM_NONE = 0, /* not a libvirt domain's cgroup */
	VM_DOMAIN,   /* the domain's own cgroup, or one below it that is none of the others */
	VM_VCPU,     /* libvirt/vcpuN (vcpuN under cgroup v1) */
	VM_EMULATOR, /* libvirt/emulator: qemu's main loop, its I/O and timers */
	VM_IOTHREAD, /* libvirt/iothreadN */
};

struct vm_ident {
	enum vm_part part;
	int id;			/* libvirt's domain id (qemu-N-name), -1 where the path has none */
	int index;		/* N of vcpuN or iothreadN, else -1 */
	char driver[16];	/* "qemu", "lxc", ... */
	char name[VM_NAME_MAX]; /* the domain's name, unescaped (libvirt may have shortened it) */
};

/*
 * Parse a cgroup path or a /proc/PID/cgroup line ("0::/...", "4:cpu,cpuacct:/..."):
 *   systemd:  /machine.slice/machine-qemu\x2d2\x2dvm1.scope[/libvirt]/vcpu0
 *   cgroupfs: /machine/qemu-1-vm1.libvirt-qemu/emulator
 * and the older forms without an id (machine-qemu\x2dvm1.scope, vm1.libvirt-qemu). The
 * innermost domain wins. 0 (VM_NONE for a path that is no domain's), or -EINVAL for an empty
 * line or a malformed escape.
 */
int vm_parse_path(const char *text, struct vm_ident *out);

const char *vm_part_name(enum vm_part part);

#endif
