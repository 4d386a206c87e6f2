// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cgroupfs.c: where the cgroup hierarchies are mounted, and which one keys the probe. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroupfs.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(const char *src, size_t n, char *dst, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < len; i++) {
		if (src[i] == '\\' && i + 3 < n && src[i + 1] >= '0' && src[i + 1] <= '3') {
			dst[j++] = (char)((src[i + 1] - '0') * 64 + (src[i + 2] - '0') * 8 +
					  (src[i + 3] - '0'));
			i += 3;
		} else {
			dst[j++] = src[i];
		}
	}
	dst[j] = '\0';
}

static bool has_opt(const char *opts, size_t n, const char *opt)
{
	size_t l = strlen(opt);

	for (const char *p = opts; p < opts + n;) {
		const char *c = memchr(p, ',', opts + n - p);
		size_t tl = c ? (size_t)(c - p) : (size_t)(opts + n - p);

		if (tl == l && memcmp(p, opt, l) == 0)
			return true;
		if (!c)
			break;
		p = c + 1;
	}
	return false;
}

/* Keep the first mount of a hierarchy, but prefer one that shows its whole tree. */
static void take(struct cg_hier *h, const char *mnt, size_t ml, const char *root, size_t rl)
{
	if (h->mount[0] && strcmp(h->root, "/") == 0)
		return;
	unescape(mnt, ml, h->mount, sizeof(h->mount));
	unescape(root, rl, h->root, sizeof(h->root));
}

static int parse_line(const char *line, size_t n, struct cg_mounts *out)
{
	const char *f[6], *p = line, *end = line + n, *sep, *fstype, *super;
	size_t fl[6], tl, sl;

	for (int i = 0; i < 6; i++) {
		const char *sp;

		while (p < end && *p == ' ')
			p++;
		sp = memchr(p, ' ', end - p);
		if (!sp)
			return -EINVAL;
		f[i] = p;
		fl[i] = sp - p;
		p = sp + 1;
	}
	sep = strstr(p, "- ");
	if (!sep || sep >= end)
		return -EINVAL;
	fstype = sep + 2;
	p = memchr(fstype, ' ', end - fstype);
	if (!p)
		return -EINVAL;
	tl = p - fstype;
	super = memchr(p + 1, ' ', end - p - 1);
	super = super ? super + 1 : end;
	sl = end - super;
	if (tl == 7 && memcmp(fstype, "cgroup2", 7) == 0) {
		take(&out->v2, f[4], fl[4], f[3], fl[3]);
	} else if (tl == 6 && memcmp(fstype, "cgroup", 6) == 0) {
		if (has_opt(super, sl, "cpuacct"))
			take(&out->v1_cpuacct, f[4], fl[4], f[3], fl[3]);
		if (has_opt(super, sl, "cpu"))
			take(&out->v1_cpu, f[4], fl[4], f[3], fl[3]);
	}
	return 0;
}

int cg_mounts_parse(const char *text, struct cg_mounts *out)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		int err;

		if (n) {
			err = parse_line(p, n, out);
			if (err)
				return err;
		}
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

int cg_mounts_read(const char *path, struct cg_mounts *out)
{
	size_t cap = 65536, len = 0, n;
	char *buf = malloc(cap);
	FILE *f;
	int err;

	if (!buf)
		return -ENOMEM;
	f = fopen(path ? path : "/proc/self/mountinfo", "re");
	if (!f) {
		err = -errno;
		free(buf);
		return err;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				fclose(f);
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	buf[len] = '\0';
	err = cg_mounts_parse(buf, out);
	free(buf);
	return err;
}

const char *cg_mode_name(enum wp_cgroup_mode mode)
{
	switch (mode) {
	case WP_CG_V2:
		return "v2";
	case WP_CG_V1_CPUACCT:
		return "v1 cpuacct";
	default:
		return "v1 cpu";
	}
}

static int choose_v1(const struct cg_mounts *m, enum wp_cgroup_mode *mode,
		     const struct cg_hier **hier)
{
	if (m->v1_cpuacct.mount[0]) {
		*mode = WP_CG_V1_CPUACCT;
		*hier = &m->v1_cpuacct;
		return 0;
	}
	if (m->v1_cpu.mount[0]) {
		*mode = WP_CG_V1_CPU;
		*hier = &m->v1_cpu;
		return 0;
	}
	return -ENOENT;
}

int cg_choose(const struct cg_mounts *m, const char *want, enum wp_cgroup_mode *mode,
	      const struct cg_hier **hier, char *msg, size_t len)
{
	if (strcmp(want, "v2") == 0 || (strcmp(want, "auto") == 0 && m->v2.mount[0])) {
		if (!m->v2.mount[0]) {
			snprintf(msg, len,
				 "no cgroup2 filesystem mounted (see /proc/self/mountinfo)");
			return -ENOENT;
		}
		*mode = WP_CG_V2;
		*hier = &m->v2;
		return 0;
	}
	if (strcmp(want, "v1") == 0 || strcmp(want, "auto") == 0) {
		if (choose_v1(m, mode, hier) == 0)
			return 0;
		snprintf(msg, len, "no cgroup v1 cpuacct or cpu hierarchy mounted%s",
			 strcmp(want, "auto") == 0 ? ", and no cgroup2" : "");
		return -ENOENT;
	}
	snprintf(msg, len, "unknown cgroup mode '%s' (want auto, v2 or v1)", want);
	return -EINVAL;
}

/* Is want one of the comma-separated controllers in list[0..n)? */
static bool has_controller(const char *list, size_t n, const char *want)
{
	size_t wl = strlen(want);

	while (n) {
		size_t l = 0;

		while (l < n && list[l] != ',')
			l++;
		if (l == wl && memcmp(list, want, wl) == 0)
			return true;
		list += l;
		n -= l;
		if (n) {
			list++;
			n--;
		}
	}
	return false;
}

int cg_self_path(const char *proc_cgroup, enum wp_cgroup_mode mode, char *out, size_t len)
{
	const char *want = mode == WP_CG_V1_CPUACCT ? "cpuacct" : "cpu";
	const char *line = proc_cgroup;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *c1 = strchr(line, ':'), *c2;
		size_t n = end ? (size_t)(end - line) : strlen(line);

		c2 = c1 && c1 < line + n ? memchr(c1 + 1, ':', line + n - c1 - 1) : NULL;
		if (!c2)
			return -EINVAL;
		/* v2: "0::/path"; v1: "4:cpu,cpuacct:/path" (the path itself may hold ':'). */
		if (mode == WP_CG_V2 ? (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1)
				     : has_controller(c1 + 1, c2 - c1 - 1, want)) {
			size_t pl = line + n - c2 - 1;

			if (!pl || pl >= len)
				return pl ? -ENAMETOOLONG : -EINVAL;
			memcpy(out, c2 + 1, pl);
			out[pl] = '\0';
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int cg_proc_path(long pid, enum wp_cgroup_mode mode, char *out, size_t len)
{
	char path[64], buf[16384];
	FILE *f;
	size_t n;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return cg_self_path(buf, mode, out, len);
}

bool cg_exists(const struct cg_hier *hier, const char *path)
{
	char full[2 * CG_PATH_MAX];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", hier->mount, path);
	return stat(full, &st) == 0 && S_ISDIR(st.st_mode);
}
