// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * metrics_kepler.c: Kepler 0.10+'s families from wattprobe's counters (--kepler-compat), so
 * that Kepler's dashboards and rules work unchanged. The mapping is in docs/metrics.md.
 */
#include <stdio.h>
#include <string.h>
#include "expo.h"
#include "metrics_int.h"

#define KZ_MAX 16 /* Kepler zones: ours grouped by name */

/* Kepler's zone kinds, as its sysfs reader names them (prometheus/procfs drops the index). */
static const char *const rapl_kinds[] = { "package", "dram", "core", "uncore", "psys" };

const char *metrics_kepler_zone(const char *label)
{
	for (size_t i = 0; i < sizeof(rapl_kinds) / sizeof(rapl_kinds[0]); i++) {
		size_t n = strlen(rapl_kinds[i]);

		if (!strncmp(label, rapl_kinds[i], n) && (!label[n] || label[n] == '-'))
			return rapl_kinds[i];
	}
	/* A model, a host's feed of one zone, Kepler's own total: the CPU package to dashboards. */
	return "package";
}

/* Our zones grouped by Kepler's name; several (two sockets) make one aggregated-<zone>. */
struct kzone {
	const char *name;
	char extra[160]; /* node_name,path,zone labels */
	size_t zones[KZ_MAX];
	size_t n;
};

static size_t kepler_zones(const struct metrics *m, struct kzone *kz)
{
	size_t nk = 0;

	for (size_t z = 0; z < m->cfg.nzones; z++) {
		const char *name = metrics_kepler_zone(m->cfg.zone_labels[z]);
		size_t k;

		for (k = 0; k < nk && strcmp(kz[k].name, name); k++)
			;
		if (k == nk) {
			if (nk == KZ_MAX)
				continue;
			kz[nk++] = (struct kzone){ .name = name };
		}
		if (kz[k].n < KZ_MAX)
			kz[k].zones[kz[k].n++] = z;
	}
	for (size_t k = 0; k < nk; k++) {
		struct strbuf sb = {};
		char path[96];
		bool first = true;

		if (kz[k].n > 1)
			snprintf(path, sizeof(path), "aggregated-%s", kz[k].name);
		else
			snprintf(path, sizeof(path), "wattprobe:%s",
				 m->cfg.zone_labels[kz[k].zones[0]]);
		if (m->cfg.node_name[0])
			expo_label(&sb, &first, "node_name", m->cfg.node_name);
		expo_label(&sb, &first, "path", path);
		expo_label(&sb, &first, "zone", kz[k].name);
		snprintf(kz[k].extra, sizeof(kz[k].extra), "%s", sb.buf ? sb.buf : "");
		strbuf_free(&sb);
	}
	return nk;
}

static uint64_t sum_zones(const uint64_t *v, const struct kzone *k)
{
	uint64_t s = 0;

	for (size_t i = 0; i < k->n; i++)
		s += v[k->zones[i]];
	return s;
}

/* The time the zone group was known in the window: the least of its zones'. */
static uint64_t valid_ns(const struct metrics *m, const struct kzone *k)
{
	uint64_t ns = UINT64_MAX;

	for (size_t i = 0; i < k->n; i++)
		if (m->win_valid_ns[k->zones[i]] < ns)
			ns = m->win_valid_ns[k->zones[i]];
	return ns == UINT64_MAX ? 0 : ns;
}

static void node_family(const struct metrics *m, struct strbuf *sb, const struct kzone *kz,
			size_t nk, const char *which)
{
	char name[80], help[160];

	for (int watts = 0; watts < 2; watts++) {
		if (which[0])
			snprintf(name, sizeof(name), "kepler_node_cpu_%s_%s", which,
				 watts ? "watts" : "joules_total");
		else
			snprintf(name, sizeof(name), "kepler_node_cpu_%s",
				 watts ? "watts" : "joules_total");
		snprintf(help, sizeof(help), "%s of cpu%s%s at node level in %s",
			 watts ? "Power consumption" : "Energy consumption", which[0] ? " in " : "",
			 which[0] ? which : "", watts ? "watts" : "joules");
		expo_family(sb, name, watts ? "gauge" : "counter", help);
		for (size_t k = 0; k < nk; k++) {
			const uint64_t *all = watts ? m->win_node_uj : m->node_uj;
			const uint64_t *idle = watts ? m->win_idle_uj : m->idle_uj;
			uint64_t t = sum_zones(all, &kz[k]), i = sum_zones(idle, &kz[k]);
			uint64_t v = !strcmp(which, "idle")	? i
				     : !strcmp(which, "active") ? t - i
								: t;

			expo_sample_begin(sb, name, kz[k].extra, NULL);
			if (watts)
				expo_value_double(sb, metrics_watts(v, valid_ns(m, &kz[k])));
			else
				expo_value_micro(sb, v);
		}
	}
}

