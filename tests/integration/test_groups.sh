#!/usr/bin/env bash
# test_groups.sh: pods and groups on the simulated node (tools/simnode.sh): every row named as
# its pod, container and group; per-group CPU time against the groups' cpu.stat; energy
# conserved in every interval (fake powercap tree); --by group's totals; bad pod metadata
# mid-run; kubectl as the source; bad options at start.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIMNODE=$WP_SRC/tools/simnode.sh
WATTS=20
RUN_S=4

# A script that moves itself into CGDIR and execs wattprobe: the probe's own cgroup.
probe_wrapper() { # FILE CGDIR
	printf '#!/bin/sh\necho $$ > "%s/cgroup.procs" && exec "%s" "$@"\n' "$2" "$WP_BIN" >"$1"
	chmod +x "$1"
}

# Start fakerapl on DIR at WATTS for SECONDS; 1 (case failed) when it is not ready in 5 s.
start_rapl() { # DIR SECONDS
	local fake pid i
	fake=$(wp_helper fakerapl) || return 1
	wp_bg pid "$fake" "$1" "$WATTS" "$2" 1000000000000
	for ((i = 0; i < 100; i++)); do
		[ -f "$1/ready" ] && return 0
		sleep 0.05
	done
	t_fail "fakerapl wrote no $1/ready within 5 s"
	return 1
}

# cpu.stat usage of every cgroup in cgroups.tsv, ns, one per line in the file's order.
tsv_usage() { # TSV
	local dir rest
	while IFS=$'\t' read -r dir rest; do
		cg_usage_ns "$dir" || return 1
	done <"$1"
}

# Per-interval invariants with pods: energy conserved, source measured, every row grouped.
check_intervals() { # CSV
	csv_awk "$1" '
	function bad(kind, msg) { if (nbad[kind]++ < 5) print kind ": " msg > "/dev/stderr"; err = 1 }
	function close_iv() {
		if (ts == "") return
		if (sum != node) bad("sum", "ts " ts ": rows add up to " sum " uJ, node " node)
		n++
	}
	{
		if ((col("ts_ns") "") != (ts "")) { close_iv(); ts = col("ts_ns"); node = col("node_energy_uj"); sum = 0 }
		if (col("source") != "powercap") bad("source", "ts " ts ": source " col("source"))
		if (col("gap") != "") bad("gap", "ts " ts ": gap " col("gap"))
		if (col("group") == "") bad("group", "ts " ts " " col("cgroup") ": no group")
		if (col("cgroup") == "<idle>" && col("group") != "idle") bad("group", "idle row in group " col("group"))
		sum += col("energy_uj")
	}
	END { if (_csv_err) exit _csv_err; close_iv(); print n + 0; exit err }'
}

# Every cgroup of cgroups.tsv that has rows: named as its pod, container and group, in all.
check_names() { # CSV TSV
	csv_awk "$1" '
	BEGIN {
		while ((getline line < tsv) > 0) {
			split(line, f, "\t"); want[f[2]] = f[3] "|" f[4] "|" f[5] "|" f[6]
		}
	}
	col("cgroup") in want {
		got = col("group") "|" col("namespace") "|" col("pod") "|" col("container")
		seen[col("cgroup")] = 1
		if (got != want[col("cgroup")] && nbad++ < 5)
			print col("cgroup") ": " got ", expected " want[col("cgroup")] > "/dev/stderr"
	}
	END {
		if (_csv_err) exit _csv_err
		for (p in want) if (!(p in seen)) { print p ": no rows" > "/dev/stderr"; nbad++ }
		exit nbad > 0
	}' tsv="$2"
}

# CPU seconds and joules of one summary line ("GROUP CPU ENERGY ..."), as printed.
summary_line() { # OUT NAME
	awk -v n="$2" '$1 == n { print $2, $3; f = 1; exit } END { exit !f }' "$1"
}

# The same from the CSV, formatted as the summary formats them (3 decimals).
csv_group_totals() { # CSV GROUP
	csv_awk "$1" 'col("group") == g { cpu += col("cpu_ns"); e += col("energy_uj") }
	END { if (!_csv_err) printf "%.3f %.3f\n", cpu / 1e9, e / 1e6; exit _csv_err }' g="$2"
}

