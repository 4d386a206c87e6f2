#!/usr/bin/env bash
# test_report.sh: `wattprobe report` on recordings the test writes with known series (exact
# tables, windows, gzip, JSON), on a real recording (the same table record printed), and on bad
# input (truncated, foreign, an empty window, a damaged sidecar).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HDR=ts_ns,interval_ns,cgroup_id,cgroup,cpu_ns,cycles,instructions,wakeups,energy_uj,source,switches,node_energy_uj,gap,namespace,pod,container,group,component,energy_uj.package-0

# Ten 1 s intervals starting at 0 (ts_ns 1e9 .. 10e9). Per interval: source-controller
# 0.2 s and 2 J, podinfo 0.5 s and 3 J, idle 1.3 s and 5 J: node 10 J. Interval 6 (ts 6e9) is
# a gap: no energy, node unknown.
synthetic() { # FILE
	local i ts e1 e2 ei node gap
	{
		echo "$HDR"
		for ((i = 1; i <= 10; i++)); do
			ts=$((i * 1000000000))
			e1=2000000 e2=3000000 ei=5000000 node=10000000 gap=
			if [ "$i" = 6 ]; then e1='' e2='' ei='' node='' gap=package-0; fi
			echo "$ts,1000000000,11,/kubepods.slice/src,200000000,,,4,$e1,powercap,4,$node,$gap,flux-system,source-controller-6f9c8d7b5-abcde,manager,flux,source-controller,$e1"
			echo "$ts,1000000000,12,/kubepods.slice/podinfo,500000000,,,9,$e2,powercap,9,$node,$gap,podinfo,podinfo-7c9b8f6d5-r2t4y,podinfod,workload,,$e2"
			echo "$ts,1000000000,0,<idle>,1300000000,,,0,$ei,powercap,0,$node,$gap,,,,idle,,$ei"
		done
	} >"$1"
}

# The table's line for NAME: "CPU ENERGY AVG SHARE".
line_of() { # FILE NAME
	awk -v n="$2" '{ k = $1; if (k == "" ) next }
		index($0, n " ") == 1 || $1 == n { print $(NF - 3), $(NF - 2), $(NF - 1), $NF; exit }' "$1"
}

expect_line() { # FILE NAME WANT
	local got
	got=$(line_of "$1" "$2")
	[ "$got" = "$3" ] || t_check "$2: '$got', want '$3'"
}

case_synthetic() {
	local tmp rc f
	tmp=$(wp_tmp)
	f=$tmp/syn.csv
	synthetic "$f"
	wp_run rc "$tmp/all" report "$f"
	[ "$rc" = 0 ] || t_check "report exited $rc: $(wp_err "$tmp/all")"
	# Nine intervals with energy: 18 J, 27 J, 45 J of 90 J; AVG W over the 9 s energy was known.
	expect_line "$tmp/all.out" workload "5.000 27.000 3.000 30.0%"
	expect_line "$tmp/all.out" flux "2.000 18.000 2.000 20.0%"
	expect_line "$tmp/all.out" "  source-controller" "2.000 18.000 2.000 20.0%"
	expect_line "$tmp/all.out" idle "13.000 45.000 5.000 50.0%"
	expect_line "$tmp/all.out" total "20.000 90.000 10.000 100.0%"
	grep -q "window: 0.000 .. 10.000 s of 10.000 s, 10 intervals, gaps 1" "$tmp/all.out" ||
		t_check "window line: $(grep window "$tmp/all.out")"
	grep -q "no metadata" "$tmp/all.out" || t_check "a file without a sidecar is not said to be"
	# Intervals whose middle is in 2.5 s .. 7 s: 2-3 (2.5 s) to 6-7, the gap (5-6) among them:
	# 4 with energy, 12 J of workload over the 4 s energy was known.
	wp_run rc "$tmp/win" report --from 2.5s --to 7s "$f"
	expect_line "$tmp/win.out" workload "2.500 12.000 3.000 30.0%"
	grep -q "window: 2.000 .. 7.000 s of 10.000 s, 5 intervals, gaps 1" "$tmp/win.out" ||
		t_check "window line: $(grep window "$tmp/win.out")"
	# By pod, gzip, JSON.
	gzip -c "$f" >"$f.gz"
	wp_run rc "$tmp/pod" report --by pod "$f.gz"
	expect_line "$tmp/pod.out" podinfo/podinfo-7c9b8f6d5-r2t4y "5.000 27.000 3.000 30.0%"
	wp_run rc "$tmp/json" report --json --by group "$f.gz"
	grep -q '"energy_j":18.000000' "$tmp/json.out" || t_check "JSON: no flux 18 J"
	grep -q '"node_energy_j":90.000000' "$tmp/json.out" || t_check "JSON: no node 90 J"
	grep -q '"name":"source-controller"' "$tmp/json.out" || t_check "JSON: no flux component"
	t_pass
}

