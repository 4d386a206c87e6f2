#!/usr/bin/env bash
# test_report.sh: `wattprobe report` on recordings the test writes with known series (exact
# tables, windows, gzip, JSON, reconciles, charts), on a real recording (the same table record
# printed), and on bad input (truncated, foreign, an empty window, a damaged sidecar); compare
# against Welch's interval by hand; the progress line on a terminal.
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
	{ [ "$rc" = 1 ] && grep -q "cut.csv:31: the last row has no end of line: a truncated file (--allow-truncated reads it" "$tmp/a.err"; } ||
		t_check "truncated: $rc $(wp_err "$tmp/a")"
	# Asked for: the interval the cut went through (the 10th) is left out, the 9 before are
	# whole: 8 with energy (the 6th is a gap), 24 J of workload.
	wp_run rc "$tmp/a2" report --allow-truncated "$tmp/cut.csv"
	{ [ "$rc" = 0 ] && grep -q "window: 0.000 .. 9.000 s of 9.000 s, 9 intervals, gaps 1" "$tmp/a2.out" &&
		[ "$(line_of "$tmp/a2.out" workload)" = "4.500 24.000 3.000 30.0%" ] &&
		grep -qx "wattprobe: $tmp/cut.csv:31: the last row has no end of line: a truncated file: read up to its last whole interval, 9.000 s" "$tmp/a2.err"; } ||
		t_check "--allow-truncated: $rc $(grep window "$tmp/a2.out") $(wp_err "$tmp/a2")"
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

