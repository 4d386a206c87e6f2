#!/usr/bin/env bash
# test_serve.sh: `wattprobe serve`: the exposition (promtool, conservation within a snapshot,
# Kepler's families), a real Prometheus from Debian scraping it on 127.0.0.1 (series, counters
# monotonic, increase() against the CSV of the same run), 20 concurrent scrapers at 1ms
# sampling, and bad --listen values.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=dashboard_queries.sh
. "$(dirname "${BASH_SOURCE[0]}")/dashboard_queries.sh"

SIMNODE=$WP_SRC/tools/simnode.sh

# The simulated node needs a cgroup2 tree without a kubelet's (or another simnode's) in it.
simnode_possible() {
	local mp
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return 1
	}
	if [ -e "$mp/kubepods.slice" ] || [ -e "$mp/kubepods" ]; then
		t_skip "$mp has a kubepods tree: a real kubelet (or another simnode) runs here"
		return 1
	fi
}

# Start serve ARGS on a free loopback port; the timeout's pid goes to VAR, the address
# (host:port) to serve_addr once /metrics answers.
serve_start() { # VAR PREFIX ARGS...
	local _var=$1 _prefix=$2 _i _addr=
	shift 2
	wp_start "$_var" "$_prefix" serve --listen 127.0.0.1:0 "$@"
	for ((_i = 0; _i < 200; _i++)); do
		_addr=$(sed -n 's|.*serving http://\([^/]*\)/metrics.*|\1|p' "$_prefix.err")
		[ -n "$_addr" ] && curl -sf -o /dev/null "http://$_addr/metrics" && break
		_addr=
		sleep 0.05
	done
	[ -n "$_addr" ] || {
		t_fail "serve did not answer /metrics within 10 s: $(wp_err "$_prefix")"
		return 1
	}
	serve_addr=$_addr
}

# The value of the first sample of exposition FILE whose line starts with PREFIX.
sample_value() { # FILE PREFIX
	awk -v p="$2" 'index($0, p) == 1 { print $NF; exit }' "$1"
}

