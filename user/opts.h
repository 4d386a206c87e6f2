/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* opts.h: command-line options of each subcommand, parsed into structs tests can inspect. */
#ifndef WP_OPTS_H
#define WP_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "attrib.h"
#include "probe.h"
#include "summary.h"

#define INTERVAL_MIN_NS		1000000ULL	 /* 1ms */
#define INTERVAL_MAX_NS		60000000000ULL	 /* 60s */
#define INTERVAL_DEFAULT_NS	100000000ULL	 /* 100ms */
#define PODS_REFRESH_DEFAULT_NS 10000000000ULL	 /* 10s */
#define PODS_REFRESH_MIN_NS	100000000ULL	 /* 100ms */
#define PODS_REFRESH_MAX_NS	3600000000000ULL /* 1h */
/* A year: the end time of a recording cannot wrap. */
#define DURATION_MAX_NS (365ULL * 86400 * 1000000000ULL)

#define HOST_MAX_VMS	    64
#define HOST_LISTEN_DEFAULT "127.0.0.1:9745"
#define HOST_FEED_DIR	    "/var/lib/wattprobe/feed"

struct record_env {
	uint64_t interval_ns;
	uint64_t duration_ns; /* 0: until SIGINT/SIGTERM */
	const char *output;   /* NULL: no CSV */
	const char *energy;
	struct attrib_rule rule;
	bool rule_set; /* -a given: a feed's default (idle:0) does not apply */
	unsigned int top;
	enum probe_attach attach;
	const char *cgroup_mode;
	enum pmu_mode pmu;
	unsigned int max_cgroups;
	const char *btf;
	const char *pods;	  /* NULL, a pod list FILE, "kubectl" or "api" */
	uint64_t pods_refresh_ns; /* how often kubectl or the API server is asked */
	const char *node;	  /* keep this node's pods; NULL: $NODE_NAME, else all */
	const char *flux_ns;
	const char *groups; /* rules file, NULL for none */
	enum summary_by by;
	bool by_set;
	const char *kepler; /* a Kepler's /metrics URL to compare with, NULL for none */
	/* serve only */
	const char *listen; /* ADDR:PORT; NULL: record, no server */
	enum summary_by metrics_by;
	bool kepler_compat;
	uint64_t fold_below_uj;
	unsigned int max_terminated;
	/* host only */
	const char *connect;  /* libvirt URI; NULL: none, VMs are found by their cgroups only */
	const char *feed_dir; /* each VM's feed in feed_dir/NAME */
	const char *pid_dir;  /* libvirt's qemu pid files (NAME.pid); NULL: qemu:///system's */
	const char *vms[HOST_MAX_VMS]; /* --vm NAME=pidfile:FILE or NAME=cgroup:PATH, checked */
	size_t nvms;
	/* run only */
	unsigned int repeat; /* -r N */
	char **cmd;	     /* the command and its arguments, NULL-terminated */
	bool quiet;	     /* no notes on stderr */
	bool no_summary;     /* no summary on stdout: run prints its own, on stderr */
	int verbose;
	bool help;
};

#define LISTEN_DEFAULT	       "127.0.0.1:9744"
#define FOLD_BELOW_DEFAULT_UJ  10000000ULL /* 10 J: Kepler 0.10's minTerminatedEnergyThreshold */
#define MAX_TERMINATED_DEFAULT 500	   /* Kepler 0.10's maxTerminated */

#define REPORT_MAX_FILES 256

struct report_env {
	const char *files[REPORT_MAX_FILES];
	size_t nfiles;
	enum summary_by by;
	bool by_set;
	uint64_t from_ns, to_ns; /* to_ns UINT64_MAX: the end */
	unsigned int top;
	bool json;
	const char *svg; /* the chart's file, NULL for none */
	bool allow_cut;	 /* --allow-truncated */
	int verbose;
	bool help;
};

struct compare_env {
	const char *base[REPORT_MAX_FILES], *cand[REPORT_MAX_FILES];
	size_t nbase, ncand;
	bool after_vs;
	double grid_g_per_kwh; /* 0: no carbon columns */
	double pue;
	bool json;
	const char *svg;
	bool allow_cut;
	int verbose;
	bool help;
};

struct doctor_env {
	const char *btf;
	const char *powercap_root;
	const char *kepler; /* a Kepler's /metrics URL to try, or NULL */
	int verbose;
	bool help;
};

/*
 * Parse argv (argv[0] is the subcommand's name). Returns 0, or -EINVAL with a one-line message
 * in err naming the bad option or value. --help prints the help to stdout and sets env->help.
 */
int record_parse(int argc, char **argv, struct record_env *env, char *err, size_t len);
/* serve: record's options and the server's; defaults as record's, --metrics-by group. */
int serve_parse(int argc, char **argv, struct record_env *env, char *err, size_t len);
int report_parse(int argc, char **argv, struct report_env *env, char *err, size_t len);
int compare_parse(int argc, char **argv, struct compare_env *env, char *err, size_t len);
/* run: record's options, -r N, then the command (after -- or the first word that is none). */
int run_parse(int argc, char **argv, struct record_env *env, char *err, size_t len);
/* host: record's options and the VM host's (libvirt, feeds, --vm, /metrics). */
int host_parse(int argc, char **argv, struct record_env *env, char *err, size_t len);
/*
 * Pure: a --vm value, "NAME=pidfile:FILE" or "NAME=cgroup:PATH" (PATH absolute, in the cgroup
 * hierarchy). name gets NAME, *is_pidfile the kind, *arg points into spec. 0 or -EINVAL.
 */
int vm_spec_parse(const char *spec, char *name, size_t len, bool *is_pidfile, const char **arg);
int doctor_parse(int argc, char **argv, struct doctor_env *env, char *err, size_t len);

#endif