# The simulated node with DRIVER's layout (simnode options SIMOPTS, e.g. --static-pods mirror),
# wattprobe given its pod list and, for cgroupfs (no systemd: the services are in
# /simnode.slice), a --groups rule that makes them node services.
# A run spoiled by host steal is retried once, as in cpu_vs_kernel.
case_simnode() { # DRIVER [SIMOPTS...]
	steal_retry simnode_attempt "$@"
}

# One run of case_simnode; 1 when the case already failed (t_fail) or skipped.
simnode_attempt() { # ATTEMPT DRIVER [SIMOPTS...]
	local attempt=$1 driver=$2 mp tmp node csv rec pcg g s0 s1 i got kns n line tsv
	local -a before after groups=(flux workload k8s-system node) extra=()
	declare -A kernel=()
	shift 2
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return 1
	}
	if [ -e "$mp/kubepods.slice" ] || [ -e "$mp/kubepods" ]; then
		t_skip "$mp has a kubepods tree: a real kubelet runs here"
		return 1
	fi
	[ -x "$SIMNODE" ] || {
		t_fail "no $SIMNODE"
		return 1
	}
	tmp=$(wp_tmp)/$attempt
	mkdir -p "$tmp"
	node=$tmp/node
	csv=$tmp/rec.csv
	start_rapl "$tmp/powercap" $((RUN_S + 15)) || return 1
	cg_make pcg "$mp" || {
		t_fail "cannot make the probe's cgroup"
		return 1
	}
	if [ "$driver" = cgroupfs ]; then
		printf '# the simulated node'"'"'s services, where a host without systemd has them\n' >"$tmp/g.rules"
		printf 'node cgroup=/simnode.slice/*\n' >>"$tmp/g.rules"
		extra=(--groups "$tmp/g.rules")
	fi
	WP_HELPERS=$WP_HELPERS "$SIMNODE" up "$node" --driver "$driver" "$@" >"$tmp/simnode.out" 2>&1 || {
		t_fail "simnode up failed: $(head -c 300 "$tmp/simnode.out")"
		"$SIMNODE" down "$node" >/dev/null 2>&1
		return 1
	}
	# Kept: down removes the state files.
	tsv=$tmp/cgroups.tsv
	cp "$node/cgroups.tsv" "$tsv"
	"$SIMNODE" freeze "$node" || t_check "simnode freeze failed"
	mapfile -t before < <(tsv_usage "$tsv")
	probe_wrapper "$tmp/wattprobe" "$pcg"
	WP_BIN=$tmp/wattprobe wp_record_start rec "$tmp/rec" "$csv" -i 100ms \
		-e "powercap:$tmp/powercap" --pods "$node/pods.json" --by group "${extra[@]}" || {
		"$SIMNODE" down "$node" >/dev/null 2>&1
		return 1
	}
	s0=$(steal_mark)
	"$SIMNODE" thaw "$node" || t_check "simnode thaw failed"
	sleep "$RUN_S"
	"$SIMNODE" freeze "$node" || t_check "simnode freeze failed"
	s1=$(steal_mark)
	mapfile -t after < <(tsv_usage "$tsv")
	sleep 0.3
	wp_record_stop "$rec" "$tmp/rec"
	t_info "host steal during the run: $(steal_pct "$s0" "$s1")%"
	# The kernel's count per expected group: the simulated node's own record of who is who.
	i=0
	while IFS=$'\t' read -r _ _ g _; do
		kernel[$g]=$((${kernel[$g]:-0} + after[i] - before[i]))
		i=$((i + 1))
	done <"$tsv"
	[ "$i" -gt 0 ] || t_check "$tsv lists no cgroups"
	"$SIMNODE" down "$node" >"$tmp/down.out" 2>&1 || t_check "simnode down failed: $(cat "$tmp/down.out")"
	for g in "${groups[@]}"; do
		got=$(csv_awk "$csv" 'col("group") == g { s += col("cpu_ns") }
			END { if (!_csv_err) printf "%.0f\n", s; exit _csv_err }' g="$g") || {
			t_check "cannot sum group $g"
			continue
		}
		kns=${kernel[$g]:-0}
		t_info "group $g: cpu_ns $got vs cpu.stat $kns: $(pct_err "$got" "$kns")% off"
		steal_verdict "$got" "$kns" 2 "$(steal_ns "$s0" "$s1")" "group $g"
	done
	n=$(check_intervals "$csv" 2>"$tmp/iv.err") || t_check "intervals: $(head -c 400 "$tmp/iv.err")"
	t_info "$n intervals conserve energy"
	check_names "$csv" "$tsv" 2>"$tmp/names.err" ||
		t_check "names: $(head -c 400 "$tmp/names.err")"
	csv_awk "$csv" 'col("group") == "probe" { f = 1 } END { exit _csv_err ? _csv_err : !f }' ||
		t_check "no row of group probe (wattprobe ran in $(cg_path "$pcg"))"
	# --by group: each group's line is what its rows add up to.
	for g in "${groups[@]}" probe idle; do
		line=$(summary_line "$tmp/rec.out" "$g") || {
			t_check "no '$g' line in the summary: $(head -c 600 "$tmp/rec.out")"
			continue
		}
		[ "$line" = "$(csv_group_totals "$csv" "$g")" ] ||
			t_check "summary '$g' says '$line', its rows add up to '$(csv_group_totals "$csv" "$g")'"
	done
	for g in source-controller kustomize-controller helm-controller notification-controller; do
		grep -qE "^  $g " "$tmp/rec.out" || t_check "no line for Flux's $g under flux"
	done
	return 0
}

