// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_k8s_path.c: cgroup path -> Kubernetes identity over real-world shapes: kubelet's systemd
 * and cgroupfs drivers (pkg/kubelet/cm cgroup naming), containerd, CRI-O (with conmon and crun's
 * "container" child), docker and cri-dockerd, kind and minikube nesting, /proc/PID/cgroup lines
 * from cgroup namespaces and runc's colon form (FIELD-NOTES 14, 15).
 */
#include "testutil.h"
#include "k8s_path.h"

#define UID  "0f8b6c1e-2a3d-4b5c-9d7e-1234567890ab"
#define UID_ "0f8b6c1e_2a3d_4b5c_9d7e_1234567890ab"
#define CID  "4c1d0e8f3a2b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
#define HASH "5c1ab0e4d1f2a3b4c5d6e7f8a9b0c1d2" /* a static pod's config hash */
#define CID2 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static const struct {
	const char *in;
	enum k8s_kind kind;
	enum k8s_runtime rt;
	enum k8s_qos qos;
	const char *uid;
	const char *cid;
} cases[] = {
	/* systemd driver, containerd */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BURSTABLE, UID, CID },
	{ "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BURSTABLE, UID, CID },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BESTEFFORT, UID, CID },
	/* Guaranteed: no QoS slice */
	{ "0::/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_GUARANTEED, UID, CID },
	/* pod-level cgroups */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", K8S_POD,
	  RT_NONE, QOS_BURSTABLE, UID, "" },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice", K8S_POD, RT_NONE, QOS_GUARANTEED, UID, "" },
	/* CRI-O, conmon is the runtime's, crun's "container" child is the container's */
	{ "1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-" CID ".scope",
	  K8S_CONTAINER, RT_CRIO, QOS_BURSTABLE, UID, CID },
	{ "1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-conmon-" CID ".scope",
	  K8S_RUNTIME, RT_CRIO, QOS_BURSTABLE, UID, CID },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-" CID ".scope/container",
	  K8S_CONTAINER, RT_CRIO, QOS_BESTEFFORT, UID, CID },
	{ "0::/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" CID ".scope", K8S_RUNTIME,
	  RT_CRIO, QOS_GUARANTEED, UID, CID },
	/* docker (dockershim era) and cri-dockerd */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/docker-" CID ".scope",
	  K8S_CONTAINER, RT_DOCKER, QOS_BESTEFFORT, UID, CID },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-dockerd-" CID ".scope",
	  K8S_CONTAINER, RT_CRI_DOCKERD, QOS_BURSTABLE, UID, CID },
	/* cgroupfs driver: no runtime in the name */
	{ "11:blkio:/kubepods/burstable/pod" UID "/" CID, K8S_CONTAINER, RT_UNKNOWN, QOS_BURSTABLE,
	  UID, CID },
	{ "/kubepods/besteffort/pod" UID "/" CID, K8S_CONTAINER, RT_UNKNOWN, QOS_BESTEFFORT, UID,
	  CID },
	{ "/kubepods/pod" UID "/" CID, K8S_CONTAINER, RT_UNKNOWN, QOS_GUARANTEED, UID, CID },
	{ "/kubepods/burstable/pod" UID, K8S_POD, RT_NONE, QOS_BURSTABLE, UID, "" },
	{ "4:cpu,cpuacct:/kubepods/pod" UID, K8S_POD, RT_NONE, QOS_GUARANTEED, UID, "" },
	/* kind: the node is a docker container whose kubelet uses a kubelet.slice */
	{ "11:blkio:/system.slice/docker-" CID2
	  ".scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/"
	  "kubelet-kubepods-burstable-pod" UID_ ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BURSTABLE, UID, CID },
	{ "0::/system.slice/docker-" CID2
	  ".scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_GUARANTEED, UID, CID },
	/* minikube's docker driver with cgroupfs: a /docker/<id>/ prefix */
	{ "/docker/" CID2 "/kubepods/burstable/pod" UID "/" CID, K8S_CONTAINER, RT_UNKNOWN,
	  QOS_BURSTABLE, UID, CID },
	{ "/docker/" CID2 "/kubepods/besteffort/pod" UID, K8S_POD, RT_NONE, QOS_BESTEFFORT, UID,
	  "" },
	/* from inside a cgroup namespace: relative paths */
	{ "0::/../../../kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BESTEFFORT, UID, CID },
	{ "0::/../cri-containerd-" CID ".scope", K8S_CONTAINER, RT_CONTAINERD, QOS_NONE, "", CID },
	{ "0::/../../pod" UID "/" CID, K8S_CONTAINER, RT_UNKNOWN, QOS_GUARANTEED, UID, CID },
	/* runc's systemd form on v1: colons in the path */
	{ "12:memory:/system.slice/containerd.service/kubepods-burstable-pod" UID_
	  ".slice:cri-containerd:" CID,
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BURSTABLE, UID, CID },
	{ "3:cpu:/system.slice/crio.service/kubepods-pod" UID_ ".slice:crio:" CID, K8S_CONTAINER,
	  RT_CRIO, QOS_GUARANTEED, UID, CID },
	/* systemd escaping: \x2d is '-' */
	{ "/kubepods.slice/kubepods\\x2dburstable.slice/kubepods\\x2dburstable\\x2dpod" UID_
	  ".slice/cri\\x2dcontainerd\\x2d" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BURSTABLE, UID, CID },
	/* a UID already with dashes in a systemd name (some kubelets), upper-case hex */
	{ "/kubepods.slice/kubepods-pod0F8B6C1E-2A3D-4B5C-9D7E-1234567890AB.slice", K8S_POD,
	  RT_NONE, QOS_GUARANTEED, UID, "" },
	/* the host: runtimes, kubelet, the root, user sessions, plain docker containers */
	{ "0::/system.slice/containerd.service", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	{ "0::/system.slice/kubelet.service", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	{ "/system.slice/crio.service", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	{ "0::/", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	{ "/user.slice/user-1000.slice/session-3.scope", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	{ "/kubepods.slice", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	{ "/kubepods.slice/kubepods-burstable.slice", K8S_HOST, RT_NONE, QOS_BURSTABLE, "", "" },
	{ "/system.slice/docker-" CID ".scope", K8S_CONTAINER, RT_DOCKER, QOS_NONE, "", CID },
	/* near misses: a short id, a bad UID, a pod-like name outside kubepods */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-abc.scope", K8S_POD, RT_NONE,
	  QOS_GUARANTEED, UID, "" },
	{ "/kubepods.slice/kubepods-podnot-a-uid.slice", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	{ "/system.slice/mypod" UID_ ".slice", K8S_HOST, RT_NONE, QOS_NONE, "", "" },
	/* static pods: the cgroup carries kubelet's hash of the manifest, not the API UID */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" HASH
	  ".slice/cri-containerd-" CID ".scope",
	  K8S_CONTAINER, RT_CONTAINERD, QOS_BURSTABLE, HASH, CID },
	{ "/kubepods/burstable/pod" HASH "/" CID, K8S_CONTAINER, RT_UNKNOWN, QOS_BURSTABLE, HASH,
	  CID },
	{ "/kubepods.slice/kubepods-pod" HASH ".slice", K8S_POD, RT_NONE, QOS_GUARANTEED, HASH,
	  "" },
	/*
	 * runc's colon form with a near-miss pod slice (found by fuzzing): the container is
	 * taken, and the UID is the one further up, or none; never the near miss's first digits.
	 */
	{ "12:memory:/system.slice/containerd.service/kubepods-burstable-pod"
	  "0f8b6c1e_2a3d_4b5c_9d7e_1234567890ax.slice:cri-containerd:" CID,
	  K8S_CONTAINER, RT_CONTAINERD, QOS_NONE, "", CID },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/kubepods-burstable-pod"
	  "11111111_2222_3333_4444_55555555555x.slice:cri-containerd:" CID,
	  K8S_CONTAINER, RT_CONTAINERD, QOS_GUARANTEED, UID, CID },
	/* 31 or 33 hex digits are neither a UID nor a hash */
	{ "/kubepods.slice/kubepods-pod5c1ab0e4d1f2a3b4c5d6e7f8a9b0c1d.slice", K8S_HOST, RT_NONE,
	  QOS_NONE, "", "" },
};

static void test_table(void **state)
{
	struct k8s_ident id;

	(void)state;
	assert_true(sizeof(cases) / sizeof(cases[0]) >= 30);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = k8s_parse_path(cases[i].in, &id);

		if (err || id.kind != cases[i].kind || id.runtime != cases[i].rt ||
		    id.qos != cases[i].qos || strcmp(id.pod_uid, cases[i].uid) ||
		    strcmp(id.container_id, cases[i].cid))
			fail_msg("case %zu: %s\n got %s %s %s uid '%s' cid '%s' (err %d)", i,
				 cases[i].in, k8s_kind_name(id.kind), k8s_runtime_name(id.runtime),
				 k8s_qos_name(id.qos), id.pod_uid, id.container_id, err);
	}
}

static void test_malformed(void **state)
{
	struct k8s_ident id;

	(void)state;
	assert_int_equal(k8s_parse_path("", &id), -EINVAL);
	assert_int_equal(k8s_parse_path("garbage", &id), -EINVAL);
	assert_int_equal(k8s_parse_path("0:", &id), -EINVAL);
	assert_int_equal(k8s_parse_path("0::relative", &id), -EINVAL);
	assert_string_equal(k8s_runtime_name(RT_CRIO), "cri-o");
	assert_string_equal(k8s_qos_name(QOS_BESTEFFORT), "BestEffort");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("k8s_path", tests, NULL, NULL);
}
