#!/usr/bin/env bash
# test_short_lived.sh: FIELD-NOTES 9: 300 runs of /bin/true and one busy loop in one cgroup; all
# of their CPU time belongs to it, though most of the tasks are gone long before any sample.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_short() {
	local mp burn tmp csv rec cg pid k0 k1 s0 s1 t0 t1
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem in /proc/self/mountinfo"
		return
	}
	burn=$(wp_helper burn) || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	cg_make cg "$mp" || {
		t_fail "cannot make a cgroup under $mp"
		return
	}
	k0=$(cg_usage_ns "$cg")
	wp_record_start rec "$tmp/rec" "$csv" -i 100ms || return
	sleep 0.3
	s0=$(steal_mark)
	t0=$(date +%s%N)
	# shellcheck disable=SC2016 # the inner shell expands these
	cg_spawn pid "$cg" sh -c '"$1" 50 3 & i=0
		while [ "$i" -lt 300 ]; do /bin/true; i=$((i + 1)); done
		echo "$(date +%s%N)" > "$2"; wait' short "$burn" "$tmp/trues-done"
	wait "$pid" || t_check "the workload exited with status $?"
	t1=$(date +%s%N)
	s1=$(steal_mark)
	sleep 0.3
	wp_record_stop "$rec" "$tmp/rec" || return
	k1=$(cg_usage_ns "$cg")
	t_info "300 x /bin/true took $((($(cat "$tmp/trues-done") - t0) / 1000000)) ms;" \
		"workload $(((t1 - t0) / 1000000)) ms; host steal $(steal_pct "$s0" "$s1")%"
	check_cg_cpu "$csv" "$cg" "$((k1 - k0))" 5 "300 x true + burn 50%" "$(steal_ns "$s0" "$s1")"
	check_cpu_identity "$csv" 1
	t_pass
}

t_run true_x300 case_short
