// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_virt.c: listing and following a VM host's domains through libvirt, against libvirt's
 * own test driver (test:///PATH: a host from a fixture; test:///default: one instance shared
 * in the process, which a read-write connection of the test changes under the follower).
 */
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <libvirt/libvirt.h>
#include "testutil.h"
#include "virt.h"

static const struct vm_info *find(const struct vm_info *d, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return &d[i];
	return NULL;
}

/* The fixture's running domains, with vcpu.current (2 of 4 for minikube), not the maximum. */
static void test_list_fixture(void **state)
{
	char rel[1024], path[PATH_MAX], uri[PATH_MAX + 16], msg[512];
	struct vm_info *d;
	const struct vm_info *m, *w;
	struct virt *v;
	size_t n;

	(void)state;
	fixture("libvirt/node.xml", rel, sizeof(rel));
	assert_non_null(realpath(rel, path));
	snprintf(uri, sizeof(uri), "test://%s", path);
	v = virt__open(uri, msg, sizeof(msg));
	assert_non_null(v);
	assert_int_equal(virt__list(v, &d, &n, msg, sizeof(msg)), 0);
	assert_int_equal(n, 2);
	m = find(d, n, "minikube");
	w = find(d, n, "web server");
	assert_non_null(m);
	assert_non_null(w);
	assert_null(find(d, n, "stopped"));
	assert_int_equal(m->id, 1);
	assert_int_equal(m->vcpus, 2);
	assert_true(m->running);
	assert_string_equal(m->uuid, "6a8c4f0e-4b7e-4bb7-9d1a-1c0d3a1e2f01");
	assert_true(m->has_cpu);
	assert_int_equal(w->vcpus, 1);
	free(d);
	virt__free(v);
}

static void test_open_fails(void **state)
{
	char msg[512];

	(void)state;
	assert_null(virt__open("test:///no/such/node.xml", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "test:///no/such/node.xml"));
	assert_null(virt__open("qemu+unix:///system?socket=/nonexistent/sock", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "libvirt qemu+unix"));
}

struct seen {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int lists;
	bool has_vm;
	size_t n;
};

static void on_list(void *ctx, const struct vm_info *d, size_t n, const char *err)
{
	struct seen *s = ctx;

	assert_null(err);
	pthread_mutex_lock(&s->lock);
	s->lists++;
	s->n = n;
	s->has_vm = find(d, n, "e2e-vm") != NULL;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* Wait up to 5 s for the follower to report the VM present (or absent). */
static bool wait_for(struct seen *s, bool present)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&s->lock);
	while (s->has_vm != present || !s->lists)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &until))
			break;
	ok = s->lists && s->has_vm == present;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static const char vm_xml[] = "<domain type='test'><name>e2e-vm</name><memory>65536</memory>"
			     "<vcpu current='1'>2</vcpu><os><type>hvm</type></os></domain>";

/* A domain started and destroyed under the follower is seen to come and go. */
static void test_follow_lifecycle(void **state)
{
	struct seen s = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	virConnectPtr rw;
	virDomainPtr dom;
	struct virt *v;
	char msg[512];
	unsigned int before;

	(void)state;
	/* Opening through virt first registers libvirt's event loop, as the host does. */
	v = virt__open("test:///default", msg, sizeof(msg));
	assert_non_null(v);
	rw = virConnectOpen("test:///default");
	assert_non_null(rw);
	assert_int_equal(virt__follow(v, 200, on_list, &s), 0);
	assert_true(wait_for(&s, false));
	assert_int_equal(s.n, 1); /* the default host's own "test" domain */
	dom = virDomainCreateXML(rw, vm_xml, 0);
	assert_non_null(dom);
	assert_true(wait_for(&s, true));
	assert_int_equal(s.n, 2);
	assert_int_equal(virDomainDestroy(dom), 0);
	virDomainFree(dom);
	assert_true(wait_for(&s, false));
	/* And the period lists it again even with nothing happening. */
	pthread_mutex_lock(&s.lock);
	before = s.lists;
	pthread_mutex_unlock(&s.lock);
	usleep(700000);
	pthread_mutex_lock(&s.lock);
	assert_true(s.lists >= before + 2);
	pthread_mutex_unlock(&s.lock);
	virt__stop(v);
	virt__free(v);
	virConnectClose(rw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_fixture),
		cmocka_unit_test(test_open_fails),
		cmocka_unit_test(test_follow_lifecycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
