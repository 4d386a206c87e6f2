// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_vm_share.c: each VM's share of the host's energy: which cgroups are whose, the sums per
 * part and zone (expected values by hand), gaps, and libvirt's list matched to the cgroups.
 */
#include "testutil.h"
#include "vm_share.h"

#define VCPU(id, name, n)                                                                          \
	"/machine.slice/machine-qemu\\x2d" #id "\\x2d" name ".scope/libvirt/vcpu" #n
#define EMU(id, name) "/machine.slice/machine-qemu\\x2d" #id "\\x2d" name ".scope/libvirt/emulator"

static const bool two_zones_node[] = { true, false }; /* package-0, core-0 */

static void test_classify(void **state)
{
	struct vm_share *vs = vm_share__new(2, two_zones_node);
	enum vm_part part;
	int d, d2;

	(void)state;
	assert_non_null(vs);
	assert_int_equal(vm_share__classify(vs, VCPU(2, "vm1", 0), &d, &part), 0);
	assert_int_equal(d, 0);
	assert_int_equal(part, VM_VCPU);
	assert_int_equal(vm_share__classify(vs, EMU(2, "vm1"), &d2, &part), 0);
	assert_int_equal(d2, 0);
	assert_int_equal(part, VM_EMULATOR);
	assert_int_equal(
		vm_share__classify(vs, "/machine/qemu-3-vm2.libvirt-qemu/vcpu1", &d, &part), 0);
	assert_int_equal(d, 1);
	assert_int_equal(part, VM_VCPU);
	assert_string_equal(vm_share__get(vs, 1)->name, "vm2");
	assert_int_equal(vm_share__get(vs, 1)->id, 3);
	/* Not a VM: a service, the root, nspawn's machine. */
	assert_int_equal(vm_share__classify(vs, "/system.slice/sshd.service", &d, &part), 0);
	assert_int_equal(d, -1);
	assert_int_equal(part, VM_NONE);
	assert_int_equal(vm_share__classify(vs, "/", &d, &part), 0);
	assert_int_equal(d, -1);
	assert_int_equal(vm_share__classify(vs, "/machine.slice/machine-box.scope", &d, &part), 0);
	assert_int_equal(d, -1);
	/* A rule wins over libvirt's naming, and the longest rule wins. */
	assert_int_equal(vm_share__set_rule(vs, "e2e", "/wp/qemu"), 0);
	/* Named by the user: known (with a feed) before any row. */
	assert_int_equal(vm_share__count(vs), 3);
	assert_string_equal(vm_share__get(vs, 2)->name, "e2e");
	assert_true(vm_share__get(vs, 2)->rule);
	assert_int_equal(vm_share__set_rule(vs, "inner", "/wp/qemu/inner/"), 0);
	assert_int_equal(vm_share__classify(vs, "/wp/qemu", &d, &part), 0);
	assert_string_equal(vm_share__get(vs, d)->name, "e2e");
	assert_int_equal(part, VM_DOMAIN);
	assert_int_equal(vm_share__classify(vs, "/wp/qemu/inner/x", &d2, &part), 0);
	assert_string_equal(vm_share__get(vs, d2)->name, "inner");
	assert_int_equal(vm_share__classify(vs, "/wp/qemu2", &d, &part), 0);
	assert_int_equal(d, -1);
	assert_int_equal(vm_share__set_rule(vs, "x", "rel/path"), -EINVAL);
	assert_int_equal(vm_share__set_rule(vs, "", "/a"), -EINVAL);
	vm_share__free(vs);
}

struct frame {
	struct probe_row rows[8];
	struct probe_sample s;
	uint64_t zone_uj[9 * 2], node_uj[9];
	struct interval_res res;
	struct zone_delta zd[2];
	struct wp_ident idv[8];
	const struct wp_ident *ids[10];
};

/* One interval: rows (cgroup id, path, cpu µs, package µJ, core µJ). */
static void frame(struct frame *f, uint64_t ts_ns, size_t n, const uint64_t *cg,
		  const char *const *paths, const uint64_t *cpu_us, const uint64_t *pkg,
		  const uint64_t *core, bool core_gap)
{
	memset(f, 0, sizeof(*f));
	for (size_t r = 0; r < n; r++) {
		f->rows[r].cgroup_id = cg[r];
		f->rows[r].s.cpu_ns = cpu_us[r] * 1000;
		f->zone_uj[r * 2] = pkg[r];
		f->zone_uj[r * 2 + 1] = core_gap ? 0 : core[r];
		f->idv[r].path = paths[r];
		f->ids[r] = &f->idv[r];
	}
	f->s.ts_ns = ts_ns;
	f->s.rows = f->rows;
	f->s.nrows = n;
	f->res.nrows = n;
	f->res.nzones = 2;
	f->res.zone_uj = f->zone_uj;
	f->res.node_uj = f->node_uj;
	f->zd[1].gap = core_gap;
}

