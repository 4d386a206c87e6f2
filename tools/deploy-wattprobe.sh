#!/usr/bin/env bash
# deploy-wattprobe.sh: wattprobe where the experiment needs it: `wattprobe host` on VM1, the
# binary in VM2 (minikube's ISO), or the DaemonSet of tools/k8s/.
#
# VM2 runs minikube's Buildroot ISO, which has none of the libraries a Debian or Ubuntu build
# links (libbpf, libelf, json-c, curl, microhttpd, libvirt and theirs), so `guest` copies a
# bundle: the binary, every library ldd names, glibc's loader, and a wrapper that runs the
# binary through that loader. The ISO's kernel has BTF (CONFIG_DEBUG_INFO_BTF, since minikube
# v1.26), which CO-RE needs. docs/experiment.md, steps 4 and 5.
set -euo pipefail

TOOL=deploy-wattprobe
# shellcheck source-path=SCRIPTDIR source=lib-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-tools.sh"

CMD='' PROFILE=minikube INTERVAL=100ms SERVE=0 IMAGE='' BUILD=minikube BUNDLE_DIR=''
EXTRA=()
GUEST_DIR=/var/lib/minikube/wattprobe # on the VM's disk: kept across minikube stop/start
MANIFEST=$LIB_SRC/tools/k8s/wattprobe-daemonset.yaml
OUT=${OUTPUT:-build}
case $OUT in /*) ;; *) OUT=$LIB_SRC/$OUT ;; esac
WP=${WATTPROBE:-$OUT/wattprobe}
# The bundle's entry point: the binary through its own loader, and in VM2 minikube's kubectl
# and kubeconfig for --pods kubectl.
# shellcheck disable=SC2016 # the wrapper's own expansions
WRAPPER='#!/bin/sh
# wattprobe with its own libraries (tools/deploy-wattprobe.sh): a Debian/Ubuntu build on any Linux
d=$(dirname "$(readlink -f "$0")")
if [ -z "${KUBECONFIG:-}" ] && [ -r /var/lib/minikube/kubeconfig ]; then
	export KUBECONFIG=/var/lib/minikube/kubeconfig
fi
for kb in /var/lib/minikube/binaries/v*; do :; done
[ ! -x "$kb/kubectl" ] || PATH=$kb:$PATH
exec "$d/lib/LOADER" --library-path "$d/lib" "$d/bin/wattprobe" "$@"'

usage() {
	cat <<EOF
usage: deploy-wattprobe.sh host [--interval DUR] [--dry-run] [-- HOST_ARGS...]
       deploy-wattprobe.sh guest [-p PROFILE] [--serve] [--dry-run]
       deploy-wattprobe.sh daemonset [-p PROFILE] [--image REF | --no-build] [--dry-run]
       deploy-wattprobe.sh bundle DIR [--dry-run]

host       on VM1, as root: start \`wattprobe host --connect qemu:///system --feed-dir
           $FEED_ROOT -i DUR\` (a systemd unit wattprobe-host, or a background process
           with its pid in /run/wattprobe/host.pid), unless it runs already
guest      copy the bundle into VM2 at $GUEST_DIR (unless the same bundle is there),
           then record 3 s there on the feed as a check; --serve also starts \`wattprobe serve
           --listen 0.0.0.0:9744 -e feed:/run/wattprobe/feed,model --pods kubectl\` in VM2
daemonset  build the image in minikube (minikube image build, tools/k8s/Dockerfile) unless it is
           there, apply tools/k8s/wattprobe-daemonset.yaml unless kubectl diff finds nothing,
           wait for the rollout. --image REF: an image from a registry instead (any cluster,
           EKS too); --no-build: the image is there already
bundle     write the bundle into DIR (what guest copies): DIR/wattprobe runs it

  -p, --profile P   minikube profile (default minikube)
  --interval DUR    wattprobe host's interval (default 100ms: the guest's default)
  --dry-run         print every command that would change something, change nothing
  -h, --help

Environment: WATTPROBE (default build/wattprobe, \$OUTPUT as in the Makefile).
EOF
}

parse_args() {
	common_args "$@"
	set -- "${ARGS[@]+"${ARGS[@]}"}"
	[ $# -gt 0 ] || usage_die "no command (host, guest, daemonset or bundle)"
	case $1 in
	host | guest | daemonset) CMD=$1 ;;
	bundle)
		CMD=bundle
		need_val "$@"
		BUNDLE_DIR=$2
		shift
		;;
	-h | --help) usage && exit 0 ;;
	*) usage_die "unknown command '$1' (want host, guest, daemonset or bundle)" ;;
	esac
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-p | --profile) need_val "$@" && PROFILE=$2 && shift ;;
		--interval) need_val "$@" && INTERVAL=$2 && shift ;;
		--serve) SERVE=1 ;;
		--image) need_val "$@" && IMAGE=$2 && BUILD=none && shift ;;
		--no-build) BUILD=none ;;
		--)
			shift
			EXTRA=("$@")
			break
			;;
		-h | --help) usage && exit 0 ;;
		*) usage_die "unknown argument '$1'" ;;
		esac
		shift
	done
	is_profile "$PROFILE" || usage_die "--profile: '$PROFILE' (want lowercase letters, digits, . and -)"
	is_duration "$INTERVAL" || usage_die "--interval: '$INTERVAL' (want a duration: 100ms, 1s, ...)"
	[ ${#EXTRA[@]} -eq 0 ] || [ "$CMD" = host ] || usage_die "arguments after -- are for host only"
}

need_binary() {
	[ -x "$WP" ] && return 0
	[ "$DRY" = 1 ] || die "no wattprobe binary at $WP (make, or set WATTPROBE)"
	note "no wattprobe binary at $WP yet (make): the steps below assume one"
	return 1
}

# ---- host -------------------------------------------------------------------------------

host_running() {
	local pid
	if [ -d /run/systemd/system ] && query systemctl is-active --quiet wattprobe-host; then
		return 0
	fi
	pid=$(cat /run/wattprobe/host.pid 2>/dev/null) || return 1
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *'wattprobe host '* ]]
}

do_host() {
	local -a cmd
	[ "$DRY" = 1 ] || [ "$(id -u)" -eq 0 ] || die "host: needs root (RAPL, cgroups, libvirt): sudo $0 host"
	need_binary || :
	if host_running; then
		say "wattprobe host runs already"
	else
		cmd=("$WP" host --connect qemu:///system --feed-dir "$FEED_ROOT" -i "$INTERVAL"
			"${EXTRA[@]+"${EXTRA[@]}"}")
		run install -d -m 0755 "$FEED_ROOT" /run/wattprobe
		if [ -d /run/systemd/system ]; then
			run systemd-run --unit=wattprobe-host --collect --description="wattprobe host: each VM's feed" \
				-p Restart=on-failure "${cmd[@]}"
		else
			run_sh "in the background, no systemd here" \
				"setsid nohup $(quote "${cmd[@]}") > /var/log/wattprobe-host.log 2>&1 < /dev/null & echo \$! > /run/wattprobe/host.pid"
		fi
	fi
	host_check
}

host_log() {
	if [ -d /run/systemd/system ]; then
		printf 'journalctl -u wattprobe-host'
	else
		printf '/var/log/wattprobe-host.log'
	fi
}

# The domain's feed must move: seq changes at every write.
host_check() {
	local f=$FEED_ROOT/$PROFILE/seq a b i
	run_wait test -e "$f"
	[ "$DRY" = 1 ] && return 0
	for ((i = 0; i < 20; i++)); do
		[ -e "$f" ] && break
		sleep 0.5
	done
	a=$(cat "$f" 2>/dev/null) ||
		die "no $f after 10 s: is the domain $PROFILE running? (virsh -c qemu:///system list; $(host_log))"
	sleep 1.5
	b=$(cat "$f" 2>/dev/null || true)
	[ "$a" != "$b" ] || die "$f stays at $a: wattprobe host does not write ($(host_log))"
	say "feed of $PROFILE moves: seq $a, then $b"
}

# ---- the bundle -------------------------------------------------------------------------

bundle_libs() { # the loader and every library the binary needs, resolved by ldd
	query ldd "$WP" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }'
}

loader_name() { bundle_libs | awk -F/ '/ld-linux/ && !n++ { print $NF }'; }

wrapper_text() { printf '%s\n' "${WRAPPER/LOADER/$(loader_name)}"; }

# What the bundle holds: "SHA256  PATH" lines, the way sha256sum prints them.
bundle_manifest() {
	local lib
	{
		printf '%s  bin/wattprobe\n' "$(sha256sum <"$WP" | awk '{ print $1 }')"
		while read -r lib; do
			printf '%s  lib/%s\n' "$(sha256sum <"$lib" | awk '{ print $1 }')" "${lib##*/}"
		done < <(bundle_libs)
		printf '%s  wattprobe\n' "$(wrapper_text | sha256sum | awk '{ print $1 }')"
	} | sort -k 2
}

