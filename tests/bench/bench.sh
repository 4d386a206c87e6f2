#!/usr/bin/env bash
# bench.sh: make bench: what wattprobe costs, printed as tables and written to $OUTPUT/bench.json.
#
#   1. BPF ns per event (tests/bench/bench: kernel bpf stats, the probe against an empty floor)
#   2. userspace CPU and peak RSS of record and serve, at -i 100ms and 1ms, 10/100/1,000 cgroups
#   3. CPU per sampling tick as active cgroups grow, and with 10,000 idle ones
#   4. end-to-end resolution: record at 1, 2, 5 and 10 ms
#
# Active cgroups come from tests/bench/cgload (threads in a cgroup v2 threaded subtree, under
# wattprobe-bench.PID in the cgroup2 mount); everything made is removed on exit and on Ctrl-C.
# Run as root, from make bench. Durations (seconds) can be shortened for a trial run:
#   BENCH_STORM_S (3) BENCH_RUN_S (15) BENCH_TICKS (15) BENCH_RES_S (5)
#   BENCH_CGROUPS ("10 100 1000", part 2) BENCH_TICK_CGROUPS ("10 100 1000 10000", part 3)
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUTPUT:-build}
case $out in /*) ;; *) out=$src/$out ;; esac
wp=$out/wattprobe
bench=$out/tests/bench/bench
cgload=$out/tests/bench/cgload
json=$out/bench.json

storm_s=${BENCH_STORM_S:-3}
run_s=${BENCH_RUN_S:-15}
ticks=${BENCH_TICKS:-15}
res_s=${BENCH_RES_S:-5}
read -r -a ovh_cgroups <<<"${BENCH_CGROUPS:-10 100 1000}"
read -r -a tick_cgroups <<<"${BENCH_TICK_CGROUPS:-10 100 1000 10000}"
idle_cgroups=10000
load_period_us=100000 # parts 2 and 4: each active cgroup wakes every 100 ms ...
load_burn_us=50       # ... and burns 50 us
tick_max_cgroups=16384
target_switch_ns=130
target_diff_ns=70
clk_tck=$(getconf CLK_TCK)

base=
tmp=
load_pid=
wp_pid=
scrape_pid=
bench_pid=
nap_pid=

say() { printf '%s\n' "$*"; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# ---- cleanup ------------------------------------------------------------------------------

stop_pid() { # PID SIGNAL: signal it, wait up to 10 s, then SIGKILL
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "-$2" "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	stop_pid "$nap_pid" TERM
	stop_pid "$scrape_pid" TERM
	stop_pid "$wp_pid" INT
	stop_pid "$bench_pid" TERM
	stop_pid "$load_pid" TERM
	if [ -n "$base" ] && [ -d "$base" ]; then
		# cgload removes its own; this is for a cgload that was killed. Tasks may linger.
		for ((i = 0; i < 50; i++)); do
			find "$base" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[ -d "$base" ] || break
			sleep 0.1
		done
		[ -d "$base" ] && printf 'bench: could not remove %s\n' "$base" >&2
	fi
	[ -n "$tmp" ] && rm -rf -- "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- helpers ------------------------------------------------------------------------------

wait_for() { # SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

now_s() { printf '%s\n' "$EPOCHREALTIME"; }

# sleep that a signal to this script alone interrupts (the trap runs at once, not after it)
nap() {
	sleep "$1" &
	nap_pid=$!
	wait "$nap_pid" || true
	nap_pid=
}

calc() { awk "BEGIN { printf \"%.${1}f\", ($2) }"; } # DECIMALS EXPRESSION

# utime+stime of a process, all its threads, live and exited, in clock ticks
proc_ticks() {
	local s f
	s=$(<"/proc/$1/stat")
	s=${s##*) }
	read -r -a f <<<"$s"
	printf '%s\n' $((f[11] + f[12]))
}

# seconds since the process started (/proc/PID/stat starttime against /proc/uptime)
proc_age_s() {
	local s f up
	s=$(<"/proc/$1/stat")
	s=${s##*) }
	read -r -a f <<<"$s"
	read -r up _ </proc/uptime
	calc 3 "$up - ${f[19]} / $clk_tck"
}

# CPU time of every live thread of a process, ns (/proc/PID/task/*/schedstat): record has one
proc_run_ns() {
	local t a sum=0
	for t in /proc/"$1"/task/*/schedstat; do
		read -r a _ <"$t" 2>/dev/null || continue
		sum=$((sum + a))
	done
	printf '%s\n' "$sum"
}

# Host steal since a mark: "steal total" jiffies of all CPUs (/proc/stat), then a percentage.
steal_mark() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t; exit }' \
	/proc/stat; }
steal_pct() { # MARK: "N.N" % of CPU time stolen since MARK
	local s0 t0 s1 t1
	read -r s0 t0 <<<"$1"
	read -r s1 t1 <<<"$(steal_mark)"
	calc 1 "100 * ($s1 - $s0) / ($t1 > $t0 ? $t1 - $t0 : 1)"
}

# Run one part and say how much the host stole meanwhile; steal_json gathers them.
part() { # NAME FUNCTION
	local m pct
	m=$(steal_mark)
	"$2"
	pct=$(steal_pct "$m")
	say "(host steal during this part: $pct % of CPU time)"
	say ""
	steal_items+=("\"$1\":$pct")
}

proc_mem_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; } # PID VmHWM|VmRSS

# The file has a row after its header: record has written its first interval.
has_rows() { [ -f "$1" ] && [ "$(head -n 2 "$1" | wc -l)" -ge 2 ]; }

# Population of cgroups: ACTIVE threads waking every PERIOD_US for BURN_US, IDLE ones asleep.
load_start() { # ACTIVE IDLE PERIOD_US BURN_US
	load_stop
	"$cgload" -d "$base/load" -a "$1" -i "$2" -p "$3" -b "$4" >"$tmp/load.out" \
		2>"$tmp/load.err" &
	load_pid=$!
	wait_for 120 grep -qs ready "$tmp/load.out" ||
		die "cgload ($1 active, $2 idle) did not start: $(cat "$tmp/load.err")"
	nap "$(calc 2 "$3 / 1000000 + 0.2")" # every phase has come round once
}

load_stop() {
	stop_pid "$load_pid" TERM
	load_pid=
}

wp_start() { # PREFIX ARGS...: start wattprobe in the background, output in PREFIX.{out,err}
	local pfx=$1
	shift
	"$wp" "$@" >"$pfx.out" 2>"$pfx.err" &
	wp_pid=$!
}

wp_stop() { # a SIGINT ends record and serve cleanly, with the summary
	local rc=0
	kill -INT "$wp_pid" 2>/dev/null || true
	wait "$wp_pid" || rc=$?
	wp_pid=
	[ "$rc" -eq 0 ] || say "  wattprobe exited with status $rc: $(tail -n 2 "$1.err")"
}

scrape_loop() { # URL COUNTS_FILE: once a second from 1 s on; "ok tries" in COUNTS_FILE
	local ok=0 n=0
	while :; do
		sleep 1 # the first after the warm-up: before its first interval, serve says 503
		if curl -sf -o /dev/null --max-time 2 "$1"; then
			ok=$((ok + 1))
		fi
		n=$((n + 1))
		printf '%s %s\n' "$ok" "$n" >"$2"
	done
}

# awk over a CSV by column name: col("energy_uj")
csv_awk() { # FILE PROGRAM [VAR=VALUE...]
	local file=$1 prog=$2
	shift 2
	awk -F, "$@" 'NR == 1 { for (i = 1; i <= NF; i++) _c[$i] = i; next }
		function col(n) { return $(_c[n]) }
		'"$prog" "$file"
}

# Mean rows per interval of the load's active cgroups; the first interval (started before the
# warm-up) and the last (cut short by the stop) are left out.
active_per_interval() { # CSV
	csv_awk "$1" '
		!(col("ts_ns") in seen) { seen[col("ts_ns")] = 1; n++ }
		index(col("cgroup"), pfx) == 1 { rows[n]++ }
		END {
			for (k = 2; k < n; k++)
				sum += rows[k]
			printf "%.1f", (n > 2 ? sum / (n - 2) : 0)
		}' -v pfx="$cg_rel/load/a"
}

json_join() { # ITEMS...: comma-separated
	local IFS=,
	printf '%s' "$*"
}

# ---- 1. BPF cost per event ----------------------------------------------------------------

part_bpf() {
	local rc=0
	say "==== 1. BPF cost per event"
	"$bench" -t "$storm_s" -c "$base" -j "$tmp/bpf.json" >"$tmp/bpf.txt" &
	bench_pid=$!
	wait "$bench_pid" || rc=$?
	bench_pid=
	[ "$rc" -eq 0 ] || die "tests/bench/bench failed (status $rc)"
	cat "$tmp/bpf.txt"
	# "tp_btf STORM sched_switch EVENTS PROBE FLOOR DIFF MISSED" rows of the pingpong storms:
	# "details TAB verdict on <= 130 ns TAB verdict on <= floor + ~70 ns"
	bpf_verdict=$(awk -v t="$target_switch_ns" -v d="$target_diff_ns" '
		$1 == "tp_btf" && $3 == "sched_switch" && ($2 == "cross" || $2 == "same") {
			printf "%s%s %.1f ns (%s), floor %.1f + %.1f (%s)", sep, $2, $5,
				$5 <= t ? "met" : "MISSED", $6, $7, $7 <= d ? "met" : "over"
			sep = "; "
			bad += $5 > t; over += $7 > d; n++
		}
		END { printf "\t%s\t%s", n && !bad ? "met" : "missed", n && !over ? "met" : "missed" }
	' "$tmp/bpf.txt")
}

# ---- 2. userspace overhead ----------------------------------------------------------------

# One run of record or serve; sets ovh_json_item and prints a table row.
overhead_run() { # CMD INTERVAL NCGROUPS
	local cmd=$1 iv=$2 n=$3 pfx=$tmp/ovh url t0 t1 c0 c1 pct all hwm rss act ok tries scrapes=-
	local -a args=(-i "$iv")
	if [ "$cmd" = record ]; then
		args+=(-o "$tmp/ovh.csv")
	else
		args+=(--listen 127.0.0.1:0)
	fi
	rm -f "$tmp/ovh.csv" "$tmp/scrapes"
	wp_start "$pfx" "$cmd" "${args[@]}"
	if [ "$cmd" = serve ]; then
		wait_for 30 grep -q 'serving http' "$pfx.err" || die "serve did not start: $(cat "$pfx.err")"
		url=$(grep -o 'http://[^ ]*/metrics' "$pfx.err" | head -n 1)
		scrape_loop "$url" "$tmp/scrapes" &
		scrape_pid=$!
	else
		wait_for 30 test -s "$tmp/ovh.csv" || die "record wrote nothing: $(cat "$pfx.err")"
	fi
	nap 1 # warm-up: the probe is loaded and every cgroup named
	c0=$(proc_ticks "$wp_pid")
	t0=$(now_s)
	nap "$run_s"
	c1=$(proc_ticks "$wp_pid")
	t1=$(now_s)
	all=$(calc 2 "100 * $c1 / $clk_tck / $(proc_age_s "$wp_pid")")
	hwm=$(proc_mem_kib "$wp_pid" VmHWM)
	rss=$(proc_mem_kib "$wp_pid" VmRSS)
	if [ -n "$scrape_pid" ]; then
		stop_pid "$scrape_pid" TERM
		scrape_pid=
		read -r ok tries <"$tmp/scrapes" && scrapes="$ok/$tries"
	fi
	wp_stop "$pfx"
	pct=$(calc 2 "100 * ($c1 - $c0) / $clk_tck / ($t1 - $t0)")
	act=-
	if [ "$cmd" = record ]; then
		act=$(active_per_interval "$tmp/ovh.csv")
		ovh_act=$act
	elif [ -n "${ovh_act:-}" ]; then
		act="($ovh_act)" # serve runs under the same load as record before it
	fi
	printf '%-7s %-8s %7s %10s %7s %10s %8s %8s %8s\n' "$cmd" "$iv" "$n" "$act" "$pct" "$all" \
		"$(calc 1 "$hwm / 1024")" "$(calc 1 "$rss / 1024")" "$scrapes"
	ovh_json_item=$(printf '{"cmd":"%s","interval":"%s","cgroups":%s,"active_per_interval":%s,'\
'"cpu_pct":%s,"cpu_pct_with_start":%s,"hwm_kib":%s,"rss_kib":%s,"seconds":%s,'\
'"scrapes":"%s"}' "$cmd" "$iv" "$n" "${act//[()]/}" "$pct" "$all" "$hwm" "$rss" \
		"$(calc 2 "$t1 - $t0")" "$scrapes")
}

