// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* probe.c: loading the BPF probe and reading exact per-interval, per-cgroup counts from it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "cpulist.h"
#include "wattprobe.skel.h"

#define BATCH_KEYS 256
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "operation not supported" */
#endif
#define RESCAN_ONLINE_NS 1000000000ULL
#define ONLINE_PATH	 "/sys/devices/system/cpu/online"
#define TRACEFS		 "/sys/kernel/tracing"

struct probe {
	struct wattprobe_bpf *skel;
	enum probe_attach mode;
	struct pmu *pmu;
	const char *pmu_reason;
	size_t ncpus; /* possible CPUs: per-CPU map values come in this many */
	bool *online;
	__u64 *last_flush_ns;
	struct wp_cpu_slot *slot_buf;
	struct wp_cg_stats *pcpu_buf;
	__u64 *keys;
	struct wp_cg_stats *vals;
	__u32 epoch; /* the epoch CPUs write now */
	bool batch_ok;
	bool steal;
	__u64 drops_base[WP_DROP__MAX]; /* counted before the first interval started */
	__u64 online_scan_ns;		/* last read of the online mask */
	__u64 missed_base;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

const char *probe__attach_name(enum probe_attach mode)
{
	switch (mode) {
	case ATTACH_TP_BTF:
		return "tp_btf";
	case ATTACH_RAW_TP:
		return "raw_tp";
	case ATTACH_TRACEPOINT:
		return "tracepoint";
	default:
		return "auto";
	}
}

/* libbpf reads tracepoint ids from tracefs; it is often not mounted (it is not on our CI). */
static int ensure_tracefs(void)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	return 0;
}

static void set_autoload(struct wattprobe_bpf *skel, enum probe_attach mode)
{
	bpf_program__set_autoload(skel->progs.switch_btf, mode == ATTACH_TP_BTF);
	bpf_program__set_autoload(skel->progs.wakeup_btf, mode == ATTACH_TP_BTF);
	bpf_program__set_autoload(skel->progs.wakeup_new_btf, mode == ATTACH_TP_BTF);
	bpf_program__set_autoload(skel->progs.switch_raw, mode == ATTACH_RAW_TP);
	bpf_program__set_autoload(skel->progs.wakeup_raw, mode == ATTACH_RAW_TP);
	bpf_program__set_autoload(skel->progs.wakeup_new_raw, mode == ATTACH_RAW_TP);
	/* The classic tracepoints carry pids, not task pointers: no wakee cgroup to read. */
	bpf_program__set_autoload(skel->progs.switch_tp, mode == ATTACH_TRACEPOINT);
}

static int fill_perf_arrays(struct probe *p)
{
	int cfd = bpf_map__fd(p->skel->maps.cycles_ev), ifd = bpf_map__fd(p->skel->maps.instr_ev);

	for (__u32 c = 0; c < p->ncpus; c++) {
		int cyc = pmu__cycles_fd(p->pmu, c), ins = pmu__instr_fd(p->pmu, c);

		if (cyc < 0)
			continue;
		if (bpf_map_update_elem(cfd, &c, &cyc, BPF_ANY) ||
		    bpf_map_update_elem(ifd, &c, &ins, BPF_ANY))
			return -errno;
	}
	return 0;
}

static bool btf_has_member(const struct btf *btf, const char *type, const char *member)
{
	__s32 id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	const struct btf_member *m;
	const struct btf_type *t;

	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (strcmp(btf__name_by_offset(btf, m->name_off), member) == 0)
			return true;
	return false;
}

/*
 * The probe reads the steal clock at current->se.cfs_rq->rq->prev_steal_time_rq with direct
 * BTF loads: every link must exist (FAIR_GROUP_SCHED, PARAVIRT_TIME_ACCOUNTING), and so must
 * bpf_get_current_task_btf() (Linux 5.11). Direct loads need the running kernel's own BTF: with
 * only an external --btf file the verifier has none, so steal stays off there.
 */
