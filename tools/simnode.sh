#!/usr/bin/env bash
# simnode.sh: a simulated Kubernetes node: a kubelet-shaped cgroup v2 tree with Flux-, control-
# plane- and workload-like load in it, and the pod list that names it (docs/simnode.md).
# --flux picks how Flux's controllers behave: fast bursts, slow ones like real reconciles, or
# no Flux at all (the same node managed by hand).
#
# A simulation, for demos and tests: there is no kubelet, container runtime, API server or pause
# container; each "container" is one CPU-burning process moved into a cgroup named the way
# kubelet and containerd name theirs, and pods.json is what `kubectl get pods -A -o json` would
# say about it. Everything is derived from names (sha256), so reruns give the same ids.
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
SRC=$(dirname "$(dirname "$SELF")")
MAX_S=86400 # burn runs for at most a day: so does a simulated node
STATE_FILES=(pods.json cgroups.tsv tops pids created meta log)

DRY=0 DRIVER=systemd NODE=minikube SCALE=1 STATIC=simple FLUX=fast DURATION='' STATE='' CMD=''
UP_OPTS=() DRY_OPT=()
CG='' CGROOT='' BURN=''

# Pods: NAMESPACE KIND BASE QOS CONTAINER BURST_MS PERIOD_MS LABELS. KIND names the pod as its
# owner would: deploy BASE-<rs hash>-<5>, ds BASE-<5>, static BASE-<node>. LABELS "flux" is the
# set Flux's manifests give each controller, "control-plane" kubeadm's static pods' set. Each
# container burns BURST_MS of CPU every PERIOD_MS: Flux controllers in reconcile-like bursts
# (intervals compressed to seconds), the rest steadily. Periods are >= 100 ms because
# cpu.stat over-counts every slice that starts with a wakeup by 15-40 us on the CI VM; they are
# not multiples of each other, and each process starts at a phase of its own (L_PHASE): with
# harmonic periods and one start, every burst of the node coincided every 2 s and, on 2 vCPUs,
# the long ones got half their CPU.
PODS='
flux-system deploy source-controller       burstable  manager        50 1013 flux
flux-system deploy kustomize-controller    burstable  manager        60 1511 flux
flux-system deploy helm-controller         burstable  manager        60 1999 flux
flux-system deploy notification-controller burstable  manager        40 2417 flux
kube-system static etcd                    burstable  etcd            6  199 control-plane
kube-system static kube-apiserver          burstable  kube-apiserver 10  251 control-plane
kube-system deploy coredns                 burstable  coredns        10  499 k8s-app=kube-dns
kube-system ds     kube-proxy              besteffort kube-proxy     10  997 k8s-app=kube-proxy
podinfo     deploy podinfo                 burstable  podinfod       12  100 app=podinfo
podinfo     deploy podinfo                 burstable  podinfod        8  103 app=podinfo
default     deploy snowflake-web           guaranteed web            16  211 app=snowflake-web
'
# --flux slow: BASE BURST_MS PERIOD_MS of the flux-system rows above, as real controllers
# reconcile (a few hundred ms every few minutes) with the intervals compressed to 10-30 s. The
# periods are not multiples of each other; phases are L_PHASE's, as for every process.
FLUX_SLOW='
source-controller       300 10100
kustomize-controller    400 15100
helm-controller         250 19900
notification-controller 120 30100
'
# Node services: NAME BURST_MS PERIOD_MS.
SERVICES='
kubelet    20 1009
containerd 10 1201
'

# The pure-bash load when burn is not built: BUSY_US PERIOD_US SECONDS, on an absolute grid like
# burn's; it sleeps in `read -t` on a pipe it holds both ends of, so no fork per period.
# shellcheck disable=SC2016 # expanded by the load's own bash
SHELL_LOAD='busy=$1 per=$2 t=${EPOCHREALTIME/./}
end=$((t + $3 * 1000000)) next=$t
exec {z}<> <(:)
while ((next < end)); do
	b=$((next + busy)) next=$((next + per))
	while ((${EPOCHREALTIME/./} < b)); do :; done
	d=$((next - ${EPOCHREALTIME/./}))
	if ((d > 0)); then
		printf -v s "%d.%06d" $((d / 1000000)) $((d % 1000000))
		read -r -t "$s" -u "$z" _ || :
	fi
done'

