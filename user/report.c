// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* report.c: a recording read back into a summary, interval by interval, in a time window. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "recfile.h"
#include "report.h"
#include "u64map.h"

#define SEP "\x1f"

/* The identities of a file's rows, one per distinct (cgroup, names, group) they show. */
struct report_idents {
	struct u64map *by_hash; /* hash of key -> index + 1 */
	struct u64map *tracks;	/* serial -> struct tracks */
	struct wp_ident **v;
	char **keys;
	size_t n, cap;
	uint64_t serial;
	struct wp_ident idle, steal;
};

static void idents_free(struct report_idents *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		ident_release(c->v[i]);
		free(c->v[i]);
		free(c->keys[i]);
	}
	free(c->v);
	free(c->keys);
	u64map__free(c->by_hash);
	u64map__free(c->tracks);
	free(c);
}

static int dup_ident(struct wp_ident *id, const struct rec_row *r)
{
	id->path = strdup(r->cgroup);
	id->ns = strdup(r->ns);
	id->pod = strdup(r->pod);
	id->container = strdup(r->container);
	id->group = strdup(r->group[0] ? r->group : "unknown");
	id->detail = strdup(r->component);
	id->pod_uid = strdup("");
	id->container_id = strdup("");
	id->runtime = "";
	return id->path && id->ns && id->pod && id->container && id->group && id->detail &&
			       id->pod_uid && id->container_id
		       ? 0
		       : -ENOMEM;
}

static const struct wp_ident *ident_of(struct report_idents *c, const struct rec_row *r)
{
	char *key;
	size_t *ix;
	uint64_t h;

	if (asprintf(&key, "%llu" SEP "%s" SEP "%s" SEP "%s" SEP "%s" SEP "%s" SEP "%s",
		     (unsigned long long)r->cgroup_id, r->cgroup, r->ns, r->pod, r->container,
		     r->group, r->component) < 0)
		return NULL;
	for (h = u64map_hash_str(key); (ix = u64map__get(c->by_hash, h)); h++)
		if (!strcmp(c->keys[*ix - 1], key)) {
			free(key);
			return c->v[*ix - 1];
		}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct wp_ident **v = realloc(c->v, cap * sizeof(*v));
		char **k = v ? realloc(c->keys, cap * sizeof(*k)) : NULL;

		if (v)
			c->v = v;
		if (!k)
			goto fail;
		c->keys = k;
		c->cap = cap;
	}
	c->v[c->n] = calloc(1, sizeof(struct wp_ident));
	ix = c->v[c->n] ? u64map__upsert(c->by_hash, h) : NULL;
	if (!ix || dup_ident(c->v[c->n], r)) {
		if (c->v[c->n])
			ident_release(c->v[c->n]);
		free(c->v[c->n]);
		goto fail;
	}
	c->v[c->n]->serial = ++c->serial;
	c->keys[c->n] = key;
	*ix = ++c->n;
	return c->v[c->n - 1];
fail:
	free(key);
	return NULL;
}

/* One interval being gathered; t0_ns .. t1_ns from the window's start. */
struct iv {
	uint64_t ts_ns, interval_ns, node_uj, t0_ns, t1_ns;
	bool gap;
	struct probe_sample s;
	uint64_t *node; /* [nrows + 1]: each row's energy, then idle's */
	const struct wp_ident **ids;
	size_t cap;
};

/* Room for one more row: rows, their energies (idle's kept at [cap]) and identities. */
static int iv_reserve(struct iv *iv)
{
	size_t cap = iv->cap ? 2 * iv->cap : 64;
	struct probe_row *rows;
	const struct wp_ident **ids;
	uint64_t *node;

	if (iv->node && iv->s.nrows + 1 < iv->cap)
		return 0;
	rows = realloc(iv->s.rows, cap * sizeof(*rows));
	if (rows)
		iv->s.rows = rows;
	ids = rows ? realloc(iv->ids, (cap + 2) * sizeof(*ids)) : NULL;
	if (ids)
		iv->ids = ids;
	node = ids ? calloc(cap + 1, sizeof(*node)) : NULL;
	if (!node)
		return -ENOMEM;
	if (iv->node) {
		memcpy(node, iv->node, iv->s.nrows * sizeof(*node));
		node[cap] = iv->node[iv->cap];
	}
	free(iv->node);
	iv->node = node;
	iv->cap = cap;
	return 0;
}

static int iv_add(struct iv *iv, struct report_idents *c, const struct rec_row *r)
{
	int err = iv_reserve(iv);

	if (err)
		return err;
	if (!r->has_energy)
		iv->gap = true;
	if (!strcmp(r->cgroup, "<idle>") && r->cgroup_id == 0) {
		iv->s.idle.cpu_ns += r->cpu_ns;
		iv->node[iv->cap] += r->energy_uj; /* idle's slot, moved to nrows at the flush */
		return 0;
	}
	if (!strcmp(r->cgroup, "<steal>")) {
		iv->s.steal.cpu_ns += r->cpu_ns;
		return 0;
	}
	iv->ids[iv->s.nrows] = ident_of(c, r);
	if (!iv->ids[iv->s.nrows])
		return -ENOMEM;
	iv->s.rows[iv->s.nrows] = (struct probe_row){
		r->cgroup_id,
		{ .cpu_ns = r->cpu_ns, .wakeups = r->wakeups, .switches = r->switches }
	};
	iv->node[iv->s.nrows++] = r->energy_uj;
	return 0;
}

