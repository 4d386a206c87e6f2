// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* cmd_run.c: `wattprobe run -- CMD`: one command in a cgroup of its own, measured like perf stat.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cmds.h"
#include "recorder.h"
#include "stats.h"

#define KILL_WAIT_NS 5000000000ULL /* after SIGTERM, the command gets this long, then SIGKILL */

/* When the command ended, taken in the SIGCHLD handler: the wall time is exact, not a tick's. */
static volatile sig_atomic_t child_exited;
static volatile uint64_t child_exit_ns;

static void on_sigchld(int sig)
{
	(void)sig;
	if (!child_exited)
		child_exit_ns = mono_ns(); /* clock_gettime: async-signal-safe */
	child_exited = 1;
}

/* When the command ended: the handler's time, else now. */
static uint64_t exit_ns(void)
{
	return child_exited ? child_exit_ns : mono_ns();
}

/* One run of the command, as measured. */
struct run_result {
	uint64_t cpu_ns, wakeups, uj, node_uj, wall_ns, known_ns;
	uint64_t zone_uj[ENERGY_MAX_ZONES];
	int status; /* waitpid's */
};

struct runner {
	const struct record_env *env;
	struct sampler *sp;
	char cg[CG_PATH_MAX + 64];
	uint64_t cg_id;
	pid_t pid;
	int go_fd, err_fd; /* the command waits on go_fd; err_fd says an exec that failed */
	uint64_t start_ns;
	int exec_errno;	  /* the command could not be run: 127 or 126, as shells say */
	unsigned int rep; /* the run's number, in its cgroup's name */
	char source[32];
	bool done, cg_made;
	struct run_result res;
	size_t nzones;
	const char *labels[ENERGY_MAX_ZONES];
};

