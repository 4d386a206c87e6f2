// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* pods.c: pod metadata from a pod list (kubectl get pods -A -o json, or the API server). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "pods.h"

struct pods {
	struct pod_info *v;
	size_t n;
};

static const char *str_at(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *obj_at(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* "containerd://<64 hex>", "cri-o://<id>", "docker://<id>": the id; "" until it started. */
static void container_id(const char *uri, char *out)
{
	const char *p = uri ? strstr(uri, "://") : NULL;

	out[0] = '\0';
	if (p && strlen(p + 3) == K8S_CID_LEN)
		memcpy(out, p + 3, K8S_CID_LEN + 1);
}

static int add_statuses(struct pod_info *pod, json_object *status, const char *key)
{
	json_object *arr = obj_at(status, key);
	size_t n;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *cs = json_object_array_get_idx(arr, i);
		struct pod_container *c, *nv;

		nv = realloc(pod->containers, (pod->ncontainers + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		pod->containers = nv;
		c = &pod->containers[pod->ncontainers];
		container_id(str_at(cs, "containerID"), c->id);
		c->name = dup_or_empty(str_at(cs, "name"));
		if (!c->name)
			return -ENOMEM;
		pod->ncontainers++;
	}
	return 0;
}

static int add_labels(struct pod_info *pod, json_object *labels)
{
	if (!labels || !json_object_is_type(labels, json_type_object))
		return 0;
	json_object_object_foreach(labels, key, val)
	{
		struct pod_label *nv = realloc(pod->labels, (pod->nlabels + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		pod->labels = nv;
		nv[pod->nlabels].key = strdup(key);
		nv[pod->nlabels].value = dup_or_empty(json_object_get_string(val));
		pod->nlabels++;
		if (!nv[pod->nlabels - 1].key || !nv[pod->nlabels - 1].value)
			return -ENOMEM;
	}
	return 0;
}

static void pod_free(struct pod_info *pod)
{
	for (size_t i = 0; i < pod->nlabels; i++) {
		free(pod->labels[i].key);
		free(pod->labels[i].value);
	}
	for (size_t i = 0; i < pod->ncontainers; i++)
		free(pod->containers[i].name);
	free(pod->labels);
	free(pod->containers);
	free(pod->ns);
	free(pod->name);
	free(pod->node);
}

/* Kubelet's hash of a static pod's manifest, as its mirror pod in the API carries it. */
static void take_config_hash(struct pod_info *pod, json_object *annotations)
{
	const char *h = str_at(annotations, "kubernetes.io/config.mirror");
	size_t n = h ? strlen(h) : 0;

	if (!n || n > K8S_UID_LEN)
		return;
	for (size_t i = 0; i < n; i++)
		pod->config_hash[i] = (char)tolower((unsigned char)h[i]);
	pod->config_hash[n] = '\0';
}

/* One item of the list; 1 when skipped (another node's), 0 when kept, -errno. */
static int parse_pod(json_object *item, const char *node, struct pod_info *pod, size_t idx,
		     char *err, size_t errlen)
{
	json_object *meta = obj_at(item, "metadata"), *spec = obj_at(item, "spec");
	json_object *status = obj_at(item, "status");
	const char *uid = str_at(meta, "uid"), *on = str_at(spec, "nodeName");
	int e;

	memset(pod, 0, sizeof(*pod));
	if (!uid || strlen(uid) != K8S_UID_LEN) {
		snprintf(err, errlen, "items[%zu]: metadata.uid missing or not a pod UID", idx);
		return -EINVAL;
	}
	if (node && (!on || strcmp(on, node)))
		return 1;
	memcpy(pod->uid, uid, K8S_UID_LEN + 1);
	take_config_hash(pod, obj_at(meta, "annotations"));
	pod->ns = dup_or_empty(str_at(meta, "namespace"));
	pod->name = dup_or_empty(str_at(meta, "name"));
	pod->node = dup_or_empty(on);
	if (!pod->ns || !pod->name || !pod->node)
		return -ENOMEM;
	e = add_labels(pod, obj_at(meta, "labels"));
	e = e ?: add_statuses(pod, status, "containerStatuses");
	e = e ?: add_statuses(pod, status, "initContainerStatuses");
	e = e ?: add_statuses(pod, status, "ephemeralContainerStatuses");
	return e;
}

static int parse_items(struct pods *p, json_object *items, const char *node, char *err,
		       size_t errlen)
{
	size_t n = json_object_array_length(items);
	int e = 0;

	p->v = calloc(n ? n : 1, sizeof(*p->v));
	if (!p->v)
		return -ENOMEM;
	for (size_t i = 0; i < n && e >= 0; i++) {
		e = parse_pod(json_object_array_get_idx(items, i), node, &p->v[p->n], i, err,
			      errlen);
		if (e == 0)
			p->n++;
		else
			pod_free(&p->v[p->n]);
	}
	return e < 0 ? e : 0;
}

struct pods *pods_parse(const char *json, size_t len, const char *node, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *items;
	struct pods *p = calloc(1, sizeof(*p));
	int e = -ENOMEM;

	err[0] = '\0';
	if (!tok || !p)
		goto fail;
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (root && json_tokener_get_error(tok) == json_tokener_success) {
		/* json-c stops after one value: anything but whitespace after it is an error. */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
			if (json[i] != ' ' && json[i] != '\n' && json[i] != '\t' &&
			    json[i] != '\r') {
				snprintf(err, errlen, "not valid JSON (trailing data at byte %zu)",
					 i);
				e = -EINVAL;
				goto fail;
			}
		}
	}
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errlen, "not valid JSON (%s at byte %zu)",
			 json_tokener_error_desc(json_tokener_get_error(tok)),
			 json_tokener_get_parse_end(tok));
		e = -EINVAL;
		goto fail;
	}
	items = obj_at(root, "items");
	if (!items || !json_object_is_type(items, json_type_array)) {
		snprintf(err, errlen,
			 "no \"items\" array: not a pod list (kubectl get pods -A -o json)");
		e = -EINVAL;
		goto fail;
	}
	e = parse_items(p, items, node, err, errlen);
	if (e)
		goto fail;
	json_object_put(root);
	json_tokener_free(tok);
	return p;
fail:
	if (!err[0])
		snprintf(err, errlen, "%s", strerror(-e));
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	pods__free(p);
	errno = -e;
	return NULL;
}

struct pods *pods_load(const char *path, const char *node, char *err, size_t errlen)
{
	struct pods *p = NULL;
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap), *nb;
	FILE *f = fopen(path, "re");
	int e = 0;

	if (!f || !buf) {
		e = f ? ENOMEM : errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		goto out;
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len < cap)
			continue;
		nb = realloc(buf, cap * 2);
		if (!nb) {
			e = ENOMEM;
			snprintf(err, errlen, "%s: %s", path, strerror(e));
			goto out;
		}
		buf = nb;
		cap *= 2;
	}
	if (ferror(f)) {
		e = EIO;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		goto out;
	}
	p = pods_parse(buf, len, node, err, errlen);
	if (!p) {
		char tmp[256];

		e = errno;
		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: %s", path, tmp);
	}
out:
	if (f)
		fclose(f);
	free(buf);
	errno = e;
	return p;
}

