// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_feed_write.c: the host's side of the feed: zones laid out so that the guest labels and
 * counts them as the host does, and a written tree read back by the guest's reader.
 */
#include "testutil.h"
#include "esrc.h"
#include "esrc_powercap.h"
#include "feed_write.h"

static void layout_ok(const char *const *labels, const bool *node, size_t n,
		      const char *const *dirs, const char *const *names)
{
	struct feed_slot s[FEED_MAX_ZONES];
	char msg[256] = "";

	assert_int_equal(feed_layout(labels, node, n, s, msg, sizeof(msg)), 0);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(s[i].dir, dirs[i]);
		assert_string_equal(s[i].name, names[i]);
		assert_int_equal(s[i].node, node[i]);
	}
}

/* Two sockets as powercap labels them (fixtures/powercap/intel-2pkg). */
static void test_layout_two_sockets(void **state)
{
	const char *labels[] = {
		"package-0", "core-0", "uncore-0", "dram-0", "package-1", "dram-1"
	};
	const bool node[] = { true, false, false, true, true, true };
	const char *dirs[] = { "intel-rapl:0",	 "intel-rapl:0:0", "intel-rapl:0:1",
			       "intel-rapl:0:2", "intel-rapl:1",   "intel-rapl:1:0" };
	const char *names[] = { "package-0", "core", "uncore", "dram", "package-1", "dram" };

	(void)state;
	layout_ok(labels, node, 6, dirs, names);
}

/* A laptop's psys is the node alone; a model's zone is the node; dies keep their suffix. */
static void test_layout_psys_model_dies(void **state)
{
	const char *l1[] = { "package-0", "psys" };
	const bool n1[] = { false, true };
	const char *d1[] = { "intel-rapl:0", "intel-rapl:1" };
	const char *m1[] = { "package-0", "psys" };
	const char *l2[] = { "model" };
	const bool n2[] = { true };
	const char *d2[] = { "intel-rapl:0" };
	const char *l3[] = { "package-0-die-0", "dram-0-die-0", "package-0-die-1" };
	const bool n3[] = { true, true, true };
	const char *d3[] = { "intel-rapl:0", "intel-rapl:0:0", "intel-rapl:1" };
	const char *m3[] = { "package-0-die-0", "dram", "package-0-die-1" };

	(void)state;
	layout_ok(l1, n1, 2, d1, m1);
	layout_ok(l2, n2, 1, d2, l2);
	layout_ok(l3, n3, 3, d3, m3);
}

/* A zone the guest would count differently is refused, naming it. */
static void test_layout_refused(void **state)
{
	struct feed_slot s[FEED_MAX_ZONES];
	const char *l1[] = { "platform" }; /* Kepler's: the guest would not count it */
	const bool n1[] = { true };
	const char *l2[] = { "a/b" };
	char msg[256];

	(void)state;
	assert_int_equal(feed_layout(l1, n1, 1, s, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "platform"));
	assert_int_equal(feed_layout(l2, n1, 1, s, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "a/b"));
	assert_int_equal(feed_layout(l1, n1, 0, s, msg, sizeof(msg)), -EINVAL);
}

static uint64_t fake_now;
static uint64_t fake_clock(void)
{
	return fake_now;
}

