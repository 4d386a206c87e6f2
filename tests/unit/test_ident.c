// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_ident.c: row identities (pods, groups, rules), their cache, and the summary's views. */
#include "testutil.h"
#include "pods_fixture.h"
#include "cgroupfs.h"
#include "ident.h"
#include "summary.h"

#define FLUX_SRC                                                                                   \
	"/kubepods.slice/kubepods-burstable.slice/"                                                \
	"kubepods-burstable-pod1b2c3d4e_0000_4000_8000_000000000001.slice/cri-containerd-"         \
	"000000000000000000000000000000000000000000000000000000000abc0001.scope"
#define FLUX_KUST                                                                                  \
	"/kubepods.slice/kubepods-burstable.slice/"                                                \
	"kubepods-burstable-pod1b2c3d4e_0000_4000_8000_000000000002.slice/cri-containerd-"         \
	"000000000000000000000000000000000000000000000000000000000abc0002.scope"
#define PODINFO_POD                                                                                \
	"/kubepods.slice/kubepods-besteffort.slice/"                                               \
	"kubepods-besteffort-pod1b2c3d4e_0000_4000_8000_00000000000a.slice"
#define PODINFO(cid) PODINFO_POD "/crio-" cid ".scope"
#define CID(n)	     "000000000000000000000000000000000000000000000000000000000abc000" n

struct want {
	const char *path, *ns, *pod, *container, *group, *detail;
	bool incomplete;
};

static void check(const struct ident_cfg *cfg, const struct pods *p, const struct want *w)
{
	struct wp_ident id;

	assert_int_equal(ident_resolve(cfg, w->path, p, &id), 0);
	if (strcmp(id.ns, w->ns) || strcmp(id.pod, w->pod) || strcmp(id.container, w->container) ||
	    strcmp(id.group, w->group) || (w->detail && strcmp(id.detail, w->detail)) ||
	    id.incomplete != w->incomplete)
		fail_msg("%s\n got ns '%s' pod '%s' container '%s' group '%s' detail '%s' "
			 "incomplete "
			 "%d",
			 w->path, id.ns, id.pod, id.container, id.group, id.detail, id.incomplete);
	assert_string_equal(id.path, w->path);
	ident_release(&id);
}

static void test_resolve(void **state)
{
	static const struct want cases[] = {
		{ FLUX_SRC, "flux-system", "source-controller-6f9c8d7b5-abcde", "manager", "flux",
		  "source-controller", false },
		{ PODINFO(CID("a")), "podinfo", "podinfo-7c9b8f6d5-r2t4y", "podinfod", "workload",
		  "podinfo/podinfo-7c9b8f6d5-r2t4y", false },
		/* Init and ephemeral containers are the pod's too. */
		{ PODINFO(CID("b")), "podinfo", "podinfo-7c9b8f6d5-r2t4y", "init-config",
		  "workload", NULL, false },
		{ PODINFO(CID("c")), "podinfo", "podinfo-7c9b8f6d5-r2t4y", "debugger-abcde",
		  "workload", NULL, false },
		/* A container its pod does not list (yet, or ever: the sandbox): the pod's, in the
		 * pod's group, with no name, and looked up again. */
		{ PODINFO(CID("f")), "podinfo", "podinfo-7c9b8f6d5-r2t4y", "", "workload",
		  "podinfo/podinfo-7c9b8f6d5-r2t4y", true },
		/* The pod's own cgroup, and its runtime's monitor. */
		{ PODINFO_POD, "podinfo", "podinfo-7c9b8f6d5-r2t4y", "", "workload", NULL, false },
		{ PODINFO_POD "/crio-conmon-" CID("a") ".scope", "podinfo",
		  "podinfo-7c9b8f6d5-r2t4y", "", "node", "conmon", false },
		/* A static pod: kubelet names its cgroup by the manifest's hash, its mirror pod in
		 * the API has the hash as an annotation (systemd and cgroupfs drivers). */
		{ "/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod5c1ab0e4d1f2a3b4c5d6e7f8a9b0c1d2.slice/"
		  "cri-containerd-" CID("5") ".scope",
		  "kube-system", "etcd-minikube", "etcd", "k8s-system", "etcd", false },
		{ "/kubepods/burstable/pod5c1ab0e4d1f2a3b4c5d6e7f8a9b0c1d2/" CID("5"),
		  "kube-system", "etcd-minikube", "etcd", "k8s-system", "etcd", false },
		/* A UID the list does not have (a mirror pod without its annotation), but the
		 * container is listed: found by the container. */
		{ "/kubepods.slice/kubepods-pod0123456789abcdef0123456789abcdef.slice/"
		  "cri-containerd-" CID("1") ".scope",
		  "flux-system", "source-controller-6f9c8d7b5-abcde", "manager", "flux", NULL,
		  false },
		/* A pod not (or no longer) listed. */
		{ "/kubepods.slice/kubepods-pod1b2c3d4e_0000_4000_8000_0000000000ff.slice", "", "",
		  "", "unknown", "1b2c3d4e-0000-4000-8000-0000000000ff", true },
		{ "/system.slice/kubelet.service", "", "", "", "node", "kubelet.service", false },
		{ "/user.slice/user-0.slice/session-1.scope", "", "", "", "host-other", NULL,
		  false },
		{ "/", "", "", "", "host-other", "/", false },
		{ "<gone>", "", "", "", "unknown", "", true },
		{ "<overflow>", "", "", "", "unknown", "", false },
		{ "<idle>", "", "", "", "idle", "", false },
		{ "<steal>", "", "", "", "steal", "", false },
	};
	struct ident_cfg cfg = {};
	struct pods *p = fixture_pods();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cfg, p, &cases[i]);
	pods__free(p);
}

