// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_k8s_path.c: a cgroup path's or /proc/PID/cgroup line's Kubernetes identity. */
#include "fuzz_util.h"
#include "k8s_path.h"

static bool hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void check(const char *text)
{
	struct k8s_ident id;
	int rc = k8s_parse_path(text, &id);
	size_t ul;

	FZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		FZ_CHECK(id.kind == K8S_HOST && !id.pod_uid[0] && !id.container_id[0]);
		return;
	}
	fz_check_cstr(id.pod_uid, sizeof(id.pod_uid));
	fz_check_cstr(id.container_id, sizeof(id.container_id));
	FZ_CHECK(id.kind <= K8S_RUNTIME && id.runtime <= RT_CRI_DOCKERD &&
		 id.qos <= QOS_BESTEFFORT);
	/* A UID is 8-4-4-4-12 lower-case hex with '-' (never '_'), or a 32-hex config hash. */
	ul = strlen(id.pod_uid);
	FZ_CHECK(ul == 0 || ul == K8S_UID_LEN || ul == K8S_HASH_LEN);
	if (ul == K8S_HASH_LEN)
		FZ_CHECK(hex(id.pod_uid, ul));
	if (ul == K8S_UID_LEN)
		for (size_t i = 0; i < ul; i++)
			FZ_CHECK((i == 8 || i == 13 || i == 18 || i == 23)
					 ? id.pod_uid[i] == '-'
					 : hex(id.pod_uid + i, 1));
	FZ_CHECK(!id.container_id[0] ||
		 (strlen(id.container_id) == K8S_CID_LEN && hex(id.container_id, K8S_CID_LEN)));
	/* A container or its runtime has an id; a pod has a UID; a pod's QoS is known. */
	if (id.kind == K8S_CONTAINER || id.kind == K8S_RUNTIME)
		FZ_CHECK(id.container_id[0] && id.runtime != RT_NONE);
	if (id.kind == K8S_POD)
		FZ_CHECK(ul && !id.container_id[0]);
	if (ul)
		FZ_CHECK(id.qos != QOS_NONE);
	(void)strlen(k8s_runtime_name(id.runtime));
	(void)strlen(k8s_qos_name(id.qos));
	(void)strlen(k8s_kind_name(id.kind));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *line, *save = NULL;

	/* The whole input, then each of its lines, as /proc/PID/cgroup holds several. */
	check(s);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		check(line);
	free(s);
	return 0;
}
