#!/usr/bin/env bash
# test_cpu_v1.sh: --cgroup-mode v1 keys by the v1 cpuacct cgroup; checked against cpuacct.usage.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_cpu_v1() { # ATTACH
	local mp
	mp=$(cg1_mount cpuacct) || {
		t_skip "no cgroup v1 hierarchy with the cpuacct controller is mounted (/proc/self/mountinfo)"
		return
	}
	cpu_vs_kernel "$1" v1 "$mp"
}

t_run tp_btf case_cpu_v1 tp_btf
t_run raw_tp case_cpu_v1 raw_tp
t_run tracepoint case_cpu_v1 tracepoint
