// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cli.c: what the subcommands share: error lines, libbpf's log, row names, reading recordings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cgname.h"
#include "cmds.h"
#include "progress.h"
#include "report.h"
#include "wattprobe.h"

static int libbpf_verbose;

void wp_err(const char *fmt, ...)
{
	va_list ap;

	fputs("wattprobe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Trying attach modes in turn makes libbpf report each failure; wattprobe says what matters. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void wp_libbpf_verbosity(int verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

const char *wp_row_name(void *cgname, unsigned long long id)
{
	switch (id) {
	case WP_IDLE_KEY:
		return "<idle>";
	case WP_UNKNOWN_KEY:
		return "<unknown>";
	case WP_OVERFLOW_KEY:
		return "<overflow>";
	default:
		return cgname__lookup(cgname, id);
	}
}

int wp_load_recording(const char *path, struct report_window *w, struct report_run *run)
{
	struct progress pg;
	char what[300], msg[1024];
	int err;

	snprintf(what, sizeof(what), "reading %s", path);
	progress_start(&pg, what, isatty(STDERR_FILENO));
	w->progress = progress_update;
	w->progress_ctx = &pg;
	err = report_load(path, w, run, msg, sizeof(msg));
	progress_end(&pg);
	w->progress = NULL;
	if (err) {
		wp_err("%s%s", msg,
		       report_msg_is_cut(msg) && !w->allow_cut
			       ? " (--allow-truncated reads it up to its last whole interval)"
			       : "");
		return err;
	}
	if (run->cut[0])
		wp_err("%s: read up to its last whole interval, %.3f s", run->cut,
		       run->to_ns / 1e9);
	return 0;
}

const char *wp_node_name(const char *opt, char *buf, size_t len)
{
	const char *n = opt ? opt : getenv("NODE_NAME");

	if (n && n[0])
		return n;
	if (len > 1 && gethostname(buf, len - 1) == 0) {
		buf[len - 1] = '\0';
		return buf;
	}
	return "";
}