# Pod metadata that changes and breaks while recording: unknown until listed, named once it
# is, kept through a malformed and a truncated file (one error line each).
case_bad_pods_midrun() {
	local mp tmp cg base uid cid burn rec csv pods fix errs pid
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return
	}
	burn=$(wp_helper burn) || return
	tmp=$(wp_tmp)
	fix=$WP_SRC/tests/fixtures/pods
	pods=$tmp/pods.json
	csv=$tmp/rec.csv
	uid=1b2c3d4e_0000_4000_8000_000000000001
	cid=$(printf '%064x' $((0xabc0001)))
	# Nested, as under kind: never in the way of a real kubelet's tree.
	cg_make base "$mp" || {
		t_fail "cannot make a cgroup under $mp"
		return
	}
	cg=$base/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$uid.slice/cri-containerd-$cid.scope
	mkdir -p "$cg" || {
		t_fail "cannot make $cg"
		return
	}
	printf '{"kind":"PodList","items":[]}\n' >"$pods"
	cg_spawn pid "$cg" "$burn" 20 8 100
	wp_record_start rec "$tmp/rec" "$csv" --pods "$pods" || return
	sleep 1
	printf '{"kind":"PodList","items":[{"metadata":' >"$pods.new" && mv "$pods.new" "$pods"
	sleep 1
	cp "$fix/minikube-flux.json" "$pods.new" && mv "$pods.new" "$pods"
	sleep 1
	cp "$fix/truncated.json" "$pods.new" && mv "$pods.new" "$pods"
	sleep 1
	wp_record_stop "$rec" "$tmp/rec"
	errs=$(grep -c "keeping the last good pod list" "$tmp/rec.err")
	[ "$errs" = 2 ] || t_check "$errs 'keeping the last good pod list' lines, expected 2: $(wp_err "$tmp/rec")"
	grep -q "pods.json" "$tmp/rec.err" || t_check "the errors do not name the file: $(wp_err "$tmp/rec")"
	# The container's rows: unknown, then (from the good file on) flux, never unknown again.
	csv_awk "$csv" 'col("cgroup") ~ /abc0001\.scope$/ {
		g = col("group"); seq = seq (g == last ? "" : " " g); last = g
		if (g == "flux" && col("pod") != "source-controller-6f9c8d7b5-abcde") bad = col("pod")
	}
	END { print seq; if (bad != "") print "pod " bad > "/dev/stderr"; exit _csv_err ? _csv_err : bad != "" }' \
		>"$tmp/seq" 2>"$tmp/seq.err" || t_check "rows: $(cat "$tmp/seq.err")"
	[ "$(cat "$tmp/seq")" = " unknown flux" ] ||
		t_check "the container's groups went '$(cat "$tmp/seq")', expected ' unknown flux'"
	t_pass
}

