// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_esrc_kepler.c: the Kepler source on each era's fixture, its spread steps, and over HTTP. */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include "testutil.h"
#include "esrc_kepler.h"

#define MS(n) ((uint64_t)(n)*1000000ULL)

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	ssize_t n;

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	assert_true(n > 0);
	*len = n;
	return buf;
}

static char *fixture_text(const char *name, size_t *len)
{
	char rel[128], path[512];

	snprintf(rel, sizeof(rel), "kepler/%s", name);
	return slurp(fixture(rel, path, sizeof(path)), len);
}

/* A copy of text with every old replaced by new. */
static char *replace(const char *text, const char *old, const char *new)
{
	size_t n = 0, lo = strlen(old), ln = strlen(new);
	char *out = malloc(strlen(text) * 2 + 64), *d = out;

	for (const char *p = text; *p;) {
		if (!strncmp(p, old, lo)) {
			memcpy(d, new, ln);
			d += ln;
			p += lo;
			n++;
		} else {
			*d++ = *p++;
		}
	}
	*d = '\0';
	assert_true(n > 0);
	return out;
}

static struct esrc *open_text(const char *text, char *msg, size_t len)
{
	struct esrc *s = esrc_kepler_open_text("fixture", text, strlen(text), 0, msg, len);

	if (s)
		esrc_kepler_set_clock(s, fake_clock);
	return s;
}

static struct esrc *open_fixture(const char *name)
{
	char msg[512];
	size_t len;
	char *text = fixture_text(name, &len);
	struct esrc *s = open_text(text, msg, sizeof(msg));

	if (!s)
		fail_msg("%s: %s", name, msg);
	assert_string_equal(msg, "");
	free(text);
	return s;
}

/* The zones' labels, node flags and first readings (a baseline: -EAGAIN), in order. */
struct want {
	const char *label;
	bool node;
	uint64_t uj;
};

static void expect_zones(struct esrc *s, const struct want *w, size_t n)
{
	uint64_t uj;

	if (s->nz != n)
		fail_msg("%zu zones, expected %zu (%s)", s->nz, n, s->desc);
	fake_now = MS(100);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s->zones[i].label, w[i].label) || s->zones[i].node != w[i].node)
			fail_msg("zone %zu: %s node=%d, expected %s node=%d (%s)", i,
				 s->zones[i].label, s->zones[i].node, w[i].label, w[i].node,
				 s->desc);
		uj = 0;
		assert_int_equal(s->ops->read(s, i, &uj), -EAGAIN);
		if (uj != w[i].uj)
			fail_msg("%s: %llu µJ, expected %llu", w[i].label, (unsigned long long)uj,
				 (unsigned long long)w[i].uj);
	}
}

static void expect_desc(const struct esrc *s, const char *part)
{
	if (!strstr(s->desc, part))
		fail_msg("desc \"%s\" lacks \"%s\"", s->desc, part);
}

/* 0.10+, two sockets Kepler aggregated: the totals, not active + idle on top. */
static void test_v010_server(void **state)
{
	static const struct want w[] = { { "package", true, 4122397826650ULL },
					 { "dram", true, 403098726220ULL } };
	struct esrc *s = open_fixture("v0.10-server.txt");

	(void)state;
	assert_string_equal(s->ops->name, "kepler");
	expect_zones(s, w, 2);
	expect_desc(s, "kepler fixture (Kepler v0.11.1, 0.10+ kepler_node_cpu_joules_total, J):");
	expect_desc(s, " package dram");
	esrc__free(s);
}

/* psys contains the package and DRAM: it alone is node energy. */
static void test_v010_laptop(void **state)
{
	static const struct want w[] = { { "package-0", false, 58213440918ULL },
					 { "dram-0", false, 6005890772ULL },
					 { "core-0", false, 31876211304ULL },
					 { "uncore-0", false, 1204530877ULL },
					 { "psys", true, 131042007761ULL } };
	struct esrc *s = open_fixture("v0.10-laptop.txt");

	(void)state;
	expect_zones(s, w, 5);
	expect_desc(s, "package-0(in psys) dram-0(in psys) core-0(in package)");
	esrc__free(s);
}