part_overhead() {
	local n iv cmd period_ms=$((load_period_us / 1000))
	local -a items=()
	say "==== 2. Userspace overhead of record (-o CSV) and serve (scraped once a second)"
	cat <<EOF
CPU: utime+stime from /proc/PID/stat, % of one core over ${run_s} s after 1 s of warm-up
(CPU%+start: over the whole run, start included); memory: VmHWM (peak) and VmRSS at the
end. SCRAPES: good/all of serve's /metrics, once a second. An active cgroup is a
thread that wakes every $period_ms ms to burn $load_burn_us us, phases spread: at -i 100ms each has
a row in every interval, at -i 1ms in 1 % of them. ACTIVE/IV: its rows per interval, from
record's CSV (serve runs under the same load).
EOF
	printf '%-7s %-8s %7s %10s %7s %10s %8s %8s %8s\n' CMD INTERVAL CGROUPS ACTIVE/IV "CPU %" \
		"CPU%+start" "HWM MiB" "RSS MiB" SCRAPES
	for n in "${ovh_cgroups[@]}"; do
		load_start "$n" 0 "$load_period_us" "$load_burn_us"
		for iv in 100ms 1ms; do
			ovh_act=
			for cmd in record serve; do
				overhead_run "$cmd" "$iv" "$n"
				items+=("$ovh_json_item")
			done
		done
		load_stop
	done
	ovh_json="[$(json_join "${items[@]}")]"
}

