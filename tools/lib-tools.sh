# shellcheck shell=bash
# lib-tools.sh: what the experiment's scripts share: messages, dry runs, checks, pinned downloads.
#
# A script sets TOOL (its name in messages) and sources this file. Then:
#   run CMD...             print "+ CMD" on stdout and run it (--dry-run: print only); a change
#   run_sh DESC SCRIPT     the same for a pipeline or redirection: bash -c SCRIPT, printed as is
#   run_guest[_sh] CMD     in VM2 over ssh, printed as "+ guest: CMD"; a change
#   run_wait, guest_wait   a wait or a check: printed, run unless --dry-run, not a change
#   query, guest_query     run even under --dry-run: they only look (here, or in VM2)
#   need CMD HINT          a missing tool ends the script with one line (--dry-run: a note)
#   need_val OPT "$@"      an option without its value: a usage error naming it
#   die MSG (exit 1), usage_die MSG (exit 2, a usage error), say MSG, note MSG (stderr)
#   install_verified ...   a pinned download, its sha256 checked, into BIN_DIR
#   finish                 the last line: what changed, or that nothing did
# Every command that changes something goes through run*, so that --dry-run shows all of them
# and a second run, with everything in place, prints none and says so. "+ " lines go to
# stdout, messages to stderr. A query under --dry-run that cannot be answered (no VM2, no
# cluster) counts as "not there yet", so that the dry run shows every step.

# Pinned versions of what the scripts download (docs/experiment.md, "Versions": how to bump).
# Each download is checked against the sha256 its project publishes beside it; a *_SHA256 set
# here (or in the environment) must match as well.
MINIKUBE_VERSION=${MINIKUBE_VERSION:-v1.34.0}
KUBECTL_VERSION=${KUBECTL_VERSION:-v1.31.0}
KUBERNETES_VERSION=${KUBERNETES_VERSION:-v1.31.0} # minikube v1.34.0's default
FLUX_VERSION=${FLUX_VERSION:-2.4.0}
MINIKUBE_SHA256=${MINIKUBE_SHA256:-}
KUBECTL_SHA256=${KUBECTL_SHA256:-}
FLUX_SHA256=${FLUX_SHA256:-}

DRY=0
CHANGES=0
# shellcheck disable=SC2034 # the top of the tree, for the scripts that source this
LIB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# State the scripts keep between runs (keys, clones, pid files): the invoking user's.
WP_STATE=${WP_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/wattprobe}
BIN_DIR=${BIN_DIR:-/usr/local/bin}
# Where `wattprobe host` writes each VM's feed (another root only for tests and odd layouts).
# shellcheck disable=SC2034 # used by the scripts that source this
FEED_ROOT=${WP_FEED_ROOT:-/var/lib/wattprobe/feed}
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o BatchMode=yes -o ConnectTimeout=10)
GUEST_SSH=()
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

say() { printf '%s: %s\n' "$TOOL" "$*" >&2; }
note() { printf '%s: note: %s\n' "$TOOL" "$*" >&2; }
die() {
	printf '%s: %s\n' "$TOOL" "$*" >&2
	exit 1
}
usage_die() {
	printf '%s: %s (%s -h for help)\n' "$TOOL" "$*" "$TOOL" >&2
	exit 2
}

# The command as a shell would read it back: words that need no quotes as they are, others in
# single quotes ($'...' when they hold a newline).
quote() {
	local out='' a q="'\\''"
	for a in "$@"; do
		if [[ $a == *$'\n'* ]]; then
			a=$(printf '%q' "$a")
		elif [[ -z $a || $a =~ [^A-Za-z0-9_./:=,@%+-] ]]; then
			a="'${a//\'/$q}'"
		fi
		out+=" $a"
	done
	printf '%s' "${out# }"
}

run() {
	printf '+ %s\n' "$(quote "$@")"
	CHANGES=$((CHANGES + 1))
	[ "$DRY" = 1 ] && return 0
	"$@"
}

