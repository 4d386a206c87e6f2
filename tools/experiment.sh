#!/usr/bin/env bash
# experiment.sh: Flux against snowflake on the real VM2, N runs of each, then `wattprobe compare`.
#
# Each run puts the cluster in its scenario (flux-bootstrap.sh, or snowflake.sh --remove-flux),
# lets it settle, checks that the host's feed moves, records VM2 for -d with wattprobe inside
# it, and fetches the recording into OUTDIR as SCENARIO-I.csv.gz with its .meta.json. The order
# alternates so that whatever drifts over the hours (the host's other load, temperature, the
# cluster's own aging: etcd's size, image caches) falls on both sides instead of on one:
# abba (default: snowflake, flux, flux, snowflake, ...) also cancels a linear drift, which abab
# leaves as a bias of half a run. A run whose recording is complete is never made again: after
# a failure or Ctrl-C the same command resumes. docs/experiment.md, step 7.
set -euo pipefail

TOOL=experiment
# shellcheck source-path=SCRIPTDIR source=lib-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-tools.sh"

N=5 DUR=10m INTERVAL=100ms OUT=experiment PROFILE=minikube ORDER=abba SETTLE=120s
RECORDER=ssh ENERGY=feed:/run/wattprobe/feed
FLUX_ARGS=()
HERE=$LIB_SRC/tools
GUEST_WP=/var/lib/minikube/wattprobe/wattprobe
GUEST_RUNS=/var/lib/minikube/wattprobe/runs
POD_RUNS=/var/lib/wattprobe/runs
BUILD=${OUTPUT:-build}
case $BUILD in /*) ;; *) BUILD=$LIB_SRC/$BUILD ;; esac
WP=${WATTPROBE:-$BUILD/wattprobe}
KEYS=(profile duration interval order settle recorder energy)

usage() {
	cat <<EOF
usage: experiment.sh [-n N] [-d DUR] [-i DUR] [-o OUTDIR] [-p PROFILE] [--order abba|abab]
                     [--settle DUR] [--recorder ssh|daemonset] [-e ENERGY] [--dry-run]
                     [-- FLUX_BOOTSTRAP_SH_ARGS...]

For i in 1..N, both scenarios (order: --order), each:
  1. tools/flux-bootstrap.sh -p PROFILE [ARGS after --, e.g. --url URL -- --token-auth]
     or tools/snowflake.sh --remove-flux
  2. sleep SETTLE (install, uninstall and image pulls die down)
  3. the feed moves: /run/wattprobe/feed/seq in VM2 changes within 3 s (when -e names feed)
  4. wattprobe record -e ENERGY -i DUR -d DUR in VM2, by the recorder:
       ssh        the bundle of deploy-wattprobe.sh guest, --pods kubectl, over ssh
       daemonset  kubectl exec into the DaemonSet (deploy-wattprobe.sh daemonset), --pods api;
                  needs no minikube: any cluster, EKS too (then -e auto)
  5. SCENARIO-I.csv.gz and .meta.json fetched into OUTDIR, its summary in SCENARIO-I.txt, a line
     in runs.tsv
Then wattprobe compare snowflake-*.csv.gz --vs flux-*.csv.gz (compare.txt, compare.svg,
compare.json). A run already recorded (its .meta.json says complete) is skipped: the same
command resumes after a failure. OUTDIR/experiment.env keeps the settings and versions; a
resumed run must use the same ones (N may grow).

  -n N               runs of each scenario (default $N)
  -d DUR             each recording's length (default $DUR)
  -i DUR             wattprobe's interval in VM2 (default $INTERVAL)
  -o OUTDIR          (default ./$OUT)
  -p, --profile P    minikube profile (default $PROFILE)
  --order abba|abab  (default $ORDER)
  --settle DUR       (default $SETTLE)
  --recorder R       ssh or daemonset (default $RECORDER)
  -e ENERGY          VM2's energy sources (default $ENERGY: the feed or nothing; a run on the
                     model would compare estimates)
  --dry-run          print every step, do none
  -h, --help

Environment: WATTPROBE, the host's binary for compare (default build/wattprobe).
EOF
}

parse_args() {
	common_args "$@"
	set -- "${ARGS[@]+"${ARGS[@]}"}"
	while [ $# -gt 0 ]; do
		case $1 in
		-n) need_val "$@" && N=$2 && shift ;;
		-d) need_val "$@" && DUR=$2 && shift ;;
		-i) need_val "$@" && INTERVAL=$2 && shift ;;
		-o) need_val "$@" && OUT=$2 && shift ;;
		-p | --profile) need_val "$@" && PROFILE=$2 && shift ;;
		--order) need_val "$@" && ORDER=$2 && shift ;;
		--settle) need_val "$@" && SETTLE=$2 && shift ;;
		--recorder) need_val "$@" && RECORDER=$2 && shift ;;
		-e) need_val "$@" && ENERGY=$2 && shift ;;
		--)
			shift
			FLUX_ARGS=("$@")
			break
			;;
		-h | --help) usage && exit 0 ;;
		*) usage_die "unknown argument '$1'" ;;
		esac
		shift
	done
	[[ $N =~ ^[1-9][0-9]{0,2}$ ]] || usage_die "-n: '$N' (want 1..999)"
	is_duration "$DUR" || usage_die "-d: '$DUR' (want a duration: 10m, 600s, ...)"
	is_duration "$INTERVAL" || usage_die "-i: '$INTERVAL' (want a duration: 100ms, 1s, ...)"
	is_duration "$SETTLE" || [ "$SETTLE" = 0 ] || usage_die "--settle: '$SETTLE' (want a duration)"
	[[ $ORDER =~ ^(abba|abab)$ ]] || usage_die "--order: '$ORDER' (want abba or abab)"
	[[ $RECORDER =~ ^(ssh|daemonset)$ ]] || usage_die "--recorder: '$RECORDER' (want ssh or daemonset)"
	is_profile "$PROFILE" || usage_die "--profile: '$PROFILE' (want lowercase letters, digits, . and -)"
	[[ $ENERGY =~ ^[a-z][A-Za-z0-9_:/.,=-]*$ ]] || usage_die "-e: '$ENERGY'"
	case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
}

setting() { # KEY
	case $1 in
	profile) echo "$PROFILE" ;;
	duration) echo "$DUR" ;;
	interval) echo "$INTERVAL" ;;
	order) echo "$ORDER" ;;
	settle) echo "$SETTLE" ;;
	recorder) echo "$RECORDER" ;;
	energy) echo "$ENERGY" ;;
	esac
}

# The settings and the versions of everything, once; a resumed run must match the settings.
metadata() {
	local env=$OUT/experiment.env k have
	if [ -f "$env" ]; then
		for k in "${KEYS[@]}"; do
			have=$(sed -n "s/^$k=//p" "$env")
			[ "$have" = "$(setting "$k")" ] ||
				die "$env has $k=$have, not $(setting "$k"): resume with the same settings, or another -o"
		done
		say "resuming in $OUT"
		return 0
	fi
	run mkdir -p "$OUT"
	run_sh "the settings and versions" "{ $(for k in "${KEYS[@]}"; do printf 'echo %s; ' "$(quote "$k=$(setting "$k")")"; done)$(versions_script); } > $(quote "$env")"
	run_sh "the runs' log" "printf 'run\\tscenario\\tstart_utc\\tend_utc\\tfile\\n' > $(quote "$OUT/runs.tsv")"
}

versions_script() {
	local ssh
	ssh=$(guest_ssh_text "$PROFILE")
	printf '%s' "echo started=\$(date -u +%FT%TZ); echo runs_planned=$N; "
	printf '%s' "echo wattprobe=\"\$($(quote "$WP") --version 2>&1 | head -n 1)\"; "
	printf '%s' "echo wattprobe_tree=\$(git -C $(quote "$LIB_SRC") describe --always --dirty 2>/dev/null); "
	printf '%s' "echo vm1_kernel=\$(uname -r); echo vm1_cpu=\"\$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)\"; "
	printf '%s' "echo minikube=\"\$(minikube version --short 2>/dev/null)\"; "
	printf '%s' "echo kubernetes=\"\$(kubectl version 2>/dev/null | sed -n 's/^Server Version: //p')\"; "
	printf '%s' "echo flux=\"\$(flux version --client 2>/dev/null)\"; "
	[ "$RECORDER" != ssh ] || printf '%s' "echo vm2_kernel=\"\$($ssh uname -r 2>/dev/null)\""
}

complete() { # BASE
	[ -s "$1.csv.gz" ] && grep -qs '"complete":true' "$1.csv.gz.meta.json"
}

# The scenarios in run order, "SCENARIO I" a line.
plan() {
	local i
	for ((i = 1; i <= N; i++)); do
		if [ "$ORDER" = abab ] || [ $((i % 2)) = 1 ]; then
			printf 'snowflake %d\nflux %d\n' "$i" "$i"
		else
			printf 'flux %d\nsnowflake %d\n' "$i" "$i"
		fi
	done
}

setup() { # SCENARIO
	if [ "$1" = flux ]; then
		run "$HERE/flux-bootstrap.sh" -p "$PROFILE" "${FLUX_ARGS[@]+"${FLUX_ARGS[@]}"}"
	else
		run "$HERE/snowflake.sh" --remove-flux
	fi
}

# seq changes at every write of the host's; 3 s is many of its periods.
feed_moves() {
	local a b f=/run/wattprobe/feed/seq
	[[ $ENERGY == *feed* ]] || return 0
	if [ "$RECORDER" = ssh ]; then
		guest_wait cat "$f"
		[ "$DRY" = 1 ] && return 0
		a=$(guest_query cat "$f") || die "no $f in VM2: minikube-kvm.sh up; deploy-wattprobe.sh host"
		sleep 3
		b=$(guest_query cat "$f")
	else
		run_wait kubectl -n wattprobe exec daemonset/wattprobe -- cat "$f"
		[ "$DRY" = 1 ] && return 0
		a=$(kubectl -n wattprobe exec daemonset/wattprobe -- cat "$f") ||
			die "no $f in the DaemonSet's pod: is the feed mounted on the node?"
		sleep 3
		b=$(kubectl -n wattprobe exec daemonset/wattprobe -- cat "$f")
	fi
	[ "$a" != "$b" ] || die "the feed does not move ($f stays at $a): is wattprobe host running?"
	say "feed moves: seq $a, then $b"
}

record_ssh() { # NAME
	local name=$1 ssh scp base=$OUT/$1
	ssh=$(guest_ssh_text "$PROFILE")
	scp=${ssh/#ssh/scp}
	scp=${scp% docker@*}
	run_sh "record $name in VM2" \
		"$ssh 'sudo mkdir -p $GUEST_RUNS && sudo $GUEST_WP record --pods kubectl --node $PROFILE -e $ENERGY -i $INTERVAL -d $DUR -o $GUEST_RUNS/$name.csv.gz' > $(quote "$base.txt") 2>&1"
	run_sh "fetch $name" \
		"$scp docker@\"\$(minikube -p $PROFILE ip)\":$GUEST_RUNS/$name.csv.gz $(quote "$base.csv.gz.part") && $scp docker@\"\$(minikube -p $PROFILE ip)\":$GUEST_RUNS/$name.csv.gz.meta.json $(quote "$base.meta.part")"
}

record_daemonset() { # NAME
	local name=$1 base=$OUT/$1 pod
	local ex="kubectl -n wattprobe exec daemonset/wattprobe --"
	run_sh "record $name in the DaemonSet's pod" \
		"$ex mkdir -p $POD_RUNS && $ex wattprobe record --pods api -e $ENERGY -i $INTERVAL -d $DUR -o $POD_RUNS/$name.csv.gz > $(quote "$base.txt") 2>&1"
	pod=$(query kubectl -n wattprobe get pod -l app.kubernetes.io/name=wattprobe \
		-o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)
	pod=${pod:-POD}
	run kubectl cp "wattprobe/$pod:$POD_RUNS/$name.csv.gz" "$base.csv.gz.part"
	run kubectl cp "wattprobe/$pod:$POD_RUNS/$name.csv.gz.meta.json" "$base.meta.part"
}

one_run() { # SCENARIO I
	local name=$1-$2 base=$OUT/$1-$2 start
	if complete "$base"; then
		say "$name: recorded already, skipped"
		return 0
	fi
	say "$name: setting up, $SETTLE to settle, $DUR to record"
	setup "$1"
	[ "$(duration_s "$SETTLE")" = 0 ] || run_wait sleep "$(duration_s "$SETTLE")"
	feed_moves
	start=$(date -u +%FT%TZ)
	"record_$RECORDER" "$name"
	# The sidecar last: its "complete" is what marks the run done.
	run mv -- "$base.csv.gz.part" "$base.csv.gz"
	run mv -- "$base.meta.part" "$base.csv.gz.meta.json"
	[ "$DRY" = 1 ] || complete "$base" ||
		die "$name: the recording is not complete (see $base.txt); rerun to record it again"
	run_sh "log $name" "printf '%s\\t%s\\t%s\\t%s\\t%s\\n' $2 $1 $start \$(date -u +%FT%TZ) $(quote "$name.csv.gz") >> $(quote "$OUT/runs.tsv")"
}

compare() {
	local i s=() f=() new=0
	for ((i = 1; i <= N; i++)); do
		s+=("$OUT/snowflake-$i.csv.gz")
		f+=("$OUT/flux-$i.csv.gz")
	done
	for i in "${s[@]}" "${f[@]}" "$OUT/experiment.env"; do
		[ "$OUT/compare.json" -nt "$i" ] || new=1
	done
	if [ "$new" = 0 ] && [ -s "$OUT/compare.txt" ]; then
		say "compare.txt is newer than every recording: not made again"
		cat -- "$OUT/compare.txt"
		return 0
	fi
	run_sh "compare" "$(quote "$WP") compare $(quote "${s[@]}") --vs $(quote "${f[@]}") --svg $(quote "$OUT/compare.svg") > $(quote "$OUT/compare.txt") && $(quote "$WP") compare $(quote "${s[@]}") --vs $(quote "${f[@]}") --json > $(quote "$OUT/compare.json")"
	[ "$DRY" = 1 ] || cat -- "$OUT/compare.txt"
}

checks() {
	if [ ! -x "$WP" ]; then
		[ "$DRY" = 1 ] || die "no wattprobe binary at $WP for compare (make, or set WATTPROBE)"
		note "no wattprobe binary at $WP yet (make)"
	fi
	need kubectl "minikube-kvm.sh installs it" || :
	[ "$RECORDER" != ssh ] || need minikube "minikube-kvm.sh installs it" || :
	cluster_up || [ "$DRY" = 1 ] || die "kubectl reaches no cluster (minikube-kvm.sh up)"
}

main() {
	local scenario i todo=0
	parse_args "$@"
	checks
	trap 'say "interrupted: the same command resumes"; exit 130' INT
	trap 'exit 143' TERM
	metadata
	while read -r scenario i; do
		complete "$OUT/$scenario-$i" || todo=$((todo + 1))
	done < <(plan)
	# fd 3: ssh and kubectl in the loop read stdin, which must not be the plan
	say "$todo of $((2 * N)) runs to record, each $DUR after $SETTLE to settle, order $ORDER"
	while read -r -u 3 scenario i; do
		one_run "$scenario" "$i"
	done 3< <(plan)
	compare
	finish
}

main "$@"
