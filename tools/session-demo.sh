#!/usr/bin/env bash
# session-demo.sh: a complete profiling session, as a user would run one, on a SIMULATED node.
#
# The question: what does GitOps cost this node? The same node is recorded N times in each of
# two scenarios, "snowflake" (tools/simnode.sh --flux off: the workloads, kube-system and node
# services, managed by hand) and "flux" (--flux slow: the same plus Flux's four controllers
# reconciling every 10-30 s). Run i records both, snowflake first on odd i and flux first on even
# i, so that a drift of the machine's own load over the session falls on both sides. Then
# `wattprobe report` charts flux-1 (the reconciles: section finds the controllers' bursts) and
# `wattprobe compare` sets the snowflake runs against the flux runs, group by group.
#
# The node is SIMULATED (docs/simnode.md): no kubelet, no runtime, no API server, no Flux;
# CPU-burning processes in cgroups named as kubelet names them, and a pods.json naming them.
# Needs root (simnode makes cgroups; wattprobe loads BPF programs).
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
SRC=$(dirname "$(dirname "$SELF")")
SIMNODE=$SRC/tools/simnode.sh

RUNS=3 SECONDS_=60 INTERVAL=100ms DRY=0 OUT=''
WP='' NODE_TMP='' UP=''
DRY_OPT=()

usage() {
	cat <<EOF
usage: session-demo.sh [--runs N] [--seconds S] [--interval I] [--dry-run] OUTDIR

A complete profiling session on a SIMULATED Kubernetes node (tools/simnode.sh, no real
cluster): for i in 1..N, the node without Flux ("snowflake", simnode --flux off) and with it
("flux", --flux slow), each up, recorded for S seconds and taken down again, snowflake first on
odd i and flux first on even i. Then a report of flux-1 and a comparison of the two sides.
Needs root.

  --runs N        runs of each scenario (default 3)
  --seconds S     seconds each recording lasts (default 60)
  --interval I    wattprobe's sampling interval (default 100ms)
  --dry-run       print every step, do none
  -h, --help

Writes to OUTDIR (made if need be):
  snowflake-I.csv.gz, flux-I.csv.gz   the recordings (and their .meta.json)
  snowflake-I.txt, flux-I.txt         record's summary of each
  report.txt, report.svg              wattprobe report of flux-1
  compare.txt, compare.svg            wattprobe compare snowflake-* --vs flux-*

A run takes about S + 3 seconds per scenario. Ctrl-C stops the recording under way, takes the
node down and exits.

Environment: WATTPROBE, the binary (default build/wattprobe in the repository, \$OUTPUT as in
the tests); WP_HELPERS, where simnode finds burn (default build/tests/helpers).
EOF
}

die() {
	printf 'session-demo: %s\n' "$*" >&2
	exit 1
}

usage_die() {
	printf 'session-demo: %s (session-demo.sh -h for help)\n' "$*" >&2
	exit 2
}

say() {
	printf 'session-demo: %s\n' "$*" >&2
}

# Run a command, or under --dry-run only show it.
do_() {
	if [ "$DRY" = 1 ]; then
		printf '+'
		printf ' %q' "$@"
		printf '\n'
		return 0
	fi
	"$@"
}

# The same with stdout to FILE.
do_to() { # FILE COMMAND...
	local f=$1
	shift
	if [ "$DRY" = 1 ]; then
		printf '+'
		printf ' %q' "$@"
		printf ' > %q\n' "$f"
		return 0
	fi
	"$@" >"$f"
}

# Whatever way the script ends, a node that is up goes down, and the scratch directory goes. On
# Ctrl-C, a recording under way has had SIGINT too: it finishes its file and summary, then this.
on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$UP" ]; then
		say "taking the simulated node down"
		"$SIMNODE" down "$UP" "${DRY_OPT[@]}" >&2 || rc=1
	fi
	[ -z "$NODE_TMP" ] || [ "$DRY" = 1 ] || rmdir -- "$NODE_TMP" 2>/dev/null || :
	exit "$rc"
}