/* A row's tracks in the series: its group's, and its Flux controller's (-1: none). */
struct tracks {
	int group, detail;
};

static int tracks_of(struct report_idents *c, struct report_run *out, const struct wp_ident *id,
		     struct tracks *t)
{
	struct tracks *known = u64map__get(c->tracks, id->serial);
	struct series *s = out->series;

	if (known) {
		*t = *known;
		return 0;
	}
	/* The last track is kept for the groups past the others: a chart has room for so many. */
	t->group = series__find(s, id->group);
	if (t->group < 0)
		t->group = series__track(s, series__ntracks(s) < SERIES_MAX_TRACKS - 1
						    ? id->group
						    : REPORT_OTHER_GROUPS);
	t->detail = -1;
	if (t->group >= 0 && !strcmp(id->group, "flux") && id->detail[0]) {
		t->detail = series__track(out->details, id->detail);
		if (t->detail == -ENOSPC)
			t->detail = -1; /* no reconciles for a 64th controller: nothing else lost */
	}
	if (t->group < 0 || t->detail < -1)
		return t->group < 0 ? t->group : t->detail;
	known = u64map__upsert(c->tracks, id->serial);
	if (!known)
		return -ENOMEM;
	*known = *t;
	return 0;
}

/* The interval's energies into the series, row by row. */
static int iv_series(struct iv *iv, struct report_run *out, struct report_idents *c)
{
	struct series *s = out->series;
	struct tracks t;
	int err, idle;

	err = series__cover(s, iv->t0_ns, iv->t1_ns, !iv->gap)
		      ?: series__cover(out->details, iv->t0_ns, iv->t1_ns, !iv->gap);
	for (size_t i = 0; !err && i < iv->s.nrows; i++) {
		err = tracks_of(c, out, iv->ids[i], &t);
		if (err)
			break;
		series__add(s, t.group, iv->t0_ns, iv->t1_ns, iv->node[i] / 1e6);
		series__add(out->details, t.detail, iv->t0_ns, iv->t1_ns, iv->node[i] / 1e6);
	}
	idle = err ? err : series__find(s, "idle");
	if (idle < 0)
		return idle;
	series__add(s, idle, iv->t0_ns, iv->t1_ns, iv->node[iv->s.nrows] / 1e6);
	return 0;
}

static int iv_flush(struct iv *iv, struct report_run *out, struct report_idents *c)
{
	struct interval_res res;
	int err;

	if (!iv->node)
		return 0; /* nothing was taken */
	iv->node[iv->s.nrows] = iv->node[iv->cap];
	iv->ids[iv->s.nrows] = &c->idle;
	iv->ids[iv->s.nrows + 1] = &c->steal;
	res = (struct interval_res){ .nrows = iv->s.nrows,
				     .node_uj = iv->node,
				     .node_total_uj = iv->node_uj,
				     .node_gap = iv->gap };
	err = summary__add(out->sum, &iv->s, iv->interval_ns, &res, iv->ids);
	if (!err && out->series)
		err = iv_series(iv, out, c);
	out->intervals++;
	memset(iv->node, 0, (iv->cap + 1) * sizeof(*iv->node));
	iv->s.nrows = 0;
	iv->s.idle = iv->s.steal = (struct wp_cg_stats){};
	iv->gap = false;
	return err;
}

static void iv_free(struct iv *iv)
{
	free(iv->s.rows);
	free(iv->node);
	free(iv->ids);
}

/* Bins as long as the recording's interval, to the millisecond, to start with. */
static int start_series(struct report_run *out, uint64_t interval_ns)
{
	uint64_t bin_ns = (interval_ns + 500000) / 1000000 * 1000000;

	out->series = series__new(bin_ns ? bin_ns : 1000000, SERIES_MAX_BINS);
	out->details = series__new(bin_ns ? bin_ns : 1000000, SERIES_MAX_BINS);
	if (!out->series || !out->details)
		return -ENOMEM;
	/* Idle's first: it always has its own. */
	return series__track(out->series, "idle") < 0 ? -ENOMEM : 0;
}

static int start_idents(struct report_run *out)
{
	struct report_idents *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	out->idents = c;
	c->by_hash = u64map__new(sizeof(size_t));
	c->tracks = u64map__new(sizeof(struct tracks));
	out->sum = summary__new();
	c->idle = (struct wp_ident){ .path = "<idle>",
				     .ns = "",
				     .pod = "",
				     .container = "",
				     .group = "idle",
				     .detail = "",
				     .pod_uid = "",
				     .container_id = "",
				     .runtime = "" };
	c->steal = c->idle;
	c->steal.path = "<steal>";
	c->steal.group = IDENT_GROUP_STEAL;
	return c->by_hash && c->tracks && out->sum ? 0 : -ENOMEM;
}

