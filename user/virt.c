// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* virt.c: a VM host's domains through libvirt, listed in bulk and followed on a thread. */
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "virt.h"

/*
 * libvirt is loaded when `host` first connects, not linked: a guest or a DaemonSet that only
 * records never needs it (nor the TLS, XML and Kerberos libraries it brings, 44 MB here). The
 * headers give each function's type; the table is filled once, then only read.
 */
#define VIRT_FUNCS(X)                                                                              \
	X(virConnectClose)                                                                         \
	X(virConnectDomainEventDeregisterAny)                                                      \
	X(virConnectDomainEventRegisterAny)                                                        \
	X(virConnectGetAllDomainStats)                                                             \
	X(virConnectIsAlive)                                                                       \
	X(virConnectListAllDomains)                                                                \
	X(virConnectOpenReadOnly)                                                                  \
	X(virDomainFree)                                                                           \
	X(virDomainGetID)                                                                          \
	X(virDomainGetInfo)                                                                        \
	X(virDomainGetName)                                                                        \
	X(virDomainGetUUIDString)                                                                  \
	X(virDomainGetVcpusFlags)                                                                  \
	X(virDomainStatsRecordListFree)                                                            \
	X(virEventAddHandle)                                                                       \
	X(virEventAddTimeout)                                                                      \
	X(virEventRegisterDefaultImpl)                                                             \
	X(virEventRemoveHandle)                                                                    \
	X(virEventRemoveTimeout)                                                                   \
	X(virEventRunDefaultImpl)                                                                  \
	X(virGetLastErrorMessage)                                                                  \
	X(virSetErrorFunc)                                                                         \
	X(virTypedParamsGetUInt)                                                                   \
	X(virTypedParamsGetULLong)

static struct {
#define X(f) __typeof__(&f) f;
	VIRT_FUNCS(X)
#undef X
} api;

#define L(f) (api.f)

#define STOP_WAIT_S 2 /* the follower is waited for this long at the end */

struct virt {
	char *uri;
	virConnectPtr conn;
	/* following */
	pthread_t thread;
	bool running;
	volatile bool stop, relist;
	int wake[2]; /* a byte written here ends the event loop's wait */
	int handle, timer, cb_id;
	unsigned int period_ms;
	virt_cb cb;
	void *ctx;
	bool failing;
	bool abandoned; /* stopped while inside libvirt: left to the process's exit */
};

/* libvirt prints its errors on stderr unless told otherwise; ours say them once, our way. */
static void quiet(void *ud, virErrorPtr err)
{
	(void)ud;
	(void)err;
}

