#!/usr/bin/env bash
# deps.sh: install every Debian package wattprobe's build and tests need; a no-op when all
# are present. Run as root on Debian 12 (bookworm) or later.
#
# Usage: tools/deps.sh [--dry-run]
set -euo pipefail

pkgs=(
	make gcc pkg-config        # userspace build
	clang llvm                 # BPF objects (clang -target bpf), llvm-strip
	libbpf-dev bpftool         # libbpf, skeleton generation, vmlinux.h regeneration
	libelf-dev zlib1g-dev      # libbpf's dependencies; zlib also writes .csv.gz
	libcmocka-dev              # unit tests
	libjson-c-dev              # pods JSON (kubectl get pods -o json, the API server)
	libcurl4-openssl-dev       # pod metadata from the API server (in-cluster)
	libmicrohttpd-dev          # HTTP(S) server: /metrics, and the tests' fake API server
	openssl ca-certificates    # tests: a throwaway CA and server certificate
	gzip gawk procps util-linux # integration tests: zcat, awk, pgrep/ps, setpriv
	curl iproute2              # integration tests: HTTP clients of serve, ss for free ports
	prometheus                 # integration tests: a real Prometheus scraping serve, and
	                           # promtool check metrics (Debian ships promtool only in it)
)

dry=0
[ "${1:-}" = "--dry-run" ] && dry=1

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
apt-get install -y -qq --no-install-recommends "${missing[@]}"