/*
 * Whether the interval ending at ts_ns (interval_ns long) is in the window: its middle is.
 * Intervals end a little after round marks (the sample is taken then), so "--to 3s" must keep
 * the one that ends at 3.0001 s; a middle is never that close to a mark.
 */
static bool in_window(const struct report_window *w, uint64_t first, uint64_t ts_ns,
		      uint64_t interval_ns)
{
	uint64_t mid = ts_ns - interval_ns / 2 - first;

	return mid >= w->from_ns && mid <= w->to_ns;
}

static int read_all(struct rec_reader *rd, const struct report_window *w, struct report_run *out,
		    char *msg, size_t mlen)
{
	struct iv iv = {};
	struct rec_row row;
	uint64_t first = 0, last_end = 0, prev_end = 0, prev_span = 0;
	bool idle_last = false; /* the interval read so far ended with its <idle> row: whole */
	bool any = false, any_iv = false, take = false;
	int rc, err = 0;

	while (!err && (rc = rec__next(rd, &row, msg, mlen)) == 1) {
		if (!any) {
			first = row.ts_ns - row.interval_ns;
			snprintf(out->source, sizeof(out->source), "%s", row.source);
			any = true;
		}
		if (row.ts_ns != iv.ts_ns) {
			if (row.ts_ns < iv.ts_ns || row.interval_ns > row.ts_ns) {
				snprintf(msg, mlen, "%s:%lu: ts_ns goes back", rec__path(rd),
					 row.line);
				err = -EBADMSG;
				break;
			}
			if (any_iv && row.ts_ns - row.interval_ns < iv.ts_ns) {
				snprintf(
					msg, mlen,
					"%s:%lu: interval_ns reaches back into the interval before",
					rec__path(rd), row.line);
				err = -EBADMSG;
				break;
			}
			any_iv = true;
			err = take ? iv_flush(&iv, out, out->idents) : 0;
			iv.ts_ns = row.ts_ns;
			iv.interval_ns = row.interval_ns;
			iv.node_uj = row.node_energy_uj;
			prev_end = out->to_ns;
			prev_span = last_end;
			take = in_window(w, first, row.ts_ns, row.interval_ns);
			if (take && !out->intervals) {
				out->from_ns = row.ts_ns - row.interval_ns - first;
				if (w->series)
					err = start_series(out, row.interval_ns);
			}
			iv.t0_ns = row.ts_ns - row.interval_ns - first - out->from_ns;
			iv.t1_ns = row.ts_ns - first - out->from_ns;
			if (take)
				out->to_ns = row.ts_ns - first;
			last_end = row.ts_ns - first;
		}
		if (take && !err)
			err = iv_add(&iv, out->idents, &row);
		idle_last = !strcmp(row.cgroup, "<idle>") && row.cgroup_id == 0;
		if (w->progress && !(row.line % 8192))
			w->progress(w->progress_ctx, rec__progress(rd));
		out->has_pods |= row.pod[0] != '\0';
	}
	if (rc < 0)
		err = rc;
	/* Cut short: the interval the cut went through is left out, the ones before are whole. */
	if (!err && rec__cut(rd)) {
		snprintf(out->cut, sizeof(out->cut), "%s", rec__cut(rd));
		if (!idle_last) {
			take = false;
			out->to_ns = prev_end;
			last_end = prev_span;
		}
	}
	if (!err && take)
		err = iv_flush(&iv, out, out->idents);
	iv_free(&iv);
	out->span_ns = last_end;
	if (!err && !any) {
		snprintf(msg, mlen, "%s: no interval recorded", rec__path(rd));
		err = -ENODATA;
	} else if (!err && !out->intervals) {
		snprintf(msg, mlen,
			 "%s: no whole interval in the window (the recording spans 0..%.3f s)",
			 rec__path(rd), last_end / 1e9);
		err = -ENODATA;
	}
	return err;
}

int report_load(const char *path, const struct report_window *w, struct report_run *out, char *msg,
		size_t mlen)
{
	struct rec_reader *rd;
	int err;

	memset(out, 0, sizeof(*out));
	rd = rec__open(path, msg, mlen);
	if (!rd)
		return errno ? -errno : -EBADMSG;
	if (w->allow_cut)
		rec__allow_cut(rd);
	err = start_idents(out);
	err = err ?: read_all(rd, w, out, msg, mlen);
	rec__close(rd);
	if (err)
		report_run_free(out);
	return err;
}

void report_run_free(struct report_run *r)
{
	summary__free(r->sum);
	series__free(r->series);
	series__free(r->details);
	idents_free(r->idents);
	memset(r, 0, sizeof(*r));
}

bool report_msg_is_cut(const char *msg)
{
	return strstr(msg, ": a truncated file") || strstr(msg, ": unexpected end of file (");
}
