#!/usr/bin/env bash
# test_many_cgroups.sh: more cgroups than a CPU's slot cache holds (WP_SLOT_CACHE, 8), so
# that the probe evicts entries to the epoch map all the time: no time may be lost or land in
# the wrong cgroup. 16 cgroups burn 8% each (128% of 2 CPUs' worth, spread by the scheduler).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_many() {
	local mp burn tmp csv rec i cg pid s0 s1 n=16 got_sum=0 kern_sum=0 got kns
	local -a cgs=() before=() pids=()
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem in /proc/self/mountinfo"
		return
	}
	burn=$(wp_helper burn) || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	for ((i = 0; i < n; i++)); do
		cg_make cg "$mp" || {
			t_fail "cannot make a cgroup under $mp"
			return
		}
		cgs+=("$cg")
		before+=("$(cg_usage_ns "$cg")")
	done
	wp_record_start rec "$tmp/rec" "$csv" -i 100ms --attach tp_btf || return
	sleep 0.5
	s0=$(steal_mark)
	for ((i = 0; i < n; i++)); do
		# Periods of 100..115 ms, so that the burns interleave rather than run in lockstep;
		# long, because the kernel over-counts each slice that starts with a wakeup (see
		# cpu_vs_kernel): shorter periods would measure cpu.stat, not the probe.
		cg_spawn pid "${cgs[i]}" "$burn" 8 4 $((100 + i))
		pids+=("$pid")
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || t_check "burn (pid $pid) exited with status $?"
	done
	s1=$(steal_mark)
	t_info "host steal while the burns ran: $(steal_pct "$s0" "$s1")% of CPU time"
	sleep 0.5
	wp_record_stop "$rec" "$tmp/rec" || return
	# Each burn: 16 x 8% on 2 CPUs means preemption and many short slices, each of which the
	# kernel over-counts a little (see cpu_vs_kernel): 2% per cgroup, 1% for their sum.
	for ((i = 0; i < n; i++)); do
		kns=$(($(cg_usage_ns "${cgs[i]}") - before[i]))
		check_cg_cpu "$csv" "${cgs[i]}" "$kns" 2 "burn $i" "$(steal_ns "$s0" "$s1")"
		got=$(csv_cg_sum "$csv" cpu_ns "$(cg_id "${cgs[i]}")" "$(cg_path "${cgs[i]}")")
		got_sum=$((got_sum + got))
		kern_sum=$((kern_sum + kns))
	done
	t_info "all 16: cpu_ns $got_sum vs kernel $kern_sum: $(pct_err "$got_sum" "$kern_sum")% off"
	steal_verdict "$got_sum" "$kern_sum" 1 "$(steal_ns "$s0" "$s1")" "sum over the 16 cgroups"
	check_cpu_identity "$csv" 1
	grep -q '^dropped 0 ' "$tmp/rec.out" 2>/dev/null ||
		t_info "summary: $(grep '^dropped' "$tmp/rec.out" 2>/dev/null)"
	t_pass
}

t_run evictions case_many
