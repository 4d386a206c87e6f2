// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* group_rules.c: a user's own group rules (--groups FILE), tried before the defaults; pure. */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "group_rules.h"

#define GROUP_NAME_MAX 31
#define MATCH_MAX      8

enum match_key { M_NAMESPACE, M_POD, M_CONTAINER, M_CGROUP, M_LABEL };

struct match {
	enum match_key key;
	char *label; /* M_LABEL: the label's name */
	char *pattern;
};

struct rule {
	char group[GROUP_NAME_MAX + 1];
	struct match m[MATCH_MAX];
	size_t n;
};

struct group_rules {
	struct rule *v;
	size_t n;
};

static bool valid_group(const char *g, size_t n)
{
	if (!n || n > GROUP_NAME_MAX || g[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((g[i] >= 'a' && g[i] <= 'z') || (g[i] >= '0' && g[i] <= '9') || g[i] == '-'))
			return false;
	return true;
}

/* fnmatch takes an unclosed '[' literally: in a rule it is a typo, not a pattern. */
static bool balanced(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n) {
			i++;
		} else if (p[i] == '[') {
			size_t j = i + 1;

			/* "[]x]" and "[!]x]": a ']' right after the '[' (or '!') is a member. */
			if (j < n && (p[j] == '!' || p[j] == '^'))
				j++;
			if (j < n && p[j] == ']')
				j++;
			while (j < n && p[j] != ']')
				j++;
			if (j == n)
				return false;
			i = j;
		}
	}
	return true;
}

/* One KEY=VALUE word of a rule. */
static int parse_match(const char *w, size_t n, struct match *m, const char *where, char *err,
		       size_t errlen)
{
	static const char *const keys[] = { "namespace", "pod", "container", "cgroup" };
	const char *eq = memchr(w, '=', n);
	size_t kl;

	if (!eq || eq == w || eq == w + n - 1) {
		snprintf(err, errlen, "%s: '%.*s' is not KEY=VALUE", where, (int)n, w);
		return -EINVAL;
	}
	kl = eq - w;
	m->label = NULL;
	if (kl > 6 && memcmp(w, "label:", 6) == 0) {
		m->key = M_LABEL;
		m->label = strndup(w + 6, kl - 6);
	} else {
		size_t k;

		for (k = 0; k < 4 && !(strlen(keys[k]) == kl && !memcmp(w, keys[k], kl)); k++)
			;
		if (k == 4) {
			snprintf(
				err, errlen,
				"%s: unknown key '%.*s' (want namespace, pod, container, cgroup or "
				"label:NAME)",
				where, (int)kl, w);
			return -EINVAL;
		}
		m->key = (enum match_key)k;
	}
	if (!balanced(eq + 1, w + n - eq - 1)) {
		snprintf(err, errlen, "%s: '%.*s': '[' without its ']'", where, (int)n, w);
		free(m->label); /* the rule counts only the matches that parsed */
		m->label = NULL;
		return -EINVAL;
	}
	m->pattern = strndup(eq + 1, w + n - eq - 1);
	if (!m->pattern || (m->key == M_LABEL && !m->label)) {
		free(m->label);
		free(m->pattern);
		m->label = m->pattern = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Next word of a line: its start and length; 0 length at the end. */
static const char *word(const char **p, size_t *n)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	*n = strcspn(s, " \t");
	*p = s + *n;
	return s;
}

static int parse_line(const char *line, struct rule *r, const char *where, char *err, size_t errlen)
{
	const char *p = line, *w;
	size_t n;
	int e;

	w = word(&p, &n);
	if (!valid_group(w, n)) {
		snprintf(err, errlen, "%s: bad group name '%.*s' (lowercase letters, digits, '-')",
			 where, (int)n, w);
		return -EINVAL;
	}
	/* The names of the rows that are not a cgroup's, and of the summary's last line. */
	if ((n == 4 && !memcmp(w, "idle", 4)) || (n == 5 && !memcmp(w, "steal", 5)) ||
	    (n == 5 && !memcmp(w, "total", 5))) {
		snprintf(err, errlen, "%s: group name '%.*s' is reserved", where, (int)n, w);
		return -EINVAL;
	}
	memcpy(r->group, w, n);
	r->group[n] = '\0';
	while ((w = word(&p, &n)) && n) {
		if (r->n == MATCH_MAX) {
			snprintf(err, errlen, "%s: more than %d matches", where, MATCH_MAX);
			return -EINVAL;
		}
		e = parse_match(w, n, &r->m[r->n], where, err, errlen);
		if (e)
			return e;
		r->n++;
	}
	if (!r->n) {
		snprintf(err, errlen, "%s: rule for '%s' matches nothing (give KEY=VALUE)", where,
			 r->group);
		return -EINVAL;
	}
	return 0;
}

static void rule_free(struct rule *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->m[i].label);
		free(r->m[i].pattern);
	}
}

