// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_vm_path.c: libvirt domains' cgroups, as systemd and cgroupfs name them (FIELD-NOTES 17:
 * /machine.slice/machine-qemu\x2d2\x2dvm1.scope/libvirt/vcpu0, /machine/qemu-1-vm1.libvirt-qemu).
 */
#include "testutil.h"
#include "unit_name.h"
#include "vm_path.h"

struct vm_case {
	const char *path;
	enum vm_part part;
	int id, index;
	const char *driver, *name;
};

static const struct vm_case cases[] = {
	/* systemd, cgroup v2: libvirt/ below the scope */
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/vcpu0", VM_VCPU, 2, 0, "qemu",
	  "vm1" },
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/vcpu13", VM_VCPU, 2, 13, "qemu",
	  "vm1" },
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/emulator", VM_EMULATOR, 2, -1,
	  "qemu", "vm1" },
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/iothread1", VM_IOTHREAD, 2, 1,
	  "qemu", "vm1" },
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt", VM_DOMAIN, 2, -1, "qemu",
	  "vm1" },
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope", VM_DOMAIN, 2, -1, "qemu", "vm1" },
	/* systemd, cgroup v1: the threads' cgroups straight below the scope */
	{ "/machine.slice/machine-qemu\\x2d7\\x2dweb.scope/vcpu1", VM_VCPU, 7, 1, "qemu", "web" },
	{ "/machine.slice/machine-qemu\\x2d7\\x2dweb.scope/emulator", VM_EMULATOR, 7, -1, "qemu",
	  "web" },
	/* names with dashes and other escapes; minikube's domain */
	{ "/machine.slice/machine-qemu\\x2d1\\x2dminikube.scope/libvirt/vcpu1", VM_VCPU, 1, 1,
	  "qemu", "minikube" },
	{ "/machine.slice/machine-qemu\\x2d12\\x2dmy\\x2dvm\\x2d2.scope/libvirt/vcpu0", VM_VCPU, 12,
	  0, "qemu", "my-vm-2" },
	{ "/machine.slice/machine-qemu\\x2d3\\x2dvm\\x2e1.scope/libvirt/emulator", VM_EMULATOR, 3,
	  -1, "qemu", "vm.1" },
	/* before ids were in names */
	{ "/machine.slice/machine-qemu\\x2dvm1.scope/vcpu0", VM_VCPU, -1, 0, "qemu", "vm1" },
	/* cgroupfs (no systemd) */
	{ "/machine/qemu-1-vm1.libvirt-qemu/vcpu0", VM_VCPU, 1, 0, "qemu", "vm1" },
	{ "/machine/qemu-1-vm1.libvirt-qemu/emulator", VM_EMULATOR, 1, -1, "qemu", "vm1" },
	{ "/machine/qemu-1-vm1.libvirt-qemu", VM_DOMAIN, 1, -1, "qemu", "vm1" },
	{ "/machine/qemu-14-my-vm.libvirt-qemu/vcpu3", VM_VCPU, 14, 3, "qemu", "my-vm" },
	{ "/machine/vm1.libvirt-qemu/vcpu0", VM_VCPU, -1, 0, "qemu", "vm1" },
	{ "/machine/my-vm.libvirt-qemu/emulator", VM_EMULATOR, -1, -1, "qemu", "my-vm" },
	{ "/machine/lxc-3-c1.libvirt-lxc", VM_DOMAIN, 3, -1, "lxc", "c1" },
	/* /proc/PID/cgroup lines */
	{ "0::/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/vcpu0", VM_VCPU, 2, 0, "qemu",
	  "vm1" },
	{ "4:cpu,cpuacct:/machine/qemu-1-vm1.libvirt-qemu/emulator\n", VM_EMULATOR, 1, -1, "qemu",
	  "vm1" },
	/* below the domain, something else: the domain's */
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/vcpux", VM_DOMAIN, 2, -1, "qemu",
	  "vm1" },
	{ "/machine.slice/machine-qemu\\x2d2\\x2dvm1.scope/libvirt/emulator2", VM_DOMAIN, 2, -1,
	  "qemu", "vm1" },
	/* not libvirt's: a systemd-nspawn machine, a host service, a pod, a slice by that name */
	{ "/machine.slice/machine-mybox.scope", VM_NONE, -1, -1, "", "" },
	{ "/machine.slice/machine-my\\x2dbox.scope/payload", VM_NONE, -1, -1, "", "" },
	{ "/system.slice/libvirtd.service", VM_NONE, -1, -1, "", "" },
	{ "/kubepods.slice/kubepods-pod1234.slice/cri-containerd-ab.scope", VM_NONE, -1, -1, "",
	  "" },
	{ "/machine.slice", VM_NONE, -1, -1, "", "" },
	{ "/", VM_NONE, -1, -1, "", "" },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vm_case *c = &cases[i];
		struct vm_ident v;

		if (vm_parse_path(c->path, &v))
			fail_msg("%s: error", c->path);
		if (v.part != c->part || v.id != c->id || v.index != c->index ||
		    strcmp(v.driver, c->driver) || strcmp(v.name, c->name))
			fail_msg("%s: %s id %d index %d driver '%s' name '%s'; want %s %d %d '%s' "
				 "'%s'",
				 c->path, vm_part_name(v.part), v.id, v.index, v.driver, v.name,
				 vm_part_name(c->part), c->id, c->index, c->driver, c->name);
	}
}

static void test_bad(void **state)
{
	struct vm_ident v;
	char out[8];

	(void)state;
	assert_int_equal(vm_parse_path("", &v), -EINVAL);
	assert_int_equal(vm_parse_path(NULL, &v), -EINVAL);
	assert_int_equal(vm_parse_path("machine.slice", &v), -EINVAL);
	/* A malformed escape in a scope's name: \x2 cut short, \xZZ, \x00 (a NUL in a name). */
	assert_int_equal(vm_parse_path("/machine.slice/machine-qemu\\x2.scope", &v), -EINVAL);
	assert_int_equal(vm_parse_path("/machine.slice/machine-qemu\\xZZ1.scope", &v), -EINVAL);
	assert_int_equal(vm_parse_path("/machine.slice/machine-qemu\\x00a.scope", &v), -EINVAL);
	assert_int_equal(unit_unescape("a\\x2db", 6, out, sizeof(out), true), 0);
	assert_string_equal(out, "a-b");
	assert_int_equal(unit_unescape("abcdefgh", 8, out, sizeof(out), true), -EINVAL);
	assert_int_equal(unit_unescape("a\\y2db", 6, out, sizeof(out), true), -EINVAL);
	/* Lenient, as k8s_path reads pod slices: kept as it is, cut to fit. */
	assert_int_equal(unit_unescape("a\\y2db", 6, out, sizeof(out), false), 0);
	assert_string_equal(out, "a\\y2db");
	assert_int_equal(unit_unescape("abcdefghij", 10, out, sizeof(out), false), 0);
	assert_string_equal(out, "abcdefg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