# One scenario of run I: node up, record, node down.
scenario() { # NAME I
	local name=$1 i=$2 flux=off base=$OUT/$1-$2
	[ "$name" = snowflake ] || flux=slow
	say "run $i/$RUNS: $name (simnode --flux $flux), $SECONDS_ s"
	UP=$NODE_TMP/node
	do_ "$SIMNODE" up "$UP" --flux "$flux" >&2
	do_to "$base.txt" "$WP" record --pods "$UP/pods.json" -i "$INTERVAL" -d "$SECONDS_" \
		-o "$base.csv.gz"
	do_ "$SIMNODE" down "$UP" >&2
	UP=
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--runs | --seconds | --interval)
			[ $# -ge 2 ] || usage_die "$1 needs a value"
			set_opt "$1" "$2"
			shift 2
			;;
		--runs=* | --seconds=* | --interval=*)
			set_opt "${1%%=*}" "${1#*=}"
			shift
			;;
		--dry-run)
			DRY=1
			shift
			;;
		-h | --help)
			usage
			exit 0
			;;
		-*) usage_die "unknown option '$1'" ;;
		*)
			[ -z "$OUT" ] || usage_die "unexpected argument '$1'"
			OUT=$1
			shift
			;;
		esac
	done
	[ -n "$OUT" ] || usage_die "no OUTDIR"
	[ "$DRY" != 1 ] || DRY_OPT=(--dry-run)
}

set_opt() { # OPTION VALUE
	case $1 in
	--runs)
		[[ $2 =~ ^[1-9][0-9]{0,2}$ ]] || usage_die "--runs: '$2' (want 1..999)"
		RUNS=$2
		;;
	--seconds)
		if ! [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
			! awk -v s="$2" 'BEGIN { exit !(s > 0 && s <= 86400) }'; then
			usage_die "--seconds: '$2' (want seconds, 0 < S <= 86400)"
		fi
		SECONDS_=$2
		;;
	--interval)
		[[ $2 =~ ^[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h)?$ ]] ||
			usage_die "--interval: '$2' (want a duration: 100ms, 1s, ...)"
		INTERVAL=$2
		;;
	esac
}

checks() {
	local out=${OUTPUT:-build}
	case $out in /*) ;; *) out=$SRC/$out ;; esac
	WP=${WATTPROBE:-$out/wattprobe}
	export WP_HELPERS=${WP_HELPERS:-$out/tests/helpers}
	[ -x "$SIMNODE" ] || die "no $SIMNODE"
	# record keeps only the pods of $NODE_NAME when it is set: the simulated ones are minikube's.
	[ -z "${NODE_NAME:-}" ] || [ "$NODE_NAME" = minikube ] ||
		die "NODE_NAME=$NODE_NAME would hide the simulated node's pods (minikube): unset it"
	[ "$DRY" = 1 ] || {
		[ "$(id -u)" -eq 0 ] || die "needs root (simnode makes cgroups, wattprobe loads BPF)"
		[ -x "$WP" ] || die "no $WP (make, or set WATTPROBE)"
		[ -x "$WP_HELPERS/burn" ] ||
			say "no $WP_HELPERS/burn (make helpers): simnode falls back to bash loops"
	}
}

main() {
	local i first second k
	local -a snow=() flux=()
	parse_args "$@"
	checks
	case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	say "$RUNS runs x 2 scenarios x $SECONDS_ s on a SIMULATED node, into $OUT"
	do_ mkdir -p -- "$OUT"
	if [ "$DRY" = 1 ]; then
		NODE_TMP=${TMPDIR:-/tmp}/session-demo.XXXXXX
		do_ mktemp -d "$NODE_TMP"
	else
		NODE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/session-demo.XXXXXX")
	fi
	for ((i = 1; i <= RUNS; i++)); do
		first=snowflake second=flux
		[ $((i % 2)) = 1 ] || first=flux second=snowflake
		for k in "$first" "$second"; do scenario "$k" "$i"; done
		snow+=("$OUT/snowflake-$i.csv.gz")
		flux+=("$OUT/flux-$i.csv.gz")
	done
	# Named one by one, not by a glob: an OUTDIR used before may hold runs beyond N.
	do_to "$OUT/report.txt" "$WP" report --svg "$OUT/report.svg" "$OUT/flux-1.csv.gz"
	do_to "$OUT/compare.txt" "$WP" compare "${snow[@]}" --vs "${flux[@]}" \
		--svg "$OUT/compare.svg"
	[ "$DRY" != 1 ] || return 0
	say "done: $OUT/report.txt, report.svg, compare.txt, compare.svg"
	cat -- "$OUT/compare.txt"
}

main "$@"
