// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_cgroupfs.c: mountinfo and /proc/PID/cgroup text, and the hierarchy paths from them. */
#include "fuzz_util.h"
#include "cgname.h"
#include "cgroupfs.h"

static void check_hier(const struct cg_hier *h)
{
	char out[CG_PATH_MAX], abs[CG_PATH_MAX + 16];

	fz_check_cstr(h->mount, sizeof(h->mount));
	fz_check_cstr(h->root, sizeof(h->root));
	if (!h->mount[0])
		return;
	/* A directory below the mount point is a path in the hierarchy. */
	snprintf(abs, sizeof(abs), "%s/a/b", h->mount);
	if (!cgname_rel_path(h->mount, h->root, abs, out, sizeof(out)))
		fz_check_cstr(out, sizeof(out));
	if (!cgname_rel_path(h->mount, h->root, h->mount, out, sizeof(out)))
		fz_check_cstr(out, sizeof(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const wants[] = { "auto", "v2", "v1", "v3" };
	static struct cg_mounts m;
	char *s = fz_str(data, size), msg[256], out[CG_PATH_MAX];
	enum wp_cgroup_mode modes[] = { WP_CG_V2, WP_CG_V1_CPUACCT, WP_CG_V1_CPU };
	int rc;

	rc = cg_mounts_parse(s, &m);
	FZ_CHECK(rc == 0 || rc == -EINVAL);
	if (!rc) {
		check_hier(&m.v2);
		check_hier(&m.v1_cpuacct);
		check_hier(&m.v1_cpu);
		for (size_t i = 0; i < 4; i++) {
			enum wp_cgroup_mode mode = WP_CG_V2;
			const struct cg_hier *h = NULL;

			if (!cg_choose(&m, wants[i], &mode, &h, msg, sizeof(msg)))
				FZ_CHECK(h && h->mount[0]);
			(void)strlen(cg_mode_name(mode));
		}
	}
	/* The same text as /proc/PID/cgroup, and as a path below the first mount. */
	for (size_t i = 0; i < 3; i++) {
		rc = cg_self_path(s, modes[i], out, sizeof(out));
		FZ_CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL || rc == -ENAMETOOLONG);
		if (!rc)
			FZ_CHECK(out[0] && strlen(out) < sizeof(out));
		rc = cg_self_path(s, modes[i], out, 8);
		if (!rc)
			FZ_CHECK(strlen(out) < 8);
	}
	if (!cgname_rel_path("/sys/fs/cgroup", size ? "/" : "", s, out, sizeof(out)))
		fz_check_cstr(out, sizeof(out));
	if (!cgname_rel_path(s, "/x", "/sys/fs/cgroup/a", out, 16))
		fz_check_cstr(out, 16);
	free(s);
	return 0;
}
