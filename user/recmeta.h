/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * recmeta.h: a recording's metadata, in a sidecar FILE.meta.json beside the CSV (plain or
 * gzip): who recorded, on what, with which source and rule, and when, so that report and
 * compare read a recording back without asking. docs/record-format.md has the fields.
 */
#ifndef WP_RECMETA_H
#define WP_RECMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECMETA_FORMAT	"wattprobe-record"
#define RECMETA_VERSION 1
#define RECMETA_ZONES	64

struct recmeta_zone {
	char label[64];
	bool node;
};

struct recmeta {
	char version[32], revision[32];
	char host[256], kernel[256], machine[64], cpu_model[256];
	unsigned int cpus;
	uint64_t interval_ns;
	char attribution[64];
	char source[32], energy_desc[1024];
	struct recmeta_zone zones[RECMETA_ZONES];
	size_t nzones;
	char attach[32], cgroup_mode[16], pods[512];
	/* The start, on both clocks: ts_ns in the CSV is CLOCK_MONOTONIC. */
	uint64_t start_unix_ns, start_mono_ns;
	/* Filled at the end; complete is false while recording (or after a crash). */
	bool complete;
	uint64_t end_unix_ns, intervals;
};

/* path + ".meta.json" into buf. */
char *recmeta_path(const char *csv_path, char *buf, size_t len);
/* Write atomically (a temporary file, then rename). 0 or -errno. */
int recmeta_write(const char *csv_path, const struct recmeta *m);
/* Read back. 0; -ENOENT (no sidecar); -EBADMSG with msg naming the field at fault. */
int recmeta_read(const char *csv_path, struct recmeta *m, char *msg, size_t mlen);
/* Pure: the JSON text (malloc'd) and its parse, for tests. */
char *recmeta_to_json(const struct recmeta *m);
int recmeta_from_json(const char *text, struct recmeta *m, char *msg, size_t mlen);
/* RFC 3339 UTC with milliseconds: 2026-12-04T01:02:03.456Z. */
char *recmeta_time(uint64_t unix_ns, char *buf, size_t len);

#endif
