#!/usr/bin/env bash
# deps.sh: install every Debian package wattprobe's build and tests need; a no-op when all
# are present. Run as root on Debian 12 (bookworm) or later.
#
# Usage: tools/deps.sh [--test] [--dry-run]
#   --test  also what only the test suite needs: a Prometheus server, which the tests start
#           themselves on 127.0.0.1 (Debian's package would start its own service on :9090;
#           when this script installs it, that service is kept from starting and left
#           disabled); qemu and busybox for the end-to-end guest, whose Debian kernel
#           tests/e2e fetches with apt-get download; shellcheck; vagrant (validate only), virsh
#           and PyYAML for the tools' files.
set -euo pipefail

pkgs=(
	make gcc pkg-config        # userspace build
	clang llvm                 # BPF objects (clang -target bpf), llvm-strip
	libclang-rt-dev            # make fuzz: libFuzzer, clang's ASan/UBSan (only Recommended by clang)
	libbpf-dev bpftool         # libbpf, skeleton generation, vmlinux.h regeneration
	libelf-dev zlib1g-dev      # libbpf's dependencies; zlib also writes .csv.gz
	libcmocka-dev              # unit tests
	libjson-c-dev              # pods JSON (kubectl get pods -o json, the API server)
	libcurl4-openssl-dev       # pod metadata from the API server (in-cluster)
	libmicrohttpd-dev          # HTTP(S) server: /metrics, and the tests' fake API server
	libvirt-dev                # wattprobe host: a VM host's domains (its test:/// driver for tests)
	openssl ca-certificates    # tests: a throwaway CA and server certificate
	gzip gawk procps util-linux # integration tests: zcat, awk, pgrep/ps, setpriv
	curl iproute2              # integration tests: HTTP clients of serve, ss for free ports
)
test_pkgs=(
	prometheus    # a real Prometheus scraping serve, and promtool (Debian ships it only here)
	librsvg2-bin  # rsvg-convert: the charts rendered to PNG, to see they are not blank
	libxml2-utils # xmllint: the charts are well-formed XML
	shellcheck    # every shell script of the project is linted
	qemu-system-x86 busybox-static # the end-to-end test: a real guest fed by wattprobe host
	vagrant       # vagrant validate on tools/vagrant/Vagrantfile
	libvirt-clients # virt-xml-validate on tools/libvirt/ and virsh against the test driver
	python3-yaml  # the tools' Kubernetes manifests parse
)

dry=0
tests=0
for arg in "$@"; do
	case $arg in
	--dry-run) dry=1 ;;
	--test) tests=1 ;;
	*)
		echo "deps: unknown argument '$arg' (want --test, --dry-run)" >&2
		exit 2
		;;
	esac
done
[ $tests -eq 1 ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
if [ $dry -eq 1 ]; then
	echo "deps: (dry run) apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: must run as root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
new_prometheus=0
[[ " ${missing[*]} " == *" prometheus "* ]] && new_prometheus=1
# policy-rc.d is how Debian keeps maintainer scripts from starting services; only when none
# is in place already (a container's own stays untouched).
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ $new_prometheus -eq 1 ] && [ ! -e $policy ]; then
	printf '#!/bin/sh\n# tools/deps.sh: no service starts while it installs\nexit 101\n' >$policy
	chmod 755 $policy
	own_policy=1
	trap 'rm -f $policy' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}"
if [ $new_prometheus -eq 1 ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
	systemctl disable --now prometheus.service >/dev/null 2>&1 || true
fi
[ $own_policy -eq 1 ] && rm -f $policy
exit 0
