// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_pods.c: pod lists (kubectl get pods -A -o json) into pod metadata, and bad input. */
#include "testutil.h"
#include "pods.h"

/* The fixture's synthetic container ids: 0xabc0000 + n, as 64 hex digits. */
static const char *CID(unsigned int n)
{
	static char buf[4][65];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%064x", 0xabc0000 + n);
	return buf[k];
}

static struct pods *load(const char *node)
{
	char path[512], err[256];
	struct pods *p = pods_load(fixture("pods/minikube-flux.json", path, sizeof(path)), node,
				   err, sizeof(err));

	if (!p)
		fail_msg("%s", err);
	return p;
}

static void test_minikube_flux(void **state)
{
	struct pods *p = load(NULL);
	const struct pod_container *c;
	const struct pod_info *pod;

	(void)state;
	assert_int_equal(pods__count(p), 11);
	pod = pods__by_uid(p, "1b2c3d4e-0000-4000-8000-000000000001");
	assert_non_null(pod);
	assert_string_equal(pod->ns, "flux-system");
	assert_string_equal(pod->name, "source-controller-6f9c8d7b5-abcde");
	assert_string_equal(pod_label(pod, "app.kubernetes.io/part-of"), "flux");
	assert_string_equal(pod_label(pod, "app"), "source-controller");
	assert_null(pod_label(pod, "nope"));
	/* containerd://, docker:// and cri-o:// ids all match by the bare id */
	pod = pods__by_container(p, CID(2), &c);
	assert_non_null(pod);
	assert_string_equal(pod->name, "kustomize-controller-5d8f7c6b4-fghij");
	assert_string_equal(c->name, "manager");
	pod = pods__by_container(p, CID(9), &c);
	assert_string_equal(pod->name, "storage-provisioner");
	/* init and ephemeral containers belong to their pod too */
	pod = pods__by_container(p, CID(11), &c);
	assert_non_null(pod);
	assert_string_equal(c->name, "init-config");
	pod = pods__by_container(p, CID(12), &c);
	assert_string_equal(c->name, "debugger-abcde");
	assert_string_equal(pod->ns, "podinfo");
	/* a container not started yet has no id; an empty id matches nothing */
	pod = pods__by_uid(p, "1b2c3d4e-0000-4000-8000-00000000000a");
	assert_int_equal(pod->ncontainers, 4);
	assert_string_equal(pod->containers[1].name, "sidecar");
	assert_string_equal(pod->containers[1].id, "");
	assert_null(pods__by_container(p, "", NULL));
	assert_null(pods__by_container(p, CID(15), NULL));
	assert_null(pods__by_uid(p, "ffffffff-0000-4000-8000-000000000001"));
	pods__free(p);
}

/* In-cluster, only the pods of this node count (spec.nodeName). */
static void test_node_filter(void **state)
{
	struct pods *p = load("minikube");

	(void)state;
	assert_int_equal(pods__count(p), 10);
	assert_null(pods__by_container(p, CID(13), NULL));
	pods__free(p);
	p = load("minikube-m02");
	assert_int_equal(pods__count(p), 1);
	pods__free(p);
}

static void test_bad_input(void **state)
{
	char path[512], err[256];
	struct pods *p;

	(void)state;
	p = pods_load(fixture("pods/truncated.json", path, sizeof(path)), NULL, err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, "truncated.json"));
	assert_non_null(strstr(err, "not valid JSON"));
	assert_null(strchr(err, '\n'));
	assert_null(pods_load("/nonexistent/pods.json", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/pods.json: No such file"));
	assert_null(pods_parse("{\"kind\":\"Pod\"}", 14, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "no \"items\" array"));
	assert_null(pods_parse("{\"items\":[{\"metadata\":{\"uid\":\"x\"}}]}", 36, NULL, err,
			       sizeof(err)));
	assert_non_null(strstr(err, "items[0]: metadata.uid"));
	assert_null(pods_parse("{\"items\":[]} x", 14, NULL, err, sizeof(err)));
	p = pods_parse("{\"items\":[]}", 12, NULL, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(pods__count(p), 0);
	pods__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minikube_flux),
		cmocka_unit_test(test_node_filter),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("pods", tests, NULL, NULL);
}
