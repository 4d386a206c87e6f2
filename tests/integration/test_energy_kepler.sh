#!/usr/bin/env bash
# test_energy_kepler.sh: energy scraped from a Kepler (kepler:URL): fakekepler serves a 0.10+
# /metrics file that a writer here rewrites 4 times a second, its counters advancing at a known
# power; Kepler restarts (counters back near 0) or goes away in the middle of a run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PKG_W=20 # package-0; dram-0 at 5 W: 25 W of node energy
DRAM_W=5
RUN_S=6

# Rewrite FILE every 250 ms for DUR s, as Kepler 0.10+ would show it; at RESET s (0: never) the
# counters start again from near 0, as after a Kepler restart.
kepler_writer() { # FILE RESET DUR
	local file=$1 reset=$2 dur=$3 t0 out el pkg dram
	exec 2>/dev/null # killed at cleanup, mid-sleep: no "Killed" from bash
	t0=$EPOCHREALTIME
	while :; do
		out=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v r="$reset" -v pw="$PKG_W" -v dw="$DRAM_W" \
			'BEGIN { e = b - a; p = 1000; d = 250
			if (r > 0 && e >= r) { p = 1; d = 0.25; e -= r }
			printf "%.3f %.6f %.6f\n", b - a, p + pw * e, d + dw * e }')
		read -r el pkg dram <<<"$out"
		{
			echo '# HELP kepler_node_cpu_joules_total Energy consumption of cpu at node level in joules'
			echo '# TYPE kepler_node_cpu_joules_total counter'
			printf 'kepler_node_cpu_joules_total{node_name="wptest",path="/sys/class/powercap/intel-rapl:0",zone="package"} %s\n' "$pkg"
			printf 'kepler_node_cpu_joules_total{node_name="wptest",path="/sys/class/powercap/intel-rapl:0:2",zone="dram"} %s\n' "$dram"
		} >"$file.tmp" && mv -f "$file.tmp" "$file"
		awk -v e="$el" -v d="$dur" 'BEGIN { exit !(e > d) }' && break
		sleep 0.25
	done
}

# Start the writer and fakekepler; the URL goes to VAR, fakekepler's pid to VAR_pid.
kepler_start() { # VAR RESET DUR
	local _fk _tmp _i _port
	_fk=$(wp_helper fakekepler) || return 1
	_tmp=$(wp_tmp)
	wp_bg _ kepler_writer "$_tmp/metrics" "$2" "$3"
	for ((_i = 0; _i < 100; _i++)); do
		[ -f "$_tmp/metrics" ] && break
		sleep 0.05
	done
	wp_bg "$1_pid" "$_fk" --metrics "$_tmp/metrics" --port-file "$_tmp/port" --log "$_tmp/fk.log"
	for ((_i = 0; _i < 100; _i++)); do
		[ -s "$_tmp/port" ] && break
		sleep 0.05
	done
	read -r _port <"$_tmp/port" 2>/dev/null || {
		t_fail "fakekepler wrote no port within 5 s"
		return 1
	}
	printf -v "$1" 'http://127.0.0.1:%s/metrics' "$_port"
}

# SKIP, loudly, while energy.c does not know kepler: yet (wired by the energy layer's owner).
kepler_wired() { # URL
	local tmp
	tmp=$(wp_tmp)
	wp_run _ "$tmp/probe" record -d 100ms -e "kepler:$1" -o "$tmp/probe.csv"
	if grep -q "unknown energy source" "$tmp/probe.err"; then
		t_skip "energy.c does not open kepler:URL yet: $(wp_err "$tmp/probe")"
		return 1
	fi
}

# Per interval invariants; prints "node_uj time_ns pkg_uj dram_uj intervals gaps worst_W
# gap_zones" (violations on stderr, 5 of each kind at most).
check_kepler_csv() { # FILE
	csv_awk "$1" '
	function bad(kind, msg) { if (nbad[kind]++ < 5) print kind ": " msg > "/dev/stderr"; err = 1 }
	function close_iv(   w) {
		if (ts == "") return
		n++
		if (gap != "") { ngap++; if (!index(gz, gap)) gz = gz gap " "; return }
		if (sum != node) bad("sum", "ts " ts ": rows add up to " sum " uJ, node_energy_uj " node)
		if (p + d != node) bad("zones", "ts " ts ": package " p " + dram " d " != node " node)
		w = iv ? p * 1000 / iv : 0
		if (w > worst) worst = w
		tn += node; tt += iv; tp += p; td += d
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
			gap = col("gap"); sum = p = d = 0
		}
		if (col("source") != "kepler")
			bad("source", "ts " ts " " col("cgroup") ": source \"" col("source") "\"")
		if (gap != "" && col("energy_uj") != "") bad("gapval", "ts " ts ": energy in a gap")
		sum += col("energy_uj"); p += col("energy_uj.package-0"); d += col("energy_uj.dram-0")
	}
	END {
		if (_csv_err) exit _csv_err
		close_iv()
		if (n == 0) bad("rows", "no intervals")
		printf "%.0f %.0f %.0f %.0f %d %d %.1f %s\n", tn, tt, tp, td, n, ngap, worst, gz "-"
		exit err
	}'
}

