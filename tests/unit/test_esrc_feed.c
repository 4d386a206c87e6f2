// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* test_esrc_feed.c: a host's feed going stale and coming back; the source list and auto. */
#include "testutil.h"
#include "energy.h"
#include "esrc_powercap.h"

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static void feed_write(const char *dir, unsigned int seq, unsigned long long uj)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%llu\n", uj);
	put_file(dir, "intel-rapl:0/energy_uj", buf, 0644);
	snprintf(buf, sizeof(buf), "%u\n", seq);
	put_file(dir, "seq", buf, 0644);
}

static char *feed_tree(void)
{
	char *dir = tmp_tree();

	put_file(dir, "intel-rapl:0/name", "package-0\n", 0644);
	put_file(dir, "intel-rapl:0/max_energy_range_uj", "1000000000\n", 0644);
	feed_write(dir, 1, 1000);
	return dir;
}

static void test_stale(void **state)
{
	char *dir = feed_tree(), spec[512], msg[512];
	struct esrc *s;
	uint64_t uj = 0, base = 0;

	(void)state;
	snprintf(spec, sizeof(spec), "%s,stale=1s", dir);
	s = esrc_feed_open(spec, msg, sizeof(msg));
	if (!s)
		fail_msg("%s", msg);
	esrc_feed_set_clock(s, fake_clock);
	assert_string_equal(s->ops->name, "feed");
	assert_int_equal(s->nz, 1);
	assert_string_equal(s->zones[0].label, "package-0");
	fake_now = 1000000000ULL;
	/* The first reading is a baseline. */
	assert_int_equal(s->ops->read(s, 0, &uj), -EAGAIN);
	assert_int_equal(uj, 0);
	/* The host wrote: 2000 µJ more. */
	feed_write(dir, 2, 3000);
	fake_now += 100000000ULL;
	assert_int_equal(s->ops->read(s, 0, &uj), 0);
	assert_int_equal(uj, 2000);
	/* Nothing new, within 1 s: no energy, but no gap either (the host writes slower). */
	fake_now += 900000000ULL;
	assert_int_equal(s->ops->read(s, 0, &uj), 0);
	assert_int_equal(uj, 2000);
	/* 1.1 s without a new seq: stale, a gap, not zero energy. */
	fake_now += 200000000ULL;
	assert_int_equal(s->ops->read(s, 0, &uj), -EAGAIN);
	/* The host is back with 6000 µJ counted meanwhile: not this interval's, a gap again;
	 * what it read is only a new baseline. */
	feed_write(dir, 3, 9000);
	fake_now += 100000000ULL;
	assert_int_equal(s->ops->read(s, 0, &base), -EAGAIN);
	/* Then energy again, from the new baseline. */
	feed_write(dir, 4, 9500);
	fake_now += 100000000ULL;
	assert_int_equal(s->ops->read(s, 0, &uj), 0);
	assert_int_equal(uj - base, 500);
	esrc__free(s);
	rm_tree(dir);
}

static void test_open_errors(void **state)
{
	char *dir = tmp_tree(), spec[512], msg[512];

	(void)state;
	assert_null(esrc_feed_open(dir, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "/seq: No such file"));
	put_file(dir, "seq", "abc\n", 0644);
	assert_null(esrc_feed_open(dir, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "seq: not a number"));
	put_file(dir, "seq", "7\n", 0644);
	assert_null(esrc_feed_open(dir, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "no intel-rapl zone"));
	snprintf(spec, sizeof(spec), "%s,stale=soon", dir);
	assert_null(esrc_feed_open(spec, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "bad spec"));
	rm_tree(dir);
}

/* A list is tried in order; what was passed over is said; a typo stops it. */
static void test_list(void **state)
{
	char *dir = feed_tree(), spec[1024], msg[2048];
	struct energy *e;

	(void)state;
	snprintf(spec, sizeof(spec), "powercap:/nonexistent,feed:%s", dir);
	e = energy__open(spec, 2, msg, sizeof(msg));
	assert_non_null(e);
	assert_string_equal(energy__source(e), "feed");
	assert_non_null(strstr(msg, "powercap root /nonexistent: No such file"));
	energy__free(e);
	/* A model's own commas belong to it. */
	e = energy__open("powercap:/nonexistent,model:idle=1,max=2", 2, msg, sizeof(msg));
	assert_non_null(e);
	assert_string_equal(energy__source(e), "model");
	assert_non_null(strstr(energy__describe(e), "1.00 W idle .. 2.00 W busy"));
	energy__free(e);
	/* Options after a comma belong to their entry, and the list goes on after them. */
	snprintf(spec, sizeof(spec), "model:idle=1,max=2,feed:%s", dir);
	e = energy__open(spec, 2, msg, sizeof(msg));
	assert_non_null(e);
	assert_string_equal(energy__source(e), "model");
	energy__free(e);
	snprintf(spec, sizeof(spec), "feed:%s,stale=250ms,model", dir);
	e = energy__open(spec, 2, msg, sizeof(msg));
	assert_non_null(e);
	assert_non_null(strstr(energy__describe(e), "stale after 0.25 s"));
	energy__free(e);
	snprintf(spec, sizeof(spec), "feed:%s/none,stale=250ms,model", dir);
	e = energy__open(spec, 2, msg, sizeof(msg));
	assert_non_null(e);
	assert_string_equal(energy__source(e), "model");
	energy__free(e);
	/* A typo in an entry stops the list too; an empty one is said. */
	assert_null(energy__open("model:idle=5,max=abc,model", 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "bad parameter 'max=abc'"));
	snprintf(spec, sizeof(spec), "feed:%s,stale=1q,model", dir);
	assert_null(energy__open(spec, 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "bad spec"));
	assert_null(energy__open("", 2, msg, sizeof(msg)));
	assert_string_equal(msg, "energy: bad source list ''");
	assert_null(energy__open(",auto", 2, msg, sizeof(msg)));
	assert_string_equal(msg, "energy: bad source list ',auto'");
	/* A zone that is a FIFO would block the reader: left out, and said. */
	{
		char fifo[600];
		struct energy *f;

		snprintf(fifo, sizeof(fifo), "%s/intel-rapl:1", dir);
		mkdir(fifo, 0755);
		put_file(dir, "intel-rapl:1/name", "package-1\n", 0644);
		snprintf(fifo, sizeof(fifo), "%s/intel-rapl:1/energy_uj", dir);
		assert_int_equal(mkfifo(fifo, 0644), 0);
		snprintf(spec, sizeof(spec), "feed:%s", dir);
		f = energy__open(spec, 2, msg, sizeof(msg));
		assert_non_null(f);
		assert_int_equal(energy__nzones(f), 1);
		assert_non_null(strstr(energy__warning(f), "intel-rapl:1 (package-1) energy_uj"));
		energy__free(f);
	}
	assert_null(energy__open("bogus,model", 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "unknown energy source 'bogus'"));
	/* One source alone: its own message; several: all of them. */
	assert_null(energy__open("powercap:/nonexistent", 2, msg, sizeof(msg)));
	assert_string_equal(msg, "powercap root /nonexistent: No such file or directory");
	snprintf(spec, sizeof(spec), "powercap:/nonexistent,feed:%s/none", dir);
	assert_null(energy__open(spec, 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "no energy source usable: powercap root /nonexistent"));
	assert_non_null(strstr(msg, "; feed "));
	assert_null(energy__open("powercap:/x,", 2, msg, sizeof(msg)));
	energy__free(NULL);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
