#!/usr/bin/env bash
# test_run.sh: `wattprobe run -- CMD`: CPU time against the kernel's cpu.stat of the command's
# own cgroup, the exit status passed through, stdin and stdout untouched, the cgroup gone after,
# repetitions, and an exec that fails.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_cpu() {
	local tmp burn mp rc kern got
	tmp=$(wp_tmp)
	burn=$(wp_helper burn) || return
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return
	}
	# The command reads its own cgroup's cpu.stat as it ends: the kernel's count of it.
	# shellcheck disable=SC2016 # $1.. are sh -c's own arguments
	wp_run rc "$tmp/run" run -- sh -c '"$1" 100 1.5 && cat "$2$(sed -n "s/^0:://p" /proc/self/cgroup)/cpu.stat"' \
		_ "$burn" "$mp"
	[ "$rc" = 0 ] || t_fail "run exited $rc: $(wp_err "$tmp/run")" || return
	kern=$(awk '$1 == "usage_usec" { print $2 * 1000 }' "$tmp/run.out")
	got=$(awk '$3 == "CPU" && $4 == "time" { printf "%.0f", $1 * 1e9 }' "$tmp/run.err")
	t_info "CPU time: wattprobe $got ns, the cgroup's cpu.stat $kern ns ($(pct_err "$got" "$kern")% off)"
	[ -n "$kern" ] && [ -n "$got" ] || t_fail "no figures: $(wp_err "$tmp/run")" || return
	within_pct "$got" "$kern" 2 || t_check "CPU time $got ns vs cpu.stat $kern ns"
	grep -q "J   energy" "$tmp/run.err" || t_check "no energy line"
	! grep -q "J   energy" "$tmp/run.out" || t_check "the results went to the command's stdout"
	ls -d "$mp"/wattprobe-run-* >/dev/null 2>&1 && t_check "a wattprobe-run cgroup was left behind"
	t_pass
}

# Where only cgroup v1 is (--cgroup-mode v1 here, on the hybrid VM): the run's cgroup is made
# in the cpuacct hierarchy, and its cpuacct.usage is the kernel's count.
case_cpu_v1() {
	local tmp burn mp rc kern got
	tmp=$(wp_tmp)
	burn=$(wp_helper burn) || return
	mp=$(cg1_mount cpuacct) || {
		t_skip "no cgroup v1 hierarchy with the cpuacct controller is mounted"
		return
	}
	# shellcheck disable=SC2016 # $1.. are sh -c's own arguments
	wp_run rc "$tmp/run" run --cgroup-mode v1 -- sh -c '"$1" 100 1.5 &&
		cat "$2$(sed -n "s/^[0-9]*:\([^:]*,\)\{0,1\}cpuacct\(,[^:]*\)\{0,1\}://p" /proc/self/cgroup)/cpuacct.usage"' \
		_ "$burn" "$mp"
	[ "$rc" = 0 ] || t_fail "run exited $rc: $(wp_err "$tmp/run")" || return
	kern=$(tail -n 1 "$tmp/run.out")
	got=$(awk '$3 == "CPU" && $4 == "time" { printf "%.0f", $1 * 1e9 }' "$tmp/run.err")
	t_info "CPU time: wattprobe $got ns, the cgroup's cpuacct.usage $kern ns ($(pct_err "$got" "$kern")% off)"
	[ -n "$kern" ] && [ -n "$got" ] || t_fail "no figures: $(wp_err "$tmp/run")" || return
	within_pct "$got" "$kern" 2 || t_check "CPU time $got ns vs cpuacct.usage $kern ns"
	ls -d "$mp"/wattprobe-run-* >/dev/null 2>&1 && t_check "a wattprobe-run cgroup was left behind"
	t_pass
}

case_status_io() {
	local tmp rc mp
	tmp=$(wp_tmp)
	mp=$(cg2_mount) || mp=/nonexistent
	wp_run rc "$tmp/a" run -- sh -c 'exit 7'
	[ "$rc" = 7 ] || t_check "exit 7 came back as $rc"
	wp_run rc "$tmp/b" run -- sh -c 'kill -TERM $$'
	[ "$rc" = 143 ] || t_check "a command killed by SIGTERM came back as $rc, want 143"
	printf 'line one\nline two\n' | timeout 30 "$WP_BIN" run -- cat >"$tmp/c.out" 2>"$tmp/c.err"
	[ "$(cat "$tmp/c.out")" = "$(printf 'line one\nline two')" ] ||
		t_check "stdin to stdout through the command: '$(head -c 100 "$tmp/c.out")'"
	wp_run rc "$tmp/d" run -r 3 -- true
	[ "$rc" = 0 ] || t_check "-r 3: exit $rc"
	grep -q "3 runs" "$tmp/d.err" || t_check "-r 3: $(grep Energy "$tmp/d.err")"
	grep -q "95% CI" "$tmp/d.err" || t_check "-r 3: no interval"
	wp_run rc "$tmp/e" run -- /nonexistent/cmd
	{ [ "$rc" = 127 ] && grep -q "/nonexistent/cmd: No such file or directory" "$tmp/e.err"; } ||
		t_check "command not found: $rc, want 127: $(wp_err "$tmp/e")"
	printf 'echo no\n' >"$tmp/noexec"
	chmod 644 "$tmp/noexec"
	wp_run rc "$tmp/e2" run -- "$tmp/noexec"
	[ "$rc" = 126 ] || t_check "not executable: $rc, want 126: $(wp_err "$tmp/e2")"
	wp_run rc "$tmp/f" run -d 1s -- true
	{ [ "$rc" = 1 ] && grep -q -- "-d is record's" "$tmp/f.err"; } ||
		t_check "-d: $rc $(wp_err "$tmp/f")"
	wp_run rc "$tmp/o" run -o "$tmp/run.csv" -- sleep 0.3
	{ [ "$rc" = 0 ] && [ -s "$tmp/run.csv.meta.json" ] && [ "$(csv_intervals "$tmp/run.csv")" -ge 2 ]; } ||
		t_check "-o: the run's intervals and their metadata: $rc $(wp_err "$tmp/o")"
	wp_run rc "$tmp/g" run
	{ [ "$rc" = 1 ] && grep -q "no command to run" "$tmp/g.err"; } || t_check "no command: $rc"
	ls -d "$mp"/wattprobe-run-* >/dev/null 2>&1 && t_check "a wattprobe-run cgroup was left behind"
	t_pass
}

t_run cpu case_cpu
t_run cpu_v1 case_cpu_v1
t_run status_io case_status_io
