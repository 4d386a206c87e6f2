#!/usr/bin/env bash
# flux-bootstrap.sh: the "flux" scenario: Flux installed by `flux bootstrap git`, reconciling the
# sample workloads (tools/k8s/workloads) from a Git repository.
#
# The repository holds workloads/ (a copy of tools/k8s/workloads, the very files snowflake.sh
# applies by hand), clusters/PROFILE/workloads.yaml (tools/k8s/flux/workloads.yaml, Flux's
# Kustomization of ./workloads) and what bootstrap writes, clusters/PROFILE/flux-system/. It is
# either any Git URL you give (--url; GitHub, Gitea, ...) or, by default, a bare repository on
# this host (VM1) served over ssh to a user wpgit with git-shell: GitHub may be out of reach,
# and a Git server inside the cluster would add its own energy to the node being measured,
# where in production the Git server is elsewhere. docs/experiment.md, step 6.
set -euo pipefail

TOOL=flux-bootstrap
# shellcheck source-path=SCRIPTDIR source=lib-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-tools.sh"

PROFILE=minikube URL='' BRANCH=main GIT_HOST='' KEY='' PUSHED=0
EXTRA=() AS_GIT=()
GIT_USER=wpgit
GIT_HOME=/var/lib/wattprobe/git
REPO=$GIT_HOME/wattprobe-gitops.git
WORKLOADS=$LIB_SRC/tools/k8s/workloads
KS=$LIB_SRC/tools/k8s/flux/workloads.yaml