# ---- 2b. host: feeds for VMs --------------------------------------------------------------

# record, then host with one --vm per active cgroup, on the same load; sets host_json_item.
host_run() { # INTERVAL NVMS FEED_DIR
	local iv=$1 n=$2 feed=$3 pfx=$tmp/host c0 c1 t0 t1 rec_pct host_pct hwm k extra cmd fs
	local -a vms=()
	for ((k = 0; k < n; k++)); do
		vms+=(--vm "vm$k=cgroup:$cg_rel/load/a$(printf '%05d' "$k")")
	done
	for cmd in record host; do
		rm -rf "$feed"
		if [ "$cmd" = record ]; then
			wp_start "$pfx" record -i "$iv" -e model
		else
			wp_start "$pfx" host -i "$iv" -e model --connect none --listen none \
				--feed-dir "$feed" "${vms[@]}"
		fi
		nap 2 # warm-up: the probe is loaded and every cgroup named
		c0=$(proc_ticks "$wp_pid")
		t0=$(now_s)
		nap "$run_s"
		c1=$(proc_ticks "$wp_pid")
		t1=$(now_s)
		hwm=$(proc_mem_kib "$wp_pid" VmHWM)
		if [ "$cmd" = host ] && [ ! -f "$feed/vm$((n - 1))/seq" ]; then
			say "  host wrote no feed for vm$((n - 1)): $(tail -n 2 "$pfx.err")"
		fi
		wp_stop "$pfx"
		if [ "$cmd" = record ]; then
			rec_pct=$(calc 2 "100 * ($c1 - $c0) / $clk_tck / ($t1 - $t0)")
		else
			host_pct=$(calc 2 "100 * ($c1 - $c0) / $clk_tck / ($t1 - $t0)")
		fi
	done
	# The feeds' cost per VM and tick, us: host's CPU beyond record's, over the ticks.
	extra=$(calc 1 "($host_pct - $rec_pct) / 100 * 1000000 * $iv_s / $n")
	fs=$(stat -f -c %T "$(dirname "$feed")")
	printf '%-8s %5s %-8s %9s %9s %11s %8s\n' "$iv" "$n" "$fs" "$rec_pct" "$host_pct" "$extra" \
		"$(calc 1 "$hwm / 1024")"
	host_json_item=$(printf '{"interval":"%s","vms":%s,"feed_fs":"%s","record_cpu_pct":%s,'\
'"host_cpu_pct":%s,"feed_us_per_vm_tick":%s,"hwm_kib":%s}' "$iv" "$n" "$fs" "$rec_pct" \
		"$host_pct" "$extra" "$hwm")
}