static const char *last_error(void)
{
	const char *m = L(virGetLastErrorMessage)();

	return m && m[0] ? m : "unknown libvirt error";
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[512]; /* why libvirt could not be loaded or started, "" when it was */

static void init_libvirt(void)
{
	void *lib = dlopen("libvirt.so.0", RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		snprintf(load_err, sizeof(load_err),
			 "libvirt: cannot load libvirt.so.0 (Debian's libvirt0): %s", dlerror());
		return;
	}
#define X(f)                                                                                       \
	if (!load_err[0] && !(api.f = (__typeof__(&f))dlsym(lib, #f)))                             \
		snprintf(load_err, sizeof(load_err), "libvirt.so.0 has no %s (libvirt too old)",   \
			 #f);
	VIRT_FUNCS(X)
#undef X
	if (load_err[0])
		return;
	L(virSetErrorFunc)(NULL, quiet);
	/* Before any connection: lifecycle events and keepalives need the event loop. */
	if (L(virEventRegisterDefaultImpl)())
		snprintf(load_err, sizeof(load_err), "libvirt: cannot start its event loop: %s",
			 last_error());
}

struct virt *virt__open(const char *uri, char *msg, size_t len)
{
	struct virt *v;

	pthread_once(&once, init_libvirt);
	if (load_err[0]) {
		snprintf(msg, len, "%s", load_err);
		errno = ENOENT;
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v || !(v->uri = strdup(uri))) {
		free(v);
		snprintf(msg, len, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	v->wake[0] = v->wake[1] = -1;
	v->handle = v->timer = v->cb_id = -1;
	v->conn = L(virConnectOpenReadOnly)(uri);
	if (!v->conn) {
		snprintf(msg, len, "libvirt %s: %s", uri, last_error());
		virt__free(v);
		errno = ECONNREFUSED;
		return NULL;
	}
	return v;
}

const char *virt__uri(const struct virt *v)
{
	return v->uri;
}

/* What the bulk stats left out, from the per-domain calls (the test driver gives state only). */
static void fill_missing(virDomainPtr dom, struct vm_info *d)
{
	virDomainInfo info;

	if (d->has_cpu && d->vcpus)
		return;
	if (!d->vcpus) {
		int n = L(virDomainGetVcpusFlags)(dom, VIR_DOMAIN_AFFECT_LIVE);

		if (n > 0)
			d->vcpus = (unsigned int)n;
	}
	if (L(virDomainGetInfo)(dom, &info) == 0) {
		if (!d->has_cpu) {
			d->cpu_ns = info.cpuTime;
			d->has_cpu = true;
		}
		if (!d->vcpus)
			d->vcpus = info.nrVirtCpu;
	}
}

static void fill_dom(virDomainPtr dom, virTypedParameterPtr params, int nparams, struct vm_info *d)
{
	unsigned long long cpu;
	unsigned int vcpus;
	unsigned int id = L(virDomainGetID)(dom);
	const char *name = L(virDomainGetName)(dom);

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "");
	if (L(virDomainGetUUIDString)(dom, d->uuid))
		d->uuid[0] = '\0';
	d->id = id == (unsigned int)-1 ? -1 : (int)id;
	d->running = true;
	if (params && L(virTypedParamsGetULLong)(params, nparams, "cpu.time", &cpu) == 1) {
		d->cpu_ns = cpu;
		d->has_cpu = true;
	}
	/* vcpu.current, never vcpu.maximum: a guest can boot with fewer than it may hotplug. */
	if (params && L(virTypedParamsGetUInt)(params, nparams, "vcpu.current", &vcpus) == 1)
		d->vcpus = vcpus;
	fill_missing(dom, d);
}

static int list_bulk(struct virt *v, struct vm_info **out, size_t *n)
{
	virDomainStatsRecordPtr *recs = NULL;
	struct vm_info *d;
	int k = L(virConnectGetAllDomainStats)(v->conn,
					       VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
						       VIR_DOMAIN_STATS_VCPU,
					       &recs, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);

	if (k < 0)
		return -ENOTSUP;
	d = calloc(k ? (size_t)k : 1, sizeof(*d));
	if (!d) {
		L(virDomainStatsRecordListFree)(recs);
		return -ENOMEM;
	}
	for (int i = 0; i < k; i++)
		fill_dom(recs[i]->dom, recs[i]->params, recs[i]->nparams, &d[i]);
	L(virDomainStatsRecordListFree)(recs);
	*out = d;
	*n = (size_t)k;
	return 0;
}

/* Drivers without bulk stats: the list, then each domain's info. */
static int list_each(struct virt *v, struct vm_info **out, size_t *n)
{
	virDomainPtr *doms = NULL;
	struct vm_info *d;
	int k = L(virConnectListAllDomains)(v->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

	if (k < 0)
		return -EIO;
	d = calloc(k ? (size_t)k : 1, sizeof(*d));
	for (int i = 0; i < k; i++) {
		if (d)
			fill_dom(doms[i], NULL, 0, &d[i]);
		L(virDomainFree)(doms[i]);
	}
	free(doms);
	if (!d)
		return -ENOMEM;
	*out = d;
	*n = (size_t)k;
	return 0;
}

int virt__list(struct virt *v, struct vm_info **out, size_t *n, char *msg, size_t len)
{
	int err;

	*out = NULL;
	*n = 0;
	if (!v->conn) {
		v->conn = L(virConnectOpenReadOnly)(v->uri);
		if (!v->conn) {
			snprintf(msg, len, "libvirt %s: %s", v->uri, last_error());
			return -ECONNREFUSED;
		}
	}
	err = list_bulk(v, out, n);
	if (err == -ENOTSUP)
		err = list_each(v, out, n);
	if (err == -ENOMEM) {
		snprintf(msg, len, "%s", strerror(ENOMEM));
	} else if (err) {
		snprintf(msg, len, "libvirt %s: listing domains: %s", v->uri, last_error());
		/* A connection that died is opened again at the next list. */
		if (L(virConnectIsAlive)(v->conn) != 1) {
			if (v->cb_id >= 0)
				L(virConnectDomainEventDeregisterAny)(v->conn, v->cb_id);
			v->cb_id = -1;
			L(virConnectClose)(v->conn);
			v->conn = NULL;
		}
	}
	return err;
}

static int lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct virt *v = opaque;

	(void)conn;
	(void)dom;
	(void)event;
	(void)detail;
	v->relist = true;
	return 0;
}

static void on_timer(int timer, void *opaque)
{
	(void)timer;
	((struct virt *)opaque)->relist = true;
}

static void on_wake(int watch, int fd, int events, void *opaque)
{
	char buf[16];

	(void)watch;
	(void)events;
	(void)opaque;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void register_events(struct virt *v)
{
	if (v->conn && v->cb_id < 0)
		v->cb_id = L(virConnectDomainEventRegisterAny)(
			v->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
			VIR_DOMAIN_EVENT_CALLBACK(lifecycle), v, NULL);
}

static void relist(struct virt *v)
{
	struct vm_info *doms;
	size_t n;
	char msg[512];
	int err = virt__list(v, &doms, &n, msg, sizeof(msg));

	v->relist = false;
	if (err) {
		if (!v->failing)
			v->cb(v->ctx, NULL, 0, msg);
		v->failing = true;
		return;
	}
	v->failing = false;
	register_events(v);
	v->cb(v->ctx, doms, n, NULL);
	free(doms);
}

static void *follow(void *arg)
{
	struct virt *v = arg;

	relist(v);
	while (!v->stop) {
		if (L(virEventRunDefaultImpl)() < 0)
			usleep(100000);
		if (!v->stop && v->relist)
			relist(v);
	}
	return NULL;
}

int virt__follow(struct virt *v, unsigned int period_ms, virt_cb cb, void *ctx)
{
	int err;

	if (v->running)
		return -EBUSY;
	if (pipe2(v->wake, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	v->cb = cb;
	v->ctx = ctx;
	v->period_ms = period_ms ? period_ms : 1000;
	v->stop = false;
	v->handle = L(virEventAddHandle)(v->wake[0], VIR_EVENT_HANDLE_READABLE, on_wake, v, NULL);
	v->timer = L(virEventAddTimeout)((int)v->period_ms, on_timer, v, NULL);
	if (v->handle < 0 || v->timer < 0) {
		err = -EIO;
		goto fail;
	}
	err = -pthread_create(&v->thread, NULL, follow, v);
	if (err)
		goto fail;
	v->running = true;
	return 0;
fail:
	if (v->handle >= 0)
		L(virEventRemoveHandle)(v->handle);
	if (v->timer >= 0)
		L(virEventRemoveTimeout)(v->timer);
	v->handle = v->timer = -1;
	close(v->wake[0]);
	close(v->wake[1]);
	v->wake[0] = v->wake[1] = -1;
	return err;
}

void virt__stop(struct virt *v)
{
	if (!v || !v->running)
		return;
	v->stop = true;
	if (write(v->wake[1], "x", 1) < 0) {
		/* The timer ends the wait within a period anyway. */
	}
	{
		struct timespec until;

		/*
		 * A libvirt call can block for as long as libvirtd does not answer: a recording
		 * that ends must not wait for it. The thread is then left to the exit.
		 */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += STOP_WAIT_S;
		if (pthread_timedjoin_np(v->thread, NULL, &until)) {
			pthread_detach(v->thread);
			v->running = false;
			v->abandoned = true;
			return;
		}
	}
	v->running = false;
	L(virEventRemoveHandle)(v->handle);
	L(virEventRemoveTimeout)(v->timer);
	v->handle = v->timer = -1;
	close(v->wake[0]);
	close(v->wake[1]);
	v->wake[0] = v->wake[1] = -1;
}

void virt__free(struct virt *v)
{
	if (!v)
		return;
	virt__stop(v);
	if (v->abandoned)
		return; /* its thread may still be inside libvirt with it */
	if (v->conn) {
		if (v->cb_id >= 0)
			L(virConnectDomainEventDeregisterAny)(v->conn, v->cb_id);
		L(virConnectClose)(v->conn);
	}
	free(v->uri);
	free(v);
}