bool probe_can_read_steal(const char *btf_path)
{
	struct btf *btf;
	bool ok;

	if (btf_path && access("/sys/kernel/btf/vmlinux", R_OK))
		return false;
	btf = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();

	if (!btf)
		return false;
	ok = btf_has_member(btf, "sched_entity", "cfs_rq") && btf_has_member(btf, "cfs_rq", "rq") &&
	     btf_has_member(btf, "rq", "prev_steal_time_rq");
	btf__free(btf);
	return ok && libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT,
					     BPF_FUNC_get_current_task_btf, NULL) == 1;
}

/* Load and attach the programs of one mode; 0, or -errno with p->skel left NULL. */
static int load_mode(struct probe *p, const struct probe_opts *opts, enum probe_attach mode)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = opts->btf_path);
	unsigned int max = opts->max_cgroups ? opts->max_cgroups : WP_MAX_CGROUPS_DEFAULT;
	struct wattprobe_bpf *skel;
	int err;

	if (mode == ATTACH_TRACEPOINT) {
		err = ensure_tracefs();
		if (err)
			return err;
	}
	skel = wattprobe_bpf__open_opts(&oo);
	if (!skel)
		return -errno;
	skel->rodata->targ_cgroup_mode = opts->cgroup_mode;
	skel->rodata->targ_pmu = p->pmu != NULL;
	skel->rodata->targ_steal = p->steal;
	set_autoload(skel, mode);
	err = bpf_map__set_max_entries(skel->maps.stats0, max);
	err = err ?: bpf_map__set_max_entries(skel->maps.stats1, max);
	err = err ?: bpf_map__set_max_entries(skel->maps.cycles_ev, p->ncpus);
	err = err ?: bpf_map__set_max_entries(skel->maps.instr_ev, p->ncpus);
	err = err ?: wattprobe_bpf__load(skel);
	if (err)
		goto fail;
	p->skel = skel;
	err = fill_perf_arrays(p);
	err = err ?: wattprobe_bpf__attach(skel);
	if (err) {
		p->skel = NULL;
		goto fail;
	}
	p->mode = mode;
	return 0;
fail:
	wattprobe_bpf__destroy(skel);
	return err;
}

static int flush_cpu(struct probe *p, int cpu, __u32 epoch, __u64 flags)
{
	__u64 args[2] = { epoch, flags };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = args, .ctx_size_in = sizeof(args),
		    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = cpu);

	return bpf_prog_test_run_opts(bpf_program__fd(p->skel->progs.wp_flush), &topts);
}

/* Move every online CPU to epoch; a CPU found offline is dropped from the mask. */
static int flush_all(struct probe *p, __u32 epoch, __u64 flags)
{
	int err;

	for (size_t c = 0; c < p->ncpus; c++) {
		if (!p->online[c])
			continue;
		err = flush_cpu(p, c, epoch, flags);
		if (err == -ENXIO) {
			p->online[c] = false; /* went offline: FIELD-NOTES 10 */
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Time covered by this flush on each CPU, summed; also notes CPUs that came online. */
static int read_slots(struct probe *p, __u64 *window_ns, unsigned int *nonline)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.slots), &zero, p->slot_buf))
		return -errno;
	*window_ns = 0;
	*nonline = 0;
	for (size_t c = 0; c < p->ncpus; c++) {
		__u64 f = p->slot_buf[c].flush_ns;

		if (!p->online[c])
			continue;
		(*nonline)++;
		if (p->last_flush_ns[c] && f > p->last_flush_ns[c])
			*window_ns += f - p->last_flush_ns[c];
		p->last_flush_ns[c] = f;
	}
	return 0;
}

static void stats_add(struct wp_cg_stats *dst, const struct wp_cg_stats *src)
{
	dst->cpu_ns += src->cpu_ns;
	dst->cycles += src->cycles;
	dst->instructions += src->instructions;
	dst->switches += src->switches;
	dst->wakeups += src->wakeups;
}

