// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_kepler_work.c: Kepler's per-pod and per-container µJ, both generations, and the join. */
#include "testutil.h"
#include "pods_fixture.h"
#include "kepler_work.h"

#define UID(n) "1b2c3d4e-0000-4000-8000-0000000000" n
#define CID(n) "000000000000000000000000000000000000000000000000000000000abc" n

static char *slurp(const char *name, size_t *len)
{
	char rel[128], path[512], *buf = NULL;
	size_t cap = 0;
	FILE *f;
	ssize_t n;

	snprintf(rel, sizeof(rel), "kepler/%s", name);
	f = fopen(fixture(rel, path, sizeof(path)), "r");
	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	assert_true(n > 0);
	*len = n;
	return buf;
}

/* Parse a fixture: kwork_parse()'s result. */
static int parse_fixture(const char *name, struct kwork *w, char *msg, size_t mlen)
{
	size_t len;
	char *text = slurp(name, &len);
	int err = kwork_parse(text, len, w, msg, mlen);

	free(text);
	return err;
}

static void load(const char *name, struct kwork *w)
{
	char msg[256];
	int err = parse_fixture(name, w, msg, sizeof(msg));

	if (err)
		fail_msg("%s: %d %s", name, err, msg);
}

static int parse_text(const char *text, struct kwork *w, char *msg, size_t mlen)
{
	return kwork_parse(text, strlen(text), w, msg, mlen);
}

static uint64_t pod_uj(const struct kwork *w, const char *uid)
{
	const struct kwork_pod *p = kwork_pod_by_uid(w, uid);

	if (!p)
		fail_msg("no pod %s", uid);
	return p->uj;
}

static uint64_t pod_uj_by_name(const struct kwork *w, const char *ns, const char *name)
{
	const struct kwork_pod *p = kwork_pod_by_name(w, ns, name);

	if (!p)
		fail_msg("no pod %s/%s", ns, name);
	return p->uj;
}

static const struct kwork_ctr *ctr(const struct kwork *w, const char *id)
{
	const struct kwork_ctr *c = kwork_ctr_by_id(w, id);

	if (!c)
		fail_msg("no container %s", id);
	return c;
}

/* 0.10+: package + dram of every state; core (inside package) never. */
static void test_v010_pods(void **state)
{
	struct kwork w;

	(void)state;
	load("v0.10-pods.txt", &w);
	assert_int_equal(w.gen, KWORK_GEN_010);
	assert_string_equal(w.zones, "package+dram");
	assert_int_equal(w.npods, 8);
	assert_int_equal(w.nctrs, 10);
	/* pods: package + dram (J) x 1e6 */
	assert_int_equal(pod_uj(&w, UID("01")), 2004300793ULL);	 /* 1843.207311 + 161.093482 */
	assert_int_equal(pod_uj(&w, UID("02")), 1654355041ULL);	 /* 1520.884126 + 133.470915 */
	assert_int_equal(pod_uj(&w, UID("03")), 2400003154ULL);	 /* 2207.615083 + 192.388071 */
	assert_int_equal(pod_uj(&w, UID("05")), 15569172151ULL); /* 14318.509247 + 1250.662904 */
	/* 1.032507914286e+06 + 90112.338604 */
	assert_int_equal(pod_uj(&w, UID("06")), 1122620252890ULL);
	assert_int_equal(pod_uj(&w, UID("07")), 3373363724ULL); /* 3102.448196 + 270.915528 */
	/* running 64.233109 + 5.602284, terminated 0.912408 + 0.079315 */
	assert_int_equal(pod_uj(&w, UID("09")), 70827116ULL);
	assert_int_equal(pod_uj(&w, UID("0a")), 5776355291ULL); /* 5312.594871 + 463.76042 */
	/* containers */
	assert_int_equal(ctr(&w, CID("0001"))->uj, 2004300793ULL);
	assert_int_equal(ctr(&w, CID("0006"))->uj, 1122620252890ULL);
	assert_int_equal(ctr(&w, CID("0009"))->uj, 69835393ULL);   /* 64.233109 + 5.602284 */
	assert_int_equal(ctr(&w, CID("1009"))->uj, 991723ULL);	   /* 0.912408 + 0.079315 */
	assert_int_equal(ctr(&w, CID("000a"))->uj, 5773834320ULL); /* 5310.276419 + 463.557901 */
	assert_int_equal(ctr(&w, CID("000b"))->uj, 2520971ULL);	   /* 2.318452 + 0.202519 */
	/* names, and the pod's from the pod family */
	assert_string_equal(ctr(&w, CID("000b"))->name, "init-config");
	assert_string_equal(ctr(&w, CID("000b"))->pod_uid, UID("0a"));
	assert_string_equal(ctr(&w, CID("000b"))->ns, "podinfo");
	assert_string_equal(ctr(&w, CID("000b"))->pod, "podinfo-7c9b8f6d5-r2t4y");
	assert_string_equal(kwork_pod_by_uid(&w, UID("05"))->name, "etcd-minikube");
	assert_string_equal(kwork_pod_by_uid(&w, UID("05"))->ns, "kube-system");
	/* sorted: by uid, by id */
	for (size_t i = 1; i < w.npods; i++)
		assert_true(strcmp(w.pods[i - 1].uid, w.pods[i].uid) < 0);
	for (size_t i = 1; i < w.nctrs; i++)
		assert_true(strcmp(w.ctrs[i - 1].id, w.ctrs[i].id) < 0);
	kwork_free(&w);
}