usage() {
	cat <<EOF
usage: flux-bootstrap.sh [-p PROFILE] [--url URL] [--branch B] [--git-host ADDR] [--dry-run]
                         [-- FLUX_BOOTSTRAP_GIT_ARGS...]

  1. the flux CLI $FLUX_VERSION in $BIN_DIR unless it is there (sha256 checked)
  2. the Git repository: --url URL as it is (your credentials: git's own for the push, and
     bootstrap's flags after --, e.g. --private-key-file=KEY or --token-auth), or by default
     ssh://$GIT_USER@ADDR$REPO on this host: user $GIT_USER (git-shell) made,
     the bare repository made, a key of ours (\$WP_STATE/flux-git/id_ed25519) in its
     authorized_keys. ADDR: --git-host, else this host's address on minikube's network
     mk-PROFILE (what VM2 reaches it by)
  3. a clone in \$WP_STATE/gitops-PROFILE brought to: workloads/ = tools/k8s/workloads,
     clusters/PROFILE/workloads.yaml = tools/k8s/flux/workloads.yaml; committed and pushed
     only when something differs
  4. flux bootstrap git --url=URL --branch=B --path=clusters/PROFILE --silent [...], unless
     Flux runs already from that URL
  5. wait for the Kustomization workloads and the workloads' rollouts

  -p, --profile P   minikube profile (default minikube)
  --url URL         your Git repository instead of the one on this host
  --branch B        (default main)
  --git-host ADDR   the host's address as VM2 sees it (default: from virsh net-dumpxml)
  --dry-run         print every command that would change something, change nothing
  -h, --help

Environment: FLUX_VERSION (the pin, tools/lib-tools.sh), BIN_DIR, WP_STATE.
EOF
}

parse_args() {
	common_args "$@"
	set -- "${ARGS[@]+"${ARGS[@]}"}"
	while [ $# -gt 0 ]; do
		case $1 in
		-p | --profile) need_val "$@" && PROFILE=$2 && shift ;;
		--url) need_val "$@" && URL=$2 && shift ;;
		--branch) need_val "$@" && BRANCH=$2 && shift ;;
		--git-host) need_val "$@" && GIT_HOST=$2 && shift ;;
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
	[[ $BRANCH =~ ^[A-Za-z0-9._/-]+$ ]] || usage_die "--branch: '$BRANCH'"
	if [ -n "$URL" ] && ! [[ $URL =~ ^(https?|ssh)://[^[:space:]]+$ ]]; then
		usage_die "--url: '$URL' (want https://, http:// or ssh://, as flux bootstrap git does)"
	fi
	if [ -n "$GIT_HOST" ] && ! [[ $GIT_HOST =~ ^[A-Za-z0-9.:-]+$ ]]; then
		usage_die "--git-host: '$GIT_HOST'"
	fi
}

ensure_flux() {
	local v arch
	v=$(query flux version --client 2>/dev/null | sed -n 's/^flux: v//p' || true)
	if [ "$v" = "$FLUX_VERSION" ]; then
		say "flux $v present"
		return 0
	fi
	[ -z "$v" ] || say "flux $v found, installing the pinned $FLUX_VERSION"
	arch=$(machine_arch)
	install_verified flux \
		"https://github.com/fluxcd/flux2/releases/download/v$FLUX_VERSION/flux_${FLUX_VERSION}_linux_$arch.tar.gz" \
		"https://github.com/fluxcd/flux2/releases/download/v$FLUX_VERSION/flux_${FLUX_VERSION}_checksums.txt" \
		"flux_${FLUX_VERSION}_linux_$arch.tar.gz" "$FLUX_SHA256" flux
}

# This host's address on minikube's private network, which VM2 reaches it by.
host_addr() {
	[ -z "$GIT_HOST" ] || {
		printf '%s' "$GIT_HOST"
		return 0
	}
	query virsh -c qemu:///system net-dumpxml "mk-$PROFILE" 2>/dev/null |
		sed -n "s/.*<ip address='\([0-9.]*\)'.*/\1/p" | head -n 1 || true
}

# The Git server on this host: a user with git-shell, a bare repository, our key.
host_git() {
	local addr pub shell
	addr=$(host_addr)
	if [ -z "$addr" ]; then
		[ "$DRY" = 1 ] || die "no address of this host on network mk-$PROFILE (minikube-kvm.sh up first, or --git-host)"
		addr=192.168.39.1
		note "network mk-$PROFILE not found: $addr (minikube's default) assumed"
	fi
	KEY=$WP_STATE/flux-git/id_ed25519
	URL=ssh://$GIT_USER@$addr$REPO
	shell=$(command -v git-shell || echo /usr/bin/git-shell)
	AS_GIT=(sudo -u "$GIT_USER")
	[ "$(id -u)" -ne 0 ] || AS_GIT=(runuser -u "$GIT_USER" --)
	if query getent passwd "$GIT_USER" >/dev/null; then
		say "user $GIT_USER exists"
	else
		run $SUDO useradd --system --user-group --create-home --home-dir "$GIT_HOME" --shell "$shell" "$GIT_USER"
	fi
	if [ -f "$REPO/HEAD" ]; then
		say "repository $REPO exists"
	else
		run "${AS_GIT[@]}" git init --quiet --bare --initial-branch="$BRANCH" "$REPO"
	fi
	if [ -f "$KEY" ]; then
		say "key $KEY exists"
	else
		run mkdir -p -m 0700 "${KEY%/*}"
		run ssh-keygen -q -t ed25519 -N '' -C "wattprobe flux-bootstrap" -f "$KEY"
	fi
	pub=$(cat "$KEY.pub" 2>/dev/null || echo "ssh-ed25519 (the key made above)")
	if query $SUDO grep -qsF -- "$pub" "$GIT_HOME/.ssh/authorized_keys"; then
		say "$GIT_USER accepts the key"
	else
		run $SUDO install -d -m 0700 -o "$GIT_USER" -g "$GIT_USER" "$GIT_HOME/.ssh"
		local s=${SUDO:+$SUDO }
		run_sh "the key may use git-shell, nothing else" \
			"echo $(quote "restrict $pub") | ${s}tee -a $GIT_HOME/.ssh/authorized_keys > /dev/null && ${s}chown $GIT_USER: $GIT_HOME/.ssh/authorized_keys && ${s}chmod 0600 $GIT_HOME/.ssh/authorized_keys"
	fi
	if [ "$DRY" != 1 ] && [ -z "$(query ssh-keyscan -T 5 "$addr" 2>/dev/null || true)" ]; then
		die "no SSH server answers on $addr:22 (provision-kvm.sh installs openssh-server)"
	fi
	export GIT_SSH_COMMAND="ssh -i $KEY -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=$WP_STATE/flux-git/known_hosts"
	printf '+ export GIT_SSH_COMMAND=%s\n' "$(quote "$GIT_SSH_COMMAND")"
	EXTRA=(--private-key-file="$KEY" "${EXTRA[@]+"${EXTRA[@]}"}")
}

# The clone holds exactly tools/k8s/workloads and the Kustomization; push what differs.
sync_repo() {
	local dir=$WP_STATE/gitops-$PROFILE path=clusters/$PROFILE
	if [ -d "$dir/.git" ]; then
		run_wait git -C "$dir" pull --quiet --ff-only origin "$BRANCH" || [ "$DRY" = 1 ] ||
			note "git pull failed (an empty repository?): going on with the clone as it is"
	else
		run mkdir -p "$WP_STATE"
		run git clone --quiet "$URL" "$dir"
		run git -C "$dir" checkout --quiet -B "$BRANCH"
	fi
	if [ -d "$dir/.git" ] && diff -rq "$WORKLOADS" "$dir/workloads" >/dev/null 2>&1 &&
		cmp -s "$KS" "$dir/$path/workloads.yaml"; then
		say "the repository has the workloads as in tools/k8s/workloads"
		return 0
	fi
	run rm -rf -- "$dir/workloads"
	run cp -R -- "$WORKLOADS" "$dir/workloads"
	run install -D -m 0644 "$KS" "$dir/$path/workloads.yaml"
	run git -C "$dir" add -A workloads "$path/workloads.yaml"
	run git -C "$dir" -c user.name="wattprobe tools" -c user.email=tools@wattprobe.invalid \
		commit --quiet -m "workloads from wattprobe's tools/k8s/workloads"
	run git -C "$dir" push --quiet origin "HEAD:$BRANCH"
	PUSHED=1
}

bootstrapped() {
	[ "$(query kubectl -n flux-system get gitrepository flux-system \
		-o jsonpath='{.spec.url}' 2>/dev/null)" = "$URL" ]
}

main() {
	parse_args "$@"
	need git "apt-get install git" || :
	need kubectl "minikube-kvm.sh installs it" || :
	cluster_up || [ "$DRY" = 1 ] || die "kubectl reaches no cluster (minikube-kvm.sh up; kubectl config current-context)"
	ensure_flux
	if [ -z "$URL" ]; then
		host_git
	fi
	sync_repo
	if bootstrapped; then
		say "Flux runs already, from $URL"
	else
		run_wait flux check --pre
		run flux bootstrap git --url="$URL" --branch="$BRANCH" --path="clusters/$PROFILE" --silent \
			"${EXTRA[@]+"${EXTRA[@]}"}"
		PUSHED=1
	fi
	if [ "$PUSHED" = 1 ]; then
		run_wait flux reconcile kustomization workloads --with-source --timeout=5m
	else
		run_wait kubectl -n flux-system wait kustomization/workloads --for=condition=Ready --timeout=300s
	fi
	wait_workloads
	finish
}

main "$@"
