/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* opts_int.h: what the option parsers of opts.c and opts_analysis.c share; private. */
#ifndef WP_OPTS_INT_H
#define WP_OPTS_INT_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>

/* Parser state: the env being filled and where to put a one-line error. */
struct parse_ctx {
	void *env;
	char *err;
	size_t len;
};

/* The error, formatted with two strings; returns EINVAL for argp. */
int opts_fail(struct parse_ctx *ctx, const char *fmt, const char *a, const char *b);
/* A decimal in lo..hi. 0 or -EINVAL. */
int opts_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned int *out);
/* A plain decimal ("12", "0.5"; no sign, exponent, hex, inf or nan) in lo..hi. 0 or -EINVAL. */
int opts_parse_decimal(const char *s, double lo, double hi, double *out);
/* -v, -h, -V, stray arguments and getopt's errors, for every subcommand. */
error_t opts_common(int key, char *arg, struct argp_state *state, int *verbose, bool *help);
/* argp_parse without exits, help or messages of its own: 0, or -EINVAL with ctx->err set. */
int opts_run(const struct argp *argp, int argc, char **argv, struct parse_ctx *ctx);
int opts_run_flags(const struct argp *argp, int argc, char **argv, struct parse_ctx *ctx,
		   unsigned int flags);

struct record_env;
/* record's options as an argp child (its input: the parse_ctx of a struct record_env). */
extern const struct argp opts_record_child;
void opts_record_defaults(struct record_env *env);

#endif
