// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_doctor.c: `wattprobe doctor`: what this node offers, and what record would use. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "cgroupfs.h"
#include "cmds.h"
#include "cpulist.h"
#include "energy.h"
#include "opts.h"
#include "pmu.h"
#include "powercap.h"
#include "probe.h"

#define ROW "%-12s "

static void show_kernel(const struct doctor_env *env)
{
	const char *btf = env->btf ? env->btf : "/sys/kernel/btf/vmlinux";
	struct utsname u;
	struct stat st;

	if (uname(&u) == 0)
		printf(ROW "%s %s\n", "kernel", u.release, u.machine);
	if (stat(btf, &st) == 0)
		printf(ROW "%s: present (%lld bytes)\n", "BTF", btf, (long long)st.st_size);
	else
		printf(ROW
		       "%s: %s (CO-RE needs kernel BTF: CONFIG_DEBUG_INFO_BTF=y, or --btf FILE)\n",
		       "BTF", btf, strerror(errno));
}

/* Load the real probe in each mode: the only honest test of what attaches. */
static enum probe_attach show_attach(const struct doctor_env *env, enum wp_cgroup_mode mode)
{
	static const enum probe_attach modes[] = { ATTACH_TP_BTF, ATTACH_RAW_TP,
						   ATTACH_TRACEPOINT };
	enum probe_attach chosen = ATTACH_AUTO;

	for (size_t i = 0; i < 3; i++) {
		struct probe_opts po = { .attach = modes[i],
					 .cgroup_mode = mode,
					 .pmu = PMU_OFF,
					 .btf_path = env->btf };
		char msg[512];
		struct probe *p = probe__open(&po, msg, sizeof(msg));

		printf(ROW "%-10s %s\n", i ? "" : "attach", probe__attach_name(modes[i]),
		       p ? "loads, attaches, flushes on every CPU" : msg);
		if (p && chosen == ATTACH_AUTO)
			chosen = modes[i];
		probe__free(p);
	}
	printf(ROW "%s\n", "",
	       chosen == ATTACH_AUTO ? "record cannot load the probe here"
				     : "record would use the first that works");
	return chosen;
}

static void show_pmu(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	bool *online = calloc(n > 0 ? n : 1, sizeof(bool));
	const char *reason = NULL;
	struct pmu *pmu;

	if (!online)
		return;
	if (cpulist_read("/sys/devices/system/cpu/online", online, n) == 0) {
		pmu = pmu__open(PMU_AUTO, online, n, &reason);
		printf(ROW "%s\n", "PMU", pmu ? "hardware cycles and instructions: used" : reason);
		pmu__free(pmu);
	}
	free(online);
}

static void show_cgroups(void)
{
	const struct cg_hier *hier;
	enum wp_cgroup_mode mode;
	struct cg_mounts m;
	char msg[256];

	if (cg_mounts_read(NULL, &m)) {
		printf(ROW "/proc/self/mountinfo unreadable\n", "cgroup");
		return;
	}
	printf(ROW "v2 %s\n", "cgroup", m.v2.mount[0] ? m.v2.mount : "(not mounted)");
	printf(ROW "v1 cpuacct %s, v1 cpu %s\n", "",
	       m.v1_cpuacct.mount[0] ? m.v1_cpuacct.mount : "-",
	       m.v1_cpu.mount[0] ? m.v1_cpu.mount : "-");
	if (cg_choose(&m, "auto", &mode, &hier, msg, sizeof(msg)))
		printf(ROW "%s\n", "", msg);
	else
		printf(ROW "record keys by %s at %s%s\n", "", cg_mode_name(mode), hier->mount,
		       m.v2.mount[0] && (m.v1_cpu.mount[0] || m.v1_cpuacct.mount[0])
			       ? " (hybrid host; --cgroup-mode v1 keys by v1)"
			       : "");
}

static void show_powercap(const char *root)
{
	struct powercap *pc = powercap__open(root);

	if (!pc) {
		printf(ROW "%s: %s\n", "RAPL", root, strerror(errno));
		return;
	}
	if (!powercap__nzones(pc))
		printf(ROW "%s: no intel-rapl zone\n", "RAPL", root);
	for (size_t i = 0; i < powercap__nzones(pc); i++) {
		const struct pc_zone *z = powercap__zone(pc, i);

		printf(ROW "%-16s %-10s %s%s\n", i ? "" : "RAPL", z->dir, z->label,
		       z->dangling	   ? "dangling symlink: mount the host's /sys"
		       : z->err == -EACCES ? "present but unreadable (EACCES: run as root)"
		       : z->err		   ? strerror(-z->err)
					   : "readable",
		       z->node ? ", counted in node energy" : "");
	}
	powercap__free(pc);
}