# --pods kubectl, with a stand-in kubectl in PATH that serves the fixture.
case_kubectl() {
	local mp tmp cg base uid cid burn rec csv pid
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return
	}
	burn=$(wp_helper burn) || return
	tmp=$(wp_tmp)
	csv=$tmp/rec.csv
	mkdir "$tmp/bin"
	printf '#!/bin/sh\necho "$@" >> "%s/args"\nexec cat "%s"\n' "$tmp" \
		"$WP_SRC/tests/fixtures/pods/minikube-flux.json" >"$tmp/bin/kubectl"
	chmod +x "$tmp/bin/kubectl"
	uid=1b2c3d4e_0000_4000_8000_00000000000a
	cid=$(printf '%064x' $((0xabc000a)))
	cg_make base "$mp" || {
		t_fail "cannot make a cgroup under $mp"
		return
	}
	cg=$base/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$uid.slice/crio-$cid.scope
	mkdir -p "$cg" || {
		t_fail "cannot make $cg"
		return
	}
	cg_spawn pid "$cg" "$burn" 20 4 100
	PATH=$tmp/bin:$PATH wp_record_start rec "$tmp/rec" "$csv" --pods kubectl \
		--pods-refresh 500ms --node minikube --by pod || return
	sleep 2
	wp_record_stop "$rec" "$tmp/rec"
	grep -q -- "get pods -A -o json --field-selector spec.nodeName=minikube" "$tmp/args" ||
		t_check "kubectl was run as: $(head -n 1 "$tmp/args")"
	[ "$(wc -l <"$tmp/args")" -ge 3 ] || t_check "kubectl ran $(wc -l <"$tmp/args") times in 2 s at 500ms"
	csv_awk "$csv" 'col("cgroup") ~ /abc000a\.scope$/ {
		n++; if (col("group") "|" col("namespace") "|" col("pod") "|" col("container") != "workload|podinfo|podinfo-7c9b8f6d5-r2t4y|podinfod") bad++ }
	END { exit _csv_err ? _csv_err : !(n > 0 && bad == 0) }' ||
		t_check "the podinfo container's rows are not all workload/podinfo/podinfod"
	grep -qE '^podinfo/podinfo-7c9b8f6d5-r2t4y +workload ' "$tmp/rec.out" ||
		t_check "--by pod has no line for the pod: $(head -c 600 "$tmp/rec.out")"
	t_pass
}

# A stand-in kubectl: the first call serves the fixture, later ones (or all, with SLOW_FIRST)
# hang for 20 s, deaf to SIGINT and SIGTERM.
slow_kubectl() { # DIR SLOW_FIRST
	mkdir -p "$1/bin"
	cat >"$1/bin/kubectl" <<EOK
#!/bin/sh
trap '' INT TERM
n=\$(cat "$1/calls" 2>/dev/null || echo 0)
echo \$((n + 1)) > "$1/calls"
if [ "$2" = 1 ] || [ "\$n" -gt 0 ]; then sleep 20; fi
exec cat "$WP_SRC/tests/fixtures/pods/minikube-flux.json"
EOK
	chmod +x "$1/bin/kubectl"
}

# Stopping never waits for kubectl: not for the first list (SIGTERM: exit 1 at once, one line),
# not for a refresh in flight (-d: the run ends on time, with its summary).
case_stop_while_fetching() {
	local tmp rec rc t0 t1
	tmp=$(wp_tmp)
	slow_kubectl "$tmp/first" 1
	t0=$(date +%s%N)
	PATH=$tmp/first/bin:$PATH wp_start rec "$tmp/r1" record --pods kubectl -d 30s
	sleep 1
	kill -TERM "$(wp_child "$rec")"
	wp_wait rc "$rec"
	t1=$(date +%s%N)
	[ "$rc" = 1 ] || t_check "SIGTERM during the first kubectl: exit $rc, expected 1"
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] ||
		t_check "SIGTERM during the first kubectl: took $(((t1 - t0) / 1000000)) ms"
	[ "$(wc -l <"$tmp/r1.err")" = 1 ] || t_check "not one error line: $(wp_err "$tmp/r1")"
	grep -q "kubectl get pods: stopped" "$tmp/r1.err" || t_check "error: $(wp_err "$tmp/r1")"
	slow_kubectl "$tmp/later" 0
	t0=$(date +%s%N)
	PATH=$tmp/later/bin:$PATH wp_run rc "$tmp/r2" record --pods kubectl --pods-refresh 300ms -d 2s
	t1=$(date +%s%N)
	[ "$rc" = 0 ] || t_check "-d 2s with a kubectl refresh hanging: exit $rc: $(wp_err "$tmp/r2")"
	[ $(((t1 - t0) / 1000000)) -lt 4500 ] ||
		t_check "-d 2s with a kubectl refresh hanging: took $(((t1 - t0) / 1000000)) ms"
	grep -qE '^total[[:space:]]' "$tmp/r2.out" || t_check "no summary: $(head -c 300 "$tmp/r2.out")"
	t_info "first fetch stopped by SIGTERM; -d 2s ended in $(((t1 - t0) / 1000000)) ms"
	t_pass
}

