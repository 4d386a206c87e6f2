#!/usr/bin/env bash
# test_energy_perf.sh: the perf power PMU energy source (-e perf[:SYSFS_ROOT]) through the real
# perf_event_open: on this machine's own PMU (a virtual one whose energy-psys opens and reads 0:
# record must refuse it in one line, and a list must move on), unprivileged (the CAP_PERFMON
# message), and on a PMU description pointing at the software cpu-clock, which counts wall-clock
# ns on each CPU: with a scale of 1e-9 J that is exactly 1 W per zone (FIELD-NOTES 3, 4, 11).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PMU_DIR=/sys/bus/event_source/devices/power
RUN_S=2

# The energy events of the PMU at DIR, one a line: energy-pkg, energy-psys...
pmu_events() { # DIR
	local f
	for f in "$1"/events/energy-*; do
		case $f in *.scale | *.unit) continue ;; esac
		[ -e "$f" ] && basename "$f"
	done
}

# What the kernel's own tool says the host's PMU counts over 0.3 s, independent of wattprobe:
# "counts" (some event above 0 J), "zero" (every event 0 J) or "unknown" (no usable perf(1)).
pmu_oracle() {
	local ev out j any=0
	command -v perf >/dev/null 2>&1 || {
		echo unknown
		return
	}
	for ev in $(pmu_events "$PMU_DIR"); do
		out=$(timeout 10 perf stat -a -x, -e "power/$ev/" -- sleep 0.3 2>&1) || {
			echo unknown
			return
		}
		j=$(printf '%s\n' "$out" | awk -F, -v e="power/$ev/" '$3 == e { print $1; exit }')
		case $j in
		'' | '<'*)
			echo unknown
			return
			;;
		esac
		awk -v j="$j" 'BEGIN { exit !(j > 0) }' && any=1
	done
	if [ "$any" = 1 ]; then echo counts; else echo zero; fi
}

# Skip (with the reason) unless the host has a power PMU; the oracle's verdict goes to VAR.
need_pmu() { # VAR
	[ -d "$PMU_DIR" ] || {
		t_skip "no perf power PMU on this host ($PMU_DIR missing: no RAPL exposed to this kernel)"
		return 1
	}
	printf -v "$1" '%s' "$(pmu_oracle)"
	t_info "power PMU events: $(pmu_events "$PMU_DIR" | tr '\n' ' ')cpumask $(cat "$PMU_DIR/cpumask");" \
		"perf stat says the PMU ${!1}"
}

# The contract for a source that cannot be used: status 1, one line on stderr naming why.
check_refusal() { # PREFIX RC WORDS...
	local prefix=$1 rc=$2 n w
	shift 2
	[ "$rc" = 1 ] || t_check "exit status $rc, expected 1"
	n=$(grep -c . "$prefix.err")
	[ "$n" = 1 ] || t_check "$n lines on stderr, expected exactly 1: $(wp_err "$prefix")"
	for w in "$@"; do
		grep -qiF -- "$w" "$prefix.err" || t_check "stderr does not say '$w': $(wp_err "$prefix")"
	done
}

# Data rows of a CSV that may not exist.
csv_rows() { # FILE
	if [ -f "$1" ]; then awk 'END { print (NR > 0 ? NR - 1 : 0) }' "$1"; else echo 0; fi
}

case_record_real() {
	local oracle tmp csv rc src
	need_pmu oracle || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	wp_run rc "$tmp/rec" record -e perf -i 100ms -d 1s -o "$csv"
	t_info "record -e perf: status $rc, stderr: $(wp_err "$tmp/rec")"
	case $oracle in
	zero)
		# Every event reads 0: refused, never a CSV of zeros that looks measured.
		if pmu_events "$PMU_DIR" | grep -qx energy-pkg; then
			check_refusal "$tmp/rec" "$rc" "reads 0"
		else
			check_refusal "$tmp/rec" "$rc" "reads 0" "no energy-pkg"
		fi
		[ "$(csv_rows "$csv")" = 0 ] || t_check "$(csv_rows "$csv") CSV rows written all the same"
		;;
	counts)
		[ "$rc" = 0 ] || {
			t_fail "perf stat counts energy, record -e perf exited $rc: $(wp_err "$tmp/rec")"
			return
		}
		src=$(csv_awk "$csv" '{ s[col("source")]++ } END { for (k in s) printf "%s ", k }')
		[ "$src" = "perf " ] || t_check "sources in the CSV: '$src', expected 'perf'"
		[ "$(csv_sum "$csv" node_energy_uj)" -gt 0 ] || t_check "no node energy in 1 s"
		;;
	*)
		# No perf(1) to judge by: either outcome, each in its proper form.
		if [ "$rc" = 0 ]; then
			csv_awk "$csv" 'col("source") != "perf" { exit 1 }' ||
				t_check "record -e perf succeeded with rows of another source"
		else
			check_refusal "$tmp/rec" "$rc" "perf"
		fi
		;;
	esac
	t_pass
}

# doctor's line for perf: usable or not (the contract allows available/unavailable), and why.
case_doctor() {
	local oracle tmp rc lines
	need_pmu oracle || return
	tmp=$(wp_tmp)
	wp_run rc "$tmp/doc" doctor
	[ "$rc" = 0 ] || t_check "doctor exited with status $rc: $(wp_err "$tmp/doc")"
	lines=$(grep -iE '(^|[^_a-z])perf([^_a-z]|$)' "$tmp/doc.out" | grep -iE 'usable|available')
	[ -n "$lines" ] || {
		t_fail "no doctor line says whether perf is usable: $(head -c 600 "$tmp/doc.out" | tr '\n' '|')"
		return
	}
	t_info "doctor: $(printf '%s' "$lines" | tr -s ' ' | head -c 300)"
	case $oracle in
	zero)
		printf '%s\n' "$lines" | grep -iE '(unusable|unavailable)' | grep -qi 'reads 0' ||
			t_check "doctor does not say perf is unusable because it reads 0"
		;;
	counts)
		printf '%s\n' "$lines" | grep -viE '(unusable|unavailable)' | grep -qiE 'usable|available' ||
			t_check "perf stat counts energy, doctor says perf is not usable"
		;;
	esac
	t_pass
}