# A run of DUR 1 s intervals: flux at F W (0: none), workload at W W, idle at 5 W, source SRC,
# and kubelet (group node) at K W (0: none).
run_csv() { # FILE DUR F W [SRC] [K]
	local i ts f w k node src=${5:-powercap}
	f=$(awk -v x="$3" 'BEGIN { printf "%d", x * 1e6 }')
	w=$(awk -v x="$4" 'BEGIN { printf "%d", x * 1e6 }')
	k=$(awk -v x="${6:-0}" 'BEGIN { printf "%d", x * 1e6 }')
	node=$((f + w + k + 5000000))
	{
		echo "$HDR"
		for ((i = 1; i <= $2; i++)); do
			ts=$((i * 1000000000))
			[ "$f" -gt 0 ] && echo "$ts,1000000000,11,/kubepods.slice/src,100000000,,,1,$f,$src,1,$node,,flux-system,source-controller-1,manager,flux,source-controller,$f"
			echo "$ts,1000000000,12,/kubepods.slice/web,300000000,,,1,$w,$src,1,$node,,default,web-1,web,workload,,$w"
			[ "$k" -gt 0 ] && echo "$ts,1000000000,13,/system.slice/kubelet.service,50000000,,,1,$k,$src,1,$node,,,,,node,kubelet,$k"
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
	grep -qE '^total +8\.000±0\.200 +9\.100±0\.173 +\+1\.100 ' "$tmp/cmp.out" ||
		t_check "total line: $(grep '^total' "$tmp/cmp.out")"
	grep -qF 'verdict: Flux controllers add 1.100 ± 0.248 Wh per hour, 12.1 % of node energy' \
		"$tmp/cmp.out" || t_check "verdict: $(grep verdict "$tmp/cmp.out")"
	# 8.0 and 9.1 Wh/h at 400 g/kWh and PUE 1.5: 4.8 and 5.46 g per hour.
	grep -qF 'carbon (an estimate: 400 gCO2e/kWh, PUE 1.50): baseline 4.800, candidate 5.460, difference +0.660 gCO2e per hour' \
		"$tmp/cmp.out" || t_check "carbon: $(grep carbon "$tmp/cmp.out")"
	run_csv "$tmp/m1.csv" 10 0 3.0 model
	wp_run rc "$tmp/mix" compare "$tmp/b1.csv" --vs "$tmp/m1.csv"
	{ [ "$rc" = 1 ] && grep -q "b1.csv's energy comes from powercap, .*m1.csv's from model: not comparable" "$tmp/mix.err"; } ||
		t_check "mixed sources: $rc $(wp_err "$tmp/mix")"
	# The same as JSON: the interval to six places (1.1 -+ 0.248414), carbon per hour.
	wp_run rc "$tmp/json" compare "$tmp"/b?.csv --vs "$tmp"/c?.csv --json --grid-intensity 400 --pue 1.5
	tr -d ' \n' <"$tmp/json.out" >"$tmp/json.flat"
	grep -qF '"group":"flux","baseline":{"runs":3,"mean_wh_per_h":0.000000,"sd_wh_per_h":0.000000},"candidate":{"runs":3,"mean_wh_per_h":1.100000,"sd_wh_per_h":0.100000},"diff_wh_per_h":1.100000,"diff_ci95":[0.851586,1.348414],"ratio":null' \
		"$tmp/json.flat" || t_check "JSON flux: $(head -c 600 "$tmp/json.flat")"
	grep -qF '"candidate_g_per_h":5.460000' "$tmp/json.flat" || t_check "JSON carbon"
	grep -qF '"verdict":"verdict:Fluxcontrollersadd1.100±0.248Whperhour,12.1%ofnodeenergy"' "$tmp/json.flat" ||
		t_check "JSON verdict: $(grep verdict "$tmp/json.out")"
	# A group named node (kubelet, the runtimes, 0.5 W here) is a group like the others, not
	# the node's total: 3 + 0.5 + 5 = 8.5 Wh/h against 1 + 3 + 0.5 + 5 = 9.5.
	run_csv "$tmp/n1.csv" 10 0 3.0 powercap 0.5
	run_csv "$tmp/n2.csv" 10 1.0 3.0 powercap 0.5
	wp_run rc "$tmp/node" compare "$tmp/n1.csv" --vs "$tmp/n2.csv"
	{ grep -qE '^node +0\.500±- +0\.500±- +[+-]0\.000 ' "$tmp/node.out" &&
		grep -qE '^total +8\.500±- +9\.500±- +\+1\.000 ' "$tmp/node.out"; } ||
		t_check "node group and total: $(grep -E '^(node|total)' "$tmp/node.out" | tr '\n' ';')"
	wp_run rc "$tmp/novs" compare "$tmp/b1.csv"
	{ [ "$rc" = 1 ] && grep -q "want BASELINE... --vs CANDIDATE..." "$tmp/novs.err"; } ||
		t_check "no --vs: $rc $(wp_err "$tmp/novs")"
	t_pass
}

# 6000 intervals of 100 ms (10 min). source-controller: 1 mJ each (a 0.01 W floor), plus 0.5 J
# in the interval starting at 30 s + 60 s k (k = 0..9). kustomize-controller: 0 J, plus 0.4 J
# in each of the three intervals from 45 s + 90 s k (k = 0..6). A workload at 3 W, idle 5 W.
reconcile_csv() { # FILE
	awk -v hdr="$HDR" 'BEGIN {
		print hdr
		for (i = 0; i < 6000; i++) {
			ts = (i + 1) * 100000000
			src = 1000; if (i >= 300 && (i - 300) % 600 == 0) src += 500000
			ks = 0; if (i >= 450 && (i - 450) % 900 < 3) ks = 400000
			node = src + ks + 300000 + 500000
			printf "%d,100000000,11,/kubepods.slice/src,1000000,,,1,%d,powercap,1,%d,,flux-system,source-controller-1,manager,flux,source-controller,%d\n", ts, src, node, src
			printf "%d,100000000,13,/kubepods.slice/ks,1000000,,,1,%d,powercap,1,%d,,flux-system,kustomize-controller-1,manager,flux,kustomize-controller,%d\n", ts, ks, node, ks
			printf "%d,100000000,12,/kubepods.slice/web,30000000,,,1,300000,powercap,1,%d,,default,web-1,web,workload,,300000\n", ts, node
			printf "%d,100000000,0,<idle>,160000000,,,0,500000,powercap,0,%d,,,,,idle,,500000\n", ts, node
		}
	}' >"$1"
}

# The reconcile line of CONTROLLER: "BURSTS PERIOD J RECONCILES/h IN-BURSTS".
reconcile_of() { # FILE CONTROLLER
	awk -v c="$2" '/^reconciles:/ { on = 1 } on && $1 == c { print $2, $3, $4, $5, $6; exit }' "$1"
}