/* 0.7: dynamic + idle per zone; ACPI's platform is the node; other is never a zone. */
static void test_v07(void **state)
{
	static const struct want w[] = {
		{ "package-0", false, 55797732000ULL },
		{ "package-1", false, 55252657000ULL },
		{ "dram-0", false, 21915435000ULL },
		{ "dram-1", false, 21637460000ULL },
		{ "core-0", false, 0 },
		{ "core-1", false, 0 },
		{ "uncore-0", false, 0 },
		{ "platform", true, 210943000000ULL },
	};
	struct esrc *s = open_fixture("v0.7.txt");

	(void)state;
	expect_zones(s, w, 8);
	expect_desc(s, "(Kepler v0.7.11, 0.5-0.9 kepler_node_<zone>_joules_total, modes "
		       "dynamic+idle summed, J, source rapl-sysfs): package-0(in platform)");
	esrc__free(s);
}

/* aarch64 0.7 exports mode="dynamic" only; its platform is the estimator's. */
static void test_v07_arm64(void **state)
{
	static const struct want w[] = { { "package-0", true, 825996000ULL },
					 { "dram-0", true, 0 },
					 { "platform", false, 4514750000ULL } };
	struct esrc *s = open_fixture("v0.7-arm64.txt");

	(void)state;
	expect_zones(s, w, 3);
	expect_desc(s, "package-0(idle mode missing)");
	expect_desc(s, "platform(not counted: estimated)");
	esrc__free(s);
}

/* 0.4: no modes; the joules families win over the deprecated mJ one. */
static void test_v04(void **state)
{
	static const struct want w[] = { { "package-0", true, 4402316000ULL },
					 { "dram-0", true, 698894000ULL },
					 { "core-0", false, 1817112000ULL },
					 { "uncore-0", false, 0 },
					 { "platform", false, 0 } };
	struct esrc *s = open_fixture("v0.4.txt");

	(void)state;
	expect_zones(s, w, 5);
	expect_desc(s, "0.4 kepler_node_<zone>_joules_total, J, source rapl");
	expect_desc(s, "platform(not counted: source unknown)");
	esrc__free(s);
}

/* 2022: mJ, and DRAM, core and uncore only as label values of the package series. */
static void test_2022_millijoule(void **state)
{
	static const struct want w[] = { { "package-0", true, 13278014000ULL },
					 { "dram-0", true, 1047209000ULL },
					 { "core-0", false, 5765131000ULL },
					 { "uncore-0", false, 0 } };
	struct esrc *s = open_fixture("2022-millijoule.txt");

	(void)state;
	expect_zones(s, w, 4);
	expect_desc(s, "2022-0.4 node_package_energy_millijoule, mJ");
	esrc__free(s);
}

static void expect_refused(const char *text, int err, const char *part)
{
	char msg[512];
	struct esrc *s = open_text(text, msg, sizeof(msg));

	assert_null(s);
	assert_int_equal(errno, err);
	if (!strstr(msg, part))
		fail_msg("message \"%s\" lacks \"%s\"", msg, part);
	assert_null(strchr(msg, '\n'));
}