/* 0.7: package + dram, dynamic + idle; pods by (namespace, name); Kepler's pseudo ones out. */
static void test_v07_pods(void **state)
{
	const char *ph = "5e1f0c9d7a3b2e4f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7";
	struct kwork w;

	(void)state;
	load("v0.7-pods.txt", &w);
	assert_int_equal(w.gen, KWORK_GEN_07);
	assert_string_equal(w.zones, "package+dram");
	assert_int_equal(w.nctrs, 10);
	assert_int_equal(w.npods, 7);
	/* 912.417 + 1804.226 + 80.506 + 250.119 = 3047.268 J */
	assert_int_equal(ctr(&w, CID("0001"))->uj, 3047268000ULL);
	/* 705.23 + 1395.884 + 62.011 + 193.547 = 2356.672 J */
	assert_int_equal(ctr(&w, CID("0002"))->uj, 2356672000ULL);
	/* 288.604 + 571.093 + 25.447 + 79.19 = 964.334 J */
	assert_int_equal(ctr(&w, CID("0004"))->uj, 964334000ULL);
	/* 7214.059 + 14270.312 + 640.318 + 1978.664 = 24103.353 J */
	assert_int_equal(ctr(&w, CID("0005"))->uj, 24103353000ULL);
	/* 1533.972 + 3034.51 + 134.87 + 420.755 = 5124.107 J */
	assert_int_equal(ctr(&w, CID("0007"))->uj, 5124107000ULL);
	/* 97.315 + 192.688 + 8.562 + 26.717 = 325.282 J */
	assert_int_equal(ctr(&w, CID("0008"))->uj, 325282000ULL);
	/* 2619.448 + 5181.903 + 231.064 + 718.461 = 8750.876 J */
	assert_int_equal(ctr(&w, CID("000a"))->uj, 8750876000ULL);
	assert_int_equal(ctr(&w, CID("000b"))->uj, 4036000ULL); /* 1.207 + 2.391 + 0.106 + 0.332 */
	/* 14.882 + 29.44 + 1.311 + 4.083 = 49.716 J */
	assert_int_equal(ctr(&w, CID("000c"))->uj, 49716000ULL);
	/* a container Kepler found in no pod: kept, in no pod, its stand-in names dropped */
	assert_int_equal(ctr(&w, ph)->uj, 11756000ULL); /* 3.519 + 6.962 + 0.31 + 0.965 */
	assert_string_equal(ctr(&w, ph)->ns, "");
	assert_string_equal(ctr(&w, ph)->pod, "");
	assert_string_equal(ctr(&w, ph)->name, "");
	/* pods: the sums of their containers */
	assert_int_equal(pod_uj_by_name(&w, "flux-system", "source-controller-6f9c8d7b5-abcde"),
			 3047268000ULL);
	assert_int_equal(pod_uj_by_name(&w, "flux-system", "kustomize-controller-5d8f7c6b4-fghij"),
			 2356672000ULL);
	assert_int_equal(
		pod_uj_by_name(&w, "flux-system", "notification-controller-8c7d6e5f4-pqrst"),
		964334000ULL);
	assert_int_equal(pod_uj_by_name(&w, "kube-system", "etcd-minikube"), 24103353000ULL);
	assert_int_equal(pod_uj_by_name(&w, "kube-system", "coredns-5dd5756b68-x7k2p"),
			 5124107000ULL);
	assert_int_equal(pod_uj_by_name(&w, "kube-system", "kube-proxy-q8w9e"), 325282000ULL);
	/* podinfod 8750876000 + init-config 4036000 + debugger 49716000 */
	assert_int_equal(pod_uj_by_name(&w, "podinfo", "podinfo-7c9b8f6d5-r2t4y"), 8804628000ULL);
	for (size_t i = 0; i < w.npods; i++)
		assert_string_equal(w.pods[i].uid, "");
	for (size_t i = 0; i < w.nctrs; i++)
		assert_string_equal(w.ctrs[i].pod_uid, "");
	assert_string_equal(ctr(&w, CID("000c"))->name, "debugger-abcde");
	assert_string_equal(ctr(&w, CID("000c"))->pod, "podinfo-7c9b8f6d5-r2t4y");
	assert_null(kwork_pod_by_name(&w, "system", "system_processes"));
	assert_null(kwork_pod_by_name(&w, "kernel", "kernel_processes"));
	assert_null(kwork_pod_by_uid(&w, ""));
	kwork_free(&w);
}