/* Rules come first; a rule on the cgroup path places a row even without its pod. */
static void test_resolve_rules(void **state)
{
	const char *text = "gitops namespace=flux-system pod=source-*\n"
			   "sidecars container=sidecar\n"
			   "batch cgroup=/kubepods.slice/kubepods-pod*_0000000000ff.slice\n";
	char err[256];
	struct group_rules *r = group_rules_parse(text, "t.rules", err, sizeof(err));
	struct ident_cfg cfg = { .rules = r };
	struct pods *p = fixture_pods();
	const struct want cases[] = {
		{ FLUX_SRC, "flux-system", "source-controller-6f9c8d7b5-abcde", "manager", "gitops",
		  "source-controller-6f9c8d7b5-abcde", false },
		{ FLUX_KUST, "flux-system", "kustomize-controller-5d8f7c6b4-fghij", "manager",
		  "flux", "kustomize-controller", false },
		/* Placed, but its pod is not known: looked up again all the same. */
		{ "/kubepods.slice/kubepods-pod1b2c3d4e_0000_4000_8000_0000000000ff.slice", "", "",
		  "", "batch", NULL, true },
	};

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cfg, p, &cases[i]);
	/* The probe's own cgroup, by path. */
	cfg.rules = NULL;
	cfg.groups.probe_cgroup = "/system.slice/wattprobe.service";
	check(&cfg, p,
	      &(struct want){ "/system.slice/wattprobe.service", "", "", "", "probe", "wattprobe",
			      false });
	pods__free(p);
	group_rules__free(r);
}

/* Unknown rows are retried when pods change; known ones keep their identity when pods go. */
static void test_cache(void **state)
{
	struct ident_cfg cfg = {};
	struct ident_cache *c = ident__new(&cfg);
	const struct wp_ident *a, *b, *n;
	struct pods *p = fixture_pods();

	(void)state;
	assert_non_null(c);
	a = ident__get(c, 7, FLUX_SRC);
	assert_non_null(a);
	assert_string_equal(a->group, "unknown");
	assert_true(a->incomplete);
	/* Same generation: no new lookup, the same identity. */
	assert_ptr_equal(ident__get(c, 7, FLUX_SRC), a);
	n = ident__get(c, 8, "/system.slice/containerd.service");
	assert_string_equal(n->group, "node");
	ident__set_pods(c, p);
	b = ident__get(c, 7, FLUX_SRC);
	assert_ptr_not_equal(a, b);
	assert_true(b->serial != a->serial);
	assert_string_equal(b->group, "flux");
	assert_string_equal(b->pod, "source-controller-6f9c8d7b5-abcde");
	/* The old identity stays readable: rows of earlier intervals point to it. */
	assert_string_equal(a->group, "unknown");
	assert_ptr_equal(ident__get(c, 8, "/system.slice/containerd.service"), n);
	/* The pod ends and leaves the pod list: its rows keep its name. */
	ident__set_pods(c, NULL);
	pods__free(p);
	assert_ptr_equal(ident__get(c, 7, FLUX_SRC), b);
	assert_string_equal(b->pod, "source-controller-6f9c8d7b5-abcde");
	/* A container its pod lists only later gets its name then (a new identity). */
	{
		const char *late =
			"{\"items\":[{\"metadata\":{\"uid\":\"1b2c3d4e-0000-4000-8000-"
			"00000000000a\","
			"\"namespace\":\"podinfo\",\"name\":\"podinfo-7c9b8f6d5-r2t4y\"},"
			"\"status\":{\"containerStatuses\":[{\"name\":\"late\",\"containerID\":"
			"\"cri-o://" CID("f") "\"}]}}]}";
		char err[256];
		struct pods *p1 = fixture_pods(),
			    *p2 = pods_parse(late, strlen(late), NULL, err, sizeof(err));
		const struct wp_ident *x, *y;

		assert_non_null(p2);
		ident__set_pods(c, p1);
		x = ident__get(c, 9, PODINFO(CID("f")));
		assert_string_equal(x->group, "workload");
		assert_string_equal(x->container, "");
		assert_true(x->incomplete);
		/* New pods, nothing new for it: the same identity. */
		ident__set_pods(c, p1);
		assert_ptr_equal(ident__get(c, 9, PODINFO(CID("f"))), x);
		ident__set_pods(c, p2);
		y = ident__get(c, 9, PODINFO(CID("f")));
		assert_ptr_not_equal(x, y);
		assert_string_equal(y->container, "late");
		assert_false(y->incomplete);
		ident__set_pods(c, NULL);
		pods__free(p1);
		pods__free(p2);
	}
	assert_string_equal(ident__idle(c)->group, "idle");
	assert_string_equal(ident__steal(c)->group, "steal");
	ident__free(c);
}