static int sample_push(struct probe_sample *out, __u64 key, const struct wp_cg_stats *pcpu,
		       size_t ncpus)
{
	struct wp_cg_stats sum = {};

	for (size_t c = 0; c < ncpus; c++)
		stats_add(&sum, &pcpu[c]);
	if (out->nrows == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 64;
		struct probe_row *rows = realloc(out->rows, cap * sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		out->rows = rows;
		out->cap = cap;
	}
	out->rows[out->nrows].cgroup_id = key;
	out->rows[out->nrows].s = sum;
	out->nrows++;
	return 0;
}

/* Fallback for kernels without batch ops on per-CPU hashes (before Linux 5.6). */
static int drain_iter(struct probe *p, int fd, struct probe_sample *out)
{
	__u64 key, next;
	int err;

	while (bpf_map_get_next_key(fd, NULL, &next) == 0) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, p->vals))
			return -errno;
		if (bpf_map_delete_elem(fd, &key))
			return -errno;
		if (out) {
			err = sample_push(out, key, p->vals, p->ncpus);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Read and empty one quiescent epoch map; out may be NULL to discard. */
static int drain(struct probe *p, __u32 epoch, struct probe_sample *out)
{
	int fd = bpf_map__fd(epoch ? p->skel->maps.stats1 : p->skel->maps.stats0);
	__u64 batch = 0;
	bool first = true;
	int err;

	while (p->batch_ok) {
		__u32 count = BATCH_KEYS;

		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &batch, &batch, p->keys,
						      p->vals, &count, NULL);
		if (err && err != -ENOENT) {
			if (first && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP)) {
				p->batch_ok = false;
				break;
			}
			return err;
		}
		for (__u32 i = 0; out && i < count; i++) {
			int e = sample_push(out, p->keys[i], p->vals + (size_t)i * p->ncpus,
					    p->ncpus);
			if (e)
				return e;
		}
		if (err == -ENOENT)
			return 0;
		first = false;
	}
	return drain_iter(p, fd, out);
}

/* Sum one epoch's entry of a per-CPU array of counts (idle, overflow) and zero it. */
static int drain_array(struct probe *p, struct bpf_map *map, __u32 epoch, struct wp_cg_stats *sum)
{
	int fd = bpf_map__fd(map);

	if (bpf_map_lookup_elem(fd, &epoch, p->pcpu_buf))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (size_t c = 0; c < p->ncpus; c++)
		stats_add(sum, &p->pcpu_buf[c]);
	/* Steal and overflow are mostly zero: nothing to clear, no syscall. */
	if (!sum->cpu_ns && !sum->cycles && !sum->instructions && !sum->switches && !sum->wakeups)
		return 0;
	memset(p->pcpu_buf, 0, p->ncpus * sizeof(*p->pcpu_buf));
	return bpf_map_update_elem(fd, &epoch, p->pcpu_buf, BPF_ANY) ? -errno : 0;
}

static int cmp_row(const void *a, const void *b)
{
	__u64 x = ((const struct probe_row *)a)->cgroup_id,
	      y = ((const struct probe_row *)b)->cgroup_id;

	return x < y ? -1 : x > y;
}

/*
 * CPUs that came online since the last sample start afresh (a RESET flush into the epoch the
 * others are about to leave, discarding their stale slot); those that went offline are skipped.
 * FIELD-NOTES 10: re-scanned at most once a second, at a sample.
 */
static int rescan_online(struct probe *p)
{
	bool was[p->ncpus];
	__u64 now = now_ns();
	int err;

	/* Once a second is plenty for hotplug; a CPU gone offline shows at once as ENXIO. */
	if (now - p->online_scan_ns < RESCAN_ONLINE_NS)
		return 0;
	p->online_scan_ns = now;
	memcpy(was, p->online, sizeof(was));
	err = cpulist_read(ONLINE_PATH, p->online, p->ncpus);
	if (err) {
		memcpy(p->online, was, sizeof(was));
		return 0; /* keep the last known mask */
	}
	for (size_t c = 0; c < p->ncpus; c++) {
		if (!p->online[c] || was[c])
			continue;
		p->last_flush_ns[c] = 0; /* its time counts from the next interval on */
		err = flush_cpu(p, c, p->epoch, WP_FLUSH_RESET);
		if (err == -ENXIO)
			p->online[c] = false;
		else if (err)
			return err;
	}
	return 0;
}

