// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* recmeta.c: a recording's metadata in FILE.meta.json, written atomically and read back. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "outfile.h"
#include "recmeta.h"

char *recmeta_path(const char *csv_path, char *buf, size_t len)
{
	snprintf(buf, len, "%s.meta.json", csv_path);
	return buf;
}

char *recmeta_time(uint64_t unix_ns, char *buf, size_t len)
{
	time_t s = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(unix_ns % 1000000000ULL / 1000000));
	return buf;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *when(uint64_t unix_ns)
{
	json_object *o = json_object_new_object();
	char t[40];

	add_str(o, "wall_time", recmeta_time(unix_ns, t, sizeof(t)));
	add_u64(o, "unix_ns", unix_ns);
	return o;
}

char *recmeta_to_json(const struct recmeta *m)
{
	json_object *o = json_object_new_object(), *e = json_object_new_object();
	json_object *zs = json_object_new_array(), *st;
	char *text;

	add_str(o, "format", RECMETA_FORMAT);
	json_object_object_add(o, "format_version", json_object_new_int(RECMETA_VERSION));
	add_str(o, "wattprobe_version", m->version);
	add_str(o, "wattprobe_revision", m->revision);
	add_str(o, "host", m->host);
	add_str(o, "kernel", m->kernel);
	add_str(o, "machine", m->machine);
	add_str(o, "cpu_model", m->cpu_model);
	add_u64(o, "cpus", m->cpus); /* as an int it read back negative past INT_MAX */
	add_u64(o, "interval_ns", m->interval_ns);
	add_str(o, "attribution", m->attribution);
	add_str(e, "source", m->source);
	add_str(e, "description", m->energy_desc);
	for (size_t z = 0; z < m->nzones; z++) {
		json_object *zo = json_object_new_object();

		add_str(zo, "label", m->zones[z].label);
		json_object_object_add(zo, "node", json_object_new_boolean(m->zones[z].node));
		json_object_array_add(zs, zo);
	}
	json_object_object_add(e, "zones", zs);
	json_object_object_add(o, "energy", e);
	add_str(o, "attach", m->attach);
	add_str(o, "cgroup_mode", m->cgroup_mode);
	add_str(o, "pods", m->pods);
	st = when(m->start_unix_ns);
	add_u64(st, "monotonic_ns", m->start_mono_ns);
	json_object_object_add(o, "start", st);
	json_object_object_add(o, "complete", json_object_new_boolean(m->complete));
	if (m->complete) {
		st = when(m->end_unix_ns);
		add_u64(st, "intervals", m->intervals);
		json_object_object_add(o, "end", st);
	}
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

int recmeta_write(const char *csv_path, const struct recmeta *m)
{
	char path[4200], *line = NULL;
	char *text = recmeta_to_json(m);
	int n, err;

	/* The JSON ends with a newline, as a text file does. */
	n = text ? asprintf(&line, "%s\n", text) : -1;
	free(text);
	if (n < 0)
		return -ENOMEM;
	recmeta_path(csv_path, path, sizeof(path));
	err = outfile_write_atomic(path, line, (size_t)n);
	free(line);
	return err;
}

/* A string field into buf; -EBADMSG naming it when missing or not a string. */
static int get_str(json_object *o, const char *k, char *buf, size_t len, char *msg, size_t mlen)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string)) {
		snprintf(msg, mlen, "field %s missing or not a string", k);
		return -EBADMSG;
	}
	snprintf(buf, len, "%s", json_object_get_string(v));
	return 0;
}

static int get_u64(json_object *o, const char *k, uint64_t *out, char *msg, size_t mlen)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int)) {
		snprintf(msg, mlen, "field %s missing or not a number", k);
		return -EBADMSG;
	}
	/* json-c reads -5 as 0 through get_uint64; past INT64_MAX get_int64 says INT64_MAX. */
	if (json_object_get_int64(v) < 0) {
		snprintf(msg, mlen, "field %s negative", k);
		return -EBADMSG;
	}
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_zones(json_object *e, struct recmeta *m, char *msg, size_t mlen)
{
	json_object *zs, *z, *v;

	if (!json_object_object_get_ex(e, "zones", &zs) ||
	    !json_object_is_type(zs, json_type_array)) {
		snprintf(msg, mlen, "field energy.zones missing or not an array");
		return -EBADMSG;
	}
	m->nzones = json_object_array_length(zs);
	if (m->nzones > RECMETA_ZONES) {
		snprintf(msg, mlen, "field energy.zones: more than %d", RECMETA_ZONES);
		return -EBADMSG;
	}
	for (size_t i = 0; i < m->nzones; i++) {
		z = json_object_array_get_idx(zs, i);
		if (get_str(z, "label", m->zones[i].label, sizeof(m->zones[i].label), msg, mlen))
			return -EBADMSG;
		m->zones[i].node =
			json_object_object_get_ex(z, "node", &v) && json_object_get_boolean(v);
	}
	return 0;
}