static void test_refused(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = fixture_text("malformed.txt", &len);
	expect_refused(text, EBADMSG, "kepler fixture: line 5: expected ',' or '}'");
	free(text);
	text = fixture_text("not-kepler.txt", &len);
	expect_refused(text, ENODATA,
		       "kepler fixture: no Kepler node energy counters in the scrape (3 families: "
		       "node_rapl_dram_joules_total, node_rapl_package_joules_total)");
	free(text);
	expect_refused("", ENODATA, "(0 families)");
	/* A federated scrape: two nodes' counters under one name. */
	expect_refused(
		"kepler_node_package_joules_total{instance=\"a\",mode=\"idle\",package=\"0\"} 1\n"
		"kepler_node_package_joules_total{instance=\"b\",mode=\"idle\",package=\"0\"} 2\n",
		EINVAL, "the scrape holds several nodes (a, b)");
	expect_refused("kepler_node_cpu_joules_total{path=\"/sys/class/powercap/intel-rapl:0:0\","
		       "zone=\"core\"} 5\n",
		       ENODATA, "no node zone (package, dram, psys) among: core-0");
	expect_refused("kepler_node_cpu_joules_total{zone=\"package\",path=\"p\"} 5\n"
		       "kepler_node_cpu_joules_total{path=\"p\",zone=\"package\"} 6\n",
		       EBADMSG, "the same series twice");
}

static void cpu_text(char *buf, size_t len, const char *pkg, const char *dram)
{
	size_t n =
		snprintf(buf, len,
			 "# TYPE kepler_node_cpu_joules_total counter\n"
			 "kepler_node_cpu_joules_total{node_name=\"n\",path=\"/sys/class/powercap/"
			 "intel-rapl:0\",zone=\"package\"} %s\n",
			 pkg);

	if (dram)
		snprintf(buf + n, len - n,
			 "kepler_node_cpu_joules_total{node_name=\"n\",path=\"/sys/class/powercap/"
			 "intel-rapl:0:2\",zone=\"dram\"} %s\n",
			 dram);
}

static void ingest(struct esrc *s, uint64_t at, const char *pkg, const char *dram)
{
	char text[1024];

	cpu_text(text, sizeof(text), pkg, dram);
	assert_int_equal(esrc_kepler_ingest(s, text, strlen(text), 0, at), 0);
}

static void expect_read(struct esrc *s, uint64_t at, size_t zone, int rc, uint64_t want)
{
	uint64_t uj = 0;
	int got;

	fake_now = at;
	got = s->ops->read(s, zone, &uj);
	if (got != rc)
		fail_msg("at %llu ms zone %zu: rc %d, expected %d",
			 (unsigned long long)(at / MS(1)), zone, got, rc);
	if ((rc == 0 || rc == -EAGAIN) && uj != want)
		fail_msg("at %llu ms zone %zu: %llu µJ, expected %llu",
			 (unsigned long long)(at / MS(1)), zone, (unsigned long long)uj,
			 (unsigned long long)want);
}

/* Each step of Kepler's counter is spread over the time since its step before. */
static void test_spread(void **state)
{
	char text[1024], msg[256];
	struct esrc *s;

	(void)state;
	cpu_text(text, sizeof(text), "100", "10");
	s = open_text(text, msg, sizeof(msg));
	assert_non_null(s);
	expect_read(s, MS(100), 0, -EAGAIN, 100000000);
	expect_read(s, MS(100), 1, -EAGAIN, 10000000);
	ingest(s, MS(1000), "101", "10.5"); /* 1 J over the 1 s since open */
	expect_read(s, MS(1000), 0, 0, 100000000);
	expect_read(s, MS(1000), 1, 0, 10000000);
	expect_read(s, MS(1500), 0, 0, 100500000);
	expect_read(s, MS(1500), 1, 0, 10250000);
	expect_read(s, MS(2000), 0, 0, 101000000);
	expect_read(s, MS(2500), 0, 0, 101000000);
	/* Kepler 0.7 updates every 3 s: scrapes in between see no step. */
	ingest(s, MS(2000), "101", "10.5");
	ingest(s, MS(3000), "104", "10.5"); /* 3 J over the 2 s since the last step */
	expect_read(s, MS(4000), 0, 0, 102500000);
	expect_read(s, MS(5000), 0, 0, 104000000);
	/* A step while one is still being spread carries the rest of it along. */
	ingest(s, MS(5500), "106", "10.5");
	expect_read(s, MS(6750), 0, 0, 105000000);
	ingest(s, MS(6750), "107", "10.5");
	expect_read(s, MS(7375), 0, 0, 106000000);
	expect_read(s, MS(8000), 0, 0, 107000000);
	/* No good scrape for 5 s: stale. Then a long gap is spread over 10 s at most. */
	expect_read(s, MS(12000), 0, -ETIMEDOUT, 0);
	ingest(s, MS(30000), "108", "10.5");
	/* The first scrape after an outage is a baseline, whatever Kepler counted meanwhile;
	 * energy again from its next step (1 J over the 5 s since). */
	expect_read(s, MS(35000), 0, -EAGAIN, 108000000);
	ingest(s, MS(35000), "109", "10.5");
	expect_read(s, MS(40000), 0, 0, 109000000);
	esrc__free(s);
}

