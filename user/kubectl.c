// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* kubectl.c: the pod list from `kubectl get pods -A -o json`, run as a child process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kubectl.h"
#include "strbuf.h"

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int spawn(const char *node, int out_fd[2], int err_fd[2], pid_t *pid)
{
	char sel[512];
	char *argv[] = { "kubectl", "get", "pods", "-A", "-o", "json", NULL, NULL, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int err;

	if (node && node[0]) {
		snprintf(sel, sizeof(sel), "spec.nodeName=%s", node);
		argv[6] = "--field-selector";
		argv[7] = sel;
	}
	err = posix_spawn_file_actions_init(&fa);
	if (err)
		return -err;
	posix_spawn_file_actions_adddup2(&fa, out_fd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_fd[1], STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* A group of its own: a terminal's Ctrl-C is ours to handle, and a kill reaches all of it.
	 */
	err = posix_spawnattr_init(&at);
	if (err) {
		posix_spawn_file_actions_destroy(&fa);
		return -err;
	}
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	err = posix_spawnp(pid, "kubectl", &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -err;
}

/*
 * Read both pipes until both end or the deadline passes: -ETIMEDOUT, -E2BIG, -ECANCELED.
 * Once kubectl itself has exited (*status set, *reaped), whatever it left holding the pipes
 * is killed: its output is complete.
 */
static int drain(int out, int errfd, long long deadline, const atomic_bool *cancel, pid_t pid,
		 int *status, bool *reaped, struct strbuf *o, struct strbuf *e)
{
	struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
	struct strbuf *sb[2] = { o, e };
	char buf[65536];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (cancel && atomic_load(cancel))
			return -ECANCELED;
		n = poll(p, 2, left < 100 ? (int)left : 100);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 && !*reaped && waitpid(pid, status, WNOHANG) == pid) {
			*reaped = true;
			kill(-pid, SIGKILL);
		}
		for (int i = 0; i < 2; i++) {
			ssize_t r;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			r = read(p[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				p[i].fd = -1;
				continue;
			}
			/* stderr: only its start is ever shown. */
			if (i == 1 && sb[1]->len > 4096)
				continue;
			if (strbuf_add(sb[i], buf, r))
				return -ENOMEM;
			if (sb[0]->len > KUBECTL_OUT_MAX)
				return -E2BIG;
		}
	}
	return 0;
}

static void first_line(const char *s, char *out, size_t len)
{
	size_t n = strcspn(s ? s : "", "\n");

	snprintf(out, len, "%.*s", (int)(n < 400 ? n : 400), s ? s : "");
}

int kubectl_get_pods(const char *node, long timeout_ms, const atomic_bool *cancel, char **out,
		     size_t *len, char *err, size_t errlen)
{
	int out_fd[2] = { -1, -1 }, err_fd[2] = { -1, -1 }, status = 0, ret;
	bool reaped = false;
	struct strbuf o = {}, e = {};
	char line[512];
	pid_t pid = -1;

	*out = NULL;
	*len = 0;
	if (pipe2(out_fd, O_CLOEXEC) || pipe2(err_fd, O_CLOEXEC)) {
		ret = -errno;
		snprintf(err, errlen, "kubectl: pipe: %s", strerror(-ret));
		goto out;
	}
	ret = spawn(node, out_fd, err_fd, &pid);
	if (ret) {
		pid = -1;
		snprintf(err, errlen, "kubectl: %s%s", strerror(-ret),
			 ret == -ENOENT ? " (not in PATH; install it or use --pods FILE)" : "");
		goto out;
	}
	close(out_fd[1]);
	close(err_fd[1]);
	out_fd[1] = err_fd[1] = -1;
	ret = drain(out_fd[0], err_fd[0], now_ms() + timeout_ms, cancel, pid, &status, &reaped, &o,
		    &e);
	if (ret) {
		kill(-pid, SIGKILL);
		snprintf(err, errlen, "kubectl get pods: %s",
			 ret == -ETIMEDOUT   ? "no answer in time, killed"
			 : ret == -ECANCELED ? "stopped"
			 : ret == -E2BIG     ? "output larger than 256 MiB"
					     : strerror(-ret));
	}
	while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (ret)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		first_line(e.buf, line, sizeof(line));
		if (WIFEXITED(status))
			snprintf(err, errlen, "kubectl get pods: exit status %d: %s",
				 WEXITSTATUS(status), line[0] ? line : "(nothing on stderr)");
		else
			snprintf(err, errlen, "kubectl get pods: killed by signal %d",
				 WTERMSIG(status));
		ret = -EIO;
		goto out;
	}
	if (strbuf_add(&o, "", 1)) {
		ret = -ENOMEM;
		snprintf(err, errlen, "kubectl: %s", strerror(ENOMEM));
		goto out;
	}
	*len = o.len - 1;
	*out = o.buf;
	o.buf = NULL;
out:
	for (int i = 0; i < 2; i++) {
		if (out_fd[i] >= 0)
			close(out_fd[i]);
		if (err_fd[i] >= 0)
			close(err_fd[i]);
	}
	strbuf_free(&o);
	strbuf_free(&e);
	return ret;
}