# A pipeline or redirection, as one bash -c script: printed exactly as it will run.
run_sh() { # DESCRIPTION SCRIPT [ARGS for $1...]
	local desc=$1 script=$2
	shift 2
	printf '+ %s    # %s\n' "$script" "$desc"
	CHANGES=$((CHANGES + 1))
	[ "$DRY" = 1 ] && return 0
	bash -c "set -euo pipefail; $script" "$TOOL" "$@"
}

# A wait or a check that changes nothing: shown, not run under --dry-run, not counted.
run_wait() {
	printf '+ %s\n' "$(quote "$@")"
	[ "$DRY" = 1 ] && return 0
	"$@"
}

query() {
	"$@"
}

have() { command -v "$1" >/dev/null 2>&1; }

need() { # CMD HINT
	have "$1" && return 0
	if [ "$DRY" = 1 ]; then
		note "$1 is not installed; a real run needs it ($2)"
		return 1
	fi
	die "missing tool: $1 ($2)"
}

finish() {
	if [ "$DRY" = 1 ]; then
		say "dry run: $CHANGES step(s) would run; nothing was done"
	elif [ "$CHANGES" -eq 0 ]; then
		say "nothing to do: everything was already in place, nothing changed"
	else
		say "done: $CHANGES step(s) run"
	fi
}

# Take --dry-run out of "$@" (up to a --, after which all is passed on) into the array ARGS.
ARGS=()
common_args() {
	ARGS=()
	while [ $# -gt 0 ]; do
		case $1 in
		--dry-run) DRY=1 ;;
		--)
			ARGS+=("$@")
			return 0
			;;
		*) ARGS+=("$1") ;;
		esac
		shift
	done
}

# An option needs its value: a one-line usage error naming the option. Call it directly,
# never in $(...), where its exit would end only the subshell.
need_val() { # OPTION "$@" after it
	if [ $# -lt 2 ] || [ -z "$2" ]; then
		usage_die "$1 needs a value"
	fi
}

is_profile() { [[ $1 =~ ^[a-z0-9][a-z0-9.-]{0,62}$ ]]; }
# wattprobe's DUR: a number with a unit (a bare number is seconds).
is_duration() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h)?$ ]] && [[ ! $1 =~ ^0+(\.0+)?[a-z]*$ ]]; }
duration_s() { # DUR -> whole seconds, rounded up
	awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
		f = u == "ns" ? 1e-9 : u == "us" ? 1e-6 : u == "ms" ? 1e-3 : u == "m" ? 60 :
		    u == "h" ? 3600 : 1
		print int(n * f + 0.999999) }'
}

machine_arch() {
	case $(uname -m) in
	x86_64) echo amd64 ;;
	aarch64) echo arm64 ;;
	*) die "unsupported machine $(uname -m) (want x86_64 or aarch64)" ;;
	esac
}