part_host() {
	local iv n iv_s shm
	local -a items=()
	say "==== 2b. host: each VM's feed written every interval (-e model: 1 zone, 2 files a VM)"
	shm=$(mktemp -d /dev/shm/wattprobe-bench.XXXXXX) || die "no /dev/shm"
	cat <<EOF
Each VM is one active cgroup of the load (--vm vmK=cgroup:...), --connect none. CPU: % of one
core over ${run_s} s, record then host on the same load; US/VM/TICK: host's CPU beyond
record's, per VM and interval (the feed's writes and renames). FEED_FS: where the feeds are
(tmpfs, then this machine's disk for comparison).
EOF
	printf '%-8s %5s %-8s %9s %9s %11s %8s\n' INTERVAL VMS FEED_FS "REC CPU%" "HOST CPU%" \
		US/VM/TICK "HWM MiB"
	for n in 1 10 50; do
		load_start "$n" 0 "$load_period_us" "$load_burn_us"
		for iv in 100ms 10ms; do
			iv_s=$([ "$iv" = 100ms ] && echo 0.1 || echo 0.01)
			host_run "$iv" "$n" "$shm/feed"
			items+=("$host_json_item")
		done
		if [ "$n" = 50 ]; then # the same on this machine's disk
			iv_s=0.1
			host_run 100ms "$n" "$tmp/feed"
			items+=("$host_json_item")
		fi
		load_stop
	done
	rm -rf "$shm"
	host_json="[$(json_join "${items[@]}")]"
}

