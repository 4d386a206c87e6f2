// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_cgroup.c: finding the hierarchies, choosing the key, and naming paths. */
#include "testutil.h"
#include "cgname.h"
#include "cgroupfs.h"

static void load(const char *name, struct cg_mounts *m)
{
	char path[512];

	assert_int_equal(cg_mounts_read(fixture(name, path, sizeof(path)), m), 0);
}

static void test_hybrid(void **state)
{
	const struct cg_hier *h;
	enum wp_cgroup_mode mode;
	struct cg_mounts m;
	char msg[256];

	(void)state;
	load("mountinfo/hybrid.txt", &m);
	assert_string_equal(m.v2.mount, "/sys/fs/cgroup/unified");
	assert_string_equal(m.v1_cpuacct.mount, "/sys/fs/cgroup/cpuacct");
	assert_string_equal(m.v1_cpu.mount, "/sys/fs/cgroup/cpu");
	/* FIELD-NOTES 8: hybrid hosts key by v2 unless asked for v1. */
	assert_int_equal(cg_choose(&m, "auto", &mode, &h, msg, sizeof(msg)), 0);
	assert_int_equal(mode, WP_CG_V2);
	assert_ptr_equal(h, &m.v2);
	assert_int_equal(cg_choose(&m, "v1", &mode, &h, msg, sizeof(msg)), 0);
	assert_int_equal(mode, WP_CG_V1_CPUACCT);
	assert_string_equal(h->mount, "/sys/fs/cgroup/cpuacct");
}

static void test_pure_v2(void **state)
{
	const struct cg_hier *h;
	enum wp_cgroup_mode mode;
	struct cg_mounts m;
	char msg[256];

	(void)state;
	load("mountinfo/pure-v2.txt", &m);
	assert_string_equal(m.v2.mount, "/sys/fs/cgroup");
	assert_string_equal(m.v2.root, "/");
	assert_int_equal(cg_choose(&m, "auto", &mode, &h, msg, sizeof(msg)), 0);
	assert_int_equal(mode, WP_CG_V2);
	assert_int_equal(cg_choose(&m, "v1", &mode, &h, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "v1"));
	assert_int_equal(cg_choose(&m, "v9", &mode, &h, msg, sizeof(msg)), -EINVAL);
}

static void test_v1_only(void **state)
{
	const struct cg_hier *h;
	enum wp_cgroup_mode mode;
	struct cg_mounts m;
	char msg[256];

	(void)state;
	load("mountinfo/v1-comounted.txt", &m);
	assert_string_equal(m.v2.mount, "");
	assert_string_equal(m.v1_cpuacct.mount, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(m.v1_cpu.mount, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(cg_choose(&m, "auto", &mode, &h, msg, sizeof(msg)), 0);
	assert_int_equal(mode, WP_CG_V1_CPUACCT);
	assert_int_equal(cg_choose(&m, "v2", &mode, &h, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "cgroup2"));
}

/* A pod's own subtree at /sys/fs/cgroup loses to the host's whole tree; \040 is a space. */
static void test_container(void **state)
{
	struct cg_mounts m;

	(void)state;
	load("mountinfo/container-v2.txt", &m);
	assert_string_equal(m.v2.mount, "/host/sys/fs/cgroup");
	assert_string_equal(m.v2.root, "/");
	assert_int_equal(
		cg_mounts_parse("615 600 0:60 / /mnt/with\\040space rw - cgroup2 c rw\n", &m), 0);
	assert_string_equal(m.v2.mount, "/mnt/with space");
	assert_int_equal(cg_mounts_parse("garbage\n", &m), -EINVAL);
	assert_int_equal(cg_mounts_read("/nonexistent/mountinfo", &m), -ENOENT);
}

static void test_rel_path(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(cgname_rel_path("/sys/fs/cgroup", "/", "/sys/fs/cgroup", out, 256), 0);
	assert_string_equal(out, "/");
	assert_int_equal(cgname_rel_path("/sys/fs/cgroup", "/",
					 "/sys/fs/cgroup/system.slice/a.service", out, 256),
			 0);
	assert_string_equal(out, "/system.slice/a.service");
	/* A mount of a subtree names paths from the hierarchy's root, as /proc/PID/cgroup does. */
	assert_int_equal(
		cgname_rel_path("/sys/fs/cgroup/", "/kubepods.slice", "/sys/fs/cgroup/x", out, 256),
		0);
	assert_string_equal(out, "/kubepods.slice/x");
	assert_int_equal(cgname_rel_path("/sys/fs/cgroup", "/", "/sys/fs/cgroupx/y", out, 256),
			 -EINVAL);
	assert_int_equal(cgname_rel_path("/sys/fs/cgroup", "/", "/tmp", out, 256), -EINVAL);
}

/* Naming on a plain directory tree: the walk names every directory by inode number. */
static void test_names_walk(void **state)
{
	char *dir = tmp_tree(), path[512];
	struct cg_hier h = { .root = "/" };
	struct cgname *c;
	struct stat st;

	(void)state;
	put_file(dir, "system.slice/ssh.service/cgroup.procs", "", 0644);
	put_file(dir, "a,b/cgroup.procs", "", 0644);
	snprintf(h.mount, sizeof(h.mount), "%s", dir);
	c = cgname__open(&h);
	assert_non_null(c);
	snprintf(path, sizeof(path), "%s/system.slice/ssh.service", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_string_equal(cgname__lookup(c, st.st_ino), "/system.slice/ssh.service");
	snprintf(path, sizeof(path), "%s/a,b", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_string_equal(cgname__lookup(c, st.st_ino), "/a,b");
	assert_int_equal(stat(dir, &st), 0);
	assert_string_equal(cgname__lookup(c, st.st_ino), "/");
	/* Not a kernfs tree: handles fail, a rescan finds nothing, the id is gone. */
	assert_string_equal(cgname__lookup(c, 987654321ULL), CGNAME_GONE);
	cgname__free(c);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid),	 cmocka_unit_test(test_pure_v2),
		cmocka_unit_test(test_v1_only),	 cmocka_unit_test(test_container),
		cmocka_unit_test(test_rel_path), cmocka_unit_test(test_names_walk),
	};

	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