# Bad input at start: one line naming the file at fault, exit 1, no recording.
case_bad_start() {
	local tmp rc
	tmp=$(wp_tmp)
	printf 'flux namespace=flux-system\nweird colour=blue\n' >"$tmp/g.rules"
	wp_run rc "$tmp/r1" record -d 1s --groups "$tmp/g.rules"
	[ "$rc" = 1 ] || t_check "rules with an unknown key: exit $rc"
	grep -q "g.rules:2: unknown key 'colour'" "$tmp/r1.err" || t_check "rules error: $(wp_err "$tmp/r1")"
	[ "$(wc -l <"$tmp/r1.err")" = 1 ] || t_check "rules error is $(wc -l <"$tmp/r1.err") lines"
	cp "$WP_SRC/tests/fixtures/pods/truncated.json" "$tmp/t.json"
	wp_run rc "$tmp/r2" record -d 1s --pods "$tmp/t.json"
	[ "$rc" = 1 ] || t_check "truncated pods file: exit $rc"
	grep -q "t.json" "$tmp/r2.err" || t_check "truncated pods error: $(wp_err "$tmp/r2")"
	wp_run rc "$tmp/r3" record -d 1s --pods "$tmp/none.json"
	[ "$rc" = 1 ] || t_check "missing pods file: exit $rc"
	grep -q "none.json: No such file" "$tmp/r3.err" || t_check "missing pods error: $(wp_err "$tmp/r3")"
	wp_run rc "$tmp/r6" record -d 1s --groups "$tmp"
	[ "$rc" = 1 ] || t_check "--groups DIR: exit $rc"
	grep -q "groups $tmp: Is a directory" "$tmp/r6.err" || t_check "--groups DIR: $(wp_err "$tmp/r6")"
	cp "$WP_SRC/tests/fixtures/pods/minikube-flux.json" "$tmp/same.json"
	wp_run rc "$tmp/r7" record -d 1s --pods "$tmp/same.json" -o "$tmp/same.json"
	[ "$rc" = 1 ] || t_check "-o the --pods file: exit $rc"
	grep -q "output $tmp/same.json is the --pods file" "$tmp/r7.err" || t_check "-o the --pods file: $(wp_err "$tmp/r7")"
	cmp -s "$WP_SRC/tests/fixtures/pods/minikube-flux.json" "$tmp/same.json" ||
		t_check "-o the --pods file: the pod list was overwritten"
	wp_run rc "$tmp/r4" record -d 1s --by namespace
	[ "$rc" = 1 ] || t_check "--by namespace: exit $rc"
	grep -q "bad --by 'namespace'" "$tmp/r4.err" || t_check "--by error: $(wp_err "$tmp/r4")"
	# A PATH with timeout (wp_run needs it) and no kubectl.
	mkdir "$tmp/nokubectl" && ln -s "$(command -v timeout)" "$tmp/nokubectl/timeout"
	PATH=$tmp/nokubectl wp_run rc "$tmp/r5" record -d 1s --pods kubectl
	[ "$rc" = 1 ] || t_check "no kubectl: exit $rc"
	grep -q "kubectl: No such file or directory (not in PATH" "$tmp/r5.err" ||
		t_check "no kubectl error: $(wp_err "$tmp/r5")"
	t_pass
}

t_run systemd case_simnode systemd
t_run systemd_static_mirror case_simnode systemd --static-pods mirror
t_run cgroupfs case_simnode cgroupfs
t_run bad_pods_midrun case_bad_pods_midrun
t_run kubectl case_kubectl
t_run stop_while_fetching case_stop_while_fetching
t_run bad_start case_bad_start
