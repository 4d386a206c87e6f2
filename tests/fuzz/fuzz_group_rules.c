// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_group_rules.c: a --groups rules file parsed, then matched against a few workloads. */
#include "fuzz_util.h"
#include "group_rules.h"

static bool group_name(const char *g)
{
	size_t n = strlen(g);

	if (!n || n > 31 || g[0] == '-')
		return false;
	for (; *g; g++)
		if (!((*g >= 'a' && *g <= 'z') || (*g >= '0' && *g <= '9') || *g == '-'))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pod_label labels[] = { { "tier", "control-plane" }, { "app", "web-1" } };
	static struct pod_info pods[] = {
		{ .ns = "flux-system",
		  .name = "kustomize-controller-7d9f",
		  .labels = labels,
		  .nlabels = 2 },
		{ .ns = "default", .name = "", .labels = NULL, .nlabels = 0 },
	};
	static const char *const paths[] = {
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice",
		"/system.slice/kubelet.service",
		"/",
		"",
	};
	char *s = fz_str(data, size), err[512];
	struct group_rules *r;

	/* Skip text with a NUL: group_rules_load refuses it before parsing. */
	if (memchr(data, '\0', size)) {
		free(s);
		return 0;
	}
	r = group_rules_parse(s, "fuzz.rules", err, sizeof(err));
	if (!r) {
		fz_check_cstr(err, sizeof(err));
		FZ_CHECK(err[0] && (errno == EINVAL || errno == ENOMEM));
		free(s);
		return 0;
	}
	for (size_t p = 0; p < 4; p++) {
		for (size_t k = 0; k < 3; k++) {
			const struct pod_info *pod = k < 2 ? &pods[k] : NULL;
			const char *g = group_rules_match(r, paths[p], pod, k ? NULL : "manager");

			FZ_CHECK(!g || group_name(g));
		}
	}
	FZ_CHECK(group_rules_match(NULL, "/", NULL, NULL) == NULL);
	(void)group_rules__count(r);
	group_rules__free(r);
	free(s);
	return 0;
}
