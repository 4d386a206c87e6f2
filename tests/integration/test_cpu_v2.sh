#!/usr/bin/env bash
# test_cpu_v2.sh: per-cgroup CPU time in cgroup v2 against cpu.stat, in every attach mode.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_cpu_v2() { # ATTACH
	local mp
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem in /proc/self/mountinfo"
		return
	}
	cpu_vs_kernel "$1" v2 "$mp"
}

# FIELD-NOTES 7: the same stream must give the same totals in every mode.
t_run tp_btf case_cpu_v2 tp_btf
t_run raw_tp case_cpu_v2 raw_tp
t_run tracepoint case_cpu_v2 tracepoint