usage() {
	cat <<EOF
usage: simnode.sh up STATE_DIR [--driver systemd|cgroupfs] [--node NAME] [--scale X]
                  [--static-pods simple|mirror] [--flux fast|slow|off] [--dry-run]
       simnode.sh down STATE_DIR [--dry-run]
       simnode.sh freeze|thaw STATE_DIR
       simnode.sh run [-d SECONDS] [up options]

A SIMULATED Kubernetes node for demos and tests (no kubelet, no runtime, no API server: see
docs/simnode.md). Needs root: it makes cgroups under the cgroup2 mount.

  up      lay out a kubelet-shaped cgroup tree, start Flux-, kube-system- and workload-like
          load in it in the background, write STATE_DIR/pods.json, cgroups.tsv, tops and pids,
          and return once every process runs
  down    kill everything, remove the cgroups and the state files (idempotent)
  freeze  freeze every top cgroup (STATE_DIR/tops), waiting until the kernel says frozen
  thaw    the reverse
  run     up in a temporary directory, print the wattprobe command, wait SECONDS (default:
          until Ctrl-C), then down

  --driver D       the kubelet cgroup driver whose layout to copy (default systemd)
  --node NAME      spec.nodeName of every pod, and the static pods' suffix (default minikube)
  --scale X        multiply every process's CPU duty by X (default 1: about 0.54 CPU in all)
  --static-pods M  simple (default): static pods' cgroups carry the pods.json UID; mirror: as on
                   a real node, the cgroup carries kubelet's config hash (32 hex) and pods.json
                   the mirror pod's UID, linked by the kubernetes.io/config.mirror annotation
  --flux MODE      fast (default): the Flux controllers burst 40-60 ms every 1.0-2.4 s;
                   slow: 120-400 ms every 10.1-30.1 s, like real reconciles, compressed;
                   off: no Flux pods (a node managed by hand), and none in pods.json
  --dry-run        print every step, do none
  -h, --help

STATE_DIR/cgroups.tsv, one line per cgroup with a process, tab-separated, no header:
  ABS_DIR  CGROUP_PATH  EXPECTED_GROUP  NAMESPACE  POD  CONTAINER
CGROUP_PATH as in /proc/PID/cgroup; EXPECTED_GROUP flux, k8s-system, workload or node; the last
three empty for node services.

Environment: SIMNODE_BURN, the load program: default \$WP_HELPERS/burn (build/tests/helpers/burn)
if built, else a pure-bash loop; "shell" forces the loop.
EOF
}

die() {
	printf 'simnode: %s\n' "$*" >&2
	exit 1
}

usage_die() {
	printf 'simnode: %s (simnode.sh -h for help)\n' "$*" >&2
	exit 2
}

warn() {
	printf 'simnode: warning: %s\n' "$*" >&2
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

# Write VALUE to FILE (a cgroup control file, a state file), or under --dry-run show it.
put() { # FILE VALUE
	if [ "$DRY" = 1 ]; then
		printf '+ echo %q > %q\n' "$2" "$1"
		return 0
	fi
	printf '%s\n' "$2" >"$1"
}

# ---- cgroup2 mount, paths ----------------------------------------------------------------

# The cgroup2 mount point and the mount's root within the hierarchy, from mountinfo (octal
# escapes undone), into CG and CGROOT.
find_mount() {
	local m
	m=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break
		   if ($(i + 1) == "cgroup2") { print $5 " " $4; exit } }' /proc/self/mountinfo)
	[ -n "$m" ] || die "no cgroup2 filesystem in /proc/self/mountinfo (a cgroup v1-only host)"
	CG=$(unescape "${m%% *}")
	CGROOT=$(unescape "${m#* }")
}

# mountinfo escapes blanks and backslashes as octal (\040).
unescape() { # STRING
	printf '%b' "${1//\\/\\0}"
}

# The path /proc/PID/cgroup shows for a directory under CG.
cg_path_of() { # ABS_DIR
	local rel=${1#"$CG"} root=$CGROOT
	[ "$root" = / ] && root=
	printf '%s%s\n' "$root" "${rel:-/}"
}

# The 0:: line of /proc/PID/cgroup.
proc_cgroup() { # PID
	local line
	while IFS= read -r line; do
		case $line in 0::*)
			printf '%s\n' "${line#0::}"
			return 0
			;;
		esac
	done <"/proc/$1/cgroup"
	return 1
}

# ---- names and ids -------------------------------------------------------------------------

hex64() { # SEED
	local h
	h=$(printf '%s' "$1" | sha256sum)
	printf '%s\n' "${h%% *}"
}

# RFC 4122 version 4 shape (the version nibble 4, the variant 8..b) from 32 hex digits.
uuid4() { # HEX
	local h=$1 v=89ab
	printf '%s-%s-4%s-%s%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" \
		"${v:$((0x${h:16:1} & 3)):1}" "${h:17:3}" "${h:20:12}"
}