# By hand: source-controller 10 bursts 60 s apart of 0.5 J above its floor, 60 an hour, 5 J of
# its 5 + 0.01 x 600 = 11 J in bursts (45.5 %); kustomize-controller 7 of 1.2 J 90 s apart,
# 7 in 600 s = 42 an hour, all of its energy. From 5 min: 330 .. 570 s, 5 bursts, and 315,
# 405, 495, 585 s, 4 (48 an hour).
case_reconcile() {
	local tmp rc f
	tmp=$(wp_tmp)
	f=$tmp/rec.csv
	reconcile_csv "$f"
	wp_run rc "$tmp/r" report "$f"
	[ "$rc" = 0 ] || t_fail "report exited $rc: $(wp_err "$tmp/r")" || return
	grep -q "^reconciles: bursts in each Flux controller's energy, 100ms bins" "$tmp/r.out" ||
		t_check "no reconciles section: $(tail -4 "$tmp/r.out")"
	[ "$(reconcile_of "$tmp/r.out" source-controller)" = "10 60.0±0.0 0.5000±0.0000 60.0 45.5%" ] ||
		t_check "source-controller: $(reconcile_of "$tmp/r.out" source-controller)"
	[ "$(reconcile_of "$tmp/r.out" kustomize-controller)" = "7 90.0±0.0 1.2000±0.0000 42.0 100.0%" ] ||
		t_check "kustomize-controller: $(reconcile_of "$tmp/r.out" kustomize-controller)"
	wp_run rc "$tmp/w" report --from 5m "$f"
	[ "$(reconcile_of "$tmp/w.out" source-controller | cut -d' ' -f1-2,4)" = "5 60.0±0.0 60.0" ] ||
		t_check "source-controller from 5m: $(reconcile_of "$tmp/w.out" source-controller)"
	[ "$(reconcile_of "$tmp/w.out" kustomize-controller | cut -d' ' -f1-2,4)" = "4 90.0±0.0 48.0" ] ||
		t_check "kustomize-controller from 5m: $(reconcile_of "$tmp/w.out" kustomize-controller)"
	wp_run rc "$tmp/j" report --json "$f"
	tr -d ' \n' <"$tmp/j.out" >"$tmp/j.flat"
	grep -qF '"controller":"source-controller","bin_s":0.100,"bursts":10,"whole_bursts":10,"busy":false,"periodic":true,"period_s":60.000,"period_spread_s":0.000,"j_per_reconcile":0.500000' \
		"$tmp/j.flat" || t_check "JSON: $(grep -o '"reconciles".\{0,300\}' "$tmp/j.flat")"
	# By cgroup there is no reconcile table: it belongs to the groups' view.
	wp_run rc "$tmp/c" report --by cgroup "$f"
	! grep -q "^reconciles:" "$tmp/c.out" || t_check "--by cgroup printed reconciles"
	t_pass
}

# The PNG's pixels of exactly COLOUR (RRGGBB).
pixels_of() { # PNG COLOUR
	"$pngstat" "$1" --count "$2" | awk -v c="$2" '$1 == c { print $2 }'
}