# Read check_kepler_csv's figures into globals; 1 (case failed) when there are none.
kepler_figures() { # CSV TMP
	local out
	out=$(check_kepler_csv "$1" 2>"$2/check.err") ||
		t_check "CSV invariants: $(head -n 12 "$2/check.err" | tr '\n' ';')"
	read -r k_node k_time k_pkg k_dram k_n k_gaps k_worst k_gapzones <<<"$out"
	[ -n "$k_n" ] || {
		t_fail "cannot read the CSV: $(head -c 300 "$2/check.err")"
		return 1
	}
	t_info "$k_n intervals ($k_gaps gaps: ${k_gapzones%-}), $k_time ns: node $k_node uJ" \
		"(package $k_pkg, dram $k_dram), highest package power in an interval $k_worst W"
}

# Kepler's steps (4 a second here, 1 s scrapes) spread: no interval shows more than a few times
# the package's power, and over the run the energy is the fed power, less what is still being
# spread at the end (at most about 2 s of it: a scrape period and the first step's span).
case_steady() {
	local url tmp csv rc watts
	kepler_start url 0 $((RUN_S + 6)) || return
	kepler_wired "$url" || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	wp_run rc "$tmp/rec" record -i 100ms -d "${RUN_S}s" -e "kepler:$url" -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	kepler_figures "$csv" "$tmp" || return
	# Until Kepler's first step (the scraper's first second) its energy is unknown: gaps,
	# never zeros that look measured; none after.
	[ "$k_gaps" -le 12 ] || t_check "$k_gaps gap intervals (${k_gapzones%-}) in a steady run"
	awk -v w="$k_worst" -v p="$PKG_W" 'BEGIN { exit !(w <= 3 * p) }' ||
		t_check "an interval shows the package at $k_worst W, fed $PKG_W W: a step not spread"
	watts=$(awk -v e="$k_node" -v t="$k_time" 'BEGIN { printf "%.2f", t ? e * 1000 / t : 0 }')
	t_info "node energy over the run: $watts W, fed $((PKG_W + DRAM_W)) W"
	awk -v w="$watts" -v f=$((PKG_W + DRAM_W)) -v r="$RUN_S" \
		'BEGIN { exit !(w >= f * (r - 2.5) / r && w <= f * 1.03) }' ||
		t_check "node energy $watts W over the run, fed $((PKG_W + DRAM_W)) W (less 2.5 s of lag)"
	within_pct "$k_pkg" "$((k_dram * PKG_W / DRAM_W))" 2 ||
		t_check "package $k_pkg uJ vs dram $k_dram uJ: not $PKG_W:$DRAM_W within 2%"
	grep -q "^energy: kepler http://127.0.0.1" "$tmp/rec.out" ||
		t_check "the summary does not name the Kepler source: $(grep -m1 '^energy' "$tmp/rec.out")"
	t_pass
}

# Kepler restarts 2.5 s into the writer's run: one gap (both zones), no negative or huge
# interval, and energy again after it.
case_restart() {
	local url tmp csv rc
	kepler_start url 2.5 $((RUN_S + 6)) || return
	kepler_wired "$url" || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	wp_run rc "$tmp/rec" record -i 100ms -d "${RUN_S}s" -e "kepler:$url" -o "$csv"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	kepler_figures "$csv" "$tmp" || return
	# The first second's (no step yet), then the restart and the second until its next step.
	if [ "$k_gaps" -lt 2 ] || [ "$k_gaps" -gt 25 ]; then
		t_check "$k_gaps gap intervals at the start and around the restart, expected 2..25"
	fi
	case $k_gapzones in
	*package-0*dram-0* | *dram-0*package-0*) ;;
	*) t_check "the restart's gap names ${k_gapzones%-}, expected package-0 and dram-0" ;;
	esac
	awk -v w="$k_worst" -v p="$PKG_W" 'BEGIN { exit !(w <= 3 * p) }' ||
		t_check "an interval shows the package at $k_worst W across the restart"
	awk -v e="$k_node" -v f=$((PKG_W + DRAM_W)) -v r="$RUN_S" \
		'BEGIN { exit !(e >= f * (r - 4) * 1e6) }' ||
		t_check "node energy $k_node uJ: too little counted around the restart"
	t_pass
}

# Kepler goes away 2 s into the run: the rest are gaps (after at most a scrape and the spread
# of the last step), wattprobe neither hangs nor fails, and what it had is kept.
case_gone() {
	local url url_pid tmp csv rc t0 t1 killer
	kepler_start url 0 $((RUN_S + 6)) || return
	kepler_wired "$url" || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	t0=$(date +%s%N)
	{
		sleep 2.3
		kill -TERM "$url_pid"
	} &
	killer=$!
	wp_run rc "$tmp/rec" record -i 100ms -d 5s -e "kepler:$url" -o "$csv"
	t1=$(date +%s%N)
	wait "$killer"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	[ $(((t1 - t0) / 1000000)) -lt 8000 ] || t_check "a 5 s run took $(((t1 - t0) / 1000000)) ms"
	kepler_figures "$csv" "$tmp" || return
	# 5 s of 100 ms intervals: the first second's (no step yet), and from Kepler gone at
	# about 2.3 s (+ up to 1 s to notice): 15..42.
	if [ "$k_gaps" -lt 15 ] || [ "$k_gaps" -gt 42 ]; then
		t_check "$k_gaps gap intervals after Kepler went away, expected 15..42"
	fi
	[ "${k_node:-0}" -gt 0 ] || t_check "no energy before Kepler went away"
	t_pass
}

t_run steady case_steady
t_run restart case_restart
t_run gone case_gone