static void show_power_pmu(void)
{
	const char *dir = "/sys/bus/event_source/devices/power/events";
	struct dirent *de;
	DIR *d = opendir(dir);
	char list[512] = "";

	if (!d) {
		printf(ROW "%s: absent\n", "power PMU", dir);
		return;
	}
	while ((de = readdir(d))) {
		size_t used = strlen(list);

		if (!strncmp(de->d_name, "energy-", 7) && !strchr(de->d_name, '.'))
			snprintf(list + used, sizeof(list) - used, " %s", de->d_name);
	}
	closedir(d);
	printf(ROW "events:%s (record -e perf; see the energy lines below)\n", "power PMU",
	       list[0] ? list : " none");
}

/* On VMs, time the host steals is on-CPU time to CLOCK_MONOTONIC but not to cpu.stat. */
static void show_steal(const char *btf)
{
	unsigned long long v[8] = {}, total = 0;
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return;
	for (int i = 0; i < 8; i++)
		total += v[i];
	printf(ROW "%.2f%% of CPU time since boot (/proc/stat)\n", "steal",
	       total ? 100.0 * v[7] / total : 0.0);
	printf(ROW "%s\n", "",
	       probe_can_read_steal(btf)
		       ? "record takes it out of slices into a <steal> row (rq steal clock)"
		       : "no steal clock the probe can read: slices include stolen time");
}

/* Each energy source on its own: usable or not, and why; then what auto picks. */
static void show_energy(const char *powercap_root, const char *kepler)
{
	static const char *const specs[] = { "powercap", "perf", "msr", "feed" };
	unsigned int ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	char why[2048], spec[1024];
	struct energy *e;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]) + 1; i++) {
		if (i == sizeof(specs) / sizeof(specs[0]) && !kepler) {
			printf(ROW
			       "%-9s not tried (doctor --kepler URL tries a Kepler's /metrics)\n",
			       "", "kepler");
			break;
		}
		if (i == 0)
			snprintf(spec, sizeof(spec), "powercap:%s", powercap_root);
		else if (i < sizeof(specs) / sizeof(specs[0]))
			snprintf(spec, sizeof(spec), "%s", specs[i]);
		else
			snprintf(spec, sizeof(spec), "kepler:%s", kepler);
		e = energy__open(spec, ncpus, why, sizeof(why));
		printf(ROW "%-9s %s%s\n", i ? "" : "energy", i < 4 ? specs[i] : "kepler",
		       e ? "usable: " : "unusable: ", e ? energy__describe(e) : why);
		energy__free(e);
	}
	e = energy__open("auto", ncpus, why, sizeof(why));
	if (!e) {
		printf(ROW "auto: %s\n", "", why);
		return;
	}
	printf(ROW "record -e auto (%s) uses %s\n", "", ENERGY_AUTO_ORDER, energy__describe(e));
	energy__free(e);
}

int do_doctor(int argc, char **argv)
{
	struct doctor_env env;
	char msg[512];
	struct stat st;

	if (doctor_parse(argc, argv, &env, msg, sizeof(msg))) {
		wp_err("doctor: %s", msg);
		return EXIT_FAILURE;
	}
	if (env.help)
		return EXIT_SUCCESS;
	wp_libbpf_verbosity(env.verbose);
	show_kernel(&env);
	if (geteuid() != 0)
		printf(ROW
		       "not root: loading the probe will fail (needs CAP_BPF and CAP_PERFMON)\n",
		       "user");
	show_attach(&env, WP_CG_V2);
	printf(ROW "%s\n", "tracefs",
	       stat("/sys/kernel/tracing/events", &st) == 0
		       ? "mounted at /sys/kernel/tracing"
		       : "not mounted (record mounts it at /sys/kernel/tracing for --attach "
			 "tracepoint)");
	show_pmu();
	show_steal(env.btf);
	show_cgroups();
	show_powercap(env.powercap_root);
	show_power_pmu();
	show_energy(env.powercap_root, env.kepler);
	return EXIT_SUCCESS;
}
