// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_group_rules.c: --groups FILE rules over the minikube + Flux fixture; errors by line. */
#include "testutil.h"
#include "pods_fixture.h"
#include "group_rules.h"

static const struct pod_info *named(const struct pods *p, const char *prefix)
{
	for (size_t i = 0; i < pods__count(p); i++)
		if (strncmp(pods__at(p, i)->name, prefix, strlen(prefix)) == 0)
			return pods__at(p, i);
	fail_msg("no pod %s in the fixture", prefix);
	return NULL;
}

static void test_example(void **state)
{
	char path[512], err[256];
	struct group_rules *r = group_rules_load(
		fixture("groups/example.rules", path, sizeof(path)), err, sizeof(err));
	struct pods *p = fixture_pods();
	const char *g;

	(void)state;
	if (!r)
		fail_msg("%s", err);
	assert_int_equal(group_rules__count(r), 5);
	/* first match wins: source-controller matches both gitops and flux */
	assert_string_equal(group_rules_match(r, "/x", named(p, "source-controller"), "manager"),
			    "gitops");
	assert_string_equal(group_rules_match(r, "/x", named(p, "helm-controller"), "manager"),
			    "flux");
	assert_string_equal(group_rules_match(r, "/x", named(p, "storage-provisioner"), NULL),
			    "storage");
	/* all matches of a rule must hold: the sidecar is not podinfod */
	assert_string_equal(
		group_rules_match(r, "/x", named(p, "podinfo-7c9b8f6d5-r2t4y"), "podinfod"),
		"demo");
	assert_null(group_rules_match(r, "/x", named(p, "podinfo-7c9b8f6d5-r2t4y"), "sidecar"));
	/* cgroup globs work without any pod */
	assert_string_equal(group_rules_match(r, "/system.slice/kubelet.service", NULL, NULL),
			    "node");
	assert_null(group_rules_match(r, "/system.slice/ssh.service", NULL, NULL));
	g = group_rules_match(r, "/x", named(p, "etcd-minikube"), "etcd");
	assert_null(g); /* left to the defaults */
	assert_null(group_rules_match(NULL, "/x", NULL, NULL));
	group_rules__free(r);
	/* Bracket sets, ']' as a member, an escaped '[' */
	r = group_rules_parse("a cgroup=/x-[0-9]\nb cgroup=/[]]y\nc cgroup=/\\[z\n", "r", err,
			      sizeof(err));
	if (!r)
		fail_msg("%s", err);
	assert_string_equal(group_rules_match(r, "/x-7", NULL, NULL), "a");
	assert_string_equal(group_rules_match(r, "/]y", NULL, NULL), "b");
	assert_string_equal(group_rules_match(r, "/[z", NULL, NULL), "c");
	assert_null(group_rules_match(r, "/x-a", NULL, NULL));
	group_rules__free(r);
	pods__free(p);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "flux namespace=flux-system\nweb colour=blue\n", "r:2: unknown key 'colour'" },
		{ "# c\n\nFlux namespace=x\n", "r:3: bad group name 'Flux'" },
		{ "flux namespace\n", "r:1: 'namespace' is not KEY=VALUE" },
		{ "x cgroup=/a/[abc\n", "r:1: 'cgroup=/a/[abc': '[' without its ']'" },
		{ "x pod=[!]\n", "r:1: 'pod=[!]': '[' without its ']'" },
		/* The label's name was kept, then the match refused: freed (found by fuzzing). */
		{ "x label:app=[\n", "r:1: 'label:app=[': '[' without its ']'" },
		{ "x pod=a label:app=b[\n", "r:1: 'label:app=b[': '[' without its ']'" },
		{ "idle namespace=x\n", "r:1: group name 'idle' is reserved" },
		{ "flux pod=a\nsteal pod=b\n", "r:2: group name 'steal' is reserved" },
		{ "flux namespace=\n", "r:1: 'namespace=' is not KEY=VALUE" },
		{ "flux\n", "r:1: rule for 'flux' matches nothing" },
		{ "-x pod=a\n", "r:1: bad group name '-x'" },
		{ "a pod=1 pod=2 pod=3 pod=4 pod=5 pod=6 pod=7 pod=8 pod=9\n", "r:1: more than 8" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(group_rules_parse(bad[i].text, "r", err, sizeof(err)));
		if (!strstr(err, bad[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].want);
		assert_null(strchr(err, '\n'));
	}
	assert_null(group_rules_load("/nonexistent/rules", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/rules: No such file"));
	/* A directory is not an empty rules file; a NUL byte is not text. */
	{
		char *dir = tmp_tree(), path[512];

		assert_null(group_rules_load(dir, err, sizeof(err)));
		assert_non_null(strstr(err, "Is a directory"));
		snprintf(path, sizeof(path), "%s/nul.rules", dir);
		{
			FILE *f = fopen(path, "w");

			assert_non_null(f);
			fwrite("a pod=x\n\0b pod=[\n", 1, 17, f);
			fclose(f);
		}
		assert_null(group_rules_load(path, err, sizeof(err)));
		assert_non_null(strstr(err, "nul.rules: a NUL byte"));
		rm_tree(dir);
	}
	/* comments, blank lines, CRLF and tabs are fine; an empty file has no rules */
	{
		struct group_rules *r = group_rules_parse("\r\n# x\n\tweb\tnamespace=web # c\r\n",
							  "r", err, sizeof(err));

		assert_non_null(r);
		assert_int_equal(group_rules__count(r), 1);
		group_rules__free(r);
		r = group_rules_parse("", "r", err, sizeof(err));
		assert_non_null(r);
		assert_int_equal(group_rules__count(r), 0);
		group_rules__free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("group_rules", tests, NULL, NULL);
}
