/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * group_rules.h: a user's own group rules (--groups FILE), tried before the defaults; pure.
 *
 * One rule a line: GROUP MATCH... Every MATCH is KEY=VALUE and all of a rule's must hold;
 * VALUE may use the shell wildcards * ? [...] (fnmatch). KEY is namespace, pod, container,
 * cgroup (the cgroup path) or label:NAME. GROUP is lowercase letters, digits and '-', a new
 * group or a default one. '#' starts a comment; blank lines are skipped. The first rule that
 * matches wins. Example:
 *
 *	flux        namespace=flux-system
 *	monitoring  namespace=monitoring pod=prometheus-*
 *	k8s-system  label:tier=control-plane
 *	node        cgroup=/system.slice/kube?*
 */
#ifndef WP_GROUP_RULES_H
#define WP_GROUP_RULES_H

#include <stddef.h>
#include "pods.h"

struct group_rules;

/* Parse rules text; fname names it in errors. NULL with errno, err: "FILE:LINE: what". */
struct group_rules *group_rules_parse(const char *text, const char *fname, char *err,
				      size_t errlen);
struct group_rules *group_rules_load(const char *path, char *err, size_t errlen);
void group_rules__free(struct group_rules *r);
size_t group_rules__count(const struct group_rules *r);

/* The group of the first rule that matches, or NULL. pod and container may be NULL. */
const char *group_rules_match(const struct group_rules *r, const char *cgroup_path,
			      const struct pod_info *pod, const char *container);

#endif
