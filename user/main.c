// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* main.c: wattprobe's entry point: dispatch to a subcommand, bpftool-style. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

static const struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "record", do_record, "attribute the node's energy to every cgroup, per interval" },
	{ "serve", do_serve, "sample continuously and serve the counters to Prometheus" },
	{ "run", do_run, "measure one command in a cgroup of its own, like perf stat" },
	{ "report", do_report, "summarize recordings, whole or in a window" },
	{ "compare", do_compare, "compare two sets of runs, group by group (Welch's t)" },
	{ "host", do_host, "on a VM host: each VM's share of the energy, fed to its guest" },
	{ "doctor", do_doctor, "show what this node offers and what record would use" },
	{ "help", do_help, "this help" },
	{ "version", do_version, "print the version" },
};

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: wattprobe COMMAND [OPTION...]\n"
	       "       wattprobe COMMAND --help\n\n"
	       "Per-cgroup energy from a CO-RE eBPF probe and the node's energy counters.\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-8s %s\n", cmds[i].name, cmds[i].help);
	printf("\nExamples:\n"
	       "  wattprobe record -d 10s\n"
	       "  wattprobe record -i 10ms -o run.csv.gz\n"
	       "  wattprobe doctor\n");
	return EXIT_SUCCESS;
}

static int do_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("wattprobe %s (git %s)\n", WP_VERSION, WP_GIT_REV);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "help";

	/* No command is a usage error, as in perf and git; "help" asked for is not. */
	if (argc < 2) {
		do_help(0, NULL);
		return EXIT_FAILURE;
	}
	if (!strcmp(name, "-h") || !strcmp(name, "--help"))
		name = "help";
	else if (!strcmp(name, "-V") || !strcmp(name, "--version"))
		name = "version";
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(name, cmds[i].name) == 0)
			return cmds[i].func(argc - 1, argv + 1);
	}
	wp_err("unknown command '%s' (see wattprobe --help)", name);
	return EXIT_FAILURE;
}