static void test_sums(void **state)
{
	static const char *const paths[] = { VCPU(2, "vm1", 0), VCPU(2, "vm1", 1), EMU(2, "vm1"),
					     VCPU(3, "vm2", 0), "/system.slice/cron.service" };
	static const uint64_t cg[] = { 11, 12, 13, 21, 99 };
	struct vm_share *vs = vm_share__new(2, two_zones_node);
	const struct vm_dom *a, *b;
	struct frame f;

	(void)state;
	assert_non_null(vs);
	/* Interval 1: both zones valid. */
	frame(&f, 1000000000, 5, cg, paths, (uint64_t[]){ 100, 200, 50, 400, 7 },
	      (uint64_t[]){ 1000, 2000, 500, 4000, 70 }, (uint64_t[]){ 300, 600, 0, 900, 1 },
	      false);
	assert_int_equal(vm_share__add(vs, &f.s, &f.res, f.zd, f.ids), 0);
	/* Interval 2: the core zone is in a gap; vCPU 1 and the other VM idle. */
	frame(&f, 1100000000, 3, (uint64_t[]){ 11, 13, 99 },
	      (const char *const[]){ paths[0], paths[2], paths[4] }, (uint64_t[]){ 10, 20, 30 },
	      (uint64_t[]){ 111, 222, 333 }, (uint64_t[]){ 5, 5, 5 }, true);
	assert_int_equal(vm_share__add(vs, &f.s, &f.res, f.zd, f.ids), 0);
	assert_int_equal(vm_share__count(vs), 2);
	a = vm_share__get(vs, 0);
	b = vm_share__get(vs, 1);
	assert_string_equal(a->name, "vm1");
	assert_int_equal(a->cpu_ns[vm_part_idx(VM_VCPU)], (100 + 200 + 10) * 1000);
	assert_int_equal(a->cpu_ns[vm_part_idx(VM_EMULATOR)], (50 + 20) * 1000);
	assert_int_equal(a->part_uj[vm_part_idx(VM_VCPU) * 2 + 0], 1000 + 2000 + 111);
	assert_int_equal(a->part_uj[vm_part_idx(VM_VCPU) * 2 + 1], 300 + 600);
	assert_int_equal(a->part_uj[vm_part_idx(VM_EMULATOR) * 2 + 0], 500 + 222);
	assert_int_equal(a->zone_uj[0], 1000 + 2000 + 500 + 111 + 222);
	assert_int_equal(a->zone_uj[1], 900);
	/* Node energy is the package zone's alone. */
	assert_int_equal(a->node_uj, 3833);
	/* The feed's core counter went back to 0 at the gap: the guest sees one. */
	assert_int_equal(a->feed_uj[0], 3833);
	assert_int_equal(a->feed_uj[1], 0);
	assert_int_equal(a->gaps, 1);
	assert_int_equal(a->first_ns, 1000000000);
	assert_int_equal(a->last_ns, 1100000000);
	assert_string_equal(b->name, "vm2");
	assert_int_equal(b->id, 3);
	assert_int_equal(b->node_uj, 4000);
	assert_int_equal(b->last_ns, 1000000000);
	assert_int_equal(b->gaps, 1);
	vm_share__free(vs);
}

