#!/usr/bin/env bash
# test_model.sh: the linear model (-e model:idle=W,max=W) and -e auto on a host without RAPL.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Per interval: rows add up to node_energy_uj, and node energy is the documented linear model,
# E = idle x t + (max - idle) x busy x t with busy = non-idle cpu_ns / all cpu_ns, within 1 uJ;
# time the hypervisor stole (the <steal> row) is neither busy nor idle, so it counts in neither.
# Prints "intervals worst_error_uj min_busy max_busy"; violations on stderr.
check_model_csv() { # FILE IDLE_W MAX_W
	csv_awk "$1" '
	function bad(kind, msg) { if (nbad[kind]++ < 5) print kind ": " msg > "/dev/stderr"; err = 1 }
	function close_iv(   busy, want, d) {
		if (ts == "") return
		if (sum_e != node) bad("sum", "ts " ts ": rows add up to " sum_e " uJ, node_energy_uj " node)
		if (zcol && sum_z != node)
			bad("zone", "ts " ts ": energy_uj.model adds up to " sum_z ", node " node)
		busy = all > 0 ? (all - idle) / all : 0
		want = idle_w * iv / 1000 + (max_w - idle_w) * busy * iv / 1000
		d = node - want; if (d < 0) d = -d
		if (d > 1)
			bad("model", sprintf("ts %s: node %s uJ, model says %.1f (busy %.4f, %s ns)",
					     ts, node, want, busy, iv))
		if (d > worst) worst = d
		if (n == 0 || busy < bmin) bmin = busy
		if (busy > bmax) bmax = busy
		n++
	}
	NR == 2 { zcol = has("energy_uj.model"); if (!zcol) bad("column", "no energy_uj.model column") }
	{
		if ((col("ts_ns") "") != (ts "")) {
			close_iv()
			ts = col("ts_ns"); iv = col("interval_ns"); node = col("node_energy_uj")
			sum_e = sum_z = all = idle = 0
		}
		if (col("source") != "model")
			bad("source", "ts " ts " " col("cgroup") ": source \"" col("source") "\"")
		if (col("energy_uj") !~ /^[0-9]+$/)
			bad("value", "ts " ts " " col("cgroup") ": energy_uj \"" col("energy_uj") "\"")
		if (col("node_energy_uj") != node)
			bad("node", "ts " ts ": node_energy_uj varies within the interval")
		sum_e += col("energy_uj")
		if (zcol) sum_z += col("energy_uj.model")
		all += col("cpu_ns")
		if (col("cgroup") == "<idle>") idle += col("cpu_ns")
		if (col("cgroup") == "<steal>") all -= col("cpu_ns")
	}
	END {
		if (_csv_err) exit _csv_err
		close_iv()
		if (n == 0) bad("rows", "no intervals")
		printf "%d %.2f %.4f %.4f\n", n, worst, bmin, bmax
		exit err
	}' idle_w="$2" max_w="$3"
}

case_model() {
	local mp burn tmp csv rc cg pid out
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
	# A load that comes and goes, so that the busy share differs between intervals.
	cg_spawn pid "$cg" "$burn" 70 1.5 300
	wp_run rc "$tmp/rec" record -i 100ms -d 3s -e model:idle=10,max=30 -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	out=$(check_model_csv "$csv" 10 30 2>"$tmp/check.err") ||
		t_check "model invariants: $(head -n 12 "$tmp/check.err" | tr '\n' ';')"
	t_info "intervals, worst |node - model| uJ, busy min, max: ${out:-none}"
	t_pass
}

# No RAPL on this host: auto must fall back to the model and say why, once.
case_auto() {
	local tmp csv rc n
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	if [ -d /sys/class/powercap ] && ls /sys/class/powercap/*/energy_uj >/dev/null 2>&1; then
		t_skip "this host has powercap zones: -e auto would measure"
		return
	fi
	wp_run rc "$tmp/rec" record -i 100ms -d 1s -e auto -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	t_info "stderr: $(wp_err "$tmp/rec")"
	n=$(grep -ci powercap "$tmp/rec.err")
	[ "$n" = 1 ] || t_check "stderr mentions powercap on $n lines, expected exactly 1"
	grep -qi model "$tmp/rec.err" || t_check "stderr does not say the model is used"
	n=$(csv_awk "$csv" 'col("source") != "model" { n++ } END { print n + 0; exit _csv_err }') ||
		t_check "cannot read $csv"
	[ "$n" = 0 ] || t_check "$n rows with a source other than model"
	[ "$(csv_intervals "$csv")" -gt 0 ] || t_check "no intervals in $csv"
	t_pass
}

t_run linear case_model
t_run auto_no_rapl case_auto