# A refused perf is skipped by a list (ENODATA is no typo): perf,model records the model.
case_list_moves_on() {
	local oracle tmp csv rc src
	need_pmu oracle || return
	[ "$oracle" = zero ] || {
		t_skip "the PMU here counts ($oracle): perf would be used, not passed over"
		return
	}
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	wp_run rc "$tmp/rec" record -e perf,model -i 100ms -d 1s -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "record -e perf,model exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	src=$(csv_awk "$csv" '{ s[col("source")]++ } END { for (k in s) printf "%s ", k }')
	[ "$src" = "model " ] || t_check "sources in the CSV: '$src', expected 'model'"
	t_pass
}

# Without CAP_PERFMON and with kernel.perf_event_paranoid > 0: the open is refused, and the
# one line says what would allow it and what the setting is now.
case_unprivileged() {
	local oracle tmp rc par par_ok
	need_pmu oracle || return
	par=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null)
	case $par in '' | *[!0-9-]* | 0 | -*) par_ok=0 ;; *) par_ok=1 ;; esac
	[ "$par_ok" = 1 ] || {
		t_skip "kernel.perf_event_paranoid is '${par:-unreadable}': anyone may open the PMU"
		return
	}
	command -v setpriv >/dev/null 2>&1 || {
		t_skip "no setpriv(1) to drop root with"
		return
	}
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$WP_BIN" || {
		t_skip "uid 65534 cannot run $WP_BIN (a directory on its path is closed)"
		return
	}
	tmp=$(wp_tmp)
	rc=0
	timeout -k 5 "$WP_TIMEOUT" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$WP_BIN" record -e perf -d 1s -o - >"$tmp/rec.out" 2>"$tmp/rec.err" </dev/null || rc=$?
	t_info "as uid 65534: status $rc, stderr: $(wp_err "$tmp/rec")"
	check_refusal "$tmp/rec" "$rc" "CAP_PERFMON" "perf_event_paranoid <= 0 (now $par)"
	t_pass
}

# A PMU description under a fake sysfs root whose type is the software PMU (1) and whose
# events are cpu-clock (config 0): real perf_event_open, real reads, known power. package at
# 1e-9 J per count (1 W, long double), dram at 2^-32 J (0.2328 W, the exact path), on CPU 0.
case_cpu_clock() {
	local tmp root pmu csv rc time pkg dram node exp_p exp_d
	tmp=$(wp_tmp)
	root=$tmp/sys
	pmu=$root/bus/event_source/devices/power
	csv=$tmp/rec.csv
	mkdir -p "$pmu/events" "$pmu/format" || {
		t_fail "cannot make $pmu"
		return
	}
	echo 1 >"$pmu/type"
	echo 0 >"$pmu/cpumask"
	echo config:0-63 >"$pmu/format/event"
	echo event=0x0 >"$pmu/events/energy-pkg"
	echo 1e-9 >"$pmu/events/energy-pkg.scale"
	echo event=0x0 >"$pmu/events/energy-ram"
	echo 2.3283064365386962890625e-10 >"$pmu/events/energy-ram.scale"
	echo Joules | tee "$pmu/events/energy-pkg.unit" >"$pmu/events/energy-ram.unit"
	wp_run rc "$tmp/rec" record -e "perf:$root" -i 100ms -d "${RUN_S}s" -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "record -e perf:$root exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	csv_awk "$csv" 'col("source") != "perf" || col("gap") != "" { exit 1 }' ||
		t_check "rows with a source other than perf, or gaps"
	time=$(csv_time_sum "$csv")
	pkg=$(csv_sum "$csv" energy_uj.package-0) || t_check "no energy_uj.package-0 column"
	dram=$(csv_sum "$csv" energy_uj.dram-0) || t_check "no energy_uj.dram-0 column"
	node=$(csv_awk "$csv" '!(col("ts_ns") in s) { s[col("ts_ns")] = 1; n += col("node_energy_uj") }
		END { printf "%.0f\n", n }')
	exp_p=$(awk -v t="$time" 'BEGIN { printf "%.0f\n", t / 1000 }')
	exp_d=$(awk -v t="$time" 'BEGIN { printf "%.0f\n", t / 1000 * 1e9 / 4294967296 }')
	t_info "$time ns: package $pkg uJ (expected $exp_p, $(pct_err "$pkg" "$exp_p")% off)," \
		"dram $dram uJ (expected $exp_d, $(pct_err "$dram" "$exp_d")% off), node $node uJ"
	# The counters and the intervals are read a moment apart: 1% is some 20 ms in 2 s.
	within_pct "$pkg" "$exp_p" 1 || t_check "package $pkg uJ not within 1% of 1 W x time"
	within_pct "$dram" "$exp_d" 1 || t_check "dram $dram uJ not within 1% of 0.2328 W x time"
	[ "$node" = $((pkg + dram)) ] || t_check "node energy $node != package + dram $((pkg + dram))"
	t_pass
}

t_run record_real_pmu case_record_real
t_run doctor_line case_doctor
t_run list_moves_on case_list_moves_on
t_run unprivileged case_unprivileged
t_run cpu_clock_1w case_cpu_clock