# Per zone, the group family sums to the node's energy, to the µJ: a snapshot is one instant.
check_conserved() { # FILE
	awk '
	function zone(s) { match(s, /zone="[^"]*"/); return substr(s, RSTART, RLENGTH) }
	function uj(v,   p) { split(v, p, "."); return p[1] * 1000000 + p[2] }
	/^wattprobe_node_energy_joules_total\{/ { node[zone($0)] = uj($NF) }
	/^wattprobe_group_energy_joules_total\{/ { grp[zone($0)] += uj($NF) }
	END {
		for (z in node) { n++; if (grp[z] != node[z]) { print z ": groups " grp[z] " uJ, node " node[z]; bad = 1 } }
		if (!n) { print "no node energy series"; bad = 1 }
		exit bad
	}' "$1"
}

case_exposition() {
	local tmp node pid rc body
	tmp=$(wp_tmp)
	node=$tmp/node
	command -v promtool >/dev/null || {
		t_fail "promtool missing (Debian's prometheus package: tools/deps.sh installs it)"
		return
	}
	simnode_possible || return
	WP_HELPERS=$WP_HELPERS "$SIMNODE" up "$node" --driver systemd >"$tmp/simnode.out" 2>&1 || {
		t_fail "simnode up failed: $(head -c 300 "$tmp/simnode.out")"
		return
	}
	serve_start pid "$tmp/srv" --pods "$node/pods.json" --kepler-compat --metrics-by cgroup \
		-i 100ms || {
		"$SIMNODE" down "$node" >/dev/null 2>&1
		return
	}
	sleep 2
	body=$tmp/metrics.txt
	curl -sf -D "$tmp/headers" -o "$body" "http://$serve_addr/metrics" || t_check "GET /metrics failed"
	grep -qi '^content-type: text/plain; version=0.0.4' "$tmp/headers" ||
		t_check "content type: $(grep -i '^content-type' "$tmp/headers")"
	promtool check metrics <"$body" >"$tmp/promtool.out" 2>&1 ||
		t_check "promtool check metrics: $(head -c 400 "$tmp/promtool.out")"
	check_conserved "$body" >"$tmp/conserve.out" ||
		t_check "a snapshot does not conserve energy: $(head -c 300 "$tmp/conserve.out")"
	for want in \
		'wattprobe_group_energy_joules_total{group="flux",component="source-controller"' \
		'wattprobe_pod_energy_joules_total{namespace="flux-system",pod="source-controller-' \
		'wattprobe_container_cpu_seconds_total{namespace="podinfo"' \
		'wattprobe_cgroup_energy_joules_total{cgroup="/kubepods.slice/' \
		'kepler_pod_cpu_joules_total{node_name=' \
		'kepler_container_cpu_watts{container_id="' \
		'kepler_node_cpu_info{' 'kepler_node_cpu_usage_ratio{' \
		'wattprobe_build_info{version="'; do
		grep -qF "$want" "$body" || t_check "no sample starting with $want"
	done
	grep -q 'pod_namespace="flux-system",state="running",zone="package"' "$body" ||
		t_check "no running flux-system pod in kepler_pod_cpu_joules_total"
	[ "$(curl -s "http://$serve_addr/healthz")" = ok ] || t_check "/healthz is not ok"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$serve_addr/nope")" = 404 ] ||
		t_check "an unknown path is not 404"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$serve_addr/metrics")" = 405 ] ||
		t_check "POST /metrics is not 405"
	wp_signal "$pid" TERM || t_check "serve was gone before SIGTERM"
	wp_wait rc "$pid"
	[ "$rc" = 0 ] || t_check "serve exited $rc after SIGTERM: $(wp_err "$tmp/srv")"
	# At least the 404 and the 405 (and a 503 if a probe came before the first snapshot).
	grep -Eq '^served [0-9]+ requests \([234] not 200\)' "$tmp/srv.out" ||
		t_check "the summary does not count the requests: $(grep served "$tmp/srv.out")"
	"$SIMNODE" down "$node" >"$tmp/down.out" 2>&1 || t_check "simnode down failed"
	t_pass
}

# A Prometheus query: the JSON answer on stdout.
promq() { # PORT QUERY [TIME]
	curl -sfG "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" \
		${3:+--data-urlencode "time=$3"}
}

# Samples of a range-vector answer as "labels<TAB>time<TAB>value" lines, one per sample.
prom_samples() {
	sed 's/},{"metric"/}\n{"metric"/g' | awk '
	{
		m = $0; sub(/"values":.*/, "", m); gsub(/[{}"]/, "", m); sub(/^.*metric:/, "", m)
		v = $0; sub(/.*"values":\[/, "", v)
		while (match(v, /\[[0-9.]+,"[^"]*"\]/)) {
			s = substr(v, RSTART + 1, RLENGTH - 2); v = substr(v, RSTART + RLENGTH)
			split(s, f, ","); gsub(/"/, "", f[2]); print m "\t" f[1] "\t" f[2]
		}
	}'
}

# The single value of an instant-vector answer.
prom_value() {
	sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p'
}

case_prometheus() {
	local tmp pid port rc i n t0 t1 n0 n1 win got want name csv
	tmp=$(wp_tmp)
	command -v prometheus >/dev/null || {
		t_fail "prometheus missing (Debian's prometheus package: tools/deps.sh installs it)"
		return
	}
	csv=$tmp/serve.csv
	simnode_possible || return
	WP_HELPERS=$WP_HELPERS "$SIMNODE" up "$tmp/node" --driver systemd >"$tmp/simnode.out" 2>&1 || {
		t_fail "simnode up failed: $(head -c 300 "$tmp/simnode.out")"
		return
	}
	serve_start pid "$tmp/srv" -i 100ms -o "$csv" --pods "$tmp/node/pods.json" \
		--kepler-compat --metrics-by pod || {
		"$SIMNODE" down "$tmp/node" >/dev/null 2>&1
		return
	}
	port=$(free_port)
	cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: wattprobe
    static_configs:
      - targets: ['$serve_addr']
EOF
	wp_bg _ prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
		--web.listen-address="127.0.0.1:$port" --log.level=warn >"$tmp/prom.log" 2>&1
	for ((i = 0; i < 200; i++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready" && break
		sleep 0.05
	done
	# Its first scrape comes a few seconds after it is ready: wait for 12 (11 s of them).
	for ((i = 0; i < 60; i++)); do
		n=$(promq "$port" 'count_over_time(wattprobe_intervals_total[5m])' | prom_value)
		[ "${n:-0}" -ge 12 ] && break
		sleep 0.5
	done
	wp_signal "$pid" INT || {
		t_fail "serve was gone: $(wp_err "$tmp/srv")"
		return
	}
	wp_wait rc "$pid"
	[ "$rc" = 0 ] || t_check "serve exited $rc: $(wp_err "$tmp/srv")"
	# The scrapes: their times and the interval count each snapshot had.
	promq "$port" 'wattprobe_intervals_total[5m]' | prom_samples >"$tmp/iv.tsv"
	[ "$(wc -l <"$tmp/iv.tsv")" -ge 12 ] || {
		t_fail "Prometheus holds $(wc -l <"$tmp/iv.tsv") scrapes, want >= 12: $(head -c 300 "$tmp/prom.log")"
		return
	}
	read -r t0 n0 < <(awk -F'\t' 'NR == 1 { print $2, $3 }' "$tmp/iv.tsv")
	read -r t1 n1 < <(awk -F'\t' 'END { print $2, $3 }' "$tmp/iv.tsv")
	# Every counter sample never decreases, series by series.
	promq "$port" '{__name__=~"wattprobe_.*_total"}[5m]' | prom_samples >"$tmp/all.tsv"
	awk -F'\t' '$1 in last && $3 + 0 < last[$1] { print $1 ": " last[$1] " then " $3; bad = 1 }
		{ last[$1] = $3 + 0 } END { exit bad }' "$tmp/all.tsv" >"$tmp/mono.out" ||
		t_check "a counter went down: $(head -c 300 "$tmp/mono.out")"
	grep -q 'wattprobe_group_energy_joules_total' "$tmp/all.tsv" ||
		t_check "no wattprobe_group_energy_joules_total in Prometheus"
	# increase() over exactly the scraped window (1ms more, so the first sample is in).
	win=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%dms", (b - a) * 1000 + 1 }')
	for name in idle flux k8s-system workload; do
		got=$(promq "$port" "sum(increase(wattprobe_group_energy_joules_total{group=\"$name\",part_of_node=\"true\"}[$win]))" "$t1" | prom_value)
		# The CSV's rows of intervals n0+1 .. n1: the same intervals, counted by wattprobe.
		want=$(csv_awk "$csv" '
			col("ts_ns") != ts { ts = col("ts_ns"); n++ }
			n > a && n <= b && col("group") == g { s += col("energy_uj") }
			END { printf "%.6f\n", s / 1e6 }' a="$n0" b="$n1" g="$name")
		t_info "$name: increase() $got J, CSV $want J over intervals $n0..$n1 ($win)"
		within_pct "$got" "$want" 2 || t_check "$name: increase() $got J vs the CSV's $want J"
	done
	got=$(promq "$port" "sum(increase(wattprobe_node_energy_joules_total{part_of_node=\"true\"}[$win]))" "$t1" | prom_value)
	want=$(csv_awk "$csv" 'col("ts_ns") != ts { ts = col("ts_ns"); n++; if (n > a && n <= b) s += col("node_energy_uj") }
		END { printf "%.6f\n", s / 1e6 }' a="$n0" b="$n1")
	t_info "node: increase() $got J, CSV $want J"
	within_pct "$got" "$want" 2 || t_check "node: increase() $got J vs the CSV's $want J"
	kepler_dashboard_queries "$port" "$t1"
	our_dashboard_queries "$port" "$t1"
	"$SIMNODE" down "$tmp/node" >"$tmp/down.out" 2>&1 || t_check "simnode down failed"
	t_pass
}

# Every query of tools/grafana/wattprobe-dashboard.json: each is valid, and those a simulated
# node with pods feeds (all but the zones outside the node's, which the model has none of, and
# the Kepler pairs, which need --kepler) find series.
our_dashboard_queries() { # PORT TIME
	local q e out n=0
	while IFS= read -r e; do
		q=$(dashboard_subst "$e" wattprobe)
		n=$((n + 1))
		out=$(promq "$1" "$q" "$2") || out=
		case $out in
		*'"status":"success"'*) ;;
		*) t_check "our dashboard's query fails: $q" ;;
		esac
		case $q in *'part_of_node="false"'* | *wattprobe_kepler_*) continue ;; esac
		case $out in
		*'"result":[{'* | *'"result":[]'*'"resultType":"scalar"'*) ;;
		*) t_check "our dashboard's query finds nothing: $q" ;;
		esac
	done < <(dashboard_exprs "$WP_SRC/tools/grafana/wattprobe-dashboard.json")
	[ "$n" -ge 10 ] || t_check "only $n queries in the dashboard"
	t_info "$n queries of our dashboard answered"
}

# What Kepler 0.10's own Grafana dashboards ask (their panels' queries and variables, with
# job=wattprobe and the All values): each must find series in --kepler-compat's output.
kepler_dashboard_queries() { # PORT TIME
	local q out ncpu
	while IFS= read -r q; do
		out=$(promq "$1" "$q" "$2")
		case $out in
		*'"status":"success"'*'"result":[{'*) ;;
		*) t_check "Kepler's dashboard query finds nothing: $q -> $(printf '%s' "$out" | head -c 200)" ;;
		esac
	done <<'EOF'
sum by (zone) (kepler_node_cpu_watts{job="wattprobe", zone=~".*"})
sum by (zone) (kepler_node_cpu_active_watts{job="wattprobe", zone=~".*"})
sum by (zone) (kepler_node_cpu_idle_watts{job="wattprobe", zone=~".*"})
group by (node_name,zone)(kepler_node_cpu_watts{job="wattprobe"})
kepler_node_cpu_watts{job="wattprobe", instance=~".*", zone=~".*"}
topk(10,sum by (container_name,zone)(kepler_container_cpu_watts{job="wattprobe", zone=~".*"}))
sum by (zone) (kepler_container_cpu_watts{job="wattprobe", zone=~".*"})
topk(10,sum by (pod_namespace,zone)(kepler_pod_cpu_watts{job="wattprobe", zone=~".*"}))
kepler_pod_cpu_watts{job="wattprobe",pod_namespace=~"flux-system", zone=~".*",pod_name=~".*"}
sum by (pod_name, pod_namespace, zone) (irate(kepler_pod_cpu_joules_total{pod_namespace=~".*", pod_name=~".*"}[1m]))
sum by (pod_namespace) (increase(kepler_pod_cpu_joules_total{zone="package", pod_namespace=~".*", pod_name=~".*"}[1m:1s]))
rate(kepler_node_cpu_joules_total{job="wattprobe", zone="package"}[20s])
rate(kepler_node_cpu_idle_joules_total{job="wattprobe", zone="package"}[20s])
rate(kepler_node_cpu_active_joules_total{job="wattprobe", zone="package"}[20s])
EOF
	# The CPU Info panel counts kepler_node_cpu_info per instance as the node's cores.
	ncpu=$(promq "$1" 'count by (instance, model_name)(kepler_node_cpu_info{job="wattprobe"})' "$2" | prom_value)
	[ "$ncpu" = "$(online_cpus)" ] || t_check "kepler_node_cpu_info counts $ncpu CPUs, not $(online_cpus)"
	# Its variables: label_values(kepler_pod_cpu_watts, pod_namespace) and the like.
	curl -sfG "http://127.0.0.1:$1/api/v1/label/pod_namespace/values" \
		--data-urlencode 'match[]=kepler_pod_cpu_watts{job="wattprobe"}' | grep -q '"flux-system"' ||
		t_check "label_values(kepler_pod_cpu_watts, pod_namespace) has no flux-system"
}

# The README's scrape config, as it is, against serve on its default address: Prometheus shows
# wattprobe's series.
case_readme_config() {
	local tmp pid port i out
	tmp=$(wp_tmp)
	if ss -Htln 'sport = :9744' | grep -q .; then
		t_skip "127.0.0.1:9744 is taken on this machine: the README's config cannot be tried as is"
		return
	fi
	awk '/^## Prometheus/ { p = 1 } p && /^```yaml/ { y = 1; next } y && /^```/ { exit } y' \
		"$WP_SRC/README.md" >"$tmp/prometheus.yml"
	grep -q "targets: \['127.0.0.1:9744'\]" "$tmp/prometheus.yml" || {
		t_fail "no scrape config for 127.0.0.1:9744 in the README: $(head -c 200 "$tmp/prometheus.yml")"
		return
	}
	wp_start pid "$tmp/srv" serve -d 25s
	port=$(free_port)
	wp_bg _ prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
		--web.listen-address="127.0.0.1:$port" --log.level=warn >"$tmp/prom.log" 2>&1
	for ((i = 0; i < 60; i++)); do
		out=$(promq "$port" 'wattprobe_group_energy_joules_total{job="wattprobe",group="idle"}')
		case $out in *'"result":[{'*) break ;; esac
		sleep 0.5
	done
	case $out in
	*'"result":[{'*) t_info "Prometheus found wattprobe's series after $((i / 2)) s" ;;
	*) t_check "Prometheus with the README's config has no wattprobe series after 30 s: $(head -c 200 "$tmp/prom.log") $(wp_err "$tmp/srv")" ;;
	esac
	t_pass
}

# 20 keep-alive clients scraping as fast as they can while serve samples every 1ms.
case_load() {
	local tmp pid child rc hwm out iv csv_iv late sc
	tmp=$(wp_tmp)
	sc=$(wp_helper scrapers) || return
	serve_start pid "$tmp/srv" -i 1ms -o "$tmp/load.csv" || return
	child=$(wp_child "$pid")
	out=$("$sc" "$serve_addr" /metrics 20 10) || t_check "not every scrape was a whole 200: $out"
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$child/status")
	curl -s "http://$serve_addr/metrics" >"$tmp/last.txt"
	wp_signal "$pid" INT || {
		t_fail "serve was gone: $(wp_err "$tmp/srv")"
		return
	}
	wp_wait rc "$pid"
	[ "$rc" = 0 ] || t_check "serve exited $rc: $(wp_err "$tmp/srv")"
	case $out in requests=[1-9][0-9][0-9]*) ;; *) t_check "too few scrapes in 10 s: $out" ;; esac
	# No interval lost: the CSV's intervals tile the run, and the last snapshot had them all
	# but those sampled after it (100ms of them at most, and the last one cut short).
	iv=$(sample_value "$tmp/last.txt" "wattprobe_intervals_total")
	csv_iv=$(csv_intervals "$tmp/load.csv")
	csv_awk "$tmp/load.csv" 'col("ts_ns") != ts { if (ts != "" && col("ts_ns") - ts != col("interval_ns")) bad++; ts = col("ts_ns") }
		END { exit bad > 0 }' || t_check "the CSV's intervals do not tile the run"
	if [ -z "$iv" ] || [ "$iv" -gt "$csv_iv" ] || [ "$iv" -lt $((csv_iv - 300)) ]; then
		t_check "the last snapshot had $iv intervals, the CSV $csv_iv"
	fi
	late=$(sed -n 's/.*late ticks \([0-9]*\).*/\1/p' "$tmp/srv.out")
	t_info "20 clients, 10 s: $out; $csv_iv intervals of 1ms, late ticks $late; peak RSS $((hwm / 1024)) MiB"
	[ "${hwm:-0}" -lt $((64 * 1024)) ] || t_check "peak RSS ${hwm} kB, over 64 MiB"
	t_pass
}

