#!/usr/bin/env bash
# mkinitramfs.sh: the e2e guest's initramfs: busybox, wattprobe and helpers with their libraries.
#
# Usage: tests/e2e/mkinitramfs.sh OUT.cpio KERNEL_DIR INIT BINARY...
#	KERNEL_DIR  from fetch-kernel.sh: modules/*.ko and modules.load go to /lib/modules
#	INIT        the guest's /init (init.sh)
#	BINARY      copied, stripped, to /bin/NAME, with its whole ldd closure and the loader
# A newc cpio, uncompressed unless E2E_INITRD_COMPRESS=gzip|zstd: under TCG the kernel
# unpacks at emulated speed, and decompressing costs more time than qemu's reading the larger
# file (about 25 MB, nearly all of it wattprobe's libraries: libcurl pulls in TLS and Kerberos).
set -u

out=${1:?usage: mkinitramfs.sh OUT.cpio KERNEL_DIR INIT BINARY...}
kdir=${2:?kernel dir}
init=${3:?init script}
shift 3

die() {
	printf 'mkinitramfs: %s\n' "$*" >&2
	exit 1
}

root=$(mktemp -d "${TMPDIR:-/tmp}/wpe2e-initramfs.XXXXXX") || die "mktemp failed"
trap 'rm -rf -- "$root"' EXIT

# Copy FILE (following links) to the same path under the root.
put() { # FILE
	mkdir -p -- "$root$(dirname "$1")" && cp -L -- "$1" "$root$1"
}

# A binary's shared libraries and loader, absolute paths, one a line ("not a dynamic
# executable": none).
closure() { # BINARY
	local lines
	lines=$(LC_ALL=C ldd "$1" 2>&1) || {
		grep -q 'not a dynamic executable' <<<"$lines" && return 0
		die "ldd $1: $lines"
	}
	grep -q 'not found' <<<"$lines" && die "ldd $1: a library is missing: $(grep 'not found' <<<"$lines")"
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$lines"
}

mkdir -p "$root"/{bin,dev,proc,sys,tmp,out,lib/modules,run/wattprobe/feed} || die "cannot lay out $root"
bb=$(command -v busybox) || die "no busybox (apt-get install busybox-static)"
cp -L -- "$bb" "$root/bin/busybox" || die "cannot copy $bb"
for lib in $(closure "$bb"); do
	put "$lib" || die "cannot copy $lib"
done
for a in $("$bb" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

for bin in "$@"; do
	[ -x "$bin" ] || die "no executable $bin (run make)"
	name=$(basename "$bin")
	# Debug info is most of wattprobe's size; the BPF object inside is not touched by strip.
	strip -o "$root/bin/$name" -- "$bin" 2>/dev/null || cp -L -- "$bin" "$root/bin/$name" ||
		die "cannot copy $bin"
	for lib in $(closure "$bin"); do
		[ -e "$root$lib" ] || put "$lib" || die "cannot copy $lib"
	done
done

[ -f "$kdir/modules.load" ] || die "no $kdir/modules.load (run fetch-kernel.sh)"
cp -- "$kdir/modules.load" "$root/lib/modules/" || die "cannot copy modules.load"
while read -r ko; do
	cp -- "$kdir/modules/$ko" "$root/lib/modules/" || die "cannot copy module $ko"
done <"$kdir/modules.load"
cp -- "$init" "$root/init" || die "cannot copy $init"
chmod 755 "$root/init" || die "cannot chmod $root/init"

tmp=$out.tmp
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) >"$tmp" ||
	die "cpio failed"
case ${E2E_INITRD_COMPRESS:-none} in
none) ;;
gzip) gzip -1 -c -- "$tmp" >"$tmp.z" && mv -- "$tmp.z" "$tmp" ;;
zstd) zstd -q -3 -c -- "$tmp" >"$tmp.z" && mv -- "$tmp.z" "$tmp" ;;
*) die "E2E_INITRD_COMPRESS: none, gzip or zstd, not '$E2E_INITRD_COMPRESS'" ;;
esac || die "compression failed"
mv -- "$tmp" "$out" || die "cannot write $out"