static void test_libvirt_match(void **state)
{
	struct vm_share *vs = vm_share__new(2, two_zones_node);
	struct vm_info list[2] = {};
	const struct vm_dom *d;
	enum vm_part part;
	int i;

	(void)state;
	assert_non_null(vs);
	/* libvirt keeps [A-Za-z0-9_.-] of "web server" in the machine name. */
	assert_int_equal(vm_share__classify(vs, VCPU(4, "webserver", 0), &i, &part), 0);
	snprintf(list[0].name, sizeof(list[0].name), "web server");
	list[0].id = 4;
	list[0].running = true;
	list[0].vcpus = 2;
	snprintf(list[1].name, sizeof(list[1].name), "paused-vm");
	list[1].id = 5;
	list[1].running = true;
	list[1].vcpus = 1;
	assert_int_equal(vm_share__libvirt(vs, list, 2), 0);
	assert_int_equal(vm_share__count(vs), 2);
	d = vm_share__get(vs, 0);
	assert_string_equal(d->name, "web server");
	assert_true(d->libvirt);
	assert_int_equal(d->info.vcpus, 2);
	assert_string_equal(vm_share__get(vs, 1)->name, "paused-vm");
	/* Its cgroups are found under the new name's match too. */
	assert_int_equal(vm_share__classify(vs, EMU(4, "webserver"), &i, &part), 0);
	assert_int_equal(i, 0);
	/* Stopped: kept, not running. Started again with id 9: the same VM. */
	assert_int_equal(vm_share__libvirt(vs, &list[1], 1), 0);
	assert_false(vm_share__get(vs, 0)->info.running);
	assert_int_equal(vm_share__classify(vs, VCPU(9, "webserver", 0), &i, &part), 0);
	assert_int_equal(i, 0);
	assert_int_equal(vm_share__get(vs, 0)->id, 9);
	list[0].id = 9;
	assert_int_equal(vm_share__libvirt(vs, list, 2), 0);
	assert_int_equal(vm_share__count(vs), 2);
	assert_true(vm_share__get(vs, 0)->info.running);
	vm_share__free(vs);
}

/* libvirt's machine names (virDomainMachineNameAppendValid), computed by hand. */
static void test_name_matches(void **state)
{
	char full[128], want[128], out[256];

	(void)state;
	assert_string_equal(vm_machine_name("qemu", 3, "vm1", out, sizeof(out)), "qemu-3-vm1");
	/* '_' and ' ' dropped; runs of '.'/'-' kept once; leading and trailing ones dropped. */
	assert_string_equal(vm_machine_name("qemu", 1, "my_vm", out, sizeof(out)), "qemu-1-myvm");
	assert_string_equal(vm_machine_name("qemu", 2, "ubuntu..22", out, sizeof(out)),
			    "qemu-2-ubuntu.22");
	assert_string_equal(vm_machine_name("qemu", 2, "-.a--b-.", out, sizeof(out)), "qemu-2-a-b");
	assert_string_equal(vm_machine_name("qemu", 4, "web server", out, sizeof(out)),
			    "qemu-4-webserver");
	assert_string_equal(vm_machine_name("lxc", -1, "c1", out, sizeof(out)), "lxc-c1");
	assert_true(vm_name_matches("qemu", 1, "my_vm", "myvm"));
	assert_true(vm_name_matches("qemu", 2, "ubuntu..22", "ubuntu.22"));
	assert_true(vm_name_matches("qemu", 4, "web server", "webserver"));
	assert_false(vm_name_matches("qemu", 1, "vm1", "vm2"));
	assert_false(vm_name_matches("qemu", 1, "vm10", "vm1"));
	assert_false(vm_name_matches("lxc", 1, "vm1", "vm1") &&
		     vm_name_matches("qemu", 1, "vm1", "x"));
	/* 64 characters in all: "qemu-12-" leaves 56 of an 80-character name. */
	memset(full, 'x', 80);
	full[80] = '\0';
	memset(want, 'x', 56);
	want[56] = '\0';
	assert_true(vm_name_matches("qemu", 12, full, want));
	want[10] = '\0';
	assert_false(vm_name_matches("qemu", 12, full, want));
}