int probe__flush(struct probe *p, struct probe_sample *out)
{
	int err;

	err = rescan_online(p);
	if (err)
		return err;
	out->ts_ns = now_ns();
	err = flush_all(p, p->epoch ^ 1, 0);
	if (err)
		return err;
	p->epoch ^= 1;
	return 0;
}

int probe__collect(struct probe *p, struct probe_sample *out)
{
	__u32 old = p->epoch ^ 1;
	int err;

	out->nrows = 0;
	err = read_slots(p, &out->window_ns, &out->ncpus_online);
	err = err ?: drain(p, old, out);
	err = err ?: drain_array(p, p->skel->maps.idle, old, &out->idle);
	err = err ?: drain_array(p, p->skel->maps.steal, old, &out->steal);
	err = err ?: drain_array(p, p->skel->maps.overflow, old, &out->overflow);
	if (!err && (out->overflow.cpu_ns || out->overflow.wakeups))
		err = sample_push(out, WP_OVERFLOW_KEY, &out->overflow, 1);
	if (err)
		return err;
	qsort(out->rows, out->nrows, sizeof(*out->rows), cmp_row);
	return 0;
}

int probe__sample(struct probe *p, struct probe_sample *out)
{
	return probe__flush(p, out) ?: probe__collect(p, out);
}

void probe_sample__free(struct probe_sample *s)
{
	if (!s)
		return;
	free(s->rows);
	s->rows = NULL;
	s->nrows = s->cap = 0;
}

static int read_drops(const struct probe *p, __u64 out[WP_DROP__MAX])
{
	int fd = bpf_map__fd(p->skel->maps.drops);
	__u64 *buf = calloc(p->ncpus, sizeof(__u64));
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (__u32 i = 0; i < WP_DROP__MAX && !err; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, buf)) {
			err = -errno;
			break;
		}
		for (size_t c = 0; c < p->ncpus; c++)
			out[i] += buf[c];
	}
	free(buf);
	return err;
}

/*
 * Runs the kernel skipped: a classic tracepoint program does not run while another BPF program
 * is active on the CPU (bpf_prog_active), a trampoline one while it is itself running there.
 * A skipped sched_switch merges two slices into the next one: counted, not hidden.
 */
static __u64 read_missed(const struct probe *p)
{
	struct bpf_program *prog;
	__u64 missed = 0;

	bpf_object__for_each_program(prog, p->skel->obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			missed += info.recursion_misses;
	}
	return missed;
}

static int alloc_buffers(struct probe *p)
{
	p->online = calloc(p->ncpus, sizeof(*p->online));
	p->last_flush_ns = calloc(p->ncpus, sizeof(*p->last_flush_ns));
	p->slot_buf = calloc(p->ncpus, sizeof(*p->slot_buf));
	p->pcpu_buf = calloc(p->ncpus, sizeof(*p->pcpu_buf));
	p->keys = calloc(BATCH_KEYS, sizeof(*p->keys));
	p->vals = calloc((size_t)BATCH_KEYS * p->ncpus, sizeof(*p->vals));
	if (!p->online || !p->last_flush_ns || !p->slot_buf || !p->pcpu_buf || !p->keys || !p->vals)
		return -ENOMEM;
	return cpulist_read(ONLINE_PATH, p->online, p->ncpus);
}

/* Try the modes in order; the message lists why each one failed. */
static int load_any(struct probe *p, const struct probe_opts *opts, char *msg, size_t len)
{
	static const enum probe_attach order[] = { ATTACH_TP_BTF, ATTACH_RAW_TP,
						   ATTACH_TRACEPOINT };
	size_t used = 0;
	int err = -ENOENT;

	if (msg && len)
		msg[0] = '\0';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (opts->attach != ATTACH_AUTO && opts->attach != order[i])
			continue;
		err = load_mode(p, opts, order[i]);
		if (!err)
			return 0;
		if (msg && used < len)
			used += snprintf(msg + used, len - used, "%s%s: %s", used ? "; " : "",
					 probe__attach_name(order[i]), strerror(-err));
	}
	return err;
}

