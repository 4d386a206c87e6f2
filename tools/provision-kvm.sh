#!/usr/bin/env bash
# provision-kvm.sh: make an Ubuntu host (VM1) a KVM/libvirt host for minikube's kvm2 driver.
#
# Checks first, then installs or changes only what is missing: the CPU's virtualisation (kvm-ok),
# the packages, libvirtd, libvirt's default network, the user's libvirt and kvm groups, and
# /var/lib/wattprobe/feed (where `wattprobe host` writes each VM's feed) on a tmpfs of its own.
# A second run changes nothing and says so. Run as root (sudo). docs/experiment.md, step 1.
set -euo pipefail

TOOL=provision-kvm
# shellcheck source-path=SCRIPTDIR source=lib-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-tools.sh"

PKGS=(
	cpu-checker               # kvm-ok
	qemu-system-x86 qemu-utils # the hypervisor (Ubuntu's qemu-kvm is a name for it)
	libvirt-daemon-system libvirt-clients # libvirtd, virsh; minikube's kvm2 driver talks to it
	dnsmasq-base              # DHCP and DNS of libvirt's networks (minikube's mk-PROFILE too)
	openssh-server            # flux-bootstrap.sh's Git server on this host (git over ssh)
	git curl ca-certificates rsync
)

USER_=
UPDATED=0
FSTAB=${WP_FSTAB:-/etc/fstab}
# Every interval's files are written there: in memory, not on the disk (on ext4 each renamed
# file is flushed first: some 160 us a VM an interval against 28 on a tmpfs, make bench 2b).
FEED_FSTAB_LINE="wattprobe-feed $FEED_ROOT tmpfs mode=0755,size=16m,nosuid,nodev,noexec 0 0"
declare -A PLANNED=()

usage() {
	cat <<EOF
usage: provision-kvm.sh [--user NAME] [--dry-run]

Prepare this Ubuntu (22.04, 24.04; Debian 12 works too) host for minikube --driver=kvm2:
  1. kvm-ok (package cpu-checker): the CPU's virtualisation is usable. In a VM, that needs
     nested virtualisation from the host below (tools/vagrant/Vagrantfile turns it on).
  2. apt-get install what is missing of: ${PKGS[*]}
  3. libvirtd running (systemd), virsh -c qemu:///system answering
  4. libvirt's network "default" defined, active and autostarted
  5. NAME (default: \$SUDO_USER) in the groups libvirt and kvm (log in again afterwards)
  6. $FEED_ROOT, mode 0755 (wattprobe host writes there; QEMU reads it), a tmpfs mounted
     from $FSTAB (each VM's directory in it: minikube-kvm.sh, at every boot by tmpfiles.d)

Each step checks first; with everything in place nothing is changed. Needs root.

  --user NAME   who will run minikube (not root: minikube refuses kvm2 as root)
  --dry-run     print every command that would change something, change nothing
  -h, --help
EOF
}

parse_args() {
	common_args "$@"
	set -- "${ARGS[@]+"${ARGS[@]}"}"
	while [ $# -gt 0 ]; do
		case $1 in
		--user) need_val "$@" && USER_=$2 && shift ;;
		--user=*) USER_=${1#*=} ;;
		-h | --help) usage && exit 0 ;;
		*) usage_die "unknown argument '$1'" ;;
		esac
		shift
	done
	USER_=${USER_:-${SUDO_USER:-}}
	[ "$USER_" != root ] || USER_=
	if [ -n "$USER_" ] && ! query id -u "$USER_" >/dev/null 2>&1; then
		usage_die "--user: no user '$USER_' on this host"
	fi
	[ "$DRY" = 1 ] || [ "$(id -u)" -eq 0 ] || die "needs root (sudo $0 $*)"
}

