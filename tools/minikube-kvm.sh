#!/usr/bin/env bash
# minikube-kvm.sh: VM2, minikube in a KVM guest (--driver=kvm2), with the host's feed attached.
#
# The domain libvirt runs is named after the profile ("minikube"), which is the name
# `wattprobe host` gives its feed directory, /var/lib/wattprobe/feed/PROFILE. That directory
# reaches the guest at /run/wattprobe/feed by one of two channels:
#   virtio  a read-only virtio-9p share in the domain's definition (tools/libvirt/), added once
#           while the domain is shut off (minikube's kvm2 driver starts an existing domain as
#           defined, so it stays), mounted at each boot by /var/lib/boot2docker/bootlocal.sh
#   mount   `minikube mount`, 9p over TCP from a process on this host that must keep running
#           (any driver); this script starts it in the background and keeps its pid
# Installs the pinned minikube and kubectl when missing (sha256 checked). Run as the user in
# the libvirt group, not root: minikube refuses kvm2 as root. docs/experiment.md, step 3.
set -euo pipefail

TOOL=minikube-kvm
# shellcheck source-path=SCRIPTDIR source=lib-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-tools.sh"

TMPFILES=${WP_TMPFILES_DIR:-/etc/tmpfiles.d}

CMD=up PROFILE=minikube FEED=virtio CPUS=2 MEMORY=4096 DISK=20g RUNTIME=containerd
GUEST_FEED=/run/wattprobe/feed
TAG=wattprobe-feed
XML=$LIB_SRC/tools/libvirt/wattprobe-feed-9p.xml
VIRSH=(virsh -c qemu:///system)
GUEST_MOUNT="mkdir -p $GUEST_FEED && mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,ro $TAG $GUEST_FEED"

usage() {
	cat <<EOF
usage: minikube-kvm.sh [up|down] [-p PROFILE] [--feed virtio|mount|none] [--cpus N]
                       [--memory MB] [--disk-size SIZE] [--container-runtime RT] [--dry-run]

up (the default):
  1. minikube $MINIKUBE_VERSION and kubectl (within one minor of Kubernetes $KUBERNETES_VERSION)
     installed in $BIN_DIR when missing, each checked against its published sha256
  2. $FEED_ROOT/PROFILE made (the feed's source must exist before the domain starts)
  3. minikube start -p PROFILE --driver=kvm2 ... unless the domain PROFILE runs already
  4. the feed channel (--feed):
     virtio  tools/libvirt/wattprobe-feed-9p.xml attached with virsh attach-device --config
             (after minikube stop when the domain runs without it, then minikube start), then
             in the guest: $GUEST_MOUNT
             and the same line in /var/lib/boot2docker/bootlocal.sh, which minikube's ISO runs
             at every boot
     mount   minikube mount -p PROFILE $FEED_ROOT/PROFILE:$GUEST_FEED in the background
             (its pid in \$WP_STATE, default ~/.local/state/wattprobe)
     none    nothing: VM2's wattprobe then uses its model
down: stop the minikube mount process and the VM (minikube stop); the domain, its share and
  the cluster stay.

  -p, --profile P          minikube profile = libvirt domain name (default minikube)
  --feed virtio|mount|none (default virtio)
  --cpus N, --memory MB, --disk-size SIZE, --container-runtime containerd|docker|cri-o
                           VM2's size and runtime (default 2, 4096, 20g, containerd)
  --dry-run                print every command that would change something, change nothing
  -h, --help

Environment: MINIKUBE_VERSION, KUBECTL_VERSION, KUBERNETES_VERSION (the pins, tools/lib-tools.sh),
BIN_DIR (default /usr/local/bin).
EOF
}

parse_args() {
	common_args "$@"
	set -- "${ARGS[@]+"${ARGS[@]}"}"
	while [ $# -gt 0 ]; do
		case $1 in
		up | down) CMD=$1 ;;
		-p | --profile) need_val "$@" && PROFILE=$2 && shift ;;
		--feed) need_val "$@" && FEED=$2 && shift ;;
		--cpus) need_val "$@" && CPUS=$2 && shift ;;
		--memory) need_val "$@" && MEMORY=$2 && shift ;;
		--disk-size) need_val "$@" && DISK=$2 && shift ;;
		--container-runtime) need_val "$@" && RUNTIME=$2 && shift ;;
		-h | --help) usage && exit 0 ;;
		*) usage_die "unknown argument '$1'" ;;
		esac
		shift
	done
	is_profile "$PROFILE" || usage_die "--profile: '$PROFILE' (want lowercase letters, digits, . and -)"
	[[ $FEED =~ ^(virtio|mount|none)$ ]] || usage_die "--feed: '$FEED' (want virtio, mount or none)"
	if ! [[ $CPUS =~ ^[1-9][0-9]?$ ]] || [ "$CPUS" -lt 2 ]; then
		usage_die "--cpus: '$CPUS' (want 2..99)"
	fi
	if ! [[ $MEMORY =~ ^[1-9][0-9]{3,5}$ ]] || [ "$MEMORY" -lt 1800 ]; then
		usage_die "--memory: '$MEMORY' (want MB, at least 1800)"
	fi
	[[ $DISK =~ ^[1-9][0-9]*(m|mb|g|gb)$ ]] || usage_die "--disk-size: '$DISK' (want 20g, 20000mb, ...)"
	[[ $RUNTIME =~ ^(containerd|docker|cri-o)$ ]] ||
		usage_die "--container-runtime: '$RUNTIME' (want containerd, docker or cri-o)"
	if [ "$(id -u)" -eq 0 ]; then
		[ "$DRY" = 1 ] || die "run as the user in the libvirt group, not root: minikube refuses the kvm2 driver as root"
		note "running as root: a real run refuses (minikube refuses kvm2 as root)"
	fi
}