/* One kepler_node_cpu_info per logical CPU, from /proc/cpuinfo's blocks. */
static void cpu_info(const struct metrics *m, struct strbuf *sb, const char *text)
{
	char proc[16] = "", vendor[64] = "", model[128] = "", phys[16] = "", core[16] = "";
	const char *line = text;

	expo_family(sb, "kepler_node_cpu_info", "gauge", "CPU information from procfs");
	while (line && *line) {
		const char *nl = strchr(line, '\n'), *colon = strchr(line, ':');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char val[128];

		if (colon && colon < line + len) {
			const char *v = colon + 1, *end = line + len;
			size_t klen = colon - line;

			while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
				klen--;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			snprintf(val, sizeof(val), "%.*s", (int)(end - v), v);
#define KEY(s) (klen == strlen(s) && !strncmp(line, s, klen))
			if (KEY("processor"))
				snprintf(proc, sizeof(proc), "%s", val);
			else if (KEY("vendor_id"))
				snprintf(vendor, sizeof(vendor), "%s", val);
			else if (KEY("model name"))
				snprintf(model, sizeof(model), "%s", val);
			else if (KEY("physical id"))
				snprintf(phys, sizeof(phys), "%s", val);
			else if (KEY("core id"))
				snprintf(core, sizeof(core), "%s", val);
#undef KEY
		}
		/* A blank line (or the end) closes a CPU's block. */
		if ((len == 0 || !nl || !nl[1]) && proc[0]) {
			struct strbuf l = {};
			bool first = true;

			expo_label(&l, &first, "core_id", core);
			expo_label(&l, &first, "model_name", model);
			if (m->cfg.node_name[0])
				expo_label(&l, &first, "node_name", m->cfg.node_name);
			expo_label(&l, &first, "physical_id", phys);
			expo_label(&l, &first, "processor", proc);
			expo_label(&l, &first, "vendor_id", vendor);
			expo_sample_begin(sb, "kepler_node_cpu_info", l.buf, NULL);
			expo_value_u64(sb, 1);
			strbuf_free(&l);
			proc[0] = vendor[0] = model[0] = phys[0] = core[0] = '\0';
		}
		line = nl ? nl + 1 : NULL;
	}
}

static void workload_family(const struct metrics *m, struct strbuf *sb, enum metrics_level l,
			    const struct kzone *kz, size_t nk)
{
	const char *what = l == ML_POD ? "pod" : "container";
	const struct family *f = &m->fam[l];
	char name[80], help[160];

	for (int watts = 0; watts < 2; watts++) {
		snprintf(name, sizeof(name), "kepler_%s_cpu_%s", what,
			 watts ? "watts" : "joules_total");
		snprintf(help, sizeof(help), "%s of cpu at %s level in %s",
			 watts ? "Power consumption" : "Energy consumption", what,
			 watts ? "watts" : "joules");
		expo_family(sb, name, watts ? "gauge" : "counter", help);
		for (size_t i = 0; i < f->n; i++) {
			const struct series *se = f->v[i];

			for (size_t k = 0; k < nk; k++) {
				char extra[64];
				uint64_t v = sum_zones(watts ? se->win_uj : se->uj, &kz[k]);

				snprintf(extra, sizeof(extra), "state=\"%s\",zone=\"%s\"",
					 se->terminated ? "terminated" : "running", kz[k].name);
				expo_sample_begin(sb, name, se->klabels, extra);
				if (watts)
					expo_value_double(sb,
							  metrics_watts(v, valid_ns(m, &kz[k])));
				else
					expo_value_micro(sb, v);
			}
		}
	}
}

void metrics_render_kepler(const struct metrics *m, struct strbuf *sb,
			   const struct metrics_info *info)
{
	struct kzone kz[KZ_MAX];
	size_t nk = kepler_zones(m, kz);
	struct strbuf l = {};
	bool first = true;

	node_family(m, sb, kz, nk, "");
	node_family(m, sb, kz, nk, "active");
	node_family(m, sb, kz, nk, "idle");
	expo_family(sb, "kepler_node_cpu_usage_ratio", "gauge",
		    "CPU usage ratio of a node (value between 0.0 and 1.0)");
	if (m->cfg.node_name[0])
		expo_label(&l, &first, "node_name", m->cfg.node_name);
	expo_sample_begin(sb, "kepler_node_cpu_usage_ratio", l.buf, NULL);
	expo_value_double(sb, m->win_cpu_ns ? (double)m->win_busy_ns / (double)m->win_cpu_ns
					    : __builtin_nan(""));
	strbuf_free(&l);
	if (info->cpuinfo)
		cpu_info(m, sb, info->cpuinfo);
	workload_family(m, sb, ML_CONTAINER, kz, nk);
	workload_family(m, sb, ML_POD, kz, nk);
}
