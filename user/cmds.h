/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* cmds.h: the subcommands main() dispatches to; each returns EXIT_SUCCESS or EXIT_FAILURE. */
#ifndef WP_CMDS_H
#define WP_CMDS_H

int do_record(int argc, char **argv);
int do_serve(int argc, char **argv);
int do_run(int argc, char **argv);
int do_report(int argc, char **argv);
int do_compare(int argc, char **argv);
int do_doctor(int argc, char **argv);
int do_host(int argc, char **argv);

/* One line on stderr: "wattprobe: <what>". */
void wp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* libbpf's messages: shown with -v, else only its warnings that are not probing noise. */
void wp_libbpf_verbosity(int verbose);
/* Name of a probe row: a cgroup path, or <idle>, <unknown>, <overflow>. */
const char *wp_row_name(void *cgname, unsigned long long id);

/* The node's name: --node, else $NODE_NAME, else the host name (into buf), else "". */
const char *wp_node_name(const char *opt, char *buf, size_t len);

struct report_window;
struct report_run;
/*
 * A recording read for report or compare: a progress line on a terminal, the error said once
 * (with the hint --allow-truncated when the file was cut short), and a note when a cut file
 * was read to its last whole interval. 0 or -errno.
 */
int wp_load_recording(const char *path, struct report_window *w, struct report_run *run);

#endif