# PIXELS is in LO..HI.
expect_range() { # WHAT PIXELS LO HI
	{ [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; } ||
		t_check "$1: $2 pixels, want $3..$4"
}

# The synthetic recording's chart, by hand from the chart's geometry (a 660 x 290 px plot, bars
# up to 540 px at 20 px): the stack tops at 10 W, so the axis runs to 12 W; flux's band is
# 2/12 of 290 px over 9 of the 10 columns of 66 px (28,710 px), its bar 18/50 of 540 px
# (3,888 px), its legend swatch 144: about 32,700. The workload's band is 3/12: 43,065 px, bar
# 5,832, swatch 144: about 49,000. The gap column is 66 x 290 = 19,140 px. Edges blend, so
# the ranges allow a row or so.
case_svg() {
	local tmp rc f pngstat line
	pngstat=$(wp_helper pngstat) || return
	tmp=$(wp_tmp)
	f=$tmp/syn.csv
	synthetic "$f"
	wp_run rc "$tmp/r" report --svg "$tmp/r.svg" "$f"
	[ "$rc" = 0 ] || t_fail "report --svg exited $rc: $(wp_err "$tmp/r")" || return
	xmllint --noout "$tmp/r.svg" 2>"$tmp/xml.err" || t_check "not well-formed: $(head -c 300 "$tmp/xml.err")"
	rsvg-convert -f png -o "$tmp/r.png" "$tmp/r.svg" 2>"$tmp/rsvg.err" ||
		t_fail "rsvg-convert: $(head -c 300 "$tmp/rsvg.err")" || return
	line=$("$pngstat" "$tmp/r.png")
	# 960 wide; 510 + 3 bars of 28 + 40 high.
	[ "$(echo "$line" | cut -d' ' -f1-2)" = "960 634" ] || t_check "size: $line"
	awk -v l="$line" 'BEGIN { split(l, a, " "); exit !(a[3] > 0.2 && a[4] > 20) }' ||
		t_check "nearly blank: $line"
	expect_range "flux" "$(pixels_of "$tmp/r.png" e4572e)" 30000 34000
	expect_range "workload" "$(pixels_of "$tmp/r.png" 4c78a8)" 46000 50500
	expect_range "gap" "$(pixels_of "$tmp/r.png" e8e8e8)" 18500 19700
	for w in "energy: powercap (the CSV's source column)" "power (W)" "time since the start (s)" \
		"Energy by group (J, share of the node's)" "27.00 J  (30.0 %)" "gap: energy unknown"; do
		grep -qF "$w" "$tmp/r.svg" || t_check "the chart lacks '$w'"
	done
	# compare's chart: both sides' bars, the verdict and the source on it.
	run_csv "$tmp/b1.csv" 10 0 3.0
	run_csv "$tmp/b2.csv" 20 0 3.2
	run_csv "$tmp/c1.csv" 10 1.0 3.0
	run_csv "$tmp/c2.csv" 15 1.2 3.1
	wp_run rc "$tmp/c" compare "$tmp"/b?.csv --vs "$tmp"/c?.csv --svg "$tmp/c.svg"
	[ "$rc" = 0 ] || t_fail "compare --svg exited $rc: $(wp_err "$tmp/c")" || return
	xmllint --noout "$tmp/c.svg" 2>"$tmp/xml.err" || t_check "compare's not well-formed: $(head -c 300 "$tmp/xml.err")"
	rsvg-convert -f png -o "$tmp/c.png" "$tmp/c.svg" || t_fail "rsvg-convert compare" || return
	expect_range "baseline bars" "$(pixels_of "$tmp/c.png" 7f9fbf)" 5000 200000
	expect_range "candidate bars" "$(pixels_of "$tmp/c.png" e4572e)" 5000 200000
	grep -qF "verdict: Flux controllers add 1.100" "$tmp/c.svg" || t_check "compare's chart has no verdict"
	grep -qF "energy: powercap, attribution util" "$tmp/c.svg" || t_check "compare's chart has no source"
	# Bad: two files, a directory that is not there (nothing left behind either way).
	wp_run rc "$tmp/two" report --svg "$tmp/x.svg" "$f" "$f"
	{ [ "$rc" = 1 ] && grep -q "report: --svg draws one recording, and 2 are named" "$tmp/two.err"; } ||
		t_check "two files: $rc $(wp_err "$tmp/two")"
	wp_run rc "$tmp/nodir" report --svg "$tmp/none/x.svg" "$f"
	{ [ "$rc" = 1 ] && grep -q "report: writing $tmp/none/x.svg: No such file or directory" "$tmp/nodir.err"; } ||
		t_check "no directory: $rc $(wp_err "$tmp/nodir")"
	t_pass
}

# Found by a breaker session: 100 groups (past the chart's 64 tracks and compare's 64 lines),
# a group with a slash and one with a byte that is not UTF-8, a quote that never closes.
case_hostile() {
	local tmp rc i g
	tmp=$(wp_tmp)
	{
		echo "$HDR"
		for ((i = 1; i <= 10; i++)); do
			for ((g = 0; g < 100; g++)); do
				printf '%d,1000000000,%d,/g%03d,1000000,,,1,10000,powercap,1,1500000,,,,,g%03d,,10000\n' \
					$((i * 1000000000)) $((10 + g)) "$g" "$g"
			done
			echo "$((i * 1000000000)),1000000000,0,<idle>,1000000000,,,0,500000,powercap,0,1500000,,,,,idle,,500000"
		done
	} >"$tmp/g100.csv"
	wp_run rc "$tmp/r" report --svg "$tmp/g.svg" "$tmp/g100.csv"
	{ [ "$rc" = 0 ] && xmllint --noout "$tmp/g.svg" && grep -qF '(other groups)' "$tmp/g.svg"; } ||
		t_check "100 groups: report $rc $(wp_err "$tmp/r")"
	# 61 groups of 0.1 J an hour... each 0.01 Wh/h; the other 39 summed: 0.390.
	wp_run rc "$tmp/c" compare "$tmp/g100.csv" --vs "$tmp/g100.csv"
	{ [ "$rc" = 0 ] && grep -qE '^\(other groups\) +0\.390±- ' "$tmp/c.out" &&
		[ "$(grep -c '^g[0-9]' "$tmp/c.out")" = 61 ]; } ||
		t_check "100 groups: compare $rc, $(grep -c '^g[0-9]' "$tmp/c.out") lines: $(grep other "$tmp/c.out")"
	sed 's/,g000,,/,a\/b,,/; s/,g001,,/,bad\xfe,,/' "$tmp/g100.csv" >"$tmp/odd.csv"
	wp_run rc "$tmp/o" report --svg "$tmp/o.svg" --json "$tmp/odd.csv"
	{ [ "$rc" = 0 ] && xmllint --noout "$tmp/o.svg" && grep -qF '>a/b ' "$tmp/o.svg" &&
		grep -qF "$(printf 'bad\xef\xbf\xbd')" "$tmp/o.out"; } ||
		t_check "odd names: $rc $(wp_err "$tmp/o")"
	{ echo "$HDR"; echo '1000000000,1000000000,0,<idle>,1,,,0,1,powercap,0,1,,"open,,,,idle,,1'
		echo "2000000000,1000000000,0,<idle>,1,,,0,1,powercap,0,1,,,,,idle,,1"; } >"$tmp/q.csv"
	wp_run rc "$tmp/q" report --allow-truncated "$tmp/q.csv"
	{ [ "$rc" = 1 ] && grep -q "q.csv:2: a quoted field that never ends" "$tmp/q.err"; } ||
		t_check "an open quote: $rc $(wp_err "$tmp/q")"
	t_pass
}

# A long read shows how far it has come on a terminal (script(1) gives it one), never on a
# pipe. 1.8 million rows take about 2 s here; the line shows after 0.5 s.
case_progress() {
	local tmp rc
	tmp=$(wp_tmp)
	awk -v hdr="$HDR" 'BEGIN { print hdr; for (i = 1; i <= 600000; i++) { ts = i * 10000000
		printf "%d,10000000,11,/a,2000000,,,4,20000,powercap,4,100000,,,,,host-other,,20000\n", ts
		printf "%d,10000000,12,/b,5000000,,,9,30000,powercap,9,100000,,,,,host-other,,30000\n", ts
		printf "%d,10000000,0,<idle>,13000000,,,0,50000,powercap,0,100000,,,,,idle,,50000\n", ts } }' |
		gzip -1 >"$tmp/big.csv.gz"
	script -qec "$WP_BIN report $tmp/big.csv.gz >$tmp/tty.out" /dev/null >"$tmp/tty.err" </dev/null
	grep -q "wattprobe: reading $tmp/big.csv.gz: *[0-9]* %" "$tmp/tty.err" ||
		t_check "no progress on a terminal: $(head -c 200 "$tmp/tty.err" | cat -v)"
	grep -q "total .* 100.0%" "$tmp/tty.out" || t_check "the table is not whole: $(tail -1 "$tmp/tty.out")"
	wp_run rc "$tmp/pipe" report "$tmp/big.csv.gz"
	[ ! -s "$tmp/pipe.err" ] || t_check "progress on a pipe: $(head -c 200 "$tmp/pipe.err" | cat -v)"
	t_pass
}

t_run synthetic case_synthetic
t_run real case_real
t_run bad case_bad
t_run compare case_compare
t_run reconcile case_reconcile
t_run svg case_svg
t_run hostile case_hostile
t_run progress case_progress
