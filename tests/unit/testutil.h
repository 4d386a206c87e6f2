/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* testutil.h: temp trees and fixture paths for the unit tests (cmocka). */
#ifndef WP_TESTUTIL_H
#define WP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fixtures live in tests/fixtures; make runs the tests from the top of the tree. */
static inline const char *fixture(const char *rel, char *buf, size_t len)
{
	const char *dir = getenv("WP_FIXTURES");

	snprintf(buf, len, "%s/%s", dir ? dir : "tests/fixtures", rel);
	return buf;
}

static inline char *tmp_tree(void)
{
	char tmpl[] = "/tmp/wptest.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	chmod(d, 0755);
	return strdup(d);
}

static inline void put_file(const char *dir, const char *rel, const char *content, mode_t mode)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	/* Parent directories first: "a/b/c" makes a and a/b. */
	for (char *p = strchr(path + strlen(dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

static int rm_cb(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static inline void rm_tree(char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

#endif
