// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cli.c: what the subcommands share: error lines, libbpf's log, row names. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cgname.h"
#include "cmds.h"
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
