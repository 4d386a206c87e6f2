// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* metrics_render.c: wattprobe's families in the text exposition, from the series store. */
#include <stdio.h>
#include <string.h>
#include "expo.h"
#include "metrics_int.h"

static void render_level(const struct metrics *m, struct strbuf *sb, enum metrics_level l)
{
	const struct family *f = &m->fam[l];
	const char *lv = metrics_level_names[l];
	char name[96], help[256];

	snprintf(name, sizeof(name), "wattprobe_%s_energy_joules_total", lv);
	snprintf(help, sizeof(help),
		 "Energy attributed to each %s, per zone (part_of_node: the zones whose sum is the "
		 "node's), in joules",
		 lv);
	expo_family(sb, name, "counter", help);
	for (size_t i = 0; i < f->n; i++)
		for (size_t z = 0; z < m->cfg.nzones; z++) {
			expo_sample_begin(sb, name, f->v[i]->labels, m->zone_extra[z]);
			expo_value_micro(sb, f->v[i]->uj[z]);
		}
	snprintf(name, sizeof(name), "wattprobe_%s_power_watts", lv);
	snprintf(help, sizeof(help),
		 "Power of each %s, per zone, since the previous scrape snapshot", lv);
	expo_family(sb, name, "gauge", help);
	for (size_t i = 0; i < f->n; i++)
		for (size_t z = 0; z < m->cfg.nzones; z++) {
			expo_sample_begin(sb, name, f->v[i]->labels, m->zone_extra[z]);
			expo_value_double(sb,
					  metrics_watts(f->v[i]->win_uj[z], m->win_valid_ns[z]));
		}
	snprintf(name, sizeof(name), "wattprobe_%s_cpu_seconds_total", lv);
	snprintf(help, sizeof(help), "On-CPU time of each %s, in seconds", lv);
	expo_family(sb, name, "counter", help);
	for (size_t i = 0; i < f->n; i++) {
		expo_sample_begin(sb, name, f->v[i]->labels, NULL);
		expo_value_nano(sb, f->v[i]->cpu_ns);
	}
	if (!m->cfg.has_wakeups)
		return;
	snprintf(name, sizeof(name), "wattprobe_%s_wakeups_total", lv);
	snprintf(help, sizeof(help), "Wakeups of tasks of each %s", lv);
	expo_family(sb, name, "counter", help);
	for (size_t i = 0; i < f->n; i++) {
		expo_sample_begin(sb, name, f->v[i]->labels, NULL);
		expo_value_u64(sb, f->v[i]->wakeups);
	}
}

static void render_node(const struct metrics *m, struct strbuf *sb)
{
	struct strbuf src = {};
	bool first = true;

	expo_label(&src, &first, "source", m->cfg.source);
	expo_family(sb, "wattprobe_node_energy_joules_total", "counter",
		    "Energy the node's source measured (or the model estimated), per zone, in "
		    "joules; intervals it could not tell are left out");
	for (size_t z = 0; z < m->cfg.nzones; z++) {
		struct strbuf x = {};

		strbuf_printf(&x, "%s,%s", m->zone_extra[z], src.buf ? src.buf : "");
		expo_sample_begin(sb, "wattprobe_node_energy_joules_total", x.buf, NULL);
		expo_value_micro(sb, m->node_uj[z]);
		strbuf_free(&x);
	}
	expo_family(sb, "wattprobe_node_power_watts", "gauge",
		    "The node's power per zone since the previous scrape snapshot");
	for (size_t z = 0; z < m->cfg.nzones; z++) {
		struct strbuf x = {};

		strbuf_printf(&x, "%s,%s", m->zone_extra[z], src.buf ? src.buf : "");
		expo_sample_begin(sb, "wattprobe_node_power_watts", x.buf, NULL);
		expo_value_double(sb, metrics_watts(m->win_node_uj[z], m->win_valid_ns[z]));
		strbuf_free(&x);
	}
	strbuf_free(&src);
}