/* Every pod and container of both fixtures is in the pod list, with its names. */
static void test_join_pod_list(void **state)
{
	struct pods *pl = fixture_pods();
	const struct pod_container *pc;
	const struct pod_info *pi;
	struct kwork w;

	(void)state;
	load("v0.10-pods.txt", &w);
	for (size_t i = 0; i < w.npods; i++) {
		pi = pods__by_uid(pl, w.pods[i].uid);
		assert_non_null(pi);
		assert_string_equal(pi->ns, w.pods[i].ns);
		assert_string_equal(pi->name, w.pods[i].name);
	}
	for (size_t i = 0; i < w.nctrs; i++) {
		pi = pods__by_container(pl, w.ctrs[i].id, &pc);
		if (!strcmp(w.ctrs[i].id, CID("1009"))) {
			assert_null(pi); /* the restarted container's previous instance */
			continue;
		}
		assert_non_null(pi);
		assert_string_equal(pi->uid, w.ctrs[i].pod_uid);
		assert_string_equal(pc->name, w.ctrs[i].name);
	}
	kwork_free(&w);
	load("v0.7-pods.txt", &w);
	for (size_t i = 0; i < w.nctrs; i++) {
		pi = pods__by_container(pl, w.ctrs[i].id, &pc);
		if (!w.ctrs[i].pod[0]) {
			assert_null(pi);
			continue;
		}
		assert_non_null(pi);
		assert_string_equal(pi->ns, w.ctrs[i].ns);
		assert_string_equal(pi->name, w.ctrs[i].pod);
		assert_string_equal(pc->name, w.ctrs[i].name);
	}
	kwork_free(&w);
	pods__free(pl);
}

#define POD_SER(zone, v)                                                                           \
	"kepler_pod_cpu_joules_total{node_name=\"n\",pod_id=\"" UID(                               \
		"01") "\",pod_name=\"p\","                                                         \
		      "pod_namespace=\"ns\",state=\"running\",zone=\"" zone "\"} " v "\n"
#define CTR_SER(state, zone, v)                                                                    \
	"kepler_container_cpu_joules_total{container_id=\"" CID(                                   \
		"0001") "\",container_name=\"c\","                                                 \
			"node_name=\"n\",pod_id=\"" UID(                                           \
				"01") "\",runtime=\"containerd\",state=\"" state "\","             \
				      "zone=\"" zone "\"} " v "\n"

