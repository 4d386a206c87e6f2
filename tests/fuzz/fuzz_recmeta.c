// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_recmeta.c: a recording's metadata sidecar read from any text, written, and read back. */
#include "fuzz_util.h"
#include "recmeta.h"

static void check_strings(const struct recmeta *m)
{
	fz_check_cstr(m->version, sizeof(m->version));
	fz_check_cstr(m->revision, sizeof(m->revision));
	fz_check_cstr(m->host, sizeof(m->host));
	fz_check_cstr(m->kernel, sizeof(m->kernel));
	fz_check_cstr(m->machine, sizeof(m->machine));
	fz_check_cstr(m->cpu_model, sizeof(m->cpu_model));
	fz_check_cstr(m->attribution, sizeof(m->attribution));
	fz_check_cstr(m->source, sizeof(m->source));
	fz_check_cstr(m->energy_desc, sizeof(m->energy_desc));
	fz_check_cstr(m->attach, sizeof(m->attach));
	fz_check_cstr(m->cgroup_mode, sizeof(m->cgroup_mode));
	fz_check_cstr(m->pods, sizeof(m->pods));
	FZ_CHECK(m->nzones <= RECMETA_ZONES);
	for (size_t z = 0; z < m->nzones; z++)
		fz_check_cstr(m->zones[z].label, sizeof(m->zones[z].label));
}

/* What recmeta_to_json writes, recmeta_from_json reads back the same. */
static void round_trip(const struct recmeta *m)
{
	static struct recmeta back;
	char msg[256], *text = recmeta_to_json(m);

	FZ_CHECK(text);
	if (recmeta_from_json(text, &back, msg, sizeof(msg))) {
		fprintf(stderr, "written metadata does not read back: %s\n%s\n", msg, text);
		abort();
	}
	check_strings(&back);
	FZ_CHECK(!strcmp(back.version, m->version) && !strcmp(back.revision, m->revision));
	FZ_CHECK(!strcmp(back.host, m->host) && !strcmp(back.kernel, m->kernel));
	FZ_CHECK(!strcmp(back.machine, m->machine) && !strcmp(back.cpu_model, m->cpu_model));
	FZ_CHECK(!strcmp(back.attribution, m->attribution) && !strcmp(back.source, m->source));
	FZ_CHECK(!strcmp(back.energy_desc, m->energy_desc) && !strcmp(back.attach, m->attach));
	FZ_CHECK(!strcmp(back.cgroup_mode, m->cgroup_mode) && !strcmp(back.pods, m->pods));
	FZ_CHECK(back.cpus == m->cpus && back.interval_ns == m->interval_ns);
	FZ_CHECK(back.nzones == m->nzones);
	for (size_t z = 0; z < m->nzones; z++)
		FZ_CHECK(!strcmp(back.zones[z].label, m->zones[z].label) &&
			 back.zones[z].node == m->zones[z].node);
	FZ_CHECK(back.start_unix_ns == m->start_unix_ns && back.start_mono_ns == m->start_mono_ns);
	FZ_CHECK(back.complete == m->complete);
	if (m->complete)
		FZ_CHECK(back.end_unix_ns == m->end_unix_ns && back.intervals == m->intervals);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct recmeta m;
	char *s = fz_str(data, size), msg[256], t[40];
	int rc = recmeta_from_json(s, &m, msg, sizeof(msg));

	fz_check_cstr(msg, sizeof(msg));
	FZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (!rc) {
		check_strings(&m);
		round_trip(&m);
		fz_check_cstr(recmeta_time(m.start_unix_ns, t, sizeof(t)), sizeof(t));
		fz_check_cstr(recmeta_time(m.end_unix_ns, t, sizeof(t)), sizeof(t));
	}
	free(s);
	return 0;
}
