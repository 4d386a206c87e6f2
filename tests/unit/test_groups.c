// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_groups.c: default groups of a minikube node with Flux (fixtures/pods/minikube-flux.json). */
#include "testutil.h"
#include "groups.h"

#define POD(n) "kubepods-pod1b2c3d4e_0000_4000_8000_%012x.slice"

static const struct {
	const char *path; /* %x: the fixture's container id suffix n (0xabc0000 + n) */
	unsigned int n;
	enum wp_group group;
	const char *detail;
} cases[] = {
	{ "/kubepods.slice/" POD() "/cri-containerd-%064x.scope", 1, GROUP_FLUX,
	  "source-controller" },
	{ "/kubepods.slice/" POD() "/cri-containerd-%064x.scope", 2, GROUP_FLUX,
	  "kustomize-controller" },
	{ "/kubepods.slice/" POD() "/cri-containerd-%064x.scope", 4, GROUP_FLUX,
	  "notification-controller" },
	{ "/kubepods.slice/" POD() "/cri-containerd-%064x.scope", 5, GROUP_K8S_SYSTEM, "etcd" },
	{ "/kubepods.slice/" POD() "/cri-containerd-%064x.scope", 6, GROUP_K8S_SYSTEM,
	  "kube-apiserver" },
	{ "/kubepods.slice/" POD() "/cri-containerd-%064x.scope", 7, GROUP_K8S_SYSTEM, "kube-dns" },
	{ "/kubepods.slice/" POD() "/docker-%064x.scope", 9, GROUP_K8S_SYSTEM,
	  "storage-provisioner" },
	{ "/kubepods.slice/" POD() "/crio-%064x.scope", 10, GROUP_WORKLOAD,
	  "podinfo/podinfo-7c9b8f6d5-r2t4y" },
	/* the pod-level cgroup, and conmon: the runtime's overhead is the node's */
	{ "/kubepods.slice/" POD(), 3, GROUP_FLUX, "helm-controller" },
	{ "/kubepods.slice/" POD() "/crio-conmon-%064x.scope", 10, GROUP_NODE, "conmon" },
	/* a pod the metadata does not have (yet): unknown, never a guess */
	{ "/kubepods.slice/" POD() "/cri-containerd-%064x.scope", 0x99, GROUP_UNKNOWN,
	  "1b2c3d4e-0000-4000-8000-000000000099" },
	/* found by container id alone, from a cgroup namespace's view */
	{ "0::/../cri-containerd-%064x.scope", 2, GROUP_FLUX, "kustomize-controller" },
	{ "0::/../cri-containerd-%064x.scope", 0x77, GROUP_UNKNOWN, "" },
	/* the host */
	{ "/system.slice/containerd.service", 0, GROUP_NODE, "containerd.service" },
	{ "/system.slice/kubelet.service", 0, GROUP_NODE, "kubelet.service" },
	{ "/system.slice/docker-%064x.scope", 0x55, GROUP_NODE, "" },
	{ "/", 0, GROUP_HOST_OTHER, "/" },
	{ "/user.slice/user-1000.slice/session-2.scope", 0, GROUP_HOST_OTHER, "" },
	{ "/system.slice/wattprobe.service", 0, GROUP_PROBE, "wattprobe" },
};

static void test_defaults(void **state)
{
	char path[512], err[256], in[512];
	struct group_cfg cfg = { .probe_cgroup = "/system.slice/wattprobe.service" };
	struct pods *p = pods_load(fixture("pods/minikube-flux.json", path, sizeof(path)), NULL,
				   err, sizeof(err));

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pod_info *pod;
		struct group_result g;
		struct k8s_ident id;
		char cid[65];

		snprintf(cid, sizeof(cid), "%064x", 0xabc0000 + cases[i].n);
		if (strstr(cases[i].path, "pod1b2c"))
			snprintf(in, sizeof(in), cases[i].path, cases[i].n, 0xabc0000 + cases[i].n);
		else
			snprintf(in, sizeof(in), cases[i].path, 0xabc0000 + cases[i].n);
		assert_int_equal(k8s_parse_path(in, &id), 0);
		pod = id.pod_uid[0] ? pods__by_uid(p, id.pod_uid)
				    : pods__by_container(p, cid, NULL);
		group_classify(&cfg, strncmp(in, "0::", 3) ? in : in + 3, &id, pod, &g);
		if (g.group != cases[i].group ||
		    (cases[i].detail[0] && strcmp(g.detail, cases[i].detail)))
			fail_msg("case %zu: %s\n got %s '%s'", i, in, group_name(g.group),
				 g.detail);
	}
	pods__free(p);
}

/* Flux installed in another namespace is still Flux by its part-of label. */
static void test_flux_ns(void **state)
{
	const char *json =
		"{\"items\":[{\"metadata\":{\"uid\":\"aaaaaaaa-0000-4000-8000-000000000001\","
		"\"namespace\":\"gitops\",\"name\":\"x\",\"labels\":{\"app\":\"source-"
		"controller\",\"app.kubernetes.io/part-of\":\"flux\"}}}]}";
	char err[256];
	struct pods *p = pods_parse(json, strlen(json), NULL, err, sizeof(err));
	struct k8s_ident id = { .kind = K8S_POD };
	struct group_cfg cfg = { .flux_ns = "flux" };
	struct group_result g;

	(void)state;
	assert_non_null(p);
	group_classify(&cfg, "/kubepods/podx", &id, pods__at(p, 0), &g);
	assert_int_equal(g.group, GROUP_FLUX);
	assert_string_equal(g.detail, "source-controller");
	assert_string_equal(group_name(GROUP_K8S_SYSTEM), "k8s-system");
	assert_string_equal(group_name(GROUP_HOST_OTHER), "host-other");
	pods__free(p);
}

/* wattprobe as a DaemonSet: in its own cgroup namespace it sees "/" as its cgroup, so its
 * pod is known by the label the manifest (tools/k8s) gives it. */
static void test_probe_pod(void **state)
{
	const char *json =
		"{\"items\":[{\"metadata\":{\"uid\":\"aaaaaaaa-0000-4000-8000-000000000002\","
		"\"namespace\":\"wattprobe\",\"name\":\"wattprobe-x7k2p\",\"labels\":{"
		"\"app.kubernetes.io/name\":\"wattprobe\"}}}]}";
	char err[256];
	struct pods *p = pods_parse(json, strlen(json), NULL, err, sizeof(err));
	struct k8s_ident id = { .kind = K8S_CONTAINER };
	struct group_cfg cfg = {};
	struct group_result g;

	(void)state;
	assert_non_null(p);
	group_classify(&cfg, "/kubepods/podx/y", &id, pods__at(p, 0), &g);
	assert_int_equal(g.group, GROUP_PROBE);
	pods__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flux_ns),
		cmocka_unit_test(test_probe_pod),
	};

	return cmocka_run_group_tests_name("groups", tests, NULL, NULL);
}