/* psys alone where the family has it; package + dram in a family that has not. */
static void test_psys(void **state)
{
	struct kwork w;
	char msg[256];

	(void)state;
	assert_int_equal(
		parse_text(POD_SER("core", "5") POD_SER("dram", "2") POD_SER("package", "10")
				   POD_SER("psys", "25.5") CTR_SER("running", "core", "5")
					   CTR_SER("running", "dram", "2")
						   CTR_SER("running", "package", "10"),
			   &w, msg, sizeof(msg)),
		0);
	assert_int_equal(pod_uj(&w, UID("01")), 25500000ULL);	 /* psys 25.5 J */
	assert_int_equal(ctr(&w, CID("0001"))->uj, 12000000ULL); /* package 10 + dram 2 */
	assert_string_equal(w.zones, "pod:psys container:package+dram");
	kwork_free(&w);
	assert_int_equal(parse_text(POD_SER("package", "10") POD_SER("psys", "25.5")
					    CTR_SER("running", "psys", "7")
						    CTR_SER("running", "package", "3"),
				    &w, msg, sizeof(msg)),
			 0);
	assert_string_equal(w.zones, "psys");
	assert_int_equal(ctr(&w, CID("0001"))->uj, 7000000ULL);
	kwork_free(&w);
}

/* Core and uncore lie inside package: never added, whatever their size. */
static void test_core_never_added(void **state)
{
	struct kwork w;
	char msg[256];

	(void)state;
	assert_int_equal(parse_text(CTR_SER("running", "core", "900")
					    CTR_SER("running", "dram", "1.5")
						    CTR_SER("running", "package", "3")
							    CTR_SER("running", "uncore", "700"),
				    &w, msg, sizeof(msg)),
			 0);
	assert_string_equal(w.zones, "package+dram");
	assert_int_equal(w.npods, 0);
	assert_int_equal(ctr(&w, CID("0001"))->uj, 4500000ULL); /* 3 + 1.5 */
	kwork_free(&w);
	/* A container with core alone is there, at 0 µJ. */
	assert_int_equal(parse_text(CTR_SER("running", "core", "900"), &w, msg, sizeof(msg)), 0);
	assert_int_equal(ctr(&w, CID("0001"))->uj, 0);
	kwork_free(&w);
}

/* A container's running and terminated series are one container. */
static void test_states_summed(void **state)
{
	struct kwork w;
	char msg[256];

	(void)state;
	assert_int_equal(parse_text(CTR_SER("running", "package", "2")
					    CTR_SER("terminated", "package", "0.25"),
				    &w, msg, sizeof(msg)),
			 0);
	assert_int_equal(w.nctrs, 1);
	assert_int_equal(ctr(&w, CID("0001"))->uj, 2250000ULL);
	kwork_free(&w);
}

#define V07(fam, id, ns, pod, mode, v)                                                             \
	"kepler_container_" fam "_joules_total{container_id=\"" id "\",container_name=\"" pod      \
	"\",container_namespace=\"" ns "\",mode=\"" mode "\",pod_name=\"" pod "\","                \
	"source=\"rapl-sysfs\"} " v "\n"

/* system_processes, kernel_processes and ids that are not 64 hex digits are no containers. */
static void test_system_processes_skipped(void **state)
{
	struct kwork w;
	char msg[256];

	(void)state;
	assert_int_equal(
		parse_text(V07("package", "kernel_processes", "kernel", "kernel_processes",
			       "dynamic", "1105.203") V07("package", "system_processes", "system",
							  "system_processes", "dynamic",
							  "20413.776")
				   V07("dram", "system_processes", "system", "system_processes",
				       "idle", "5599.02")
					   V07("package", "", "default", "p", "dynamic", "3"),
			   &w, msg, sizeof(msg)),
		0);
	assert_int_equal(w.gen, KWORK_GEN_07);
	assert_int_equal(w.nctrs, 0);
	assert_int_equal(w.npods, 0);
	kwork_free(&w);
	/* A runtime prefix and upper-case hex are the same container; other modes are not. */
	assert_int_equal(
		parse_text(V07("package",
			       "containerd://000000000000000000000000000000000000000000"
			       "000000000000000ABC0001",
			       "default", "p", "dynamic",
			       "3") V07("dram", CID("0001"), "default", "p", "idle", "0.5")
				   V07("package", CID("0001"), "default", "p", "absolute", "1000"),
			   &w, msg, sizeof(msg)),
		0);
	assert_int_equal(w.nctrs, 1);
	assert_int_equal(ctr(&w, CID("0001"))->uj, 3500000ULL);
	assert_int_equal(pod_uj_by_name(&w, "default", "p"), 3500000ULL);
	kwork_free(&w);
}