/* Names stay unique (feeds are directories by name); a running VM's name is not taken over. */
static void test_unique_names(void **state)
{
	static const char *const paths[] = { VCPU(1, "webserver", 0), VCPU(2, "webserver", 0) };
	struct vm_share *vs = vm_share__new(2, two_zones_node);
	struct frame f;
	enum vm_part part;
	int i;

	(void)state;
	assert_non_null(vs);
	/* A --vm named vm1, and libvirt's cgroup of another vm1: two VMs, two names. */
	assert_int_equal(vm_share__set_rule(vs, "vm1", "/other"), 0);
	assert_int_equal(vm_share__classify(vs, VCPU(1, "vm1", 0), &i, &part), 0);
	assert_string_equal(vm_share__get(vs, i)->name, "vm1~2");
	/* Two live domains named alike with ids 1 and 2 (no libvirt) stay apart. */
	frame(&f, 1000000000, 2, (uint64_t[]){ 31, 32 }, paths, (uint64_t[]){ 1, 1 },
	      (uint64_t[]){ 10, 20 }, (uint64_t[]){ 0, 0 }, false);
	assert_int_equal(vm_share__add(vs, &f.s, &f.res, f.zd, f.ids), 0);
	assert_int_equal(vm_share__count(vs), 4);
	assert_int_equal(vm_share__get(vs, 2)->id, 1);
	assert_int_equal(vm_share__get(vs, 3)->id, 2);
	assert_string_equal(vm_share__get(vs, 3)->name, "webserver~2");
	/* Both stopped 6 s ago: id 3 of the name is the first of them started again. */
	frame(&f, 7000000000, 1, (uint64_t[]){ 33 },
	      (const char *const[]){ VCPU(3, "webserver", 0) }, (uint64_t[]){ 1 },
	      (uint64_t[]){ 5 }, (uint64_t[]){ 0 }, false);
	assert_int_equal(vm_share__add(vs, &f.s, &f.res, f.zd, f.ids), 0);
	assert_int_equal(vm_share__count(vs), 4);
	assert_int_equal(vm_share__get(vs, 2)->id, 3);
	assert_int_equal(vm_share__get(vs, 2)->node_uj, 15);
	vm_share__free(vs);
}

static const char *gone_path;
static bool exists_but_gone(void *ctx, const char *cgroup)
{
	(void)ctx;
	return strcmp(cgroup, gone_path) != 0;
}

/*
 * A VM whose cgroup is gone started again with a new id at once (no 5 s wait): the same VM.
 * libvirt's name for a VM first named by its cgroup stays unique. Names are safe as
 * directories.
 */
static void test_restart_and_names(void **state)
{
	struct vm_share *vs = vm_share__new(2, two_zones_node);
	struct vm_info list[2] = {};
	struct frame f;
	enum vm_part part;
	int i;

	(void)state;
	assert_non_null(vs);
	gone_path = VCPU(1, "vm1", 0);
	vm_share__set_exists(vs, exists_but_gone, NULL);
	frame(&f, 1000000000, 1, (uint64_t[]){ 41 }, (const char *const[]){ VCPU(1, "vm1", 0) },
	      (uint64_t[]){ 1 }, (uint64_t[]){ 7 }, (uint64_t[]){ 0 }, false);
	assert_int_equal(vm_share__add(vs, &f.s, &f.res, f.zd, f.ids), 0);
	frame(&f, 1100000000, 1, (uint64_t[]){ 42 }, (const char *const[]){ VCPU(2, "vm1", 0) },
	      (uint64_t[]){ 1 }, (uint64_t[]){ 5 }, (uint64_t[]){ 0 }, false);
	assert_int_equal(vm_share__add(vs, &f.s, &f.res, f.zd, f.ids), 0);
	assert_int_equal(vm_share__count(vs), 1);
	assert_int_equal(vm_share__get(vs, 0)->id, 2);
	assert_int_equal(vm_share__get(vs, 0)->node_uj, 12);
	/* A stray cgroup of "a" with id 7, then libvirt lists "a" with id 8: two VMs, a and a~2. */
	assert_int_equal(vm_share__classify(vs, VCPU(7, "a", 0), &i, &part), 0);
	snprintf(list[0].name, sizeof(list[0].name), "a");
	list[0].id = 8;
	list[0].running = true;
	snprintf(list[1].name, sizeof(list[1].name), "..");
	list[1].id = 9;
	list[1].running = true;
	assert_int_equal(vm_share__libvirt(vs, list, 2), 0);
	assert_int_equal(vm_share__libvirt(vs, list, 2), 0);
	assert_int_equal(vm_share__count(vs), 4);
	assert_string_equal(vm_share__get(vs, 1)->name, "a");
	assert_string_equal(vm_share__get(vs, 2)->name, "a~2");
	assert_string_equal(vm_share__get(vs, 3)->name, "_..");
	assert_string_equal(vm_share__get(vs, 3)->info.name, "..");
	vm_share__free(vs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),      cmocka_unit_test(test_sums),
		cmocka_unit_test(test_libvirt_match), cmocka_unit_test(test_name_matches),
		cmocka_unit_test(test_unique_names),  cmocka_unit_test(test_restart_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
