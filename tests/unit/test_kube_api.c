// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_kube_api.c: in-cluster API server config from the environment, tokens, the pods URL. */
#include "testutil.h"
#include "kube_api.h"

/* A service account directory as kubelet mounts it: token and ca.crt. */
static char *sa_dir(const char *token)
{
	char *d = tmp_tree();

	if (token)
		put_file(d, "token", token, 0600);
	put_file(d, "ca.crt", "-----BEGIN CERTIFICATE-----\n", 0644);
	return d;
}

static void set_env(const char *host, const char *port)
{
	if (host)
		setenv("KUBERNETES_SERVICE_HOST", host, 1);
	else
		unsetenv("KUBERNETES_SERVICE_HOST");
	if (port)
		setenv("KUBERNETES_SERVICE_PORT", port, 1);
	else
		unsetenv("KUBERNETES_SERVICE_PORT");
}

static void test_cfg_from_env(void **state)
{
	struct kube_api_cfg cfg;
	char *d = sa_dir("eyJhbGciOiJSUzI1NiJ9.e30.sig\n"), path[1024], err[256];

	(void)state;
	set_env("10.96.0.1", "6443");
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), 0);
	assert_string_equal(cfg.base_url, "https://10.96.0.1:6443");
	snprintf(path, sizeof(path), "%s/token", d);
	assert_string_equal(cfg.token_path, path);
	snprintf(path, sizeof(path), "%s/ca.crt", d);
	assert_string_equal(cfg.ca_path, path);
	/* the port defaults to 443, unset or empty */
	set_env("10.96.0.1", NULL);
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), 0);
	assert_string_equal(cfg.base_url, "https://10.96.0.1:443");
	set_env("kubernetes.default.svc", "");
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), 0);
	assert_string_equal(cfg.base_url, "https://kubernetes.default.svc:443");
	/* an IPv6 service address goes in brackets (dual-stack and IPv6-only clusters) */
	set_env("fd00:10:96::1", "443");
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), 0);
	assert_string_equal(cfg.base_url, "https://[fd00:10:96::1]:443");
	set_env(NULL, NULL);
	rm_tree(d);
}

static void expect_env_error(const char *host, const char *port, int want, const char *names)
{
	struct kube_api_cfg cfg;
	char *d = sa_dir("tok\n"), err[256] = "";

	set_env(host, port);
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), want);
	if (!strstr(err, names))
		fail_msg("host %s port %s: '%s' does not name %s", host, port, err, names);
	assert_null(strchr(err, '\n'));
	set_env(NULL, NULL);
	rm_tree(d);
}

static void test_bad_env(void **state)
{
	(void)state;
	expect_env_error(NULL, "443", -ENOENT, "KUBERNETES_SERVICE_HOST is not set");
	expect_env_error("", "443", -ENOENT, "KUBERNETES_SERVICE_HOST is not set");
	expect_env_error("10.0.0.1/x?", "443", -EINVAL, "KUBERNETES_SERVICE_HOST=10.0.0.1/x?");
	expect_env_error("[::1]", "443", -EINVAL, "KUBERNETES_SERVICE_HOST=[::1]");
	expect_env_error("10.0.0.1", "0", -EINVAL, "KUBERNETES_SERVICE_PORT=0");
	expect_env_error("10.0.0.1", "65536", -EINVAL, "KUBERNETES_SERVICE_PORT=65536");
	expect_env_error("10.0.0.1", "-1", -EINVAL, "KUBERNETES_SERVICE_PORT=-1");
	expect_env_error("10.0.0.1", "https", -EINVAL, "KUBERNETES_SERVICE_PORT=https");
	expect_env_error("10.0.0.1", "443 ", -EINVAL, "KUBERNETES_SERVICE_PORT=443 ");
}

static void test_bad_sa_dir(void **state)
{
	struct kube_api_cfg cfg;
	char *d, err[256], want[1024];

	(void)state;
	set_env("10.96.0.1", "443");
	d = sa_dir(NULL);
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "service account token %s/token: No such file", d);
	assert_non_null(strstr(err, want));
	rm_tree(d);
	d = sa_dir("\n");
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "service account token %s/token: is empty", d);
	assert_string_equal(err, want);
	rm_tree(d);
	d = tmp_tree();
	put_file(d, "token", "tok", 0600);
	assert_int_equal(kube_api_cfg_from_env(&cfg, d, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "API server CA file %s/ca.crt: No such file", d);
	assert_non_null(strstr(err, want));
	rm_tree(d);
	/* NULL: kubelet's mount point (absent here, unless the test runs in a pod) */
	if (kube_api_cfg_from_env(&cfg, NULL, err, sizeof(err)))
		assert_non_null(strstr(err, "/var/run/secrets/kubernetes.io/serviceaccount/"));
	else
		assert_string_equal(cfg.token_path,
				    "/var/run/secrets/kubernetes.io/serviceaccount/token");
	set_env(NULL, NULL);
}