struct probe *probe__open(const struct probe_opts *opts, char *err_msg, size_t err_len)
{
	struct probe *p;
	int err, n;

	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err_msg, err_len, "%s", strerror(ENOMEM));
		return NULL;
	}
	p->batch_ok = true;
	n = libbpf_num_possible_cpus();
	if (n <= 0) {
		err = n ? n : -EINVAL;
		snprintf(err_msg, err_len, "cannot read possible CPUs: %s", strerror(-err));
		goto fail;
	}
	p->ncpus = n;
	err = alloc_buffers(p);
	if (err) {
		snprintf(err_msg, err_len, "%s: %s", ONLINE_PATH, strerror(-err));
		goto fail;
	}
	p->online_scan_ns = now_ns();
	p->pmu = pmu__open(opts->pmu, p->online, p->ncpus, &p->pmu_reason);
	p->steal = probe_can_read_steal(opts->btf_path);
	err = load_any(p, opts, err_msg, err_len);
	if (err)
		goto fail;
	/* Start the first interval exactly at this flush: what ran before is discarded. */
	err = flush_all(p, 1, WP_FLUSH_RESET);
	if (err) {
		snprintf(err_msg, err_len,
			 "BPF_PROG_TEST_RUN on each CPU failed (needs Linux 5.10+): %s",
			 strerror(-err));
		goto fail;
	}
	p->epoch = 1;
	{
		__u64 window;
		unsigned int nonline;

		struct wp_cg_stats discard;

		err = read_slots(p, &window, &nonline);
		err = err ?: drain(p, 0, NULL);
		err = err ?: drain_array(p, p->skel->maps.idle, 0, &discard);
		err = err ?: drain_array(p, p->skel->maps.steal, 0, &discard);
		err = err ?: drain_array(p, p->skel->maps.overflow, 0, &discard);
		err = err ?: read_drops(p, p->drops_base);
		p->missed_base = read_missed(p);
	}
	if (err) {
		snprintf(err_msg, err_len, "reading the probe's maps: %s", strerror(-err));
		goto fail;
	}
	return p;
fail:
	probe__free(p);
	errno = -err;
	return NULL;
}

void probe__free(struct probe *p)
{
	if (!p)
		return;
	wattprobe_bpf__destroy(p->skel);
	pmu__free(p->pmu);
	free(p->online);
	free(p->last_flush_ns);
	free(p->slot_buf);
	free(p->pcpu_buf);
	free(p->keys);
	free(p->vals);
	free(p);
}

enum probe_attach probe__attach_mode(const struct probe *p)
{
	return p->mode;
}

bool probe__has_pmu(const struct probe *p)
{
	return p->pmu != NULL;
}

bool probe__has_wakeups(const struct probe *p)
{
	return p->mode != ATTACH_TRACEPOINT;
}

bool probe__has_steal(const struct probe *p)
{
	return p->steal;
}

const char *probe__pmu_reason(const struct probe *p)
{
	return p->pmu ? NULL : p->pmu_reason;
}

int probe__drops(const struct probe *p, __u64 out[WP_DROP__MAX], __u64 *missed)
{
	int err = read_drops(p, out);

	for (int i = 0; i < WP_DROP__MAX; i++)
		out[i] -= p->drops_base[i];
	*missed = read_missed(p) - p->missed_base;
	return err;
}

int probe__switch_prog_fd(const struct probe *p)
{
	switch (p->mode) {
	case ATTACH_TP_BTF:
		return bpf_program__fd(p->skel->progs.switch_btf);
	case ATTACH_RAW_TP:
		return bpf_program__fd(p->skel->progs.switch_raw);
	default:
		return bpf_program__fd(p->skel->progs.switch_tp);
	}
}

size_t probe__ncpus(const struct probe *p)
{
	return p->ncpus;
}