void pods__free(struct pods *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		pod_free(&p->v[i]);
	free(p->v);
	free(p);
}

size_t pods__count(const struct pods *p)
{
	return p->n;
}

const struct pod_info *pods__at(const struct pods *p, size_t i)
{
	return i < p->n ? &p->v[i] : NULL;
}

const struct pod_info *pods__by_uid(const struct pods *p, const char *uid)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].uid, uid) == 0 ||
		    (p->v[i].config_hash[0] && strcmp(p->v[i].config_hash, uid) == 0))
			return &p->v[i];
	return NULL;
}

const struct pod_info *pods__by_container(const struct pods *p, const char *cid,
					  const struct pod_container **c)
{
	for (size_t i = 0; i < p->n; i++) {
		for (size_t j = 0; j < p->v[i].ncontainers; j++) {
			if (cid[0] && strcmp(p->v[i].containers[j].id, cid) == 0) {
				if (c)
					*c = &p->v[i].containers[j];
				return &p->v[i];
			}
		}
	}
	return NULL;
}

const char *pod_label(const struct pod_info *pod, const char *key)
{
	for (size_t i = 0; i < pod->nlabels; i++)
		if (strcmp(pod->labels[i].key, key) == 0)
			return pod->labels[i].value;
	return NULL;
}
