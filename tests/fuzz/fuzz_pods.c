// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_pods.c: a pod list's JSON (kubectl get pods -A -o json) parsed and looked up. */
#include "fuzz_util.h"
#include "pods.h"

static void check(const struct pods *p)
{
	size_t n = pods__count(p);

	FZ_CHECK(pods__at(p, n) == NULL);
	for (size_t i = 0; i < n; i++) {
		const struct pod_info *pod = pods__at(p, i);

		FZ_CHECK(strlen(pod->uid) == K8S_UID_LEN);
		fz_check_cstr(pod->config_hash, sizeof(pod->config_hash));
		FZ_CHECK(pod->ns && pod->name && pod->node);
		/* The first pod with a UID is the one found by it (UIDs may repeat in bad input).
		 */
		FZ_CHECK(pods__by_uid(p, pod->uid) != NULL);
		for (size_t l = 0; l < pod->nlabels; l++) {
			FZ_CHECK(pod->labels[l].key && pod->labels[l].value);
			FZ_CHECK(pod_label(pod, pod->labels[l].key) != NULL);
		}
		for (size_t c = 0; c < pod->ncontainers; c++) {
			const struct pod_container *ct = pod->containers + c, *found = NULL;

			fz_check_cstr(ct->id, sizeof(ct->id));
			FZ_CHECK(ct->name);
			FZ_CHECK(!ct->id[0] || strlen(ct->id) == K8S_CID_LEN);
			if (ct->id[0])
				FZ_CHECK(pods__by_container(p, ct->id, &found) && found);
		}
	}
	FZ_CHECK(pods__by_container(p, "", NULL) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct pods *p;

	/* The exact bytes (pods_parse takes a length), every node, then one node's. */
	p = pods_parse((const char *)data, size, NULL, err, sizeof(err));
	fz_check_cstr(err, sizeof(err));
	if (p) {
		check(p);
		pods__free(p);
	} else {
		FZ_CHECK(err[0] && (errno == EINVAL || errno == ENOMEM));
	}
	p = pods_parse((const char *)data, size, "minikube", err, sizeof(err));
	if (p) {
		for (size_t i = 0; i < pods__count(p); i++)
			FZ_CHECK(!strcmp(pods__at(p, i)->node, "minikube"));
		pods__free(p);
	}
	return 0;
}