case_real() {
	local tmp rc
	tmp=$(wp_tmp)
	wp_run rc "$tmp/rec" record -i 100ms -d 2s -o "$tmp/run.csv.gz"
	[ "$rc" = 0 ] || t_fail "record exited $rc: $(wp_err "$tmp/rec")" || return
	[ -s "$tmp/run.csv.gz.meta.json" ] || t_check "no sidecar beside the recording"
	grep -q '"complete":true' "$tmp/run.csv.gz.meta.json" || t_check "the sidecar is not complete"
	wp_run rc "$tmp/rep" report "$tmp/run.csv.gz"
	[ "$rc" = 0 ] || t_check "report exited $rc: $(wp_err "$tmp/rep")"
	# The very table record printed, from CGROUP to total.
	diff <(sed -n '/^CGROUP/,/^total/p' "$tmp/rec.out") <(sed -n '/^CGROUP/,/^total/p' "$tmp/rep.out") \
		>"$tmp/diff" || t_check "report's table differs from record's: $(head -c 300 "$tmp/diff")"
	grep -q "started 20" "$tmp/rep.out" || t_check "the header has no start time"
	t_pass
}

case_bad() {
	local tmp rc f
	tmp=$(wp_tmp)
	f=$tmp/syn.csv
	synthetic "$f"
	head -c -40 "$f" >"$tmp/cut.csv"
	wp_run rc "$tmp/a" report "$tmp/cut.csv"
	{ [ "$rc" = 1 ] && grep -q "cut.csv:31: the last row has no end of line: a truncated file" "$tmp/a.err"; } ||
		t_check "truncated: $rc $(wp_err "$tmp/a")"
	printf 'name,age\nbob,3\n' >"$tmp/foreign.csv"
	wp_run rc "$tmp/b" report "$tmp/foreign.csv"
	{ [ "$rc" = 1 ] && grep -q "not a wattprobe recording (no column ts_ns)" "$tmp/b.err"; } ||
		t_check "foreign: $rc $(wp_err "$tmp/b")"
	wp_run rc "$tmp/c" report --from 20s "$f"
	{ [ "$rc" = 1 ] && grep -q "no whole interval in the window (the recording spans 0..10.000 s)" "$tmp/c.err"; } ||
		t_check "empty window: $rc $(wp_err "$tmp/c")"
	echo '{"format":"wattprobe-record"' >"$f.meta.json"
	wp_run rc "$tmp/d" report "$f"
	{ [ "$rc" = 1 ] && grep -q "syn.csv.meta.json: not JSON" "$tmp/d.err"; } ||
		t_check "damaged sidecar: $rc $(wp_err "$tmp/d")"
	wp_run rc "$tmp/e" report --to 1s --from 2s "$f"
	{ [ "$rc" = 1 ] && grep -q -- "--to must come after --from" "$tmp/e.err"; } ||
		t_check "--to before --from: $rc $(wp_err "$tmp/e")"
	wp_run rc "$tmp/f" report "$tmp/none.csv"
	{ [ "$rc" = 1 ] && grep -q "none.csv: No such file or directory" "$tmp/f.err"; } ||
		t_check "missing file: $rc $(wp_err "$tmp/f")"
	mkdir "$tmp/dir.csv"
	wp_run rc "$tmp/g" report "$tmp/dir.csv"
	{ [ "$rc" = 1 ] && grep -q "dir.csv: not a regular file" "$tmp/g.err"; } ||
		t_check "a directory: $rc $(wp_err "$tmp/g")"
	head -c 500 "$WP_BIN" >"$tmp/bin.csv"
	wp_run rc "$tmp/h" report "$tmp/bin.csv"
	{ [ "$rc" = 1 ] && grep -q "bin.csv: not a wattprobe recording" "$tmp/h.err"; } ||
		t_check "a binary file: $rc $(wp_err "$tmp/h")"
	gzip -c "$f" | head -c 300 >"$tmp/cut.csv.gz"
	wp_run rc "$tmp/i" report "$tmp/cut.csv.gz"
	{ [ "$rc" = 1 ] && grep -q "cut.csv.gz: .*truncated" "$tmp/i.err" &&
		[ "$(grep -o "cut.csv.gz" "$tmp/i.err" | wc -l)" = 1 ]; } ||
		t_check "a cut gzip file: $rc $(wp_err "$tmp/i")"
	for x in a b c d e f g h i; do
		[ "$(grep -c . "$tmp/$x.err")" = 1 ] || t_check "case $x: not one line on stderr"
	done
	t_pass
}