int recmeta_from_json(const char *text, struct recmeta *m, char *msg, size_t mlen)
{
	json_object *o = json_tokener_parse(text), *e = NULL, *st, *v;
	uint64_t u;
	char fmt[64];
	int err = -EBADMSG;

	memset(m, 0, sizeof(*m));
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(msg, mlen, "not JSON");
		goto out;
	}
	if (get_str(o, "format", fmt, sizeof(fmt), msg, mlen) || strcmp(fmt, RECMETA_FORMAT)) {
		snprintf(msg, mlen, "not a wattprobe recording's metadata (format)");
		goto out;
	}
	if (get_str(o, "wattprobe_version", m->version, sizeof(m->version), msg, mlen) ||
	    get_str(o, "host", m->host, sizeof(m->host), msg, mlen) ||
	    get_str(o, "kernel", m->kernel, sizeof(m->kernel), msg, mlen) ||
	    get_str(o, "cpu_model", m->cpu_model, sizeof(m->cpu_model), msg, mlen) ||
	    get_u64(o, "interval_ns", &m->interval_ns, msg, mlen) ||
	    get_str(o, "attribution", m->attribution, sizeof(m->attribution), msg, mlen))
		goto out;
	get_str(o, "wattprobe_revision", m->revision, sizeof(m->revision), msg, mlen);
	get_str(o, "machine", m->machine, sizeof(m->machine), msg, mlen);
	get_str(o, "attach", m->attach, sizeof(m->attach), msg, mlen);
	get_str(o, "cgroup_mode", m->cgroup_mode, sizeof(m->cgroup_mode), msg, mlen);
	get_str(o, "pods", m->pods, sizeof(m->pods), msg, mlen);
	/* Optional: missing, negative or past UINT_MAX is unknown (0), never a wrapped count. */
	m->cpus = get_u64(o, "cpus", &u, msg, mlen) || u > UINT_MAX ? 0 : (unsigned int)u;
	if (!json_object_object_get_ex(o, "energy", &e) ||
	    get_str(e, "source", m->source, sizeof(m->source), msg, mlen) ||
	    get_str(e, "description", m->energy_desc, sizeof(m->energy_desc), msg, mlen) ||
	    get_zones(e, m, msg, mlen)) {
		if (!e)
			snprintf(msg, mlen, "field energy missing");
		goto out;
	}
	if (!json_object_object_get_ex(o, "start", &st) ||
	    get_u64(st, "unix_ns", &m->start_unix_ns, msg, mlen) ||
	    get_u64(st, "monotonic_ns", &m->start_mono_ns, msg, mlen))
		goto out;
	m->complete = json_object_object_get_ex(o, "complete", &v) && json_object_get_boolean(v);
	if (m->complete && !json_object_object_get_ex(o, "end", &st)) {
		snprintf(msg, mlen, "field end missing (the recording says it is complete)");
		goto out;
	}
	if (m->complete && (get_u64(st, "unix_ns", &m->end_unix_ns, msg, mlen) ||
			    get_u64(st, "intervals", &m->intervals, msg, mlen)))
		goto out;
	msg[0] = '\0';
	err = 0;
out:
	json_object_put(o);
	return err;
}

int recmeta_read(const char *csv_path, struct recmeta *m, char *msg, size_t mlen)
{
	char path[4200], *text = NULL;
	size_t cap = 0;
	FILE *f;
	ssize_t n;
	int err;

	recmeta_path(csv_path, path, sizeof(path));
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		snprintf(msg, mlen, "%s: %s", path, strerror(errno));
		return err;
	}
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		snprintf(msg, mlen, "%s: empty", path);
		return -EBADMSG;
	}
	err = recmeta_from_json(text, m, msg, mlen);
	free(text);
	if (err) {
		char why[256];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(msg, mlen, "%s: %s", path, why);
	}
	return err;
}
