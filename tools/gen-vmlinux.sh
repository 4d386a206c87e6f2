#!/usr/bin/env bash
# gen-vmlinux.sh: regenerate vmlinux/<arch>/vmlinux.h from a kernel's BTF.
#
# Usage: tools/gen-vmlinux.sh [BTF_FILE] [ARCH]
#   BTF_FILE defaults to /sys/kernel/btf/vmlinux (the running kernel); ARCH to x86.
# The header is checked in so that builds never depend on the build host's BTF; CO-RE
# relocations adapt the programs to the kernel they are loaded on.
set -euo pipefail
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-x86}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/vmlinux/$arch/vmlinux.h"
[ -r "$btf" ] || { echo "gen-vmlinux: cannot read BTF file $btf" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "gen-vmlinux: bpftool not found (run tools/deps.sh)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c >"$out.tmp"
mv "$out.tmp" "$out"
echo "gen-vmlinux: wrote $out from $btf ($(wc -l <"$out") lines)"