/* One interval of 1 s: two Flux controllers and a workload, energy chosen by hand. */
static void summary_fixture(struct summary *sm, struct ident_cache *c)
{
	struct probe_row rows[3] = { { 11, { .cpu_ns = 200000000 } },
				     { 12, { .cpu_ns = 150000000 } },
				     { 13, { .cpu_ns = 300000000 } } };
	uint64_t node_uj[4] = { 2000000, 1500000, 3000000, 3500000 };
	struct interval_res res = { .nrows = 3, .node_uj = node_uj, .node_total_uj = 10000000 };
	struct probe_sample s = { .rows = rows, .nrows = 3, .idle = { .cpu_ns = 1350000000 } };
	const struct wp_ident *ids[5] = { ident__get(c, 11, FLUX_SRC), ident__get(c, 12, FLUX_KUST),
					  ident__get(c, 13, PODINFO(CID("a"))), ident__idle(c),
					  ident__steal(c) };

	assert_int_equal(summary__add(sm, &s, 1000000000, &res, ids), 0);
}

static char *print(const struct summary *sm, enum summary_by by, unsigned int top)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(summary__print(sm, f, by, top), 0);
	fclose(f);
	return buf;
}

static void test_summary_views(void **state)
{
	struct ident_cfg cfg = {};
	struct ident_cache *c = ident__new(&cfg);
	struct summary *sm = summary__new();
	struct pods *p = fixture_pods();
	uint64_t cpu, uj;
	char *out;

	(void)state;
	ident__set_pods(c, p);
	summary_fixture(sm, c);
	/* By hand: flux 0.2 + 0.15 s, 2 + 1.5 J of 10 J; 1 s, so watts equal joules. */
	out = print(sm, SUM_BY_GROUP, 10);
	assert_string_equal(out, "GROUP                                             CPU s    "
				 "ENERGY J     AVG W   SHARE\n"
				 "flux                                              0.350       "
				 "3.500     3.500   35.0%\n"
				 "  source-controller                               0.200       "
				 "2.000     2.000   20.0%\n"
				 "  kustomize-controller                            0.150       "
				 "1.500     1.500   15.0%\n"
				 "workload                                          0.300       "
				 "3.000     3.000   30.0%\n"
				 "idle                                              1.350       "
				 "3.500     3.500   35.0%\n"
				 "total                                             2.000      "
				 "10.000    10.000  100.0%\n");
	free(out);
	/* --top cuts the details too, and says what it folded. */
	out = print(sm, SUM_BY_GROUP, 1);
	assert_non_null(strstr(out, "\n  source-controller  "));
	assert_non_null(strstr(
		out, "\n  (1 more)                                        0.150       1.500"));
	free(out);
	out = print(sm, SUM_BY_POD, 1);
	assert_string_equal(out, "POD                                          GROUP             "
				 "CPU s    ENERGY J     AVG W   SHARE\n"
				 "podinfo/podinfo-7c9b8f6d5-r2t4y              workload          "
				 "0.300       3.000     3.000   30.0%\n"
				 "(2 more pods)                                                  "
				 "0.350       3.500     3.500   35.0%\n"
				 "idle                                         idle              "
				 "1.350       3.500     3.500   35.0%\n"
				 "total                                                          "
				 "2.000      10.000    10.000  100.0%\n");
	free(out);
	out = print(sm, SUM_BY_CONTAINER, 2);
	assert_non_null(strstr(out, "\npodinfo/podinfo-7c9b8f6d5-r2t4y/podinfod     workload "));
	/* 53 characters: cut in the middle to 44, both ends kept. */
	assert_non_null(strstr(out, "\nflux-system/source-c...9c8d7b5-abcde/manager flux "));
	free(out);
	assert_int_equal(summary__group(sm, "flux", &cpu, &uj), 0);
	assert_int_equal(cpu, 350000000);
	assert_int_equal(uj, 3500000);
	assert_int_equal(summary__group(sm, "idle", &cpu, &uj), 0);
	assert_int_equal(uj, 3500000);
	assert_int_equal(summary__group(sm, "probe", &cpu, &uj), -ENOENT);
	summary__free(sm);
	ident__free(c);
	pods__free(p);
}