# A pod-template-hash or controller-revision-hash: Kubernetes' SafeEncodeString of a 32-bit
# hash's decimal digits, which maps each digit into "456789bcdf".
k8s_hash() { # HEX
	local d=$((0x${1:0:8})) a=456789bcdf out='' i
	for ((i = 0; i < ${#d}; i++)); do
		out+=${a:${d:i:1}:1}
	done
	printf '%s\n' "$out"
}

# N characters of the alphabet Kubernetes' name generator uses (the pod name's suffix).
k8s_rand() { # HEX N
	local a=bcdfghjklmnpqrstvwxz2456789 out='' i
	for ((i = 0; i < $2; i++)); do
		out+=${a:$((0x${1:2*i:2} % 27)):1}
	done
	printf '%s\n' "$out"
}

# ---- the plan: every pod, service and cgroup, before anything is made --------------------

# Per process (pods first, then node services): L_DIR L_PATH L_GROUP L_NS L_POD L_CTR L_NAME
# L_DUTY L_BUSY_US L_PERIOD_MS L_PHASE (start delay, s). Per pod: P_NAME P_NS P_UID P_QOS P_CTR
# P_CID P_LABELS P_ANNOT. DIRS: every cgroup to make, parents first. TOPS: what freeze freezes.
L_DIR=() L_PATH=() L_GROUP=() L_NS=() L_POD=() L_CTR=() L_NAME=() L_DUTY=() L_BUSY_US=()
L_PERIOD_MS=() L_PHASE=()
P_NAME=() P_NS=() P_UID=() P_QOS=() P_CTR=() P_CID=() P_LABELS=() P_ANNOT=()
DIRS=() TOPS=() KUBEPODS='' SVC_PARENT='' NOMINAL_CPU=0

# Duty (percent) and busy time (us) of BURST_MS per PERIOD_MS at --scale, into L_*.
add_load() { # NAME BURST_MS PERIOD_MS
	local out
	out=$(awk -v b="$2" -v p="$3" -v s="$SCALE" 'BEGIN { d = 100 * b * s / p
		if (d > 100) exit 1; printf "%.4f %.0f\n", d, 10 * d * p }') ||
		die "--scale $SCALE: $1 would need more than 100% of a CPU"
	L_NAME+=("$1")
	L_DUTY+=("${out% *}")
	L_BUSY_US+=("${out#* }")
	L_PERIOD_MS+=("$3")
	# A start phase below min(period, 1 s) from the name: up waits for it, so at most 1 s.
	out=$(hex64 "simnode/phase/$1")
	out=$(((0x${out:0:6}) % ($3 < 1000 ? $3 : 1000)))
	printf -v out '%d.%03d' $((out / 1000)) $((out % 1000))
	L_PHASE+=("$out")
}

add_pod() { # NS KIND BASE QOS CONTAINER BURST_MS PERIOD_MS LABELS SEQ
	local ns=$1 kind=$2 base=$3 qos=$4 ctr=$5 labels=$8 name rs cguid uid cid annot='' podd
	case $kind in
	deploy)
		rs=$(k8s_hash "$(hex64 "simnode/rs/$ns/$base")")
		name=$base-$rs-$(k8s_rand "$(hex64 "simnode/pod/$ns/$base/$9")" 5)
		;;
	ds)
		rs=$(k8s_hash "$(hex64 "simnode/rev/$ns/$base")")
		name=$base-$(k8s_rand "$(hex64 "simnode/pod/$ns/$base/$9")" 5)
		;;
	static) name=$base-$NODE ;;
	esac
	case $labels in
	flux) labels="app=$base,app.kubernetes.io/part-of=flux,app.kubernetes.io/component=$base" ;;
	control-plane) labels="component=$base,tier=control-plane" ;;
	esac
	case $kind in
	deploy) labels+=",pod-template-hash=$rs" ;;
	ds) labels+=",controller-revision-hash=$rs,pod-template-generation=1" ;;
	esac
	uid=$(uuid4 "$(hex64 "simnode/uid/$ns/$name")")
	cguid=$uid
	if [ "$kind" = static ] && [ "$STATIC" = mirror ]; then
		# kubelet names a static pod by the hash of its manifest; the API's mirror pod has a
		# UID of its own and carries the hash in its annotations.
		cguid=$(hex64 "simnode/config/$ns/$name")
		cguid=${cguid:0:32}
		annot="kubernetes.io/config.hash=$cguid,kubernetes.io/config.mirror=$cguid"
		annot+=",kubernetes.io/config.source=file"
	fi
	cid=$(hex64 "simnode/container/$ns/$name/$ctr")
	if [ "$DRIVER" = systemd ]; then
		case $qos in
		guaranteed) podd=$KUBEPODS/kubepods-pod${cguid//-/_}.slice ;;
		*) podd=$KUBEPODS/kubepods-$qos.slice/kubepods-$qos-pod${cguid//-/_}.slice ;;
		esac
		L_DIR+=("$podd/cri-containerd-$cid.scope")
	else
		case $qos in
		guaranteed) podd=$KUBEPODS/pod$cguid ;;
		*) podd=$KUBEPODS/$qos/pod$cguid ;;
		esac
		L_DIR+=("$podd/$cid")
	fi
	case $ns in
	flux-system) L_GROUP+=(flux) ;;
	kube-system) L_GROUP+=(k8s-system) ;;
	*) L_GROUP+=(workload) ;;
	esac
	L_NS+=("$ns") L_POD+=("$name") L_CTR+=("$ctr")
	P_NAME+=("$name") P_NS+=("$ns") P_UID+=("$uid") P_QOS+=("$qos") P_CTR+=("$ctr")
	P_CID+=("$cid") P_LABELS+=("$labels") P_ANNOT+=("$annot")
	add_load "$name" "$6" "$7"
}