struct group_rules *group_rules_parse(const char *text, const char *fname, char *err, size_t errlen)
{
	struct group_rules *rs = calloc(1, sizeof(*rs));
	const char *p = text;
	int e = 0, lineno = 0;

	if (!rs)
		goto oom;
	while (*p && !e) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n), *hash, where[300];
		struct rule *nv;

		p += n + (p[n] == '\n');
		lineno++;
		if (!line)
			goto oom;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (line[strspn(line, " \t\r")] == '\0') {
			free(line);
			continue;
		}
		line[strcspn(line, "\r")] = '\0';
		nv = realloc(rs->v, (rs->n + 1) * sizeof(*nv));
		if (!nv) {
			free(line);
			goto oom;
		}
		rs->v = nv;
		memset(&rs->v[rs->n], 0, sizeof(rs->v[rs->n]));
		snprintf(where, sizeof(where), "%s:%d", fname, lineno);
		e = parse_line(line, &rs->v[rs->n], where, err, errlen);
		rs->n++; /* counted even when bad, so that it is freed */
		free(line);
	}
	if (!e)
		return rs;
	group_rules__free(rs);
	errno = -e;
	return NULL;
oom:
	snprintf(err, errlen, "%s: %s", fname, strerror(ENOMEM));
	group_rules__free(rs);
	errno = ENOMEM;
	return NULL;
}

struct group_rules *group_rules_load(const char *path, char *err, size_t errlen)
{
	struct group_rules *rs;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	/* A rules file is small: read it whole. A NUL in it is not text. */
	n = getdelim(&buf, &cap, '\0', f);
	if (n < 0 && (ferror(f) || errno == ENOMEM)) {
		int e = errno ? errno : EIO;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		fclose(f);
		free(buf);
		errno = e;
		return NULL;
	}
	if (n > 0 && (buf[n - 1] == '\0' || fgetc(f) != EOF)) {
		snprintf(err, errlen, "%s: a NUL byte: not a text file", path);
		fclose(f);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	fclose(f);
	if (n < 0) {
		free(buf);
		buf = strdup("");
	}
	rs = buf ? group_rules_parse(buf, path, err, errlen) : NULL;
	free(buf);
	return rs;
}

void group_rules__free(struct group_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	free(r->v);
	free(r);
}

size_t group_rules__count(const struct group_rules *r)
{
	return r->n;
}

static bool match_one(const struct match *m, const char *cgroup_path, const struct pod_info *pod,
		      const char *container)
{
	const char *v = NULL;

	switch (m->key) {
	case M_NAMESPACE:
		v = pod ? pod->ns : NULL;
		break;
	case M_POD:
		v = pod ? pod->name : NULL;
		break;
	case M_CONTAINER:
		v = container;
		break;
	case M_CGROUP:
		v = cgroup_path;
		break;
	case M_LABEL:
		v = pod ? pod_label(pod, m->label) : NULL;
		break;
	}
	return v && fnmatch(m->pattern, v, 0) == 0;
}

const char *group_rules_match(const struct group_rules *r, const char *cgroup_path,
			      const struct pod_info *pod, const char *container)
{
	for (size_t i = 0; r && i < r->n; i++) {
		size_t k;

		for (k = 0; k < r->v[i].n; k++)
			if (!match_one(&r->v[i].m[k], cgroup_path, pod, container))
				break;
		if (k == r->v[i].n)
			return r->v[i].group;
	}
	return NULL;
}