# A run of DUR 1 s intervals: flux at F W (0: none), workload at W W, idle at 5 W, source SRC.
run_csv() { # FILE DUR F W [SRC]
	local i ts f w node src=${5:-powercap}
	f=$(awk -v x="$3" 'BEGIN { printf "%d", x * 1e6 }')
	w=$(awk -v x="$4" 'BEGIN { printf "%d", x * 1e6 }')
	node=$((f + w + 5000000))
	{
		echo "$HDR"
		for ((i = 1; i <= $2; i++)); do
			ts=$((i * 1000000000))
			[ "$f" -gt 0 ] && echo "$ts,1000000000,11,/kubepods.slice/src,100000000,,,1,$f,$src,1,$node,,flux-system,source-controller-1,manager,flux,source-controller,$f"
			echo "$ts,1000000000,12,/kubepods.slice/web,300000000,,,1,$w,$src,1,$node,,default,web-1,web,workload,,$w"
			echo "$ts,1000000000,0,<idle>,1600000000,,,0,5000000,$src,0,$node,,,,,idle,,5000000"
		done
	} >"$1"
}

# By hand: flux 0 in the baseline, {1.0, 1.2, 1.1} Wh/h in the candidate (runs of 10, 15 and 10
# s: normalised per hour). Welch: se^2 = 0.1^2/3, df = 2, t(0.975, 2) = 4.302653, half-width
# 4.302653 x 0.057735 = 0.248414. Node in the candidate: 9.0, 9.3, 9.0, mean 9.1: flux is
# 1.1 / 9.1 = 12.1 % of it.
case_compare() {
	local tmp rc
	tmp=$(wp_tmp)
	run_csv "$tmp/b1.csv" 10 0 3.0
	run_csv "$tmp/b2.csv" 20 0 3.2
	run_csv "$tmp/b3.csv" 10 0 2.8
	run_csv "$tmp/c1.csv" 10 1.0 3.0
	run_csv "$tmp/c2.csv" 15 1.2 3.1
	run_csv "$tmp/c3.csv" 10 1.1 2.9
	wp_run rc "$tmp/cmp" compare "$tmp"/b?.csv --vs "$tmp"/c?.csv --grid-intensity 400 --pue 1.5
	[ "$rc" = 0 ] || t_fail "compare exited $rc: $(wp_err "$tmp/cmp")" || return
	grep -qE '^flux +0\.000±0\.000 +1\.100±0\.100 +\+1\.100 \[0\.852, 1\.348\] +- ' "$tmp/cmp.out" ||
		t_check "flux line: $(grep '^flux' "$tmp/cmp.out")"
	grep -qE '^workload +3\.000±0\.200 +3\.000±0\.100 +[+-]0\.000 ' "$tmp/cmp.out" ||
		t_check "workload line: $(grep '^workload' "$tmp/cmp.out")"
	grep -qE '^node +8\.000±0\.200 +9\.100±0\.173 +\+1\.100 ' "$tmp/cmp.out" ||
		t_check "node line: $(grep '^node' "$tmp/cmp.out")"
	grep -qF 'verdict: Flux controllers add 1.100 ± 0.248 Wh per hour, 12.1 % of node energy' \
		"$tmp/cmp.out" || t_check "verdict: $(grep verdict "$tmp/cmp.out")"
	# 8.0 and 9.1 Wh/h at 400 g/kWh and PUE 1.5: 4.8 and 5.46 g per hour.
	grep -qF 'carbon (an estimate: 400 gCO2e/kWh, PUE 1.50): baseline 4.800, candidate 5.460, difference +0.660 gCO2e per hour' \
		"$tmp/cmp.out" || t_check "carbon: $(grep carbon "$tmp/cmp.out")"
	run_csv "$tmp/m1.csv" 10 0 3.0 model
	wp_run rc "$tmp/mix" compare "$tmp/b1.csv" --vs "$tmp/m1.csv"
	{ [ "$rc" = 1 ] && grep -q "b1.csv's energy comes from powercap, .*m1.csv's from model: not comparable" "$tmp/mix.err"; } ||
		t_check "mixed sources: $rc $(wp_err "$tmp/mix")"
	wp_run rc "$tmp/novs" compare "$tmp/b1.csv"
	{ [ "$rc" = 1 ] && grep -q "want BASELINE... --vs CANDIDATE..." "$tmp/novs.err"; } ||
		t_check "no --vs: $rc $(wp_err "$tmp/novs")"
	t_pass
}

t_run synthetic case_synthetic
t_run real case_real
t_run bad case_bad
t_run compare case_compare