# kubectl's minor version within one of Kubernetes' (the version skew policy).
kubectl_ok() {
	local v want
	v=$(query kubectl version --client 2>/dev/null |
		sed -n 's/^Client Version: v1\.\([0-9]*\).*/\1/p' || true)
	want=$(sed -n 's/^v1\.\([0-9]*\).*/\1/p' <<<"$KUBERNETES_VERSION")
	[ -n "$v" ] && [ "$v" -ge $((want - 1)) ] && [ "$v" -le $((want + 1)) ]
}

ensure_tools() {
	local arch v
	arch=$(machine_arch)
	v=$(query minikube version --short 2>/dev/null || true)
	if [ "$v" = "$MINIKUBE_VERSION" ]; then
		say "minikube $v present"
	else
		[ -z "$v" ] || say "minikube $v found, installing the pinned $MINIKUBE_VERSION"
		install_verified minikube \
			"https://storage.googleapis.com/minikube/releases/$MINIKUBE_VERSION/minikube-linux-$arch" \
			"https://storage.googleapis.com/minikube/releases/$MINIKUBE_VERSION/minikube-linux-$arch.sha256" \
			"" "$MINIKUBE_SHA256"
	fi
	if kubectl_ok; then
		say "kubectl present, within one minor of $KUBERNETES_VERSION"
	else
		install_verified kubectl "https://dl.k8s.io/release/$KUBECTL_VERSION/bin/linux/$arch/kubectl" \
			"https://dl.k8s.io/release/$KUBECTL_VERSION/bin/linux/$arch/kubectl.sha256" \
			"" "$KUBECTL_SHA256"
	fi
}

domstate() {
	query "${VIRSH[@]}" domstate "$PROFILE" 2>/dev/null | head -n 1 || true
}

has_share() { # [--inactive]
	local xml
	# The XML first, then grep: grep -q's early exit would fail a pipe (pipefail).
	xml=$(query "${VIRSH[@]}" dumpxml "$@" "$PROFILE" 2>/dev/null) || return 1
	grep -q "<target dir='$TAG'/>" <<<"$xml"
}

minikube_start() {
	run minikube start -p "$PROFILE" --driver=kvm2 --cpus="$CPUS" --memory="$MEMORY" \
		--disk-size="$DISK" --kubernetes-version="$KUBERNETES_VERSION" \
		--container-runtime="$RUNTIME"
}

# The feed root is a tmpfs (provision-kvm.sh): empty after a reboot, when libvirt would refuse
# to start the domain for want of its share's directory. tmpfiles.d makes it at every boot.
boot_dir() {
	local tf=$TMPFILES/wattprobe-feed-$PROFILE.conf line="d $FEED_ROOT/$PROFILE 0755 root root -"
	if [ "$(cat "$tf" 2>/dev/null)" = "$line" ]; then
		say "$tf makes $FEED_ROOT/$PROFILE at boot"
		return 0
	fi
	run_sh "$FEED_ROOT/$PROFILE at every boot" \
		"printf '%s\\n' $(quote "$line") | ${SUDO:+$SUDO }tee $(quote "$tf") >/dev/null"
}

# The share in the persistent definition, and in the running domain (a restart if need be).
attach_share() {
	local state=$1 xml=$XML tmp
	if has_share --inactive; then
		say "domain $PROFILE has the $TAG share"
		[ "$state" != running ] || has_share || {
			run minikube stop -p "$PROFILE"
			STATE=stopped
		}
		return 0
	fi
	if [ "$state" = running ]; then
		run minikube stop -p "$PROFILE"
		STATE=stopped
	fi
	if [ "$FEED_ROOT/$PROFILE" != /var/lib/wattprobe/feed/minikube ]; then
		tmp=$WP_STATE/wattprobe-feed-9p-$PROFILE.xml
		run_sh "the share of $FEED_ROOT/$PROFILE" \
			"mkdir -p $(quote "$WP_STATE") && sed \"s|dir='/var/lib/wattprobe/feed/minikube'|dir='$FEED_ROOT/$PROFILE'|\" $(quote "$XML") > $(quote "$tmp")"
		xml=$tmp
	fi
	run "${VIRSH[@]}" attach-device "$PROFILE" "$xml" --config
}

