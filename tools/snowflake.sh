#!/usr/bin/env bash
# snowflake.sh: the "snowflake" scenario: the sample workloads applied by hand, no Flux.
#
# The very manifests Flux reconciles in the other scenario (tools/k8s/workloads, pushed by
# flux-bootstrap.sh), applied with `kubectl apply --server-side -k`, as Flux's kustomize-
# controller applies them (server-side, the kustomization built the same way). Flux, when it
# runs, is removed first with `flux uninstall`, which leaves what it applied in place; only with
# --remove-flux, so that no one loses a Flux by accident. docs/experiment.md, step 6.
set -euo pipefail

TOOL=snowflake
# shellcheck source-path=SCRIPTDIR source=lib-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-tools.sh"

REMOVE_FLUX=0
WORKLOADS=$LIB_SRC/tools/k8s/workloads
APPLY=(--server-side --force-conflicts --field-manager=snowflake -k "$WORKLOADS")

usage() {
	cat <<EOF
usage: snowflake.sh [--remove-flux] [--dry-run]

  1. Flux absent: when the namespace flux-system exists, stop, or with --remove-flux
     flux uninstall --silent (the workloads it applied stay) and wait until the namespace is
     gone
  2. kubectl apply ${APPLY[*]}
     unless kubectl diff with the same options finds nothing to change
  3. wait for the workloads' rollouts

  --remove-flux   uninstall a running Flux (experiment.sh passes it)
  --dry-run       print every command that would change something, change nothing
  -h, --help
EOF
}

parse_args() {
	common_args "$@"
	set -- "${ARGS[@]+"${ARGS[@]}"}"
	while [ $# -gt 0 ]; do
		case $1 in
		--remove-flux) REMOVE_FLUX=1 ;;
		-h | --help) usage && exit 0 ;;
		*) usage_die "unknown argument '$1'" ;;
		esac
		shift
	done
}

no_flux() {
	if ! query kubectl get namespace flux-system >/dev/null 2>&1; then
		say "no Flux on this cluster"
		return 0
	fi
	[ "$REMOVE_FLUX" = 1 ] ||
		die "Flux runs here (namespace flux-system): --remove-flux uninstalls it (the workloads stay)"
	need flux "flux-bootstrap.sh installs it" || :
	run flux uninstall --silent
	run_wait kubectl wait --for=delete namespace/flux-system --timeout=300s
}

main() {
	local rc=0
	parse_args "$@"
	need kubectl "minikube-kvm.sh installs it" || :
	cluster_up || [ "$DRY" = 1 ] || die "kubectl reaches no cluster (minikube-kvm.sh up; kubectl config current-context)"
	no_flux
	# kubectl diff: 0 nothing differs, 1 something does, more an error (the namespace is new)
	query kubectl diff "${APPLY[@]}" >/dev/null 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		say "the workloads are as tools/k8s/workloads says"
	else
		run kubectl apply "${APPLY[@]}"
	fi
	wait_workloads
	finish
}

main "$@"