/* In the child: wait for the word, then become the command. */
static void child(int go, int errw, char **cmd)
{
	char c;
	int e;

	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	close(go);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	execvp(cmd[0], cmd);
	e = errno;
	if (write(errw, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int make_cgroup(struct runner *x, unsigned int rep)
{
	struct stat st;

	snprintf(x->cg, sizeof(x->cg), "%s/wattprobe-run-%d-%u", x->sp->hier->mount, (int)getpid(),
		 rep);
	if (mkdir(x->cg, 0755)) {
		wp_err("making the cgroup %s: %s", x->cg, strerror(errno));
		return -errno;
	}
	x->cg_made = true;
	if (stat(x->cg, &st)) {
		wp_err("%s: %s", x->cg, strerror(errno));
		return -errno;
	}
	x->cg_id = st.st_ino; /* kernfs: the cgroup's id is its directory's inode */
	return 0;
}

static int move_into(const char *cg, pid_t pid)
{
	char path[CG_PATH_MAX + 96], buf[32];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

static int run_start(void *ctx, struct sampler *sp)
{
	struct runner *x = ctx;
	int go[2], ep[2], err;

	x->sp = sp;
	x->nzones = energy__nzones(sp->energy);
	for (size_t z = 0; z < x->nzones; z++)
		x->labels[z] = sp->labels[z];
	snprintf(x->source, sizeof(x->source), "%s", energy__source(sp->energy));
	err = make_cgroup(x, x->rep);
	if (err)
		return err;
	if (pipe2(go, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
		wp_err("pipe: %s", strerror(errno));
		return -errno;
	}
	x->pid = fork();
	if (x->pid < 0) {
		wp_err("fork: %s", strerror(errno));
		return -errno;
	}
	if (x->pid == 0) {
		close(go[1]);
		close(ep[0]);
		child(go[0], ep[1], x->env->cmd);
	}
	close(go[0]);
	close(ep[1]);
	x->go_fd = go[1];
	x->err_fd = ep[0];
	/* In its cgroup before it runs a single instruction of the command. */
	err = move_into(x->cg, x->pid);
	if (err)
		wp_err("moving the command into %s: %s", x->cg, strerror(-err));
	return err;
}

static int run_begin(void *ctx)
{
	struct runner *x = ctx;
	int e = 0;
	ssize_t n;

	child_exited = 0;
	x->start_ns = mono_ns();
	if (write(x->go_fd, "g", 1) != 1)
		return -errno;
	close(x->go_fd);
	x->go_fd = -1;
	/* The exec: the pipe closes on success, or carries its errno. */
	n = read(x->err_fd, &e, sizeof(e));
	close(x->err_fd);
	x->err_fd = -1;
	if (n == sizeof(e)) {
		wp_err("%s: %s", x->env->cmd[0], strerror(e));
		x->exec_errno = e;
		waitpid(x->pid, &x->res.status, 0);
		x->done = true;
		return -e;
	}
	return 0;
}

/* The command's row in the interval, if it ran: rows are sorted by cgroup id. */
static const struct probe_row *own_row(const struct sampler_tick *t, uint64_t id, size_t *ix)
{
	size_t lo = 0, hi = t->s->nrows;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->s->rows[mid].cgroup_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ix = lo;
	return lo < t->s->nrows && t->s->rows[lo].cgroup_id == id ? &t->s->rows[lo] : NULL;
}

static int run_tick(void *ctx, struct sampler *sp, const struct sampler_tick *t)
{
	struct runner *x = ctx;
	const struct probe_row *row;
	size_t ix;

	(void)sp;
	row = own_row(t, x->cg_id, &ix);
	if (!t->res->node_gap) {
		x->res.node_uj += t->res->node_total_uj;
		x->res.known_ns += t->interval_ns;
	}
	if (row) {
		x->res.cpu_ns += row->s.cpu_ns;
		x->res.wakeups += row->s.wakeups;
		if (!t->res->node_gap)
			x->res.uj += t->res->node_uj[ix];
		for (size_t z = 0; z < t->nzones; z++)
			if (!t->zd[z].gap)
				x->res.zone_uj[z] += t->res->zone_uj[ix * t->nzones + z];
	}
	if (!x->done && waitpid(x->pid, &x->res.status, WNOHANG) == x->pid) {
		x->res.wall_ns = exit_ns() - x->start_ns;
		x->done = true;
	}
	/* The interval the command ended in is counted; then the run is over. */
	return x->done ? 1 : 0;
}

/* Sampling ended: a command still running (wattprobe was signalled) is stopped, then reaped. */
static void run_stop(void *ctx)
{
	struct runner *x = ctx;
	struct timespec nap = { 0, 10000000 };
	uint64_t t0;

	if (x->pid > 0 && !x->done) {
		kill(x->pid, SIGTERM);
		t0 = mono_ns();
		while (waitpid(x->pid, &x->res.status, WNOHANG) == 0) {
			if (mono_ns() - t0 > KILL_WAIT_NS)
				kill(x->pid, SIGKILL);
			nanosleep(&nap, NULL);
		}
		x->res.wall_ns = exit_ns() - x->start_ns;
		x->done = true;
	}
	if (x->go_fd >= 0)
		close(x->go_fd);
	if (x->err_fd >= 0)
		close(x->err_fd);
	x->go_fd = x->err_fd = -1;
	/* A command that left a daemon behind leaves its cgroup too: said, not killed. */
	if (x->cg_made && rmdir(x->cg))
		wp_err("%s: %s (a process the command started is still in it)", x->cg,
		       strerror(errno));
	x->cg_made = false;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAILURE;
}

static void stat_line(const double *v, size_t n, const char *fmt, const char *unit,
		      const char *what)
{
	struct sample_stats s;
	char val[32], lo[32], hi[32];

	stats_of(v, n, &s);
	snprintf(val, sizeof(val), fmt, s.mean);
	/* The interval's ends with the value's own decimals. */
	snprintf(lo, sizeof(lo), fmt, s.mean - stats_ci_half(&s, 0.95));
	snprintf(hi, sizeof(hi), fmt, s.mean + stats_ci_half(&s, 0.95));
	if (n > 1 && s.mean != 0)
		fprintf(stderr, "%16s %-3s %-18s ( +- %5.2f%%, 95%% CI %s .. %s )\n", val, unit,
			what, 100 * s.sd / fabs(s.mean), lo, hi);
	else
		fprintf(stderr, "%16s %-3s %s\n", val, unit, what);
}

static void print_results(const struct runner *x, const struct run_result *r, size_t n,
			  const char *source)
{
	double v[6][1000];
	char cmd[256] = "";
	size_t len = 0;

	/* As a shell would read it back: words with spaces or specials in quotes. */
	for (char **a = x->env->cmd; *a && len < sizeof(cmd) - 1; a++) {
		bool plain = (*a)[0] && !strpbrk(*a, " \t\n'\"\\$`*?;&|<>()");

		len += snprintf(cmd + len, sizeof(cmd) - len, plain ? "%s%s" : "%s\"%s\"",
				a == x->env->cmd ? "" : " ", *a);
	}
	for (size_t i = 0; i < n; i++) {
		v[0][i] = r[i].uj / 1e6;
		v[1][i] = r[i].wall_ns ? r[i].uj / 1e6 / (r[i].wall_ns / 1e9) : 0;
		v[2][i] = r[i].cpu_ns / 1e9;
		v[3][i] = (double)r[i].wakeups;
		v[4][i] = r[i].wall_ns / 1e9;
		v[5][i] = r[i].node_uj ? 100.0 * r[i].uj / r[i].node_uj : 0;
	}
	fprintf(stderr, "\n Energy of %s (wattprobe run%s%zu run%s; energy: %s%s):\n\n", cmd,
		n > 1 ? ", " : ", ", n, n > 1 ? "s" : "", source,
		!strcmp(source, "model") ? ", an estimate" : "");
	stat_line(v[0], n, "%.3f", "J", "energy");
	stat_line(v[1], n, "%.3f", "W", "average power");
	stat_line(v[2], n, "%.3f", "s", "CPU time");
	stat_line(v[3], n, "%.0f", "", "wakeups");
	stat_line(v[4], n, "%.3f", "s", "wall time");
	stat_line(v[5], n, "%.2f", "%", "of the node's energy");
	if (x->nzones > 1) {
		fprintf(stderr, "%16s", "");
		for (size_t z = 0; z < x->nzones; z++) {
			double s = 0;

			for (size_t i = 0; i < n; i++)
				s += r[i].zone_uj[z] / 1e6;
			fprintf(stderr, " %s %.3f J%s", x->labels[z], s / n,
				z + 1 < x->nzones ? "," : "\n");
		}
	}
	fputc('\n', stderr);
}

int do_run(int argc, char **argv)
{
	static struct run_result results[1000];
	struct record_env env;
	struct runner x = { .go_fd = -1, .err_fd = -1 };
	struct rec_hook hook = { .start = run_start,
				 .begin = run_begin,
				 .tick = run_tick,
				 .stop = run_stop,
				 .ctx = &x };
	char msg[512];
	unsigned int n = 0;
	int rc = EXIT_SUCCESS;

	if (run_parse(argc, argv, &env, msg, sizeof(msg))) {
		wp_err("run: %s", msg);
		return EXIT_FAILURE;
	}
	if (env.help)
		return EXIT_SUCCESS;
	x.env = &env;
	/* No SA_RESTART: nothing here blocks on a slow call the handler should not cut. */
	sigaction(SIGCHLD,
		  &(struct sigaction){ .sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP }, NULL);
	for (unsigned int i = 0; i < env.repeat; i++) {
		x.done = false;
		x.pid = 0;
		x.rep = i;
		x.res = (struct run_result){};
		env.quiet = i > 0; /* the notes once */
		if (recorder_main(&env, &hook, 1) != EXIT_SUCCESS || !x.done) {
			rc = x.exec_errno == ENOENT ? 127 : x.exec_errno ? 126 : EXIT_FAILURE;
			break;
		}
		results[n++] = x.res;
		rc = exit_code(x.res.status);
	}
	if (n)
		print_results(&x, results, n, x.source);
	return rc;
}