/* Kepler restarted, a scrape failed, a zone went missing: a gap and a new baseline each. */
static void test_reset_and_failures(void **state)
{
	char text[1024], msg[256];
	struct esrc *s;

	(void)state;
	cpu_text(text, sizeof(text), "100", "10");
	s = open_text(text, msg, sizeof(msg));
	assert_non_null(s);
	expect_read(s, MS(100), 0, -EAGAIN, 100000000);
	expect_read(s, MS(100), 1, -EAGAIN, 10000000);
	ingest(s, MS(1000), "2", "10"); /* the counter went down */
	expect_read(s, MS(1000), 0, -EAGAIN, 2000000);
	/* No step of dram's yet: its energy is not known, not zero. */
	expect_read(s, MS(1000), 1, -EAGAIN, 10000000);
	ingest(s, MS(2000), "3", "10");
	expect_read(s, MS(2500), 0, 0, 2500000);
	/* A failed scrape fails every zone; the next good one is a baseline. */
	assert_int_equal(esrc_kepler_ingest(s, NULL, 0, -ECONNREFUSED, MS(3000)), -ECONNREFUSED);
	expect_read(s, MS(3100), 0, -ECONNREFUSED, 0);
	expect_read(s, MS(3100), 1, -ECONNREFUSED, 0);
	ingest(s, MS(4000), "4", "10");
	expect_read(s, MS(4000), 0, -EAGAIN, 4000000);
	expect_read(s, MS(4000), 1, -EAGAIN, 10000000);
	expect_read(s, MS(5000), 0, -EAGAIN, 4000000);
	/* A zone missing from a scrape; back in the next. */
	ingest(s, MS(6000), "5", NULL);
	expect_read(s, MS(6000), 0, 0, 4000000);
	expect_read(s, MS(6000), 1, -ENODATA, 0);
	ingest(s, MS(7000), "5", "10");
	expect_read(s, MS(7000), 0, 0, 4500000);
	expect_read(s, MS(7000), 1, -EAGAIN, 10000000);
	/* Malformed text fails the scrape; NaN fails its zone. */
	assert_int_equal(esrc_kepler_ingest(s, "garbage{", 8, 0, MS(8000)), -EBADMSG);
	expect_read(s, MS(8000), 0, -EBADMSG, 0);
	ingest(s, MS(9000), "NaN", "11");
	expect_read(s, MS(9000), 0, -ERANGE, 0);
	/* After the failed scrape: a baseline, no step yet. */
	expect_read(s, MS(9000), 1, -EAGAIN, 11000000);
	assert_int_equal(s->ops->read(s, 2, &(uint64_t){ 0 }), -EINVAL);
	esrc__free(s);
}

