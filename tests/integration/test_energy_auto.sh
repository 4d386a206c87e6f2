#!/usr/bin/env bash
# test_energy_auto.sh: which source -e auto and -e LIST pick on this machine, and what they say
# about the ones passed over; doctor's line for each source.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The source column of a CSV: one value on every row, printed.
csv_source() { # CSV
	csv_awk "$1" '{ s[col("source")] = 1 } END { for (k in s) printf "%s ", k; exit _csv_err }'
}

case_auto_here() {
	local tmp rc src
	tmp=$(wp_tmp)
	if compgen -G "/sys/class/powercap/intel-rapl*" >/dev/null; then
		t_skip "this machine has RAPL: auto would measure it (the case is for a VM without)"
		return
	fi
	wp_run rc "$tmp/r" record -d 0.5s -o "$tmp/r.csv"
	[ "$rc" = 0 ] || {
		t_fail "record -d 0.5s: exit $rc: $(wp_err "$tmp/r")"
		return
	}
	src=$(csv_source "$tmp/r.csv")
	[ "$src" = "model " ] || t_check "auto on a machine without RAPL used '$src'"
	# What is used first, then a line for each source passed over and why.
	head -n 1 "$tmp/r.err" | grep -q "^wattprobe: energy: using model (an estimate: " ||
		t_check "the first line does not say the model is used: $(head -n 1 "$tmp/r.err")"
	grep -qx "wattprobe: energy: passed over powercap root /sys/class/powercap: No such file or directory" "$tmp/r.err" ||
		t_check "no line says why powercap was passed over: $(wp_err "$tmp/r")"
	grep -q "^wattprobe: energy: passed over feed /run/wattprobe/feed: " "$tmp/r.err" ||
		t_check "no line says why the feed was passed over"
	if [ -d /sys/bus/event_source/devices/power ]; then
		grep -q "^wattprobe: energy: passed over perf: " "$tmp/r.err" ||
			t_check "no line says why perf was passed over"
	fi
	t_pass
}

case_list() {
	local fake tmp rc i
	fake=$(wp_helper fakerapl) || return
	tmp=$(wp_tmp)
	wp_bg _ "$fake" "$tmp/pc" 20 20
	FAKERAPL_FEED=100:0 wp_bg _ "$fake" "$tmp/feed" 10 20
	for ((i = 0; i < 100; i++)); do
		[ -f "$tmp/pc/ready" ] && [ -f "$tmp/feed/ready" ] && break
		sleep 0.05
	done
	# The first that opens wins, and nothing is said when it is the first.
	wp_run rc "$tmp/a" record -d 0.5s -o "$tmp/a.csv" -e "powercap:$tmp/pc,perf,feed:$tmp/feed,model"
	[ "$rc" = 0 ] || t_check "powercap first: exit $rc: $(wp_err "$tmp/a")"
	[ "$(csv_source "$tmp/a.csv")" = "powercap " ] || t_check "powercap first: used $(csv_source "$tmp/a.csv")"
	! grep -q "passed over" "$tmp/a.err" || t_check "powercap first: a note: $(wp_err "$tmp/a")"
	# Passed over: said once, with the reason; options stay with their entry.
	wp_run rc "$tmp/b" record -d 0.5s -o "$tmp/b.csv" -e "powercap:$tmp/none,feed:$tmp/feed,stale=2s,model"
	[ "$rc" = 0 ] || t_check "feed second: exit $rc: $(wp_err "$tmp/b")"
	[ "$(csv_source "$tmp/b.csv")" = "feed " ] || t_check "feed second: used $(csv_source "$tmp/b.csv")"
	{ grep -q "^wattprobe: energy: using feed" "$tmp/b.err" &&
		grep -qx "wattprobe: energy: passed over powercap root $tmp/none: No such file or directory" \
			"$tmp/b.err"; } || t_check "feed second: $(wp_err "$tmp/b")"
	# Nothing usable: one line with every reason, exit 1.
	wp_run rc "$tmp/c" record -d 0.5s -e "powercap:$tmp/none,feed:$tmp/none"
	[ "$rc" = 1 ] || t_check "nothing usable: exit $rc"
	[ "$(wc -l <"$tmp/c.err")" = 1 ] || t_check "nothing usable: $(wc -l <"$tmp/c.err") lines"
	grep -q "no energy source usable: powercap root $tmp/none: .*; feed $tmp/none" "$tmp/c.err" ||
		t_check "nothing usable: $(wp_err "$tmp/c")"
	t_pass
}

case_doctor() {
	local tmp rc s
	tmp=$(wp_tmp)
	wp_run rc "$tmp/d" doctor
	[ "$rc" = 0 ] || t_check "doctor: exit $rc"
	for s in powercap perf msr feed kepler; do
		grep -qE "^(energy)? +$s +(usable|unusable|not tried)" "$tmp/d.out" ||
			t_check "doctor has no line for $s: $(grep -A7 '^energy' "$tmp/d.out" | head -c 600)"
	done
	grep -q "record -e auto (powercap,perf,feed,model) uses" "$tmp/d.out" ||
		t_check "doctor does not say what auto uses"
	t_pass
}

t_run auto_here case_auto_here
t_run list case_list
t_run doctor case_doctor
