// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fuzz_recfile.c: whole record files, plain and gzip, through rec__open and rec__next. */
#include <sys/mman.h>
#include <zlib.h>
#include "fuzz_util.h"
#include "recfile.h"

/*
 * The first byte says how the rest becomes the file: bit 0 clear, as it is (which covers
 * damaged gzip too); set, gzip-compressed, and then bits 1..7 bytes cut off its end (a
 * recording cut short). The text mutates either way, so both paths reach the CSV parser.
 */
static int memfd = -1;
static char path[64];

static size_t gzip(const uint8_t *in, size_t n, uint8_t **out)
{
	z_stream z = { 0 };
	size_t cap = compressBound(n) + 64;

	*out = malloc(cap);
	if (!*out || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (Bytef *)in;
	z.avail_in = n;
	z.next_out = *out;
	z.avail_out = cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	n = z.total_out;
	deflateEnd(&z);
	return n;
}

static void put(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("wpfuzz-rec", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
}

static void read_all(void)
{
	char msg[512];
	struct rec_row row;
	struct rec_reader *r = rec__open(path, msg, sizeof(msg));
	unsigned long last = 0;
	int rc;

	if (!r) {
		fz_check_cstr(msg, sizeof(msg));
		return;
	}
	FZ_CHECK(rec__nzones(r) <= RECFILE_MAX_ZONES);
	for (size_t z = 0; z < rec__nzones(r); z++)
		(void)strlen(rec__zone(r, z));
	(void)strlen(rec__path(r));
	while ((rc = rec__next(r, &row, msg, sizeof(msg))) == 1) {
		const char *strs[] = { row.cgroup, row.source, row.gap,	      row.ns,
				       row.pod,	   row.group,  row.component, row.container };

		FZ_CHECK(row.line > last);
		last = row.line;
		for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			FZ_CHECK(strs[i] && strlen(strs[i]) < (1 << 20));
		FZ_CHECK(row.has_energy || !row.energy_uj);
		FZ_CHECK(rec__progress(r) >= 0 && rec__progress(r) <= 1);
	}
	FZ_CHECK(rc == 0 || rc < 0);
	if (rc < 0)
		fz_check_cstr(msg, sizeof(msg));
	rec__close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *gz = NULL;
	size_t n;

	if (!size)
		return 0;
	if (data[0] & 1) {
		n = gzip(data + 1, size - 1, &gz);
		n -= (size_t)(data[0] >> 1) < n ? (size_t)(data[0] >> 1) : n;
		put(gz, n);
		free(gz);
	} else {
		put(data + 1, size - 1);
	}
	read_all();
	return 0;
}