static void expect_bad(const char *text, const char *want)
{
	struct kwork w;
	char msg[256];

	assert_int_equal(parse_text(text, &w, msg, sizeof(msg)), -EBADMSG);
	if (!strstr(msg, want))
		fail_msg("message \"%s\" lacks \"%s\"", msg, want);
	assert_null(w.pods);
	assert_null(w.ctrs);
	kwork_free(&w);
}

static void test_malformed(void **state)
{
	struct kwork w;
	char msg[256];

	(void)state;
	assert_int_equal(parse_fixture("malformed.txt", &w, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "line 5"));
	expect_bad("# TYPE kepler_pod_cpu_joules_total counter\n" POD_SER(
			   "dram", "1") "kepler_pod_cpu_joules_total{pod_id=\"x} 1\n",
		   "line 3");
	/* the same series twice */
	expect_bad(POD_SER("dram", "1") POD_SER("package", "2") POD_SER("dram", "1"),
		   "line 3: duplicate");
	expect_bad(V07("dram", CID("0001"), "default", "p", "idle", "0.5")
			   V07("dram", CID("0001"), "default", "p", "idle", "0.5"),
		   "line 2: duplicate");
}

/* Values that are no count of joules are errors naming the line, in any zone read. */
static void test_bad_values(void **state)
{
	(void)state;
	expect_bad(POD_SER("dram", "1") POD_SER("package", "NaN"), "line 2");
	expect_bad(CTR_SER("running", "core", "-1"), "line 1");
	expect_bad(CTR_SER("running", "package", "+Inf"), "line 1");
	expect_bad(V07("package", CID("0001"), "default", "p", "dynamic", "NaN"), "line 1");
	expect_bad(CTR_SER("running", "package", "1e300"), "line 1");
}

static void test_long_labels(void **state)
{
	char text[1024], name[300];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "kepler_pod_cpu_joules_total{pod_id=\"%s\",pod_name=\"%s\",pod_namespace=\"ns\","
		 "state=\"running\",zone=\"package\"} 1\n",
		 UID("01"), name);
	expect_bad(text, "line 1: pod_name longer than 254 bytes");
	expect_bad("kepler_pod_cpu_joules_total{pod_id=\"1b2c3d4e-0000-4000-8000-0000000000011\","
		   "zone=\"package\"} 1\n",
		   "line 1: pod_id longer than 36 bytes");
}

/* Scrapes with no per-pod or per-container family of either generation. */
static void test_no_workload_families(void **state)
{
	static const char *const files[] = { "v0.10-laptop.txt", "v0.7-arm64.txt", "v0.4.txt",
					     "2022-millijoule.txt", "not-kepler.txt" };
	struct kwork w;
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(parse_fixture(files[i], &w, msg, sizeof(msg)), -ENOENT);
		assert_non_null(strstr(msg, "no per-pod or per-container"));
		assert_int_equal(w.nctrs + w.npods, 0);
		kwork_free(&w);
	}
	assert_int_equal(parse_text("", &w, msg, sizeof(msg)), -ENOENT);
}

/*
 * The older fixtures have a workload family or two, but their one container id (coredns,
 * 4f1c...e5f6) has 63 hex digits: no container id Kepler could export, so no container.
 */
