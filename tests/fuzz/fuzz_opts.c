// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_opts.c: every subcommand's option parser on an argv split from the input. */
#include "fuzz_util.h"
#include "opts.h"
#include "vm_path.h"

/*
 * The input's first line names the subcommand (record, serve, run, report, compare, doctor;
 * anything else is record), each further line is one argument. --help and --version print to
 * stdout, which goes to /dev/null.
 */
#define MAX_ARGS 64

static void check_record(int rc, const struct record_env *e, const char *err, bool run)
{
	if (rc) {
		FZ_CHECK(rc == -EINVAL && err[0]);
		return;
	}
	if (e->help)
		return;
	FZ_CHECK(e->interval_ns >= INTERVAL_MIN_NS && e->interval_ns <= INTERVAL_MAX_NS);
	FZ_CHECK(e->duration_ns <= DURATION_MAX_NS);
	FZ_CHECK(e->pods_refresh_ns >= PODS_REFRESH_MIN_NS &&
		 e->pods_refresh_ns <= PODS_REFRESH_MAX_NS);
	FZ_CHECK(e->top >= 1 && e->top <= 100000);
	FZ_CHECK(e->max_cgroups >= 16 && e->max_cgroups <= 1 << 20);
	FZ_CHECK(e->energy && e->cgroup_mode && e->flux_ns);
	if (run)
		FZ_CHECK(e->cmd && e->cmd[0] && e->repeat >= 1 && e->repeat <= 1000 &&
			 !e->duration_ns);
}

static void check_report(int rc, const struct report_env *e, const char *err)
{
	if (rc) {
		FZ_CHECK(rc == -EINVAL && err[0]);
		return;
	}
	if (e->help)
		return;
	FZ_CHECK(e->nfiles >= 1 && e->nfiles <= REPORT_MAX_FILES);
	FZ_CHECK(e->to_ns == UINT64_MAX || e->to_ns > e->from_ns);
	FZ_CHECK(!e->svg || e->nfiles == 1);
	for (size_t i = 0; i < e->nfiles; i++)
		FZ_CHECK(e->files[i]);
}

static void check_compare(int rc, const struct compare_env *e, const char *err)
{
	if (rc) {
		FZ_CHECK(rc == -EINVAL && err[0]);
		return;
	}
	if (e->help)
		return;
	FZ_CHECK(e->nbase >= 1 && e->ncand >= 1);
	FZ_CHECK(e->nbase <= REPORT_MAX_FILES && e->ncand <= REPORT_MAX_FILES);
	FZ_CHECK(e->pue >= 1 && e->pue <= 10);
	FZ_CHECK(e->grid_g_per_kwh == 0 ||
		 (e->grid_g_per_kwh >= 0.001 && e->grid_g_per_kwh <= 10000));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	static struct record_env rec;
	static struct report_env rep;
	static struct compare_env cmp;
	static struct doctor_env doc;
	char *s = fz_str(data, size), *argv[MAX_ARGS + 1], err[256], *p = s;
	int argc = 0, rc;

	if (!quiet) {
		fz_quiet_stdout();
		quiet = true;
	}
	while (argc < MAX_ARGS) {
		argv[argc++] = p;
		p = strchr(p, '\n');
		if (!p)
			break;
		*p++ = '\0';
	}
	argv[argc] = NULL;
	if (!strcmp(argv[0], "serve")) {
		rc = serve_parse(argc, argv, &rec, err, sizeof(err));
		check_record(rc, &rec, err, false);
		if (!rc && !rec.help)
			FZ_CHECK(rec.listen && rec.max_terminated <= 1000000);
	} else if (!strcmp(argv[0], "host")) {
		rc = host_parse(argc, argv, &rec, err, sizeof(err));
		check_record(rc, &rec, err, false);
		if (!rc && !rec.help) {
			FZ_CHECK(rec.feed_dir && rec.feed_dir[0] && rec.nvms <= HOST_MAX_VMS);
			for (size_t i = 0; i < rec.nvms; i++) {
				char name[VM_NAME_MAX];
				const char *arg;
				bool pid;

				FZ_CHECK(
					!vm_spec_parse(rec.vms[i], name, sizeof(name), &pid, &arg));
				FZ_CHECK(name[0] && !strchr(name, '/') && (pid || arg[0] == '/'));
			}
		}
	} else if (!strcmp(argv[0], "run")) {
		rc = run_parse(argc, argv, &rec, err, sizeof(err));
		check_record(rc, &rec, err, true);
	} else if (!strcmp(argv[0], "report")) {
		rc = report_parse(argc, argv, &rep, err, sizeof(err));
		check_report(rc, &rep, err);
	} else if (!strcmp(argv[0], "compare")) {
		rc = compare_parse(argc, argv, &cmp, err, sizeof(err));
		check_compare(rc, &cmp, err);
	} else if (!strcmp(argv[0], "doctor")) {
		rc = doctor_parse(argc, argv, &doc, err, sizeof(err));
		FZ_CHECK(rc == 0 || (rc == -EINVAL && err[0]));
	} else {
		rc = record_parse(argc, argv, &rec, err, sizeof(err));
		check_record(rc, &rec, err, false);
	}
	fz_check_cstr(err, sizeof(err));
	fflush(stdout);
	free(s);
	return 0;
}