static void render_self(const struct metrics *m, struct strbuf *sb, const struct metrics_info *in)
{
	static const char *const reasons[] = { "map_full", "pmu_read", "missed_by_kernel" };
	const uint64_t drops[] = { in->drops_map_full, in->drops_pmu, in->drops_missed };
	struct strbuf b = {};
	bool first = true;

	expo_family(sb, "wattprobe_intervals_total", "counter", "Intervals sampled");
	expo_sample_begin(sb, "wattprobe_intervals_total", NULL, NULL);
	expo_value_u64(sb, m->intervals);
	expo_family(sb, "wattprobe_gap_intervals_total", "counter",
		    "Intervals whose node energy was unknown (a counter backwards, a stale feed)");
	expo_sample_begin(sb, "wattprobe_gap_intervals_total", NULL, NULL);
	expo_value_u64(sb, m->gap_intervals);
	expo_family(sb, "wattprobe_late_ticks_total", "counter",
		    "Ticks later than a whole interval (the interval ran long, none was lost)");
	expo_sample_begin(sb, "wattprobe_late_ticks_total", NULL, NULL);
	expo_value_u64(sb, in->late_ticks);
	expo_family(sb, "wattprobe_dropped_events_total", "counter",
		    "Scheduler events the probe could not count, by reason");
	for (int i = 0; i < 3; i++) {
		char l[64];

		snprintf(l, sizeof(l), "reason=\"%s\"", reasons[i]);
		expo_sample_begin(sb, "wattprobe_dropped_events_total", l, NULL);
		expo_value_u64(sb, drops[i]);
	}
	expo_family(sb, "wattprobe_folded_series_total", "counter",
		    "Terminated series folded away (their energy stays in the group family)");
	for (int l = ML_POD; l < ML__MAX; l++) {
		char lb[64];

		snprintf(lb, sizeof(lb), "family=\"%s\"", metrics_level_names[l]);
		expo_sample_begin(sb, "wattprobe_folded_series_total", lb, NULL);
		expo_value_u64(sb, m->fam[l].folded);
	}
	expo_family(sb, "wattprobe_interval_seconds", "gauge", "The sampling interval");
	expo_sample_begin(sb, "wattprobe_interval_seconds", NULL, NULL);
	expo_value_nano(sb, in->interval_ns);
	expo_label(&b, &first, "version", in->version);
	expo_label(&b, &first, "revision", in->revision);
	expo_label(&b, &first, "attach", in->attach);
	expo_label(&b, &first, "cgroup", in->cgroup_mode);
	expo_label(&b, &first, "source", m->cfg.source);
	expo_label(&b, &first, "energy", in->energy_desc);
	expo_family(sb, "wattprobe_build_info", "gauge",
		    "wattprobe's version, probe and energy source; always 1");
	expo_sample_begin(sb, "wattprobe_build_info", b.buf, NULL);
	expo_value_u64(sb, 1);
	strbuf_free(&b);
}

static void window_reset(struct metrics *m)
{
	size_t nz = m->cfg.nzones;

	for (int l = 0; l < ML__MAX; l++)
		for (size_t i = 0; i < m->fam[l].n; i++)
			memset(m->fam[l].v[i]->win_uj, 0, nz * sizeof(uint64_t));
	memset(m->win_node_uj, 0, nz * sizeof(uint64_t));
	memset(m->win_idle_uj, 0, nz * sizeof(uint64_t));
	memset(m->win_valid_ns, 0, nz * sizeof(uint64_t));
	m->win_ns = m->win_busy_ns = m->win_cpu_ns = 0;
}

int metrics__render(struct metrics *m, struct strbuf *sb, const struct metrics_info *info)
{
	render_node(m, sb);
	for (int l = 0; l < ML__MAX; l++)
		if (metrics_level_shown(&m->cfg, l))
			render_level(m, sb, l);
	render_self(m, sb, info);
	if (m->cfg.kepler_compat)
		metrics_render_kepler(m, sb, info);
	window_reset(m);
	return sb->err;
}