/* Written by the host, read by the guest: the same labels, node zones and energy. */
static void test_round_trip(void **state)
{
	const char *labels[] = { "package-0", "dram-0", "core-0" };
	const bool node[] = { true, true, false };
	struct feed_slot s[FEED_MAX_ZONES];
	char *tmp = tmp_tree(), dir[512], msg[512], src[256];
	struct feed_writer *w;
	struct esrc *g;
	uint64_t uj;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/feed/vm1", tmp);
	assert_int_equal(feed_layout(labels, node, 3, s, msg, sizeof(msg)), 0);
	w = feed_writer__open(dir, s, 3, "powercap /sys/class/powercap: package-0", msg,
			      sizeof(msg));
	assert_non_null(w);
	assert_int_equal(feed_writer__seq(w), 1);
	g = esrc_feed_open(dir, msg, sizeof(msg));
	assert_non_null(g);
	esrc_feed_set_clock(g, fake_clock);
	assert_int_equal(g->nz, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(g->zones[i].label, labels[i]);
		assert_int_equal(g->zones[i].node, node[i]);
	}
	assert_non_null(strstr(g->desc, "which used: powercap /sys/class/powercap: package-0"));
	snprintf(src, sizeof(src), "%s/source", dir);
	/* The guest's baseline, then 1.5 J, 0.25 J, 0.1 J more. */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(g->ops->read(g, i, &uj), -EAGAIN);
	assert_int_equal(feed_writer__write(w, (uint64_t[]){ 1500000, 250000, 100000 }, NULL), 0);
	assert_int_equal(feed_writer__seq(w), 2);
	fake_now += 100000000;
	assert_int_equal(g->ops->read(g, 0, &uj), 0);
	assert_int_equal(uj, 1500000);
	assert_int_equal(g->ops->read(g, 1, &uj), 0);
	assert_int_equal(uj, 250000);
	assert_int_equal(g->ops->read(g, 2, &uj), 0);
	assert_int_equal(uj, 100000);
	/*
	 * A zone the host could not read for two intervals: its file is empty, and each of those
	 * is a gap for the guest (not a zero); then the host counts from 0 and the guest takes a
	 * new baseline, then continues.
	 */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(feed_writer__write(w, (uint64_t[]){ 0, 300000, 100000 },
						    (bool[]){ true, false, false }),
				 0);
		fake_now += 100000000;
		assert_true(g->ops->read(g, 0, &uj) < 0);
		assert_int_equal(g->ops->read(g, 1, &uj), 0);
		assert_int_equal(uj, 300000);
	}
	assert_int_equal(feed_writer__write(w, (uint64_t[]){ 700000, 300000, 100000 }, NULL), 0);
	fake_now += 100000000;
	assert_int_equal(g->ops->read(g, 0, &uj), -EAGAIN);
	assert_int_equal(feed_writer__write(w, (uint64_t[]){ 900000, 300000, 100000 }, NULL), 0);
	fake_now += 100000000;
	assert_int_equal(g->ops->read(g, 0, &uj), 0);
	assert_int_equal(uj, 1500000 + 200000);
	esrc__free(g);
	/* The host's --feed-dir given to a reader: it names a VM's tree below. */
	snprintf(dir, sizeof(dir), "%s/feed", tmp);
	assert_null(esrc_feed_open(dir, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "feed/vm1"));
	feed_writer__free(w);
	rm_tree(tmp);
}

/* A host with only the model feeds a zone its guest counts as the node's, and says so. */
static void test_model_round_trip(void **state)
{
	const char *labels[] = { "model" };
	const bool node[] = { true };
	struct feed_slot s[FEED_MAX_ZONES];
	char *tmp = tmp_tree(), msg[512];
	struct feed_writer *w;
	struct esrc *g;

	(void)state;
	assert_int_equal(feed_layout(labels, node, 1, s, msg, sizeof(msg)), 0);
	w = feed_writer__open(tmp, s, 1, "model (an estimate)", msg, sizeof(msg));
	assert_non_null(w);
	g = esrc_feed_open(tmp, msg, sizeof(msg));
	assert_non_null(g);
	assert_int_equal(g->nz, 1);
	assert_string_equal(g->zones[0].label, "model");
	assert_true(g->zones[0].node);
	assert_non_null(strstr(g->desc, "which used: model (an estimate)"));
	esrc__free(g);
	feed_writer__free(w);
	rm_tree(tmp);
}