# Connections that send their headers a byte at a time hold a slot each and are never idle;
# from one address they get 32 slots at most, and a scraper elsewhere is still answered.
case_slowloris() {
	local tmp pid sc out i code
	tmp=$(wp_tmp)
	sc=$(wp_helper scrapers) || return
	serve_start pid "$tmp/srv" -d 15s || return
	# shellcheck disable=SC2016 # $1.. are sh -c's own arguments
	wp_bg _ sh -c '"$1" --slowloris 127.0.0.2 "$2" 200 6 >"$3"' _ "$sc" "$serve_addr" "$tmp/slow.out"
	sleep 2
	for ((i = 0; i < 3; i++)); do
		code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$serve_addr/metrics")
		[ "$code" = 200 ] || t_check "a scrape during the slow connections: $code"
		sleep 0.5
	done
	wait_lines "$tmp/slow.out" 1 10 || t_check "the slow clients did not finish"
	out=$(cat "$tmp/slow.out")
	t_info "200 slow connections from 127.0.0.2: $out"
	case $out in
	*closed_by_server=16[89]* | *closed_by_server=1[7-9][0-9]* | *closed_by_server=200*) ;;
	*) t_check "the server kept more than 32 slow connections from one address: $out" ;;
	esac
	t_pass
}

case_bad_listen() {
	local tmp rc pid
	tmp=$(wp_tmp)
	wp_run rc "$tmp/a" serve --listen nonsense -d 1s
	[ "$rc" = 1 ] || t_check "--listen nonsense: exit $rc, want 1"
	grep -q "bad --listen 'nonsense'" "$tmp/a.err" || t_check "--listen nonsense: $(wp_err "$tmp/a")"
	wp_run rc "$tmp/b" serve --listen 999.1.1.1:80 -d 1s
	{ [ "$rc" = 1 ] && grep -q "bad --listen address '999.1.1.1'" "$tmp/b.err"; } ||
		t_check "--listen 999.1.1.1:80: exit $rc, $(wp_err "$tmp/b")"
	wp_run rc "$tmp/c" serve --metrics-by node -d 1s
	{ [ "$rc" = 1 ] && grep -q "bad --metrics-by 'node'" "$tmp/c.err"; } ||
		t_check "--metrics-by node: exit $rc, $(wp_err "$tmp/c")"
	serve_start pid "$tmp/first" -d 5s || return
	wp_run rc "$tmp/d" serve --listen "$serve_addr" -d 1s
	{ [ "$rc" = 1 ] && grep -q "listening on $serve_addr: Address already in use" "$tmp/d.err"; } ||
		t_check "a port in use: exit $rc, $(wp_err "$tmp/d")"
	[ "$(wc -l <"$tmp/d.err")" = 1 ] || t_check "a port in use: $(wc -l <"$tmp/d.err") lines on stderr"
	t_pass
}

t_run exposition case_exposition
t_run prometheus case_prometheus
t_run readme_config case_readme_config
t_run load case_load
t_run slowloris case_slowloris
t_run bad_listen case_bad_listen