/* A cgroup named with a newline (mkdir allows it) stays on one line of the table. */
static void test_summary_control_chars(void **state)
{
	struct ident_cfg cfg = {};
	struct ident_cache *c = ident__new(&cfg);
	struct summary *sm = summary__new();
	struct probe_row rows[1] = { { 5, { .cpu_ns = 1000000 } } };
	uint64_t node_uj[2] = { 10, 20 };
	struct interval_res res = { .nrows = 1, .node_uj = node_uj, .node_total_uj = 30 };
	struct probe_sample s = { .rows = rows, .nrows = 1 };
	const struct wp_ident *ids[3] = { ident__get(c, 5, "/a\nb\tc"), ident__idle(c),
					  ident__steal(c) };
	char *out;

	(void)state;
	assert_int_equal(summary__add(sm, &s, 1000000, &res, ids), 0);
	out = print(sm, SUM_BY_CGROUP, 10);
	if (!strstr(out, "\n/a?b?c   "))
		fail_msg("%s", out);
	free(out);
	summary__free(sm);
	ident__free(c);
}

static void test_summary_by_parse(void **state)
{
	enum summary_by by;

	(void)state;
	assert_int_equal(summary_by_parse("pod", &by), 0);
	assert_int_equal(by, SUM_BY_POD);
	assert_int_equal(summary_by_parse("cgroup", &by), 0);
	assert_int_equal(by, SUM_BY_CGROUP);
	assert_int_equal(summary_by_parse("groups", &by), -EINVAL);
	assert_int_equal(summary_by_parse("", &by), -EINVAL);
}

/* /proc/self/cgroup on a hybrid host: v1 lines first, "0::" last; paths may hold ':'. */
static void test_self_path(void **state)
{
	const char *hybrid = "12:pids:/system.slice/x.service\n"
			     "4:cpu,cpuacct:/system.slice/wattprobe.service\n"
			     "1:name=systemd:/system.slice/wattprobe.service\n"
			     "0::/system.slice/wattprobe.service\n";
	char out[256];

	(void)state;
	assert_int_equal(cg_self_path(hybrid, WP_CG_V2, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/wattprobe.service");
	assert_int_equal(cg_self_path(hybrid, WP_CG_V1_CPUACCT, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/wattprobe.service");
	assert_int_equal(cg_self_path("3:cpuacct:/a:b\n2:cpu:/c\n", WP_CG_V1_CPU, out, sizeof(out)),
			 0);
	assert_string_equal(out, "/c");
	assert_int_equal(cg_self_path("3:cpuacct:/a:b\n", WP_CG_V1_CPUACCT, out, sizeof(out)), 0);
	assert_string_equal(out, "/a:b");
	assert_int_equal(cg_self_path("0::/\n", WP_CG_V2, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(cg_self_path("4:cpu,cpuacct:/x\n", WP_CG_V2, out, sizeof(out)), -ENOENT);
	assert_int_equal(cg_self_path("garbage\n", WP_CG_V2, out, sizeof(out)), -EINVAL);
	assert_int_equal(cg_self_path("0::/abcdef\n", WP_CG_V2, out, 4), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_rules),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_summary_views),
		cmocka_unit_test(test_summary_by_parse),
		cmocka_unit_test(test_summary_control_chars),
		cmocka_unit_test(test_self_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