do_bundle() { # DIR
	local dir=$1 new=$1.new
	local -a libs
	need_binary || {
		run mkdir -p "$dir"
		return 0
	}
	if [ "$(cat "$dir/MANIFEST" 2>/dev/null)" = "$(bundle_manifest)" ]; then
		say "bundle $dir is up to date"
		return 0
	fi
	run rm -rf -- "$new"
	run install -D -m 0755 "$WP" "$new/bin/wattprobe"
	mapfile -t libs < <(bundle_libs)
	run install -D -m 0755 -t "$new/lib" "${libs[@]}"
	run_sh "the wrapper" "printf '%s\n' $(quote "$(wrapper_text)") > $(quote "$new/wattprobe") && chmod 0755 $(quote "$new/wattprobe")"
	run_sh "what it holds" "cd $(quote "$new") && find . -type f ! -name MANIFEST | sed 's|^\./||' | sort | xargs sha256sum | sort -k 2 > MANIFEST"
	run rm -rf -- "$dir"
	run mv -- "$new" "$dir"
}

# ---- guest ------------------------------------------------------------------------------

do_guest() {
	local local_dir=$WP_STATE/bundle ssh
	need minikube "minikube-kvm.sh installs it" || :
	if need_binary && [ "$(guest_query cat "$GUEST_DIR/MANIFEST" 2>/dev/null)" = "$(bundle_manifest)" ]; then
		say "VM2 has this bundle at $GUEST_DIR"
	else
		do_bundle "$local_dir"
		ssh=$(guest_ssh_text "$PROFILE")
		run_sh "copy the bundle into VM2" \
			"tar -C $(quote "$local_dir") -czf - . | $ssh 'sudo rm -rf $GUEST_DIR.new && sudo mkdir -p $GUEST_DIR.new && sudo tar -xzf - -C $GUEST_DIR.new && sudo rm -rf $GUEST_DIR && sudo mv $GUEST_DIR.new $GUEST_DIR'"
	fi
	# The feed alone: a check that falls back to the model would pass without it.
	guest_wait sudo "$GUEST_DIR/wattprobe" record -e feed:/run/wattprobe/feed -i 1s -d 3s
	[ "$SERVE" = 0 ] || guest_serve
}

