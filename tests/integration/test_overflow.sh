#!/usr/bin/env bash
# test_overflow.sh: more cgroups active in one interval than --max-cgroups: the time that finds
# the map full goes to an <overflow> row and is counted, never lost (FIELD-NOTES 9).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_overflow() {
	local mp burn tmp csv rc cg pid i n ovf
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem in /proc/self/mountinfo"
		return
	}
	burn=$(wp_helper burn) || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	for ((i = 0; i < 24; i++)); do
		cg_make cg "$mp" || {
			t_fail "cannot make a cgroup under $mp"
			return
		}
		cg_spawn pid "$cg" "$burn" 5 3
	done
	wp_run rc "$tmp/rec" record -i 100ms -d 2s --max-cgroups 16 -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	n=$(csv_check_structure "$csv" 2>"$tmp/check.err") ||
		t_check "structure: $(head -n 12 "$tmp/check.err" | tr '\n' ';')"
	check_cpu_identity "$csv" 1
	ovf=$(csv_awk "$csv" 'col("cgroup") == "<overflow>" { s += col("cpu_ns"); k++ }
		END { printf "%d %.0f\n", k, s; exit _csv_err }') || ovf="0 0"
	t_info "$n intervals; <overflow> rows and their cpu_ns: $ovf"
	if [ "${ovf%% *}" -eq 0 ] || [ "${ovf##* }" -eq 0 ]; then
		t_check "no <overflow> row with CPU time, though 24 cgroups shared 16 slots"
	fi
	grep -qE 'dropped [1-9][0-9]* \(map full [1-9]' "$tmp/rec.out" ||
		t_check "the summary does not count map-full drops: $(grep dropped "$tmp/rec.out")"
	t_pass
}

t_run max_cgroups_16 case_overflow