up_vm() {
	local state
	state=$(domstate)
	STATE=none
	case $state in
	running) STATE=running ;;
	"shut off" | crashed) STATE=stopped ;;
	"") ;;
	*) die "domain $PROFILE is '$state': resume it or stop it (minikube stop -p $PROFILE) first" ;;
	esac
	if [ "$STATE" = none ]; then
		minikube_start
		STATE=running
	fi
	[ "$FEED" != virtio ] || attach_share "$STATE"
	if [ "$STATE" = running ]; then
		say "domain $PROFILE runs"
	else
		minikube_start
	fi
}

guest_has_feed_mount() {
	guest_query grep -qs " $GUEST_FEED 9p " /proc/mounts
}

feed_virtio() {
	if guest_has_feed_mount; then
		say "guest: $GUEST_FEED is mounted"
	else
		run_guest_sh "sudo sh -c '$GUEST_MOUNT'"
	fi
	if guest_query grep -qs "$TAG" /var/lib/boot2docker/bootlocal.sh; then
		say "guest: bootlocal.sh mounts the share at boot"
	else
		run_guest_sh "echo '$GUEST_MOUNT # tools/minikube-kvm.sh' | sudo tee -a /var/lib/boot2docker/bootlocal.sh >/dev/null && sudo chmod 0755 /var/lib/boot2docker/bootlocal.sh"
	fi
}

mount_pidfile() { printf '%s/minikube-mount-%s.pid' "$WP_STATE" "$PROFILE"; }

mount_alive() {
	local pid
	pid=$(cat "$(mount_pidfile)" 2>/dev/null) || return 1
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"minikube mount -p $PROFILE "* ]]
}

feed_mount() {
	local i pidfile log
	pidfile=$(mount_pidfile)
	log=$WP_STATE/minikube-mount-$PROFILE.log
	if mount_alive && guest_has_feed_mount; then
		say "minikube mount runs (pid $(cat "$pidfile")), $GUEST_FEED is mounted"
		return 0
	fi
	# A mount process whose guest lost the mount (VM2 restarted) is of no more use.
	if mount_alive; then
		run kill "$(cat "$pidfile")"
	fi
	run mkdir -p "$WP_STATE"
	run_sh "minikube mount must keep running: in the background, in a session of its own" \
		"setsid nohup minikube mount -p $PROFILE $FEED_ROOT/$PROFILE:$GUEST_FEED --9p-version=9p2000.L < /dev/null > $(quote "$log") 2>&1 & echo \$! > $(quote "$pidfile")"
	guest_wait grep -qs " $GUEST_FEED 9p " /proc/mounts
	[ "$DRY" = 1 ] && return 0
	for ((i = 0; i < 60; i++)); do
		guest_has_feed_mount && return 0
		mount_alive || die "minikube mount exited: $(tail -n 1 "$log")"
		sleep 1
	done
	die "$GUEST_FEED not mounted in the guest after 60 s (see $log)"
}

report_feed() {
	local seq
	if seq=$(guest_query cat "$GUEST_FEED/seq" 2>/dev/null); then
		say "feed: $GUEST_FEED/seq is $seq in the guest"
	else
		note "no $GUEST_FEED/seq in the guest yet: start wattprobe host here (deploy-wattprobe.sh host)"
	fi
}

do_up() {
	need virsh "provision-kvm.sh installs libvirt-clients" || :
	if have virsh && ! query "${VIRSH[@]}" version >/dev/null 2>&1; then
		[ "$DRY" = 1 ] || die "cannot reach libvirt at qemu:///system (provision-kvm.sh; in the libvirt group? log in again)"
		note "libvirt does not answer at qemu:///system: the domain is taken as absent"
	fi
	ensure_tools
	if [ "$FEED" != none ]; then
		if [ -d "$FEED_ROOT/$PROFILE" ]; then
			say "$FEED_ROOT/$PROFILE exists"
		else
			run $SUDO install -d -m 0755 "$FEED_ROOT/$PROFILE"
		fi
		boot_dir
	fi
	up_vm
	case $FEED in
	virtio) feed_virtio ;;
	mount) feed_mount ;;
	none) note "--feed none: VM2 has no feed; its wattprobe falls back to the model" ;;
	esac
	[ "$FEED" = none ] || report_feed
}

do_down() {
	local pid
	if mount_alive; then
		pid=$(cat "$(mount_pidfile)")
		run kill "$pid"
	fi
	if [ "$(domstate)" = running ]; then
		run minikube stop -p "$PROFILE"
	else
		say "domain $PROFILE is not running"
	fi
}

main() {
	parse_args "$@"
	case $CMD in
	up) do_up ;;
	down) do_down ;;
	esac
	finish
}

main "$@"