guest_serve() {
	# shellcheck disable=SC2016 # expanded in VM2
	if guest_query sudo sh -c 'kill -0 "$(cat /run/wattprobe/serve.pid)"' 2>/dev/null; then
		say "wattprobe serve runs in VM2"
		return 0
	fi
	run_guest_sh "sudo sh -c 'mkdir -p /run/wattprobe && setsid nohup $GUEST_DIR/wattprobe serve --listen 0.0.0.0:9744 -e feed:/run/wattprobe/feed,model --pods kubectl --node $PROFILE > /var/log/wattprobe-serve.log 2>&1 < /dev/null & echo \$! > /run/wattprobe/serve.pid'"
}

# ---- daemonset --------------------------------------------------------------------------

do_daemonset() {
	local tag manifest=$MANIFEST tmp rc=0 imgs
	need kubectl "minikube-kvm.sh installs it" || :
	cluster_up || [ "$DRY" = 1 ] || die "kubectl reaches no cluster (minikube-kvm.sh up; kubectl config current-context)"
	tag=$(awk '$1 == "image:" { print $2; exit }' "$MANIFEST")
	if [ -n "$IMAGE" ]; then
		tmp=$WP_STATE/wattprobe-daemonset.yaml
		run_sh "the manifest with image $IMAGE" \
			"mkdir -p $(quote "$WP_STATE") && sed 's|image: $tag|image: $IMAGE|' $(quote "$MANIFEST") > $(quote "$tmp")"
		manifest=$tmp
	elif [ "$BUILD" = minikube ]; then
		need minikube "or --image REF for a registry's image" || :
		# Output first, then grep: grep -q's early exit would fail the pipe (pipefail).
		imgs=$(query minikube -p "$PROFILE" image ls 2>/dev/null || true)
		if grep -Eq "(^|/)$tag\$" <<<"$imgs"; then
			say "minikube has the image $tag"
		else
			run_sh "the image, built in VM2 from the tree" \
				"cd $(quote "$LIB_SRC") && minikube -p $PROFILE image build -t $tag -f tools/k8s/Dockerfile ."
		fi
	fi
	# kubectl diff: 0 no difference, 1 differences, more an error (no cluster, say)
	query kubectl diff -f "$manifest" >/dev/null 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		say "the DaemonSet is as tools/k8s/wattprobe-daemonset.yaml says"
	else
		run kubectl apply -f "$manifest"
	fi
	run_wait kubectl -n wattprobe rollout status daemonset/wattprobe --timeout=300s
}

main() {
	parse_args "$@"
	case $CMD in
	host) do_host ;;
	guest) do_guest ;;
	daemonset) do_daemonset ;;
	bundle) do_bundle "$BUNDLE_DIR" ;;
	esac
	finish
}

main "$@"