# Download URL into BIN_DIR/NAME after checking its sha256 against the checksum file the
# project publishes beside it (SUMS_URL; ENTRY names the line in a multi-file list, "" for a
# file holding only the hash), and against PIN when given (a hash recorded in the script).
# EXTRACT, when set, is the member of a .tar.gz to install.
install_verified() { # NAME URL SUMS_URL ENTRY PIN [EXTRACT]
	local name=$1 url=$2 sums=$3 entry=$4 pin=$5 member=${6:-} tmp want got
	need curl "apt-get install curl" || :
	need sha256sum "coreutils" || :
	if [ "$DRY" = 1 ]; then
		run curl -fsSL --proto '=https' --retry 3 -o "/tmp/$name.download" "$url"
		run curl -fsSL --proto '=https' --retry 3 -o "/tmp/$name.sums" "$sums"
		printf '+ # check: sha256 of /tmp/%s.download is the one /tmp/%s.sums gives%s%s\n' \
			"$name" "$name" "${entry:+ for $entry}" "${pin:+ and $pin}"
		[ -z "$member" ] || run tar -xzf "/tmp/$name.download" -C /tmp "$member"
		run $SUDO install -m 0755 "/tmp/${member:-$name.download}" "$BIN_DIR/$name"
		return 0
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/wp-$name.XXXXXX")
	run curl -fsSL --proto '=https' --retry 3 -o "$tmp/download" "$url" ||
		die "cannot download $url"
	run curl -fsSL --proto '=https' --retry 3 -o "$tmp/sums" "$sums" ||
		die "cannot download $sums"
	if [ -n "$entry" ]; then
		want=$(awk -v f="$entry" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/sums")
	else
		want=$(awk '{ print $1; exit }' "$tmp/sums")
	fi
	got=$(sha256sum "$tmp/download" | awk '{ print $1 }')
	[[ $want =~ ^[0-9a-f]{64}$ ]] || die "no sha256 for ${entry:-$url} in $sums"
	[ "$got" = "$want" ] || die "sha256 mismatch for $url: got $got, $sums says $want"
	[ -z "$pin" ] || [ "$got" = "$pin" ] ||
		die "sha256 of $url is $got, not the $pin pinned in $TOOL"
	say "sha256 of $name checked: $got"
	if [ -n "$member" ]; then
		run tar -xzf "$tmp/download" -C "$tmp" "$member"
		run $SUDO install -m 0755 "$tmp/$member" "$BIN_DIR/$name"
	else
		run $SUDO install -m 0755 "$tmp/download" "$BIN_DIR/$name"
	fi
	rm -rf -- "$tmp"
}

# ---- VM2, the minikube guest ------------------------------------------------------------

# ssh into the minikube VM as minikube does (user docker, the machine's key); set up lazily.
guest_ssh_init() { # PROFILE
	[ ${#GUEST_SSH[@]} -eq 0 ] || return 0
	local key ip
	if key=$(minikube -p "$1" ssh-key 2>/dev/null) && ip=$(minikube -p "$1" ip 2>/dev/null); then
		GUEST_SSH=(ssh -i "$key" "${SSH_OPTS[@]}" "docker@$ip")
		return 0
	fi
	[ "$DRY" = 1 ] || die "cannot reach VM2: minikube -p $1 ssh-key / ip failed (is it up?)"
	GUEST_SSH=(false)
	return 1
}

# Under --dry-run with no VM2, a query fails: "not there yet", so every step is shown.
guest_query() { # CMD...
	guest_ssh_init "$PROFILE" || return 1
	"${GUEST_SSH[@]}" "$(quote "$@")"
}

run_guest() { # CMD...
	printf '+ guest: %s\n' "$(quote "$@")"
	CHANGES=$((CHANGES + 1))
	[ "$DRY" = 1 ] && return 0
	guest_ssh_init "$PROFILE"
	"${GUEST_SSH[@]}" "$(quote "$@")"
}

# A shell script run in VM2 (pipelines, redirections, && ...), printed as it runs there.
run_guest_sh() { # SCRIPT
	printf '+ guest: %s\n' "$1"
	CHANGES=$((CHANGES + 1))
	[ "$DRY" = 1 ] && return 0
	guest_ssh_init "$PROFILE"
	"${GUEST_SSH[@]}" "$1"
}

# A wait or check in VM2: shown, run unless --dry-run, not a change.
guest_wait() { # CMD...
	printf '+ guest: %s\n' "$(quote "$@")"
	[ "$DRY" = 1 ] && return 0
	guest_ssh_init "$PROFILE"
	"${GUEST_SSH[@]}" "$(quote "$@")"
}

# The ssh command into VM2 as text for a run_sh script: evaluated when the script runs.
guest_ssh_text() { # PROFILE
	# shellcheck disable=SC2016 # expanded by the script that runs it, not here
	printf 'ssh -i "$(minikube -p %s ssh-key)" %s docker@"$(minikube -p %s ip)"' \
		"$1" "$(quote "${SSH_OPTS[@]}")" "$1"
}

# Wait until the sample workloads (tools/k8s/workloads) are rolled out.
wait_workloads() {
	local d
	for d in podinfo redis loadgen; do
		run_wait kubectl -n demo rollout status "deployment/$d" --timeout=300s
	done
}

# kubectl talks to a cluster (a query, so --dry-run without one goes on).
cluster_up() {
	have kubectl && kubectl version --request-timeout=10s >/dev/null 2>&1
}
