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

t_run stale case_feed_stale