plan() {
	local ns kind base qos ctr burst period labels name dir d rel c
	local -A seq=() seen=() slow=()
	while read -r base burst period; do
		[ -z "$base" ] || slow[$base]="$burst $period"
	done <<<"$FLUX_SLOW"
	if [ "$DRIVER" = systemd ]; then
		KUBEPODS=$CG/kubepods.slice
		SVC_PARENT=$CG/system.slice
	else
		KUBEPODS=$CG/kubepods
		SVC_PARENT=$CG/simnode.slice
	fi
	TOPS=("$KUBEPODS")
	# kubelet makes both QoS slices whether or not a pod needs them.
	if [ "$DRIVER" = systemd ]; then
		DIRS=("$KUBEPODS" "$KUBEPODS/kubepods-burstable.slice"
			"$KUBEPODS/kubepods-besteffort.slice")
	else
		DIRS=("$KUBEPODS" "$KUBEPODS/burstable" "$KUBEPODS/besteffort")
	fi
	while read -r ns kind base qos ctr burst period labels; do
		[ -n "$ns" ] || continue
		if [ "$ns" = flux-system ]; then
			[ "$FLUX" != off ] || continue
			if [ "$FLUX" = slow ]; then
				[ -n "${slow[$base]:-}" ] || die "no --flux slow load for $base"
				read -r burst period <<<"${slow[$base]}"
			fi
		fi
		seq[$ns/$base]=$((${seq[$ns/$base]:-0} + 1))
		add_pod "$ns" "$kind" "$base" "$qos" "$ctr" "$burst" "$period" "$labels" \
			"${seq[$ns/$base]}"
	done <<<"$PODS"
	while read -r name burst period; do
		[ -n "$name" ] || continue
		if [ "$DRIVER" = systemd ]; then
			dir=$SVC_PARENT/simnode-$name.service
		else
			dir=$SVC_PARENT/$name
		fi
		L_DIR+=("$dir") L_GROUP+=(node) L_NS+=("") L_POD+=("") L_CTR+=("")
		TOPS+=("$dir")
		add_load "$name" "$burst" "$period"
	done <<<"$SERVICES"
	for d in "${DIRS[@]}"; do seen[$d]=1; done
	for dir in "${L_DIR[@]}"; do
		rel=${dir#"$CG"/}
		d=$CG
		while [ -n "$rel" ]; do
			c=${rel%%/*}
			d=$d/$c
			if [ "$c" = "$rel" ]; then rel=; else rel=${rel#*/}; fi
			[ -n "${seen[$d]:-}" ] || DIRS+=("$d")
			seen[$d]=1
		done
	done
	for dir in "${L_DIR[@]}"; do L_PATH+=("$(cg_path_of "$dir")"); done
	NOMINAL_CPU=$(printf '%s\n' "${L_DUTY[@]}" |
		awk '{ s += $1 } END { printf "%.2f", s / 100 }')
}

# ---- pods.json ------------------------------------------------------------------------------

json_members() { # "K=V,K=V" INDENT
	local -a kvs
	local i sep
	IFS=, read -r -a kvs <<<"$1"
	for i in "${!kvs[@]}"; do
		sep=,
		[ "$i" -lt $((${#kvs[@]} - 1)) ] || sep=
		printf '%s"%s": "%s"%s\n' "$2" "${kvs[i]%%=*}" "${kvs[i]#*=}" "$sep"
	done
}

pod_json() { # INDEX
	local i=$1 qos=${P_QOS[$1]}
	printf '    {\n      "apiVersion": "v1",\n      "kind": "Pod",\n      "metadata": {\n'
	printf '        "name": "%s",\n        "namespace": "%s",\n        "uid": "%s",\n' \
		"${P_NAME[i]}" "${P_NS[i]}" "${P_UID[i]}"
	if [ -n "${P_ANNOT[i]}" ]; then
		printf '        "annotations": {\n'
		json_members "${P_ANNOT[i]}" '          '
		printf '        },\n'
	fi
	printf '        "labels": {\n'
	json_members "${P_LABELS[i]}" '          '
	printf '        }\n      },\n      "spec": {\n        "nodeName": "%s",\n' "$NODE"
	printf '        "containers": [\n          {\n            "name": "%s"\n          }\n' \
		"${P_CTR[i]}"
	printf '        ]\n      },\n      "status": {\n        "phase": "Running",\n'
	case $qos in
	besteffort) qos=BestEffort ;;
	*) qos=${qos^} ;;
	esac
	printf '        "qosClass": "%s",\n' "$qos"
	printf '        "containerStatuses": [\n          {\n            "name": "%s",\n' \
		"${P_CTR[i]}"
	printf '            "containerID": "containerd://%s",\n' "${P_CID[i]}"
	printf '            "ready": true,\n            "started": true,\n'
	printf '            "restartCount": 0\n          }\n        ]\n      }\n    }'
}

write_pods() { # FILE
	local i n=${#P_NAME[@]}
	{
		printf '{\n  "apiVersion": "v1",\n  "kind": "List",\n'
		printf '  "metadata": {\n    "resourceVersion": ""\n  },\n  "items": [\n'
		for ((i = 0; i < n; i++)); do
			pod_json "$i"
			if [ "$i" -lt $((n - 1)) ]; then printf ',\n'; else printf '\n'; fi
		done
		printf '  ]\n}\n'
	} >"$1.tmp"
	mv -f -- "$1.tmp" "$1"
}

# ---- state -----------------------------------------------------------------------------------

state_in_use() {
	local f
	for f in "${STATE_FILES[@]}"; do
		[ ! -e "$STATE/$f" ] || return 0
	done
	return 1
}

meta_get() { # KEY
	awk -F= -v k="$1" '$1 == k { print substr($0, length(k) + 2); exit }' "$STATE/meta" \
		2>/dev/null
}

# A cgroup directory from the state files: only ever one on a cgroup2 filesystem.
is_cg2_dir() { # DIR
	[ -d "$1" ] && [ "$(stat -f -c %T -- "$1")" = cgroup2fs ]
}

# ---- up -------------------------------------------------------------------------------------

pick_burn() {
	local out=${OUTPUT:-build} helpers
	case $out in /*) ;; *) out=$SRC/$out ;; esac
	helpers=${WP_HELPERS:-$out/tests/helpers}
	BURN=${SIMNODE_BURN:-$helpers/burn}
	if [ "$BURN" != shell ] && [ ! -x "$BURN" ]; then
		[ -z "${SIMNODE_BURN:-}" ] || die "SIMNODE_BURN=$BURN is not executable"
		BURN=shell
	fi
}

# Start process I in its cgroup: the shell waits out the phase where it is, moves itself in and
# execs the load, so all of the load's CPU time is the cgroup's; the load's argv[0] is
# simnode:NAME. setsid: the caller's Ctrl-C and hangup do not reach it.
# shellcheck disable=SC2016 # $$, $1 and $@ are the inner shell's
MOVER='sleep "$1" && echo $$ >"$2/cgroup.procs" || exit 1; a=$3; shift 3; exec -a "$a" "$@"'

spawn() { # INDEX
	local i=$1
	local -a load
	if [ "$BURN" = shell ]; then
		load=(bash -c "$SHELL_LOAD" simnode-load "${L_BUSY_US[i]}"
			"$((L_PERIOD_MS[i] * 1000))" "$MAX_S")
	else
		load=("$BURN" "${L_DUTY[i]}" "$MAX_S" "${L_PERIOD_MS[i]}")
	fi
	if [ "$DRY" = 1 ]; then
		# shellcheck disable=SC2016 # shown as the command line runs it
		printf "+ setsid bash -c '%s' simnode-spawn %s %q %q" \
			"$MOVER" "${L_PHASE[i]}" "${L_DIR[i]}" "simnode:${L_NAME[i]}"
		if [ "$BURN" = shell ]; then
			# shellcheck disable=SC2016 # the variable's name, not its text
			printf ' bash -c "$SHELL_LOAD" simnode-load %s\n' "${load[*]:3}"
		else
			printf ' %q' "${load[@]}"
			printf ' &\n'
		fi
		return 0
	fi
	setsid bash -c "$MOVER" simnode-spawn "${L_PHASE[i]}" "${L_DIR[i]}" \
		"simnode:${L_NAME[i]}" "${load[@]}" \
		</dev/null >/dev/null 2>>"$STATE/log" &
}

# The pid that runs process I's load, once it has exec'd; within 5 s (phase included) or fail.
await() { # INDEX
	local i=$1 t pid a0 got
	for ((t = 0; t < 100; t++)); do
		pid='' a0=''
		{ read -r pid <"${L_DIR[i]}/cgroup.procs"; } 2>/dev/null || :
		if [ -n "$pid" ]; then
			{ IFS= read -r -d '' a0 <"/proc/$pid/cmdline"; } 2>/dev/null || :
			if [ "$a0" = "simnode:${L_NAME[i]}" ]; then
				got=$(proc_cgroup "$pid") || got=
				[ "$got" = "${L_PATH[i]}" ] ||
					die "${L_NAME[i]} (pid $pid) is in '$got', not ${L_PATH[i]}"
				printf '%s\n' "$pid"
				return 0
			fi
		fi
		sleep 0.05
	done
	die "${L_NAME[i]} did not start in ${L_DIR[i]} within 5 s (or exited at once)$(log_tail)"
}

log_tail() {
	[ -s "$STATE/log" ] && printf ': %s' "$(tail -n 3 "$STATE/log" | tr '\n' ' ')"
	return 0
}

# Refuse before touching anything: a real kubelet's tree, another simnode's, a used STATE_DIR.
up_checks() {
	local d
	[ "$DRY" = 1 ] || [ "$(id -u)" -eq 0 ] || die "up needs root (it makes cgroups under $CG)"
	[ ! -e "$STATE" ] || [ -d "$STATE" ] || die "$STATE exists and is not a directory"
	! state_in_use || die "$STATE is in use by a simnode (simnode.sh down $STATE first)"
	for d in "$CG/kubepods.slice" "$CG/kubepods"; do
		[ ! -e "$d" ] ||
			die "$d exists: a kubelet (or a simnode whose state is lost) lives here"
	done
	for d in "$CG/simnode.slice" "${TOPS[@]:1}"; do
		[ ! -e "$d" ] || die "$d exists: another simnode runs here"
	done
}

# A failed or interrupted up takes down what it made.
_up_done=0
_up_on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$_up_done" != 1 ] && [ "$DRY" != 1 ]; then
		warn "up failed: taking down what it made"
		down_all || :
	fi
	exit "$rc"
}

cmd_up() {
	local i d pid pids=() n mk=0
	find_mount
	plan
	up_checks
	pick_burn
	if [ ! -d "$STATE" ]; then
		do_ mkdir -p -- "$STATE"
		mk=1
	fi
	if [ "$DRY" != 1 ]; then
		# noclobber: of two ups racing for a STATE_DIR, one gets this file, the other stops.
		printf -v d 'driver=%s\nnode=%s\nscale=%s\nflux=%s\nmount=%s\nstatedir_made=%s\n' \
			"$DRIVER" "$NODE" "$SCALE" "$FLUX" "$CG" "$mk"
		(set -o noclobber && printf '%s' "$d" >"$STATE/meta") 2>/dev/null ||
			die "$STATE is in use by a simnode (simnode.sh down $STATE first)"
		trap _up_on_exit EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		: >"$STATE/created"
	fi
	n=${#L_DIR[@]}
	for d in "${DIRS[@]}"; do
		# system.slice belongs to systemd where it exists: used, never made or removed.
		[ "$d" = "$CG/system.slice" ] && [ -d "$d" ] && continue
		# Listed first: down passes over a listed directory that is not there.
		[ "$DRY" = 1 ] || printf '%s\n' "$d" >>"$STATE/created"
		do_ mkdir -- "$d"
	done
	[ "$DRY" = 1 ] || printf '%s\n' "${TOPS[@]}" >"$STATE/tops"
	for ((i = 0; i < n; i++)); do spawn "$i"; done
	if [ "$DRY" = 1 ]; then
		printf '+ write %q (%d pods), cgroups.tsv, tops, pids\n' "$STATE/pods.json" \
			"${#P_NAME[@]}"
		return 0
	fi
	for ((i = 0; i < n; i++)); do
		pid=$(await "$i") || exit 1
		pids+=("$pid")
	done
	# A load that exits at once (bad arguments) was seen running: look again, in cgroup.procs
	# (which leaves zombies out).
	sleep 0.3
	for ((i = 0; i < n; i++)); do
		grep -qx -- "${pids[i]}" "${L_DIR[i]}/cgroup.procs" ||
			die "${L_NAME[i]} (pid ${pids[i]}) exited$(log_tail)"
	done
	printf '%s\n' "${pids[@]}" >"$STATE/pids"
	for ((i = 0; i < n; i++)); do
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${L_DIR[i]}" "${L_PATH[i]}" "${L_GROUP[i]}" \
			"${L_NS[i]}" "${L_POD[i]}" "${L_CTR[i]}"
	done >"$STATE/cgroups.tsv.tmp"
	mv -f -- "$STATE/cgroups.tsv.tmp" "$STATE/cgroups.tsv"
	write_pods "$STATE/pods.json"
	_up_done=1
	printf 'simnode: up (SIMULATED node "%s", %s driver): %d pods, %d processes, load %s CPU' \
		"$NODE" "$DRIVER" "${#P_NAME[@]}" "$n" "$NOMINAL_CPU"
	d=burn
	[ "$BURN" != shell ] || d="bash loops"
	case $FLUX in
	slow) d+=', Flux reconciling every 10-30 s' ;;
	off) d+=', no Flux' ;;
	esac
	printf ' (%s); state in %s\n' "$d" "$STATE"
}

# ---- down -----------------------------------------------------------------------------------

# Kill what runs directly in DIR, never a subtree (a parent that was there before is not
# ours); 1 when something was there.
cg_kill() { # DIR
	local pid left=0
	[ -d "$1" ] || return 0
	while read -r pid; do
		left=1
		do_ kill -KILL "$pid" 2>/dev/null || :
	done <"$1/cgroup.procs"
	[ "$left" = 0 ]
}

# Kill what runs in DIR until it is empty, then remove it. 1 when it would not go.
cg_clear() { # DIR
	local d=$1 t
	[ -d "$d" ] || return 0
	for ((t = 0; t < 50; t++)); do
		if cg_kill "$d" || [ "$DRY" = 1 ]; then break; fi
		sleep 0.1
	done
	do_ rmdir -- "$d" 2>/dev/null && return 0
	sleep 0.2
	do_ rmdir -- "$d" || {
		warn "could not remove $d"
		return 1
	}
}

# Take down what STATE_DIR/created lists, innermost first; then the state files.
down_all() {
	local -a dirs=()
	local d i rc=0 made
	[ ! -f "$STATE/created" ] || mapfile -t dirs <"$STATE/created"
	for d in "${dirs[@]}"; do
		[ ! -d "$d" ] || is_cg2_dir "$d" || die "$d (from $STATE/created) is not a cgroup"
	done
	# Thaw first: frozen tasks die of SIGKILL on v2, but thawed ones exit at once everywhere.
	for d in "${dirs[@]}"; do
		if [ -f "$d/cgroup.freeze" ] && [ "$(cat -- "$d/cgroup.freeze")" = 1 ]; then
			put "$d/cgroup.freeze" 0 || rc=1
		fi
	done
	# All at once first, so that the removal below rarely has to wait.
	for d in "${dirs[@]}"; do cg_kill "$d" || :; done
	[ "$DRY" = 1 ] || sleep 0.05
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		cg_clear "${dirs[i]}" || rc=1
	done
	made=$(meta_get statedir_made)
	if [ "$rc" = 0 ]; then
		for d in "${STATE_FILES[@]}" cgroups.tsv.tmp pods.json.tmp; do
			[ ! -e "$STATE/$d" ] || do_ rm -f -- "$STATE/$d"
		done
		[ "$made" != 1 ] || do_ rmdir -- "$STATE" 2>/dev/null || :
	else
		warn "state kept in $STATE: run down again"
	fi
	return "$rc"
}

cmd_down() {
	if [ ! -d "$STATE" ] || ! state_in_use; then
		printf 'simnode: nothing to take down in %s\n' "$STATE"
		return 0
	fi
	[ "$DRY" = 1 ] || [ "$(id -u)" -eq 0 ] || die "down needs root (it removes cgroups)"
	down_all || exit 1
	[ "$DRY" = 1 ] || printf 'simnode: down: %s\n' "$STATE"
}

# ---- freeze, thaw ---------------------------------------------------------------------------

frozen_of() { # DIR
	local k v
	while read -r k v; do
		[ "$k" != frozen ] || {
			printf '%s\n' "$v"
			return 0
		}
	done <"$1/cgroup.events"
	return 1
}

cmd_freeze() { # 1|0
	local -a tops=()
	local top t
	[ -s "$STATE/tops" ] || die "$STATE has no tops file: not up (simnode.sh up $STATE)"
	mapfile -t tops <"$STATE/tops"
	for top in "${tops[@]}"; do
		is_cg2_dir "$top" || die "$top (from $STATE/tops) is not a cgroup2 directory"
		put "$top/cgroup.freeze" "$1" || die "cannot write $top/cgroup.freeze"
	done
	[ "$DRY" != 1 ] || return 0
	for top in "${tops[@]}"; do
		for ((t = 0; t < 200; t++)); do
			[ "$(frozen_of "$top")" != "$1" ] || break
			sleep 0.05
		done
		[ "$(frozen_of "$top")" = "$1" ] || die "$top: cgroup.events never said frozen $1"
	done
}

# ---- run ------------------------------------------------------------------------------------

RUN_DIR='' RUN_SLEEP=''
_run_on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	[ -z "$RUN_SLEEP" ] || kill "$RUN_SLEEP" 2>/dev/null || :
	if [ -n "$RUN_DIR" ]; then
		"$SELF" down "$RUN_DIR" "${DRY_OPT[@]}" || rc=1
		[ "$DRY" = 1 ] || rmdir -- "$RUN_DIR" 2>/dev/null || :
	fi
	exit "$rc"
}

cmd_run() {
	local wp=build/wattprobe
	[ "$PWD" = "$SRC" ] || wp=$SRC/build/wattprobe
	if [ "$DRY" = 1 ]; then
		RUN_DIR=${TMPDIR:-/tmp}/simnode.XXXXXX
		do_ mktemp -d "$RUN_DIR"
	else
		[ "$(id -u)" -eq 0 ] || die "run needs root (it makes cgroups)"
		RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/simnode.XXXXXX")
	fi
	trap _run_on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	"$SELF" up "$RUN_DIR" "${UP_OPTS[@]}" "${DRY_OPT[@]}"
	printf 'simnode: pods: %s\n' "$RUN_DIR/pods.json"
	printf 'simnode: record it with:\n  %s record --pods %s --by group\n' "$wp" \
		"$RUN_DIR/pods.json"
	if [ -n "$DURATION" ]; then
		printf 'simnode: running for %s s (Ctrl-C stops), then down\n' "$DURATION"
	else
		printf 'simnode: running until Ctrl-C, then down\n'
	fi
	[ "$DRY" != 1 ] || {
		do_ sleep "${DURATION:-infinity}"
		return 0
	}
	sleep "${DURATION:-infinity}" &
	RUN_SLEEP=$!
	wait "$RUN_SLEEP"
	RUN_SLEEP=
}

# ---- command line ---------------------------------------------------------------------------

set_opt() { # OPTION VALUE
	case $1 in
	--driver)
		case $2 in
		systemd | cgroupfs) DRIVER=$2 ;;
		*) usage_die "--driver: '$2' (want systemd or cgroupfs)" ;;
		esac
		;;
	--node)
		[[ $2 =~ ^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$ ]] ||
			usage_die "--node: '$2' is not a node name (lower-case DNS name)"
		NODE=$2
		;;
	--scale)
		if ! [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
			! awk -v s="$2" 'BEGIN { exit !(s > 0) }'; then
			usage_die "--scale: '$2' (want a positive number)"
		fi
		SCALE=$2
		;;
	--static-pods)
		case $2 in
		simple | mirror) STATIC=$2 ;;
		*) usage_die "--static-pods: '$2' (want simple or mirror)" ;;
		esac
		;;
	--flux)
		case $2 in
		fast | slow | off) FLUX=$2 ;;
		*) usage_die "--flux: '$2' (want fast, slow or off)" ;;
		esac
		;;
	-d)
		if ! [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
			! awk -v s="$2" -v m="$MAX_S" 'BEGIN { exit !(s > 0 && s <= m) }'; then
			usage_die "-d: '$2' (want seconds, 0 < d <= $MAX_S)"
		fi
		DURATION=$2
		;;
	esac
	[ "$1" = -d ] || UP_OPTS+=("$1" "$2")
}

parse_opts() { # ARGS...
	while [ $# -gt 0 ]; do
		case $1 in
		--driver | --node | --scale | --static-pods | --flux | -d)
			[ $# -ge 2 ] || usage_die "$1 needs a value"
			set_opt "$1" "$2"
			shift 2
			;;
		--driver=* | --node=* | --scale=* | --static-pods=* | --flux=*)
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
			if [ -n "$STATE" ] || [ "$CMD" = run ]; then
				usage_die "unexpected argument '$1'"
			fi
			STATE=$1
			shift
			;;
		esac
	done
	[ "$CMD" = run ] || [ -n "$STATE" ] || usage_die "$CMD needs a STATE_DIR"
	[ "$CMD" = run ] || [ -z "$DURATION" ] || usage_die "-d is for run"
	case $CMD in up | run) ;; *)
		[ "${#UP_OPTS[@]}" = 0 ] || usage_die "${UP_OPTS[0]} is for up and run"
		;;
	esac
	DRY_OPT=()
	[ "$DRY" != 1 ] || DRY_OPT=(--dry-run)
	[ -z "$STATE" ] || case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
}

main() {
	[ $# -gt 0 ] || usage_die "no command"
	case $1 in
	-h | --help | help)
		usage
		exit 0
		;;
	up | down | freeze | thaw | run) CMD=$1 ;;
	*) usage_die "unknown command '$1' (want up, down, freeze, thaw or run)" ;;
	esac
	shift
	parse_opts "$@"
	case $CMD in
	up) cmd_up ;;
	down) cmd_down ;;
	freeze) cmd_freeze 1 ;;
	thaw) cmd_freeze 0 ;;
	run) cmd_run ;;
	esac
}

main "$@"