installed() { # PKG
	[ -z "${PLANNED[$1]:-}" ] || return 0 # a dry run's earlier step installs it
	# shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not the shell's
	[ "$(query dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

apt_install() { # PKG...
	local p
	[ $# -gt 0 ] || return 0
	say "installing $*"
	[ "$UPDATED" = 1 ] || run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	UPDATED=1
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
	for p in "$@"; do
		PLANNED[$p]=1
	done
}

# 1. kvm-ok says whether VMX/SVM is there and /dev/kvm usable; it says which module to load.
check_kvm() {
	local out
	installed cpu-checker || apt_install cpu-checker
	if [ "$DRY" = 1 ] && ! have kvm-ok; then
		printf '+ kvm-ok\n'
		return 0
	fi
	out=$(query kvm-ok 2>&1) && {
		say "kvm-ok: $(printf '%s\n' "$out" | tail -n 1)"
		return 0
	}
	local mod
	mod=$(printf '%s\n' "$out" | sed -n 's/.*modprobe \(kvm_[a-z]*\).*/\1/p' | head -n 1)
	if [ -n "$mod" ]; then
		run modprobe "$mod"
		[ "$DRY" = 1 ] && return 0
		if out=$(query kvm-ok 2>&1); then
			say "kvm-ok after modprobe $mod: $(printf '%s\n' "$out" | tail -n 1)"
			return 0
		fi
	fi
	die "kvm-ok: $(printf '%s\n' "$out" | grep -v '^INFO: Your CPU' | head -n 1 | tr -d '\n');" \
		"in a VM, turn on nested virtualisation below it (docs/experiment.md, \"Nested\")"
}

check_packages() {
	local p missing=()
	for p in "${PKGS[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "packages: all ${#PKGS[@]} present"
		return 0
	fi
	apt_install "${missing[@]}"
}

check_libvirtd() {
	if query virsh -c qemu:///system version >/dev/null 2>&1; then
		say "libvirtd answers on qemu:///system"
		return 0
	fi
	if [ -d /run/systemd/system ] || [ "$DRY" = 1 ]; then
		run systemctl enable --now libvirtd
	else
		die "libvirtd does not answer and there is no systemd here to start it: start libvirtd -d"
	fi
	[ "$DRY" = 1 ] || query virsh -c qemu:///system version >/dev/null ||
		die "virsh -c qemu:///system version still fails after starting libvirtd"
}

check_network() {
	local info active=0 auto=0
	if info=$(query virsh -c qemu:///system net-info default 2>/dev/null); then
		grep -Eq '^Active:[[:space:]]+yes' <<<"$info" && active=1
		grep -Eq '^Autostart:[[:space:]]+yes' <<<"$info" && auto=1
	else
		run virsh -c qemu:///system net-define /usr/share/libvirt/networks/default.xml
	fi
	[ "$active" = 1 ] || run virsh -c qemu:///system net-start default
	[ "$auto" = 1 ] || run virsh -c qemu:///system net-autostart default
	[ "$active$auto" != 11 ] || say "network default: active, autostarted"
}

check_groups() {
	local g groups added=0
	if [ -z "$USER_" ]; then
		note "no --user (and no \$SUDO_USER): no one added to the libvirt and kvm groups"
		return 0
	fi
	groups=" $(query id -nG "$USER_" || true) "
	for g in libvirt kvm; do
		[[ $groups == *" $g "* ]] && continue
		[ -n "${PLANNED[libvirt-daemon-system]:-}" ] || query getent group "$g" >/dev/null ||
			die "no group '$g': is libvirt-daemon-system installed?"
		run usermod -aG "$g" "$USER_"
		added=1
	done
	if [ "$added" = 1 ]; then
		say "$USER_ is now in libvirt and kvm: log out and in again (or: newgrp libvirt)"
	else
		say "$USER_ is in the groups libvirt and kvm"
	fi
}

check_feed_root() {
	local fs
	if [ -d "$FEED_ROOT" ]; then
		say "$FEED_ROOT exists"
	else
		run install -d -m 0755 "$FEED_ROOT"
	fi
	if awk -v d="$FEED_ROOT" '$1 !~ /^#/ && $2 == d && $3 == "tmpfs" { f = 1 } END { exit !f }' \
		"$FSTAB" 2>/dev/null; then
		say "$FSTAB mounts a tmpfs on $FEED_ROOT"
	else
		run_sh "a tmpfs on $FEED_ROOT, from $FSTAB" \
			"printf '%s\\n' $(quote "$FEED_FSTAB_LINE") >> $(quote "$FSTAB")"
	fi
	fs=$(query findmnt -n -o FSTYPE --mountpoint "$FEED_ROOT" 2>/dev/null || true)
	if [ "$fs" = tmpfs ]; then
		say "$FEED_ROOT is a tmpfs"
	else
		run mount "$FEED_ROOT"
	fi
}

main() {
	parse_args "$@"
	if [ -r /etc/os-release ] && ! grep -Eq '^(ID|ID_LIKE)=.*(ubuntu|debian)' /etc/os-release; then
		note "written for Ubuntu (and Debian); this is $(. /etc/os-release && echo "$ID")"
	fi
	check_kvm
	check_packages
	check_libvirtd
	check_network
	check_groups
	check_feed_root
	finish
}

main "$@"