/* Zone 0 starts a tick: the other zones of the tick see the same instant and scrape. */
static void test_tick(void **state)
{
	char text[1024], msg[256];
	struct esrc *s;

	(void)state;
	cpu_text(text, sizeof(text), "100", "10");
	s = open_text(text, msg, sizeof(msg));
	assert_non_null(s);
	expect_read(s, MS(100), 0, -EAGAIN, 100000000);
	expect_read(s, MS(100), 1, -EAGAIN, 10000000);
	/* No step yet since open: no energy known, a baseline again, not zero. */
	expect_read(s, MS(200), 0, -EAGAIN, 100000000);
	ingest(s, MS(250), "100", "1"); /* dram reset, after the tick began */
	expect_read(s, MS(300), 1, -EAGAIN, 10000000);
	expect_read(s, MS(400), 0, -EAGAIN, 100000000);
	expect_read(s, MS(400), 1, -EAGAIN, 1000000);
	/* Reading a zone twice starts a tick too. */
	ingest(s, MS(1250), "101", "1");
	expect_read(s, MS(1250), 1, -EAGAIN, 1000000);
	expect_read(s, MS(1750), 1, -EAGAIN, 1000000);
	expect_read(s, MS(1750), 0, 0, 100400000);
	esrc__free(s);
}

/* 0.7: both modes move; a mode missing later is the zone missing. */
static void test_v07_modes(void **state)
{
	size_t len;
	char *text = fixture_text("v0.7.txt", &len), *t1, *t2;
	struct esrc *s = open_fixture("v0.7.txt");

	(void)state;
	expect_read(s, MS(100), 0, -EAGAIN, 55797732000ULL);
	t1 = replace(text, "package=\"0\",source=\"rapl-sysfs\"} 151.503",
		     "package=\"0\",source=\"rapl-sysfs\"} 153.003");
	t2 = replace(t1, "package=\"0\",source=\"rapl-sysfs\"} 55646.229",
		     "package=\"0\",source=\"rapl-sysfs\"} 55646.729");
	assert_int_equal(esrc_kepler_ingest(s, t2, strlen(t2), 0, MS(1000)), 0);
	expect_read(s, MS(2000), 0, 0, 55799732000ULL);
	free(t1);
	t1 = replace(t2,
		     "kepler_node_package_joules_total{instance=\"r650-01\",mode=\"idle\","
		     "package=\"1\"",
		     "kepler_node_packag_joules_total{instance=\"r650-01\",mode=\"idle\","
		     "package=\"1\"");
	assert_int_equal(esrc_kepler_ingest(s, t1, strlen(t1), 0, MS(3000)), 0);
	expect_read(s, MS(3000), 0, 0, 55799732000ULL);
	expect_read(s, MS(3000), 1, -ENODATA, 0);
	free(t1);
	free(t2);
	free(text);
	esrc__free(s);
}

/* 2022: the package value and the dram label both move, in mJ. */
static void test_2022_steps(void **state)
{
	size_t len;
	char *text = fixture_text("2022-millijoule.txt", &len), *t1, *t2;
	struct esrc *s = open_fixture("2022-millijoule.txt");

	(void)state;
	for (size_t i = 0; i < s->nz; i++)
		assert_int_equal(s->ops->read(s, i, &(uint64_t){ 0 }), -EAGAIN);
	t1 = replace(text, "} 1.3278014e+07", "} 1.3278514e+07");
	t2 = replace(t1, "dram=\"1047209\"", "dram=\"1047709\"");
	assert_int_equal(esrc_kepler_ingest(s, t2, strlen(t2), 0, MS(1000)), 0);
	expect_read(s, MS(2000), 0, 0, 13278514000ULL);
	expect_read(s, MS(2000), 1, 0, 1047709000ULL);
	free(t1);
	free(t2);
	free(text);
	esrc__free(s);
}

/* ---- over HTTP, with tests/helpers/fakekepler ---------------------------------------- */

struct fake {
	pid_t pid;
	int port;
	char *dir;
	char metrics[600], log[600], url[128];
};

static const char *helper_path(void)
{
	static char path[512];
	const char *out = getenv("OUTPUT");

	snprintf(path, sizeof(path), "%s/tests/helpers/fakekepler", out && *out ? out : "build");
	return access(path, X_OK) ? NULL : path;
}

static void need_helper(void)
{
	if (helper_path())
		return;
	fprintf(stderr,
		"*** SKIP: build/tests/helpers/fakekepler is not built (make helpers) ***\n");
	skip();
}

