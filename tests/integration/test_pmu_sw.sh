#!/usr/bin/env bash
# test_pmu_sw.sh: the PMU path, run on the software cpu-clock (--pmu sw-clock counts ns), and
# --pmu auto on a host without hardware counters (FIELD-NOTES 11).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Rows whose COLUMN is empty, and rows where it is not: "empty nonempty".
csv_emptiness() { # FILE COLUMN
	csv_awk "$1" '{ if (col(what) == "") e++; else f++ } END { print e + 0, f + 0; exit _csv_err }' \
		what="$2"
}

case_sw_clock() {
	local mp burn tmp csv rec cg pid id path cpu cyc ins c e f s0 s1 all_cpu all_cyc
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
	id=$(cg_id "$cg")
	path=$(cg_path "$cg")
	wp_record_start rec "$tmp/rec" "$csv" -i 100ms --pmu sw-clock -e model || return
	sleep 0.3
	s0=$(steal_mark)
	cg_spawn pid "$cg" "$burn" 70 2
	wait "$pid" || t_check "burn exited with status $?"
	s1=$(steal_mark)
	sleep 0.3
	wp_record_stop "$rec" "$tmp/rec" || return
	for c in cycles instructions; do
		read -r e f <<<"$(csv_emptiness "$csv" "$c")"
		if [ "${e:-1}" != 0 ] || [ "${f:-0}" -eq 0 ]; then
			t_check "$c: empty on ${e:-?} rows, set on ${f:-?}; expected set everywhere"
		fi
	done
	cpu=$(csv_cg_sum "$csv" cpu_ns "$id" "$path")
	cyc=$(csv_cg_sum "$csv" cycles "$id" "$path")
	ins=$(csv_cg_sum "$csv" instructions "$id" "$path")
	t_info "burn 70%: cpu_ns $cpu, cycles $cyc ($(pct_err "$cyc" "$cpu")% off)," \
		"instructions $ins ($(pct_err "$ins" "$cpu")% off)"
	# The cpu-clock counts every ns a CPU runs, stolen ones too; cpu_ns leaves steal to its own
	# row. So over all rows, <steal> included, the two add up to the same, steal or not.
	all_cpu=$(csv_sum "$csv" cpu_ns)
	all_cyc=$(csv_sum "$csv" cycles)
	t_info "all rows: cpu_ns $all_cpu, cycles $all_cyc ($(pct_err "$all_cyc" "$all_cpu")% off)"
	within_pct "$all_cyc" "$all_cpu" 1 ||
		t_check "all rows: cycles $all_cyc not within 1% of cpu_ns $all_cpu"
	# One cgroup: its cycles also count the steal taken out of its cpu_ns.
	steal_verdict "$cyc" "$cpu" 2 "$(steal_ns "$s0" "$s1")" "burn cycles vs cpu_ns"
	steal_verdict "$ins" "$cpu" 2 "$(steal_ns "$s0" "$s1")" "burn instructions vs cpu_ns"
	t_pass
}

case_auto() {
	local tmp csv rc c e f n
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	if [ -e /sys/bus/event_source/devices/cpu/events/cpu-cycles ]; then
		t_skip "this host has a hardware PMU: --pmu auto would count"
		return
	fi
	wp_run rc "$tmp/rec" record -i 100ms -d 1s --pmu auto -e model -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	t_info "stderr: $(wp_err "$tmp/rec")"
	for c in cycles instructions; do
		read -r e f <<<"$(csv_emptiness "$csv" "$c")"
		if [ "${f:-1}" != 0 ] || [ "${e:-0}" -eq 0 ]; then
			t_check "$c: set on ${f:-?} rows, empty on ${e:-?}; expected empty everywhere"
		fi
	done
	# The last line names the output, whose directory is this case's, "pmu_sw" in its name.
	n=$(grep -v '^wattprobe: wrote ' "$tmp/rec.err" | grep -ciE 'pmu|cycles|perf_event')
	[ "$n" = 1 ] || t_check "stderr gives the PMU's absence on $n lines, expected exactly 1"
	t_pass
}

t_run sw_clock case_sw_clock
t_run auto_no_pmu case_auto
