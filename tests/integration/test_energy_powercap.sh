#!/usr/bin/env bash
# test_energy_powercap.sh: measured energy from a fake powercap tree (fakerapl) whose counters
# advance at a known power and wrap during the run (FIELD-NOTES 1).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WATTS=20          # package; dram runs at WATTS / 4
RANGE_UJ=45000000 # 45 J: the package wraps 2 s after fakerapl starts, then every 2.25 s
RUN_S=6

# Per row and per interval invariants of measured energy; prints "node_uj time_ns pkg_uj dram_uj
# intervals worst_interval_%" on success, one line per violation on stderr (at most 5 of each kind).
check_energy_csv() { # FILE
	csv_awk "$1" '
	function bad(kind, msg) { if (nbad[kind]++ < 5) print kind ": " msg > "/dev/stderr"; err = 1 }
	function uint(v) { return v ~ /^[0-9]+$/ }
	function close_iv(   exp_p, dev) {
		if (ts == "") return
		if (sum_e != node) bad("sum", "ts " ts ": rows add up to " sum_e " uJ, node_energy_uj " node)
		if (sum_p + sum_d != node)
			bad("zones", "ts " ts ": package " sum_p " + dram " sum_d " != node " node)
		# A full interval shows the package near its power. Within 10 J: a wrap undone wrong is
		# off by the whole 45 J range, while a fake descheduled by the host (steal) writes a few
		# hundred ms late at worst (20 W x 0.2 s = 4 J), and wattprobe reads package and dram a
		# moment apart; so the 4:1 ratio is checked over the whole run, not per interval.
		if (iv >= 90000000) {
			exp_p = w * iv / 1000
			dev = sum_p - exp_p; if (dev < 0) dev = -dev
			if (dev > 10000000)
				bad("power", "ts " ts ": package " sum_p " uJ in " iv " ns, expected about " exp_p)
			if (dev / exp_p > worst) worst = dev / exp_p
		}
		tot_node += node; tot_time += iv; tot_p += sum_p; tot_d += sum_d; n++
	}
	NR == 2 {
		if (!has("energy_uj.package-0")) bad("column", "no energy_uj.package-0 column")
		if (!has("energy_uj.dram-0")) bad("column", "no energy_uj.dram-0 column")
		if (err) exit 1
	}
	{
		if ((col("ts_ns") "") != (ts "")) {
			close_iv()
			ts = col("ts_ns"); iv = col("interval_ns"); node = col("node_energy_uj")
			sum_e = sum_p = sum_d = 0
		}
		e = col("energy_uj"); p = col("energy_uj.package-0"); d = col("energy_uj.dram-0")
		if (col("source") != "powercap")
			bad("source", "ts " ts " " col("cgroup") ": source \"" col("source") "\"")
		if (col("gap") != "") bad("gap", "ts " ts " " col("cgroup") ": gap \"" col("gap") "\"")
		if (!uint(e)) bad("value", "ts " ts " " col("cgroup") ": energy_uj \"" e "\"")
		if (!uint(p) || !uint(d)) bad("value", "ts " ts " " col("cgroup") ": zones \"" p "\" \"" d "\"")
		if (!uint(col("node_energy_uj")) || col("node_energy_uj") != node)
			bad("node", "ts " ts ": node_energy_uj \"" col("node_energy_uj") "\" varies")
		if (e != p + d)
			bad("row", "ts " ts " " col("cgroup") ": energy_uj " e " != " p " + " d)
		sum_e += e; sum_p += p; sum_d += d
	}
	END {
		if (_csv_err) exit _csv_err
		close_iv()
		if (n == 0) bad("rows", "no intervals")
		printf "%.0f %.0f %.0f %.0f %d %.2f\n", tot_node, tot_time, tot_p, tot_d, n, 100 * worst
		exit err
	}' w="$WATTS"
}

case_powercap() {
	local fake tmp dir csv rc fp i t0 t1 out node time pkg dram n worst exp
	fake=$(wp_helper fakerapl) || return
	tmp=$(wp_tmp)
	dir=$tmp/powercap
	csv=$tmp/rec.csv
	t0=$(date +%s%N)
	wp_bg fp "$fake" "$dir" "$WATTS" $((RUN_S + 6)) "$RANGE_UJ"
	for ((i = 0; i < 100; i++)); do
		[ -f "$dir/ready" ] && break
		sleep 0.05
	done
	[ -f "$dir/ready" ] || {
		t_fail "fakerapl wrote no $dir/ready within 5 s"
		return
	}
	t1=$(date +%s%N)
	wp_run rc "$tmp/rec" record -i 100ms -d "${RUN_S}s" -e "powercap:$dir" -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	# The package wraps at 2 s and 4.25 s after fakerapl started, dram at 2 s.
	t_info "recorded from $(((t1 - t0) / 1000000)) ms to $((($(date +%s%N) - t0) / 1000000)) ms" \
		"after fakerapl started (wraps at 2000, 4250 ms)"
	[ $(((t1 - t0) / 1000000)) -lt 1900 ] || t_check "the recording started after the first wrap"
	kill -0 "$fp" 2>/dev/null || t_check "fakerapl was gone before the end of the recording"
	out=$(check_energy_csv "$csv" 2>"$tmp/check.err") || {
		t_check "energy invariants: $(head -n 12 "$tmp/check.err" | tr '\n' ';')"
	}
	read -r node time pkg dram n worst <<<"$out"
	[ -n "$n" ] || {
		t_fail "cannot read $csv: $(head -c 300 "$tmp/check.err")"
		return
	}
	exp=$(awk -v t="$time" -v w="$WATTS" 'BEGIN { printf "%.0f\n", w * 1.25 * t / 1000 }')
	t_info "worst full interval: package $worst% off its ${WATTS} W"
	t_info "$n intervals, $time ns: node $node uJ vs ${WATTS} W + $((WATTS / 4)) W x time =" \
		"$exp uJ: $(pct_err "$node" "$exp")% off (package $pkg, dram $dram)"
	within_pct "$node" "$exp" 1 ||
		t_check "node energy $node uJ not within 1% of $exp uJ ($(pct_err "$node" "$exp")%)"
	within_pct "$pkg" "$((dram * 4))" 1 ||
		t_check "package $pkg uJ vs dram $dram uJ over the run: not 4:1 within 1%"
	t_pass
}

t_run wrap_20w case_powercap
