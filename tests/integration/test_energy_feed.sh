#!/usr/bin/env bash
# test_energy_feed.sh: energy fed by a host (feed:DIR): a powercap-shaped tree with a seq file,
# written by fakerapl in feed mode, which stops writing for a while in the middle of the run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WATTS=20 # package; dram at WATTS / 4: 25 W in all

case_feed_stale() {
	local fake tmp dir csv rec i out
	fake=$(wp_helper fakerapl) || return
	tmp=$(wp_tmp)
	dir=$tmp/feed
	csv=$tmp/rec.csv
	# 1 ms writes; none from 2 s to 3.5 s after the start.
	FAKERAPL_FEED=2:1.5 wp_bg _ "$fake" "$dir" "$WATTS" 12
	for ((i = 0; i < 100; i++)); do
		[ -f "$dir/ready" ] && break
		sleep 0.05
	done
	[ -f "$dir/seq" ] || {
		t_fail "fakerapl wrote no $dir/seq"
		return
	}
	wp_record_start rec "$tmp/rec" "$csv" -i 100ms -e "feed:$dir,stale=300ms" || return
	sleep 5
	wp_record_stop "$rec" "$tmp/rec"
	# Per interval: the rows' energy adds up; a gap is a gap (empty energy), never a zero that
	# looks measured beyond the stale window; no interval holds the pause's energy.
	out=$(csv_awk "$csv" '
	function bad(kind, msg) { if (nbad[kind]++ < 5) print kind ": " msg > "/dev/stderr"; err = 1 }
	function close_iv() {
		if (ts == "") return
		if (gap != "") { ngap++; if (run0 > maxrun0) maxrun0 = run0; run0 = 0 }
		else {
			if (sum != node) bad("sum", "ts " ts ": rows " sum " != node " node)
			if (node == 0) run0++
			else {
				if (node > 2 * 25 * iv / 1000) bad("spike", "ts " ts ": " node " uJ in " iv " ns")
				e += node; t += iv
			}
		}
	}
	{
		if ((col("ts_ns") "") != (ts "")) {
			close_iv(); ts = col("ts_ns"); iv = col("interval_ns"); node = col("node_energy_uj")
			gap = col("gap"); sum = 0
		}
		if (col("source") != "feed") bad("source", "ts " ts ": source " col("source"))
		if (gap != "" && col("energy_uj") != "") bad("gapval", "ts " ts ": energy in a gap")
		sum += col("energy_uj")
	}
	END {
		if (_csv_err) exit _csv_err
		close_iv()
		printf "%d %d %.3f\n", ngap, maxrun0, (t ? e * 1000 / t : 0)
		exit err
	}' 2>"$tmp/check.err") || t_check "intervals: $(head -c 400 "$tmp/check.err")"
	read -r ngap maxrun0 watts <<<"$out"
	t_info "gap intervals $ngap, longest run of zero-energy intervals $maxrun0, measured $watts W"
	# 1.5 s paused, 300 ms of it within the stale window: some 12 gaps (+1 on return).
	if [ "${ngap:-0}" -lt 8 ] || [ "${ngap:-0}" -gt 16 ]; then
		t_check "$ngap gap intervals, expected 8..16"
	fi
	[ "${maxrun0:-9}" -le 4 ] || t_check "$maxrun0 zero-energy intervals in a row (stale after 300ms)"
	within_pct "${watts:-0}" 25 5 || t_check "measured $watts W outside the gaps, fed 25 W"
	grep -qE '^gaps [0-9]|, gaps [1-9]' "$tmp/rec.out" || t_check "no gaps in the summary: $(tail -n 1 "$tmp/rec.out")"
	t_pass
}

# A feed is what the VM's vCPUs drew while they ran: by default none of it goes to the guest's
# idle (idle:0W, said once); -a util splits it by idle time as on a node.
case_feed_idle() {
	local fake burn tmp mp cg dir rc idle total
	fake=$(wp_helper fakerapl) || return
	burn=$(wp_helper burn) || return
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return
	}
	tmp=$(wp_tmp)
	dir=$tmp/feed
	FAKERAPL_FEED=100:1 wp_bg _ "$fake" "$dir" "$WATTS" 12
	for ((i = 0; i < 100; i++)); do
		[ -f "$dir/ready" ] && break
		sleep 0.05
	done
	cg_make cg "$mp" || return
	cg_spawn _ "$cg" "$burn" 50 10 100
	wp_run rc "$tmp/d" record -e "feed:$dir" -i 200ms -d 2s -o "$tmp/d.csv"
	[ "$rc" = 0 ] || {
		t_fail "record -e feed: status $rc: $(wp_err "$tmp/d")"
		return
	}
	grep -qF 'attribution idle:0W: a feed is' "$tmp/d.err" ||
		t_check "no idle:0W note: $(wp_err "$tmp/d")"
	idle=$(csv_cg_sum "$tmp/d.csv" energy_uj "" "<idle>")
	total=$(csv_sum "$tmp/d.csv" energy_uj)
	t_info "default: <idle> $idle of $total uJ"
	{ [ "$idle" = 0 ] && [ "$total" -gt 0 ]; } || t_check "idle got $idle of $total uJ by default"
	grep -q '"attribution": *"idle:0' "$tmp/d.csv.meta.json" ||
		t_check "the sidecar does not say idle:0: $(grep attribution "$tmp/d.csv.meta.json")"
	wp_run rc "$tmp/u" record -e "feed:$dir" -a util -i 200ms -d 2s -o "$tmp/u.csv"
	# util: idle's share of each interval's energy is its share of the CPU time.
	read -r idle want < <(csv_awk "$tmp/u.csv" '
	function flush() { if (ts != "" && cpu > 0) want += e * icpu / cpu }
	(col("ts_ns") "") != (ts "") { flush(); ts = col("ts_ns"); e = col("node_energy_uj")
		cpu = 0; icpu = 0 }
	# util: T is idle plus the cgroups, time stolen by the hypervisor is in neither.
	col("cgroup") != "<steal>" { cpu += col("cpu_ns") }
	col("cgroup") == "<idle>" { icpu = col("cpu_ns"); got += col("energy_uj") }
	END { flush(); printf "%.0f %.0f\n", got, want }')
	t_info "-a util: <idle> $idle uJ, its CPU time's share of each interval: $want uJ"
	{ [ "${want:-0}" -gt 0 ] && within_pct "$idle" "$want" 0.01; } ||
		t_check "-a util: idle got $idle uJ, its CPU share $want uJ"
	! grep -qF 'idle:0W' "$tmp/u.err" || t_check "-a util still says idle:0W"
	t_pass
}

t_run stale case_feed_stale
t_run idle case_feed_idle