# ---- 3. tick cost -------------------------------------------------------------------------

tick_run() { # ACTIVE IDLE
	local a=$1 i=$2 pfx=$tmp/tick csv=$tmp/tick.csv t_start t_first r_first r0 r1 per act marg
	load_start "$a" "$i" 1000000 "$load_burn_us"
	rm -f "$csv"
	t_start=$(now_s)
	wp_start "$pfx" record -i 1s --max-cgroups "$tick_max_cgroups" -o "$csv"
	# The first interval's rows are written about 1 s after the start.
	wait_for 30 has_rows "$csv" || die "record wrote nothing: $(cat "$pfx.err")"
	t_first=$(now_s)
	r_first=$(proc_run_ns "$wp_pid")
	sleep 0.5 # mid-interval: the next reads each fall between two ticks
	r0=$(proc_run_ns "$wp_pid")
	nap "$ticks"
	r1=$(proc_run_ns "$wp_pid")
	wp_stop "$pfx"
	load_stop
	per=$(calc 1 "($r1 - $r0) / $ticks / 1000")
	act=$(active_per_interval "$csv")
	# The cost of each cgroup more: the slope from the run before (10 active, for the idle run).
	marg=-
	if [ "$i" -gt 0 ] && [ -n "${tick_us[10.0]:-}" ]; then
		marg=$(calc 3 "($per - ${tick_us[10.0]}) / $i")
	elif [ -n "$tick_prev_act" ]; then
		marg=$(calc 2 "($per - $tick_prev_us) / ($act > $tick_prev_act ? $act - $tick_prev_act : 1)")
	fi
	tick_prev_us=$per
	tick_prev_act=$act
	printf '%8s %7s %10s %10s %12s %11s %9s\n' "$a" "$i" "$act" "$per" "$marg" \
		"$(calc 1 "$r_first / 1000000")" "$(calc 2 "$t_first - $t_start")"
	tick_json_item=$(printf '{"active":%s,"idle":%s,"rows_per_interval":%s,"us_per_tick":%s,'\
'"us_per_cgroup_more":%s,"ticks":%s,"startup_cpu_ms":%s,"first_interval_s":%s}' "$a" "$i" \
		"$act" "$per" "$([ "$marg" = - ] && echo null || echo "$marg")" "$ticks" \
		"$(calc 1 "$r_first / 1000000")" "$(calc 2 "$t_first - $t_start")")
	tick_us[$a.$i]=$per
}