static void put_fixture(struct fake *f, const char *name)
{
	size_t len;
	char *text = fixture_text(name, &len), tmp[700];
	FILE *out;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->metrics);
	out = fopen(tmp, "w");
	assert_non_null(out);
	assert_int_equal(fwrite(text, 1, len, out), len);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rename(tmp, f->metrics), 0);
	free(text);
}

static void fake_start(struct fake *f, const char *name, const char *extra, const char *val)
{
	char port_file[600];
	FILE *pf = NULL;

	memset(f, 0, sizeof(*f));
	f->dir = tmp_tree();
	snprintf(f->metrics, sizeof(f->metrics), "%s/metrics", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	snprintf(port_file, sizeof(port_file), "%s/port", f->dir);
	if (name)
		put_fixture(f, name);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (!f->pid) {
		execl(helper_path(), "fakekepler", "--metrics", f->metrics, "--port-file",
		      port_file, "--log", f->log, extra ? extra : NULL, val, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 250 && !pf; i++) {
		pf = fopen(port_file, "r");
		if (!pf)
			nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
	}
	assert_non_null(pf);
	assert_int_equal(fscanf(pf, "%d", &f->port), 1);
	fclose(pf);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d/metrics", f->port);
}

static void fake_stop(struct fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
}

static void fake_free(struct fake *f)
{
	fake_stop(f);
	rm_tree(f->dir);
}

static int log_lines(const struct fake *f)
{
	FILE *l = fopen(f->log, "r");
	int n = 0, c;

	while (l && (c = fgetc(l)) != EOF)
		n += c == '\n';
	if (l)
		fclose(l);
	return n;
}

static void test_net_open(void **state)
{
	struct fake f;
	char msg[512], want[256];
	struct esrc *s;
	uint64_t uj = 0;

	(void)state;
	need_helper();
	fake_start(&f, "v0.10-server.txt", NULL, NULL);
	s = esrc_kepler_open(f.url, msg, sizeof(msg));
	if (!s)
		fail_msg("%s", msg);
	assert_string_equal(msg, "");
	snprintf(want, sizeof(want), "kepler %s (Kepler v0.11.1, 0.10+", f.url);
	expect_desc(s, want);
	assert_int_equal(s->nz, 2);
	assert_int_equal(s->ops->read(s, 0, &uj), -EAGAIN);
	assert_int_equal(uj, 4122397826650ULL);
	esrc__free(s);
	fake_free(&f);
}

static void expect_open_fails(const char *url, int err, const char *part)
{
	char msg[512];
	struct esrc *s = esrc_kepler_open(url, msg, sizeof(msg));

	assert_null(s);
	if (errno != err)
		fail_msg("%s: errno %d (%s), expected %d", url, errno, msg, err);
	if (!strstr(msg, part))
		fail_msg("message \"%s\" lacks \"%s\"", msg, part);
}

/* A port nothing listens on: bound, then closed. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static void test_net_errors(void **state)
{
	char url[128], want[256];
	struct fake f;

	(void)state;
	need_helper();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", free_port());
	snprintf(want, sizeof(want), "kepler %s: Connection refused", url);
	expect_open_fails(url, ECONNREFUSED, want);
	expect_open_fails("ftp://127.0.0.1/metrics", EINVAL, "not an http:// or https:// URL");
	fake_start(&f, "not-kepler.txt", "--status", "503");
	expect_open_fails(f.url, EIO, "metrics: HTTP 503: fakekepler: forced status");
	fake_free(&f);
	fake_start(&f, "not-kepler.txt", NULL, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/nope", f.port);
	expect_open_fails(url, EIO, "nope: HTTP 404: 404 page not found");
	expect_open_fails(f.url, ENODATA, "no Kepler node energy counters in the scrape");
	put_fixture(&f, "malformed.txt");
	expect_open_fails(f.url, EBADMSG, "metrics: line 5:");
	fake_free(&f);
}

/* Read until zone i returns rc, for up to 5 s (the scraper scrapes once a second). */
/* Read every zone until zone i reads rc (and, unless want is 0, the value want). */
static uint64_t poll_zone_for(struct esrc *s, size_t i, int rc, uint64_t want)
{
	for (int n = 0; n < 100; n++) {
		uint64_t uj = 0;
		int got = 0;

		for (size_t z = 0; z < s->nz; z++) {
			uint64_t v = 0;
			int r = s->ops->read(s, z, &v);

			if (z == i) {
				got = r;
				uj = v;
			}
		}
		if (got == rc && (!want || uj == want))
			return uj;
		nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	}
	fail_msg("zone %zu never read %d", i, rc);
	return 0;
}

static uint64_t poll_zone(struct esrc *s, size_t i, int rc)
{
	return poll_zone_for(s, i, rc, 0);
}

/* The scraper thread: a Kepler restart seen within a scrape or two; Kepler gone: a failure. */
static void test_net_scraper(void **state)
{
	struct fake f;
	char msg[512];
	struct esrc *s;
	size_t len;
	char *text, *t, tmp[700];
	FILE *out;

	(void)state;
	/* Before anything is allocated: a skip does not return. */
	need_helper();
	text = fixture_text("v0.10-laptop.txt", &len);
	fake_start(&f, "v0.10-laptop.txt", NULL, NULL);
	s = esrc_kepler_open(f.url, msg, sizeof(msg));
	if (!s)
		fail_msg("%s", msg);
	assert_int_equal(s->nz, 5);
	assert_string_equal(s->zones[4].label, "psys");
	assert_int_equal(poll_zone(s, 4, -EAGAIN), 131042007761ULL);
	t = replace(text, "zone=\"psys\"} 131042.007761", "zone=\"psys\"} 5.25");
	snprintf(tmp, sizeof(tmp), "%s.tmp", f.metrics);
	out = fopen(tmp, "w");
	assert_non_null(out);
	fputs(t, out);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rename(tmp, f.metrics), 0);
	/* A reset (the counter went down): a new baseline. */
	assert_int_equal(poll_zone_for(s, 4, -EAGAIN, 5250000), 5250000);
	fake_stop(&f);
	poll_zone(s, 4, -ECONNREFUSED);
	assert_true(log_lines(&f) >= 2);
	esrc__free(s);
	fake_free(&f);
	free(t);
	free(text);
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The first scrape times out; freeing the source ends a scrape in flight. */
static void test_net_slow(void **state)
{
	struct timespec t0;
	struct fake f;
	char msg[512];
	struct esrc *s;

	(void)state;
	need_helper();
	fake_start(&f, "v0.10-server.txt", "--delay-ms", "3500");
	expect_open_fails(f.url, ETIMEDOUT, "no answer within 3000 ms");
	fake_free(&f);
	fake_start(&f, "v0.10-server.txt", "--delay-ms", "1500");
	s = esrc_kepler_open(f.url, msg, sizeof(msg));
	if (!s)
		fail_msg("%s", msg);
	nanosleep(&(struct timespec){ .tv_sec = 1, .tv_nsec = 300000000 }, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	esrc__free(s);
	if (since(&t0) > 1.2)
		fail_msg("freeing took %.2f s with a scrape in flight", since(&t0));
	fake_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v010_server),
		cmocka_unit_test(test_v010_laptop),
		cmocka_unit_test(test_v07),
		cmocka_unit_test(test_v07_arm64),
		cmocka_unit_test(test_v04),
		cmocka_unit_test(test_2022_millijoule),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_reset_and_failures),
		cmocka_unit_test(test_tick),
		cmocka_unit_test(test_v07_modes),
		cmocka_unit_test(test_2022_steps),
		cmocka_unit_test(test_net_open),
		cmocka_unit_test(test_net_errors),
		cmocka_unit_test(test_net_scraper),
		cmocka_unit_test(test_net_slow),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