static void test_existing_fixtures(void **state)
{
	struct kwork w;
	char msg[256];
	size_t len;
	char *text, *fixed, *at;

	(void)state;
	load("v0.10-server.txt", &w);
	assert_int_equal(w.gen, KWORK_GEN_010);
	assert_int_equal(w.npods + w.nctrs, 0);
	kwork_free(&w);
	load("v0.7.txt", &w);
	assert_int_equal(w.gen, KWORK_GEN_07);
	assert_int_equal(w.npods + w.nctrs, 0); /* system_processes is none either */
	kwork_free(&w);
	/* With a 64th digit, as Kepler would have it, coredns is there. */
	text = slurp("v0.10-server.txt", &len);
	fixed = calloc(1, len + 64);
	assert_non_null(fixed);
	for (char *p = text, *d = fixed; *p; p = at + 63) {
		at = strstr(p, "4f1c0e3b9d2a7c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6");
		if (!at) {
			strcpy(d, p);
			break;
		}
		memcpy(d, p, at + 63 - p);
		d += at + 63 - p;
		*d++ = '7';
	}
	assert_int_equal(parse_text(fixed, &w, msg, sizeof(msg)), 0);
	assert_int_equal(w.nctrs, 1);
	/* 3187.402231 + 412.118202; the watts and process families are not read */
	assert_int_equal(w.ctrs[0].uj, 3599520433ULL);
	assert_string_equal(w.ctrs[0].pod_uid, "8a4f2c1e-77b0-4d5e-9c3a-2b1d0e9f8a7c");
	assert_string_equal(w.ctrs[0].name, "coredns");
	assert_string_equal(w.ctrs[0].ns, ""); /* no pod family to say */
	kwork_free(&w);
	free(fixed);
	free(text);
}

/* Both generations in one scrape: 0.10's, and 0.7's values are not even looked at. */
static void test_both_generations(void **state)
{
	struct kwork w;
	char msg[256];

	(void)state;
	assert_int_equal(parse_text(V07("package", CID("0001"), "default", "p", "dynamic", "NaN")
					    CTR_SER("running", "package", "2"),
				    &w, msg, sizeof(msg)),
			 0);
	assert_int_equal(w.gen, KWORK_GEN_010);
	assert_int_equal(ctr(&w, CID("0001"))->uj, 2000000ULL);
	kwork_free(&w);
}

static void test_lookups(void **state)
{
	struct kwork w;

	(void)state;
	load("v0.10-pods.txt", &w);
	assert_ptr_equal(kwork_pod_by_name(&w, "kube-system", "storage-provisioner"),
			 kwork_pod_by_uid(&w, UID("09")));
	assert_null(kwork_pod_by_uid(&w, UID("0b"))); /* on minikube-m02 */
	assert_null(kwork_pod_by_uid(&w, ""));
	assert_null(kwork_pod_by_uid(&w, NULL));
	assert_null(kwork_pod_by_name(&w, "podinfo", "storage-provisioner"));
	assert_null(kwork_pod_by_name(&w, NULL, "storage-provisioner"));
	/* as the pod list spells them */
	assert_ptr_equal(kwork_ctr_by_id(&w, "cri-o://" CID("000a")), ctr(&w, CID("000a")));
	assert_ptr_equal(kwork_ctr_by_id(&w, "docker://" CID("0009")), ctr(&w, CID("0009")));
	assert_ptr_equal(kwork_ctr_by_id(&w, "000000000000000000000000000000000000000000000000000"
					     "000000ABC0007"),
			 ctr(&w, CID("0007")));
	assert_null(kwork_ctr_by_id(&w, CID("000d")));
	assert_null(kwork_ctr_by_id(&w, "abc0001"));
	assert_null(kwork_ctr_by_id(&w, NULL));
	kwork_free(&w);
	assert_null(kwork_pod_by_uid(NULL, UID("01")));
	assert_null(kwork_ctr_by_id(&w, CID("0001"))); /* freed: empty */
	kwork_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v010_pods),
		cmocka_unit_test(test_v07_pods),
		cmocka_unit_test(test_join_pod_list),
		cmocka_unit_test(test_psys),
		cmocka_unit_test(test_core_never_added),
		cmocka_unit_test(test_states_summed),
		cmocka_unit_test(test_system_processes_skipped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_long_labels),
		cmocka_unit_test(test_no_workload_families),
		cmocka_unit_test(test_existing_fixtures),
		cmocka_unit_test(test_both_generations),
		cmocka_unit_test(test_lookups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
