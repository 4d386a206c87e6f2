/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* fuzz_util.h: what the libFuzzer targets share: checks, strings, temp trees built from input. */
#ifndef WP_FUZZ_UTIL_H
#define WP_FUZZ_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A property of the parser that must hold: abort, so that libFuzzer keeps the input. */
#define FZ_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a string in a buffer of its own size, so ASan sees a read past its NUL. */
static inline char *fz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A string's bytes must end before its buffer does: strnlen within len, then a NUL. */
static inline void fz_check_cstr(const char *s, size_t len)
{
	FZ_CHECK(strnlen(s, len) < len);
}

/* Help and version go to stdout; nothing of a run is worth seeing there. */
static inline void fz_quiet_stdout(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

/* ---- temp trees -------------------------------------------------------------------- */

/*
 * One directory per process, made at the first input and emptied before each: under
 * $WP_FUZZ_TMP (run.sh's, removed after the run: a crash skips atexit), else on tmpfs
 * (/dev/shm) when it can be, as that keeps thousands of trees a second cheap.
 */
static char fz_root[128];

static int fz_rm_cb(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level > 0)
		remove(p); /* the root itself stays */
	return 0;
}

static inline void fz_tree_clear(void)
{
	if (fz_root[0])
		nftw(fz_root, fz_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void fz_tree_cleanup(void)
{
	fz_tree_clear();
	if (fz_root[0])
		rmdir(fz_root);
}

/* The emptied root of this process's tree. */
static inline const char *fz_tree_root(void)
{
	if (!fz_root[0]) {
		const char *base = getenv("WP_FUZZ_TMP");

		if (!base)
			base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

		snprintf(fz_root, sizeof(fz_root), "%s/wpfuzz.XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(fz_root))
			abort();
		atexit(fz_tree_cleanup);
	}
	fz_tree_clear();
	return fz_root;
}

static inline int fz_hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Undo \n, \t, \\ and \xHH in s[0..n) (not NUL-terminated) into out (room for n + 1). */
static inline size_t fz_unescape(const char *s, size_t n, char *out)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			out[j++] = s[i];
		} else if (s[i + 1] == 'n' || s[i + 1] == 't' || s[i + 1] == '\\') {
			out[j++] = s[i + 1] == 'n' ? '\n' : s[i + 1] == 't' ? '\t' : '\\';
			i++;
		} else if (s[i + 1] == 'x' && i + 3 < n && fz_hex(s[i + 2]) >= 0 &&
			   fz_hex(s[i + 3]) >= 0) {
			out[j++] = (char)(fz_hex(s[i + 2]) * 16 + fz_hex(s[i + 3]));
			i += 3;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return j;
}

/*
 * Components must be plain names: no "", ".", ".." and no leading '/'. With the O_NOFOLLOW
 * walk below, nothing is ever created or reached outside the root (the fuzzer runs as root).
 */
static inline bool fz_path_ok(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > 255)
		return false;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/' && *++c == '\0')
			return true; /* "dir/" */
	}
	return true;
}

/* The directory holding path's last component, made as needed; -1 when it cannot be. */
static inline int fz_parent(char *path, char **leaf)
{
	int fd = open(fz_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *p = path, *slash;

	while (fd >= 0 && (slash = strchr(p, '/')) && slash[1]) {
		int nfd;

		*slash = '\0';
		mkdirat(fd, p, 0755);
		nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*leaf = p;
	return fd;
}

/*
 * One line of a tree description, relative to the root:
 *	PATH CONTENT	a regular file holding CONTENT (escapes as fz_unescape) and a newline
 *	PATH		an empty file
 *	PATH/		a directory
 *	PATH -> TARGET	a symlink (TARGET relative, no ".."; it may dangle)
 *	PATH |		a FIFO, when fifo is true
 * Lines that make nothing (bad paths, '#' comments) are skipped.
 */
static inline void fz_tree_line(const char *line, size_t n, bool fifo)
{
	char path[256], *content, *leaf;
	const char *sp = memchr(line, ' ', n);
	size_t pl = sp ? (size_t)(sp - line) : n;
	int dfd;

	if (!n || line[0] == '#' || pl >= sizeof(path))
		return;
	memcpy(path, line, pl);
	path[pl] = '\0';
	if (!fz_path_ok(path))
		return;
	dfd = fz_parent(path, &leaf);
	if (dfd < 0)
		return;
	if (leaf[strlen(leaf) - 1] == '/') {
		leaf[strlen(leaf) - 1] = '\0';
		mkdirat(dfd, leaf, 0755);
	} else if (sp && n - pl > 3 && !memcmp(sp, " -> ", 4)) {
		char target[256];
		size_t tl = n - pl - 4;

		if (tl && tl < sizeof(target)) {
			memcpy(target, sp + 4, tl);
			target[tl] = '\0';
			if (target[0] != '/' && !strstr(target, "..") && !memchr(target, 0, tl))
				symlinkat(target, dfd, leaf);
		}
	} else if (sp && n - pl == 2 && sp[1] == '|') {
		if (fifo)
			mkfifoat(dfd, leaf, 0644);
	} else {
		int fd = openat(dfd, leaf,
				O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
				0644);
		size_t cl = sp ? n - pl - 1 : 0;

		content = malloc(cl + 2);
		if (!content)
			abort();
		cl = fz_unescape(sp ? sp + 1 : "", cl, content);
		if (sp)
			content[cl++] = '\n';
		if (fd >= 0) {
			if (write(fd, content, cl) < 0)
				(void)0; /* a tree that could not be written is simply another tree
					  */
			close(fd);
		}
		free(content);
	}
	close(dfd);
}

/* Each line of text[0..len) that the filter passes (NULL: all) through fz_tree_line. */
static inline void fz_tree_build(const char *text, size_t len, bool fifo,
				 bool (*skip)(const char *line, size_t n))
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!skip || !skip(p, n))
			fz_tree_line(p, n, fifo);
		p += n + 1;
	}
}

#endif
