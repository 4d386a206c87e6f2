// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_podsrc.c: pod lists from a file that changes, and from kubectl (a fake one in $PATH). */
#include "testutil.h"
#include "kubectl.h"
#include "podsrc.h"

#define ONE_POD                                                                                    \
	"{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\","      \
	"\"uid\":\"aaaaaaaa-0000-4000-8000-000000000001\"},\"spec\":{\"nodeName\":\"minikube\"}}]" \
	"}"

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

/* Take from s until something comes (a pod list or an error), at most 3 s. */
static int take_within(struct podsrc *s, struct pods **p, char *err, size_t len)
{
	for (int i = 0; i < 300; i++) {
		int r = podsrc__take(s, p, err, len);

		if (r || err[0])
			return r;
		usleep(10000);
	}
	return 0;
}

/* Write atomically, as a writer should (a new inode: a change whatever the mtime). */
static void rewrite(const char *dir, const char *name, const char *text)
{
	char tmp[512], path[512];

	snprintf(tmp, sizeof(tmp), "%s/.tmp", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	put_file(dir, ".tmp", text, 0644);
	assert_int_equal(rename(tmp, path), 0);
}

static void test_file_reload(void **state)
{
	char *dir = tmp_tree(), path[512], fix[512], err[512];
	struct podsrc_opts o = { .refresh_ns = 1000000000ULL };
	struct pods *first, *p;
	struct podsrc *s;
	size_t len;
	char *json = read_all(fixture("pods/minikube-flux.json", fix, sizeof(fix)), &len);

	(void)state;
	put_file(dir, "pods.json", json, 0644);
	snprintf(path, sizeof(path), "%s/pods.json", dir);
	o.spec = path;
	s = podsrc__open(&o, &first, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(pods__count(first), 11);
	/* Unchanged: nothing new, no error. */
	usleep(2 * PODSRC_FILE_CHECK_NS / 1000);
	assert_int_equal(podsrc__take(s, &p, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	rewrite(dir, "pods.json", ONE_POD);
	assert_int_equal(take_within(s, &p, err, sizeof(err)), 1);
	assert_int_equal(pods__count(p), 1);
	pods__free(p);
	/* Malformed: one error naming the file; the caller keeps what it has. */
	rewrite(dir, "pods.json", "{\"items\":[{\"metadata\":");
	assert_int_equal(take_within(s, &p, err, sizeof(err)), 0);
	assert_non_null(strstr(err, path));
	usleep(3 * PODSRC_FILE_CHECK_NS / 1000);
	assert_int_equal(podsrc__take(s, &p, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* The same bad content written again (a kubectl loop against a cluster that is down):
	 * still said once. */
	rewrite(dir, "pods.json", "{\"items\":[{\"metadata\":");
	usleep(3 * PODSRC_FILE_CHECK_NS / 1000);
	assert_int_equal(podsrc__take(s, &p, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* Gone, then back. */
	unlink(path);
	assert_int_equal(take_within(s, &p, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "No such file"));
	rewrite(dir, "pods.json", json);
	assert_int_equal(take_within(s, &p, err, sizeof(err)), 1);
	assert_int_equal(pods__count(p), 11);
	pods__free(p);
	podsrc__free(s);
	pods__free(first);
	free(json);
	rm_tree(dir);
}

static void test_file_bad_at_start(void **state)
{
	char *dir = tmp_tree(), path[512], err[512];
	struct podsrc_opts o = { .refresh_ns = 1000000000ULL };
	struct pods *first;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.json", dir);
	o.spec = path;
	assert_null(podsrc__open(&o, &first, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_null(first);
	put_file(dir, "bad.json", "[1,2", 0644);
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	assert_null(podsrc__open(&o, &first, err, sizeof(err)));
	assert_non_null(strstr(err, "bad.json"));
	/* A FIFO would block the reader for good: refused by its type. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_null(podsrc__open(&o, &first, err, sizeof(err)));
	assert_non_null(strstr(err, "fifo: not a regular file"));
	o.spec = dir;
	assert_null(podsrc__open(&o, &first, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	rm_tree(dir);
}

/* A stand-in for kubectl: logs its arguments, then does what MODE says. */
static char *fake_kubectl(const char *mode, char **old_path)
{
	char *dir = tmp_tree(), script[2048], fix[512], path[4096];

	snprintf(script, sizeof(script),
		 "#!/bin/sh\n"
		 "echo \"$@\" > '%s/args'\n"
		 "case '%s' in\n"
		 "ok) exec cat '%s/%s' ;;\n"
		 "denied) echo 'error: You must be logged in to the server (Unauthorized)' >&2; "
		 "exit 1 ;;\n"
		 "slow) exec sleep 10 ;;\n"
		 "bg) sleep 30 & exec cat '%s/%s' ;;\n"
		 "esac\n",
		 dir, mode, getcwd(path, sizeof(path)),
		 fixture("pods/minikube-flux.json", fix, sizeof(fix)), path, fix);
	put_file(dir, "kubectl", script, 0755);
	*old_path = strdup(getenv("PATH"));
	snprintf(path, sizeof(path), "%s:%s", dir, *old_path);
	setenv("PATH", path, 1);
	return dir;
}

static void restore_path(char *old)
{
	setenv("PATH", old, 1);
	free(old);
}

static void test_kubectl(void **state)
{
	char *old, *dir = fake_kubectl("ok", &old), err[512], args[512], fix[512];
	size_t len, flen;
	char *out, *want = read_all(fixture("pods/minikube-flux.json", fix, sizeof(fix)), &flen);
	FILE *f;

	(void)state;
	assert_int_equal(kubectl_get_pods("minikube", 5000, NULL, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(len, flen);
	assert_memory_equal(out, want, flen);
	free(out);
	snprintf(args, sizeof(args), "%s/args", dir);
	f = fopen(args, "r");
	assert_non_null(f);
	assert_non_null(fgets(args, sizeof(args), f));
	fclose(f);
	assert_string_equal(args, "get pods -A -o json --field-selector spec.nodeName=minikube\n");
	free(want);
	restore_path(old);
	rm_tree(dir);
}

static void test_kubectl_fails(void **state)
{
	char *old, *dir, err[512], *out;
	atomic_bool cancel = true;
	size_t len;

	(void)state;
	dir = fake_kubectl("denied", &old);
	assert_int_equal(kubectl_get_pods(NULL, 5000, NULL, &out, &len, err, sizeof(err)), -EIO);
	assert_string_equal(err, "kubectl get pods: exit status 1: error: You must be logged in to "
				 "the server (Unauthorized)");
	assert_null(out);
	restore_path(old);
	rm_tree(dir);
	dir = fake_kubectl("slow", &old);
	assert_int_equal(kubectl_get_pods(NULL, 200, NULL, &out, &len, err, sizeof(err)),
			 -ETIMEDOUT);
	assert_non_null(strstr(err, "no answer in time"));
	assert_int_equal(kubectl_get_pods(NULL, 5000, &cancel, &out, &len, err, sizeof(err)),
			 -ECANCELED);
	restore_path(old);
	rm_tree(dir);
	/* kubectl is done but left a child holding its stdout: the list is complete. */
	dir = fake_kubectl("bg", &old);
	assert_int_equal(kubectl_get_pods(NULL, 5000, NULL, &out, &len, err, sizeof(err)), 0);
	assert_true(len > 1000);
	free(out);
	restore_path(old);
	rm_tree(dir);
	/* Not installed. */
	old = strdup(getenv("PATH"));
	dir = tmp_tree();
	setenv("PATH", dir, 1);
	assert_int_equal(kubectl_get_pods(NULL, 5000, NULL, &out, &len, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "not in PATH"));
	restore_path(old);
	rm_tree(dir);
}

/* podsrc with kubectl: the first list at once, the node filter applied to what comes back. */
static void test_podsrc_kubectl(void **state)
{
	char *old, *dir = fake_kubectl("ok", &old), err[512];
	struct podsrc_opts o = { .spec = "kubectl",
				 .node = "minikube",
				 .refresh_ns = 100000000ULL };
	struct pods *first, *p;
	struct podsrc *s;

	(void)state;
	s = podsrc__open(&o, &first, err, sizeof(err));
	assert_non_null(s);
	/* The fake ignores the selector; the fixture's pod on minikube-m02 is dropped here. */
	assert_int_equal(pods__count(first), 10);
	assert_int_equal(take_within(s, &p, err, sizeof(err)), 1);
	assert_int_equal(pods__count(p), 10);
	assert_non_null(strstr(podsrc__describe(s), "kubectl every 0.1s, node minikube"));
	pods__free(p);
	podsrc__free(s);
	pods__free(first);
	restore_path(old);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_reload),    cmocka_unit_test(test_file_bad_at_start),
		cmocka_unit_test(test_kubectl),	       cmocka_unit_test(test_kubectl_fails),
		cmocka_unit_test(test_podsrc_kubectl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
