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

# A cgroup whose path is longer than PATH_MAX: readlink cannot give it, so it is <too-long>,
# and every other cgroup is still named (one such cgroup used to stop naming for the node).
case_too_long() {
	local mp burn tmp csv rc base name pid short=
	burn=$(wp_helper burn) || return
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return
	}
	tmp=$(wp_tmp)
	csv=$tmp/long.csv
	base=$mp/wptest-long-$$
	name=$(printf 'a%.0s' {1..250})
	mkdir "$base" || {
		t_fail "mkdir $base failed"
		return
	}
	# 17 levels of 250 bytes: 4267 bytes, past PATH_MAX; made and entered one level at a time.
	# shellcheck disable=SC2016 # $1.. are sh -c's own arguments
	# bash: cd -P takes a relative step with chdir(), where dash fails past PATH_MAX.
	bash -c 'cd -P "$1" && for i in $(seq 17); do mkdir "$2" && cd -P "$2" || exit 1; done &&
		echo $$ >cgroup.procs && exec "$3" 3 50 100' _ "$base" "$name" "$burn" &
	pid=$!
	_wp_pids+=("$pid")
	cg_make short "$mp"
	cg_spawn _ "$short" "$burn" 3 30 100
	sleep 0.3
	wp_run rc "$tmp/rec" record -i 100ms -d 2s -o "$csv"
	[ "$rc" = 0 ] || t_check "exit status $rc: $(wp_err "$tmp/rec")"
	csv_awk "$csv" 'col("cgroup") == "<too-long>" { n++ } END { exit !n }' ||
		t_check "no <too-long> row for the deep cgroup"
	csv_awk "$csv" 'col("cgroup") == p { n++ } END { exit !n }' p="$(cg_path "$short")" ||
		t_check "the short cgroup $(cg_path "$short") is not named"
	csv_awk "$csv" 'col("cgroup") == "<gone>" { n++ } END { exit n > 0 }' ||
		t_check "rows named <gone> while every cgroup lived"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Removed from the bottom up, one level at a time (rmdir cannot take the whole path).
	# shellcheck disable=SC2016 # $1.. are sh -c's own arguments
	bash -c 'cd -P "$1" || exit 1; for i in $(seq 17); do cd -P "$2" || break; done
		for i in $(seq 17); do cd -P .. && rmdir "$2"; done' _ "$base" "$name" 2>/dev/null
	rmdir "$base" || t_check "could not remove $base"
	t_pass
}

t_run evictions case_many
t_run too_long case_too_long