/* QEMU reads the share as its own user: files 0644 and directories 0755, whatever the umask. */
static void test_modes(void **state)
{
	const char *labels[] = { "package-0", "dram-0" };
	const bool node[] = { true, true };
	struct feed_slot s[FEED_MAX_ZONES];
	char *tmp = tmp_tree(), dir[512], path[600], msg[512];
	struct feed_writer *w;
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	snprintf(dir, sizeof(dir), "%s/feeds/vm1", tmp);
	assert_int_equal(feed_layout(labels, node, 2, s, msg, sizeof(msg)), 0);
	w = feed_writer__open(dir, s, 2, "x", msg, sizeof(msg));
	umask(old);
	assert_non_null(w);
	assert_int_equal(feed_writer__write(w, (uint64_t[]){ 1, 2 }, NULL), 0);
	snprintf(path, sizeof(path), "%s/feeds", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	snprintf(path, sizeof(path), "%s/intel-rapl:0:0", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	snprintf(path, sizeof(path), "%s/intel-rapl:0:0/energy_uj", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	snprintf(path, sizeof(path), "%s/seq", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	feed_writer__free(w);
	rm_tree(tmp);
}

/* A restarted host starts its counters at 0 and drops zones it no longer has. */
static void test_restart(void **state)
{
	const char *l1[] = { "package-0", "package-1" }, *l2[] = { "package-0" };
	const bool node[] = { true, true };
	struct feed_slot s[FEED_MAX_ZONES];
	char *tmp = tmp_tree(), path[512], zone[512], buf[64], msg[512];
	struct feed_writer *w;
	struct stat st;
	FILE *f;
	int err;

	(void)state;
	assert_int_equal(feed_layout(l1, node, 2, s, msg, sizeof(msg)), 0);
	w = feed_writer__open(tmp, s, 2, "x", msg, sizeof(msg));
	assert_non_null(w);
	assert_int_equal(feed_writer__write(w, (uint64_t[]){ 5, 6 }, NULL), 0);
	feed_writer__free(w);
	assert_int_equal(feed_layout(l2, node, 1, s, msg, sizeof(msg)), 0);
	w = feed_writer__open(tmp, s, 1, "y", msg, sizeof(msg));
	assert_non_null(w);
	snprintf(path, sizeof(path), "%s/intel-rapl:1", tmp);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/intel-rapl:0/energy_uj", tmp);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "0\n");
	feed_writer__free(w);
	/* A zone that is a symlink is replaced, its target left alone; a tree that is one is
	 * refused. */
	snprintf(path, sizeof(path), "%s/elsewhere", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(zone, sizeof(zone), "%s/intel-rapl:0", tmp);
	rm_tree(strdup(zone));
	assert_int_equal(symlink(path, zone), 0);
	w = feed_writer__open(tmp, s, 1, "y", msg, sizeof(msg));
	assert_non_null(w);
	assert_int_equal(lstat(zone, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/elsewhere/energy_uj", tmp);
	assert_int_equal(stat(path, &st), -1);
	/* Swapped for a symlink while it is written: the write fails, the target stays empty. */
	snprintf(path, sizeof(path), "%s/moved", tmp);
	assert_int_equal(rename(zone, path), 0);
	snprintf(path, sizeof(path), "%s/elsewhere2", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(symlink(path, zone), 0);
	err = feed_writer__write(w, (uint64_t[]){ 9 }, NULL);
	assert_true(err == -ELOOP || err == -ENOTDIR);
	snprintf(path, sizeof(path), "%s/elsewhere2/energy_uj", tmp);
	assert_int_equal(stat(path, &st), -1);
	feed_writer__free(w);
	snprintf(path, sizeof(path), "%s/link", tmp);
	assert_int_equal(symlink(tmp, path), 0);
	assert_null(feed_writer__open(path, s, 1, "y", msg, sizeof(msg)));
	/* A directory that cannot be made is named. */
	snprintf(path, sizeof(path), "%s/moved/energy_uj/x", tmp);
	assert_null(feed_writer__open(path, s, 1, "y", msg, sizeof(msg)));
	assert_non_null(strstr(msg, path));
	rm_tree(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_two_sockets),
		cmocka_unit_test(test_layout_psys_model_dies),
		cmocka_unit_test(test_layout_refused),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_model_round_trip),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