part_ticks() {
	local n
	local -a items=()
	declare -gA tick_us=()
	tick_prev_us=
	tick_prev_act=
	say "==== 3. Tick cost vs active cgroups: record -i 1s --max-cgroups $tick_max_cgroups -o CSV"
	cat <<EOF
Each active cgroup's thread wakes once a second (active in every interval) to burn
${load_burn_us} us; an idle cgroup's thread never runs. us/TICK: record's CPU time
(/proc/PID/task/*/schedstat, ns) over $ticks ticks, read mid-interval. us/CG MORE: the cost
of each row more than in the run above (on the idle run: of each idle cgroup). START: CPU
ms and seconds to the first interval written (that interval itself lasts 1 s).
EOF
	printf '%8s %7s %10s %10s %12s %11s %9s\n' ACTIVE IDLE ROWS/IV "us/TICK" "us/CG MORE" \
		"START ms" "FIRST s"
	for n in "${tick_cgroups[@]}"; do
		tick_run "$n" 0
		items+=("$tick_json_item")
	done
	tick_run 10 "$idle_cgroups"
	items+=("$tick_json_item")
	tick_json="[$(json_join "${items[@]}")]"
}

# ---- 4. resolution ------------------------------------------------------------------------

res_run() { # INTERVAL NS
	local iv=$1 nom=$2 pfx=$tmp/res csv=$tmp/res.csv late stats exp n ok max p99 first
	rm -f "$csv"
	wp_start "$pfx" record -i "$iv" -d "${res_s}s" -o "$csv"
	wait "$wp_pid" || die "record -i $iv failed: $(tail -n 2 "$pfx.err")"
	wp_pid=
	late=$(tail -n 1 "$pfx.out" | sed -n 's/.*late ticks \([0-9]*\).*/\1/p')
	exp=$((res_s * 1000000000 / nom))
	# per interval: its length, and whether its rows' energy_uj add up to node_energy_uj
	stats=$(csv_awk "$csv" '
		{ t = col("ts_ns"); if (!(t in iv)) { ts[n++] = t; iv[t] = col("interval_ns") }
		  sum[t] += col("energy_uj"); node[t] = col("node_energy_uj") }
		END {
			for (k = 0; k < n; k++) {
				t = ts[k]
				if (sum[t] == node[t])
					ok++
				if (k > 0 && k < n - 1)
					print iv[t] > sorted
			}
			close(sorted)
			printf "%d %d %d", n, ok, iv[ts[0]]
		}' -v sorted="$tmp/res.iv")
	read -r n ok first <<<"$stats"
	sort -n "$tmp/res.iv" -o "$tmp/res.iv"
	max=$(tail -n 1 "$tmp/res.iv")
	p99=$(awk -v n="$((n - 2))" 'NR == int(n * 0.99 + 0.999) { print; exit }' "$tmp/res.iv")
	printf '%-8s %9s %8s %6s %11s %11s %8s %8s %10s\n' "$iv" "$n" "$exp" "$late" "$p99" "$max" \
		"$(calc 2 "$p99 / $nom")" "$(calc 2 "$max / $nom")" "$ok/$n"
	res_json_item=$(printf '{"interval":"%s","nominal_ns":%s,"intervals":%s,"expected":%s,'\
'"late_ticks":%s,"p99_ns":%s,"max_ns":%s,"first_ns":%s,"conserved":%s}' "$iv" "$nom" "$n" \
		"$exp" "$late" "$p99" "$max" "$first" "$ok")
	if [ "$late" = 0 ] && [ "$ok" = "$n" ] && [ -z "$resolution" ]; then
		resolution=$iv
	fi
}

part_resolution() {
	local iv
	local -a items=()
	resolution=
	say "==== 4. Resolution: record -d ${res_s}s -o CSV, 100 active cgroups" \
		"(every 100 ms, ${load_burn_us} us)"
	cat <<EOF
LATE: ticks later than a whole interval (record's summary line). P99, MAX: of interval_ns,
the first interval (it includes record's start) and the last (cut by -d) left out.
CONSERVED: intervals whose rows' energy_uj add up exactly to their node_energy_uj.
EOF
	printf '%-8s %9s %8s %6s %11s %11s %8s %8s %10s\n' INTERVAL INTERVALS EXPECTED LATE "P99 ns" \
		"MAX ns" P99/NOM MAX/NOM CONSERVED
	load_start 100 0 "$load_period_us" "$load_burn_us"
	for iv in 1ms:1000000 2ms:2000000 5ms:5000000 10ms:10000000; do
		res_run "${iv%%:*}" "${iv#*:}"
		items+=("$res_json_item")
	done
	load_stop
	say "resolution: ${resolution:-none of them} (the shortest interval with no late tick and"
	say "every interval conserving energy)"
	res_json="{\"load_active_cgroups\":100,\"seconds\":$res_s,\"runs\":[$(json_join "${items[@]}")],\
\"resolution\":\"${resolution:-none}\"}"
}

# ---- main ---------------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "needs root (BPF, cgroups): run make bench as root"
for f in "$wp" "$bench" "$cgload"; do
	[ -x "$f" ] || die "$f not built (make bench builds it)"
done
mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$mnt" ] || die "no cgroup2 filesystem in /proc/mounts"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wattprobe-bench.XXXXXX")
cg_rel=/wattprobe-bench.$$
base=$mnt$cg_rel
mkdir "$base"

read -r load0 _ </proc/loadavg
t_begin=$SECONDS
say "wattprobe bench: $(nproc) CPUs, Linux $(uname -r), load average $load0 at the start"
say "(figures are perturbed when the machine is busy: check uptime before trusting them)"
say ""
steal_items=()
part bpf part_bpf
part userspace part_overhead
part host part_host
part tick_cost part_ticks
part resolution part_resolution
read -r load1 _ </proc/loadavg

tick_idle=${tick_us[10.$idle_cgroups]}
tick_10=${tick_us[10.0]:-0}
tick_lin=$(calc 2 "$tick_idle / ($tick_10 > 0 ? $tick_10 : 1)")
say "==== targets"
IFS=$'\t' read -r bpf_detail bpf_abs bpf_diff <<<"$bpf_verdict"
say "tp_btf sched_switch <= $target_switch_ns ns in the pingpong storms: $bpf_abs;" \
	"probe <= floor + $target_diff_ns ns: $bpf_diff"
say "  $bpf_detail"
tick_top=${tick_cgroups[${#tick_cgroups[@]} - 1]}
tick_slope=$(calc 2 "(${tick_us[$tick_top.0]} - $tick_10) / ($tick_top > 10 ? $tick_top - 10 : 1)")
say "tick cost: $tick_10 us/tick at 10 active cgroups, ${tick_us[$tick_top.0]} at $tick_top:" \
	"$tick_slope us per active cgroup more"
# An idle cgroup's share of an active one's cost, from the idle run's slope: tick-to-tick noise
# (tens of us) makes the ratio of the two runs' totals a poor judge.
tick_idle_share=$(calc 1 "100 * ($tick_idle - $tick_10) / $idle_cgroups / \
	($tick_slope > 0 ? $tick_slope : 1)")
tick_idle_says="cost follows active cgroups, not all that exist"
awk "BEGIN { exit !($tick_idle_share > 5) }" && tick_idle_says="idle cgroups DO add cost"
say "  10 active + $idle_cgroups idle: $tick_idle us/tick (10 alone: $tick_10): an idle cgroup"
say "  costs $tick_idle_share % of an active one: $tick_idle_says"
say "resolution: ${resolution:-none of 1, 2, 5, 10 ms}"
say "load average $load0 at the start, $load1 at the end; $((SECONDS - t_begin)) s in all"

{
	printf '{"machine":{"cpus":%s,"kernel":"%s","loadavg_start":%s,"loadavg_end":%s,' \
		"$(nproc)" "$(uname -r)" "$load0" "$load1"
	printf '"steal_pct":{%s}},' "$(json_join "${steal_items[@]}")"
	printf '"bpf":%s,' "$(cat "$tmp/bpf.json")"
	printf '"userspace":{"load":{"period_ms":%s,"burn_us":%s},"runs":%s},' \
		"$((load_period_us / 1000))" "$load_burn_us" "$ovh_json"
	printf '"tick_cost":{"interval":"1s","max_cgroups":%s,"burn_us":%s,"runs":%s},' \
		"$tick_max_cgroups" "$load_burn_us" "$tick_json"
	printf '"host":%s,' "$host_json"
	printf '"resolution":%s,' "$res_json"
	printf '"targets":{"switch_ns":%s,"switch":"%s","diff_ns":%s,"diff":"%s",' \
		"$target_switch_ns" "$bpf_abs" "$target_diff_ns" "$bpf_diff"
	printf '"tick_us_per_active_cgroup":%s,"idle_cgroup_cost_pct_of_active":%s,' "$tick_slope" \
		"$tick_idle_share"
	printf '"idle_run_over_10_active":%s,' "$tick_lin"
	printf '"resolution":"%s"},"seconds":%s}\n' "${resolution:-none}" "$((SECONDS - t_begin))"
} >"$json"
if command -v jq >/dev/null; then
	jq -e . "$json" >/dev/null || die "$json is not valid JSON"
fi
say "wrote $json"