static void test_read_token(void **state)
{
	char *d = tmp_tree(), path[1024], buf[8], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/t", d);
	put_file(d, "t", "abc\r\n", 0600);
	assert_int_equal(kube_api_read_token(path, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "abc");
	put_file(d, "t", "abcdefg", 0600); /* exactly fits */
	assert_int_equal(kube_api_read_token(path, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "abcdefg");
	put_file(d, "t", "abcdefgh", 0600);
	assert_int_equal(kube_api_read_token(path, buf, sizeof(buf), err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "longer than 7 bytes"));
	/* a token is one header line: no line breaks or blanks inside it */
	put_file(d, "t", "ab\ncd\n", 0600);
	assert_int_equal(kube_api_read_token(path, buf, sizeof(buf), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "blank or control character"));
	put_file(d, "t", "a b", 0600);
	assert_int_equal(kube_api_read_token(path, buf, sizeof(buf), err, sizeof(err)), -EINVAL);
	put_file(d, "t", "", 0600);
	assert_int_equal(kube_api_read_token(path, buf, sizeof(buf), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is empty"));
	rm_tree(d);
}

static void test_pods_url(void **state)
{
	struct kube_api_cfg cfg = { .base_url = "https://10.96.0.1:443" };
	char out[256];

	(void)state;
	assert_int_equal(kube_api_pods_url(&cfg, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "https://10.96.0.1:443/api/v1/pods");
	assert_int_equal(kube_api_pods_url(&cfg, "", out, sizeof(out)), 0);
	assert_string_equal(out, "https://10.96.0.1:443/api/v1/pods");
	assert_int_equal(kube_api_pods_url(&cfg, "minikube", out, sizeof(out)), 0);
	assert_string_equal(
		out, "https://10.96.0.1:443/api/v1/pods?fieldSelector=spec.nodeName%3Dminikube");
	/* DNS names pass as they are; RFC 3986 unreserved characters too */
	assert_int_equal(
		kube_api_pods_url(&cfg, "ip-10-0-1-2.eu-west-1.compute.internal", out, sizeof(out)),
		0);
	assert_string_equal(out, "https://10.96.0.1:443/api/v1/pods?fieldSelector=spec.nodeName%3D"
				 "ip-10-0-1-2.eu-west-1.compute.internal");
	assert_int_equal(kube_api_pods_url(&cfg, "a_b~C", out, sizeof(out)), 0);
	assert_string_equal(
		out, "https://10.96.0.1:443/api/v1/pods?fieldSelector=spec.nodeName%3Da_b~C");
	/* anything else is percent-encoded, bytes of UTF-8 one by one, in upper-case hex */
	assert_int_equal(kube_api_pods_url(&cfg, "a b/c=d&e?f%,\xc3\xbc", out, sizeof(out)), 0);
	assert_string_equal(out, "https://10.96.0.1:443/api/v1/pods?fieldSelector=spec.nodeName%3D"
				 "a%20b%2Fc%3Dd%26e%3Ff%25%2C%C3%BC");
}

static void test_pods_url_too_long(void **state)
{
	struct kube_api_cfg cfg = { .base_url = "https://h:1" };
	const char *want = "https://h:1/api/v1/pods?fieldSelector=spec.nodeName%3Dn%2F";
	char out[128];

	(void)state;
	assert_int_equal(kube_api_pods_url(&cfg, "n/", out, strlen(want) + 1), 0);
	assert_string_equal(out, want);
	/* one byte short, in the middle of an escape */
	assert_int_equal(kube_api_pods_url(&cfg, "n/", out, strlen(want)), -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(kube_api_pods_url(&cfg, NULL, out, strlen("https://h:1/api/v1/pods")),
			 -ENAMETOOLONG);
	assert_int_equal(kube_api_pods_url(&cfg, NULL, out, strlen("https://h:1/api/v1/pods") + 1),
			 0);
	assert_string_equal(out, "https://h:1/api/v1/pods");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_from_env), cmocka_unit_test(test_bad_env),
		cmocka_unit_test(test_bad_sa_dir),   cmocka_unit_test(test_read_token),
		cmocka_unit_test(test_pods_url),     cmocka_unit_test(test_pods_url_too_long),
	};

	return cmocka_run_group_tests_name("kube_api", tests, NULL, NULL);
}
