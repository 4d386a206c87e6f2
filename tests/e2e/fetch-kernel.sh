#!/usr/bin/env bash
# fetch-kernel.sh: the e2e guest's kernel, a Debian package's, fetched once per version into a cache.
#
# Usage: tests/e2e/fetch-kernel.sh CACHE_DIR
# Prints, as its last line on stdout, the directory that holds the kernel:
#	vmlinux | vmlinuz   the image to boot: the uncompressed ELF where the kernel can be entered
#	                    through PVH (qemu loads it as is: no decompression under TCG, 2-4 s
#	                    less), else the bzImage
#	config              the kernel's config
#	modules/*.ko        the modules the guest needs (9p over virtio and what they depend on)
#	modules.load        their file names in the order insmod must load them
#	version             PACKAGE VERSION
# Progress and errors go to stderr; exit status 1 with one line saying why (no network, no
# package lists, a kernel without what the guest needs).
#
# The package is whatever the metapackage E2E_KERNEL_META (default linux-image-amd64) depends on,
# e.g. linux-image-6.1.0-57-amd64, from `apt-get download`; apt-get update is run only when the
# lists do not know the metapackage or the download fails. The cache is keyed by package and
# version, so later runs download nothing; when the lists name a version that is not cached and
# it cannot be downloaded, the newest cached kernel is used and that is said.
#
# Why not linux-image-cloud-amd64, whose kernel boots faster: Debian 12's cloud kernel is built
# without 9p (CONFIG_NET_9P is not set) and Debian 12 has no virtiofsd for its virtiofs, so it
# cannot mount a directory of the host. The standard kernel has BTF, 9p and virtio as modules.
set -u

cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
meta=${E2E_KERNEL_META:-linux-image-amd64}
# What the guest loads, MODULE:CONFIG_OPTION: 9p over virtio (virtio_pci is the transport of
# -virtfs's device). One that is built in (=y) is not loaded.
want_mods=(9p:9P_FS 9pnet_virtio:NET_9P_VIRTIO virtio_pci:VIRTIO_PCI)
# Where those and their dependencies live in the package; a dependency outside these is an error.
mod_dirs=(fs/9p net/9p fs/netfs fs/fscache drivers/virtio)

say() {
	printf 'fetch-kernel: %s\n' "$*" >&2
}

die() {
	say "$*"
	exit 1
}

# The package the metapackage depends on, and its candidate version: "PKG VERSION".
resolve() {
	local pkg ver
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '$1 == "Version:" { print $2; exit }')
	[ -n "$ver" ] || return 1
	printf '%s %s\n' "$pkg" "$ver"
}

# The newest complete kernel in the cache that came from the same metapackage, or nothing.
newest_cached() {
	local d
	for d in "$cache"/*/; do
		[ -f "$d/done" ] && [ "$(cat "$d/meta" 2>/dev/null)" = "$meta" ] && printf '%s\n' "${d%/}"
	done | sort -V | tail -n 1
}

# Download PKG (VERSION) into DIR; tells why on failure.
download() { # PKG VERSION DIR
	local log=$3/apt.log
	# As root apt warns that _apt cannot write here; the download itself works.
	(cd "$3" && apt-get download "$1=$2") >"$log" 2>&1 && return 0
	say "apt-get download $1=$2 failed: $(grep -E '^(E|Err):' "$log" | head -n 3 | tr '\n' ' ')"
	return 1
}

# Depth-first: each module after what it depends on (the depends= field of its .modinfo).
declare -A visiting=() placed=() modpath=()
order=()
place() { # NAME
	local name=$1 dep deps
	[ -n "${placed[$name]:-}" ] && return 0
	[ -z "${visiting[$name]:-}" ] || die "module dependency loop at $name"
	visiting[$name]=1
	[ -n "${modpath[$name]:-}" ] ||
		die "module $name is needed but is not under ${mod_dirs[*]} of the package (built in? see config)"
	deps=$(tr '\0' '\n' <"${modpath[$name]}" | sed -n 's/^depends=//p' | head -n 1)
	for dep in ${deps//,/ }; do
		place "$dep"
	done
	placed[$name]=1
	order+=("$name")
}

# The ELF inside a bzImage, where the kernel has a PVH entry; else nothing (boot the bzImage).
extract_vmlinux() { # BZIMAGE CONFIG OUT
	local magic tool off
	grep -q '^CONFIG_PVH=y' "$2" || return 1
	if grep -q '^CONFIG_KERNEL_XZ=y' "$2"; then
		magic=$'\xfd7zXZ\x00' tool="xz -dc"
	elif grep -q '^CONFIG_KERNEL_GZIP=y' "$2"; then
		magic=$'\x1f\x8b\x08' tool="gzip -dc"
	elif grep -q '^CONFIG_KERNEL_ZSTD=y' "$2"; then
		magic=$'\x28\xb5\x2f\xfd' tool="zstd -dc"
	else
		return 1
	fi
	off=$(LC_ALL=C grep -abo "$magic" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	# The payload is followed by the bzImage's trailer: the tool complains about it, the ELF is whole.
	# shellcheck disable=SC2086 # tool is a command and its option
	tail -c +"$((off + 1))" "$1" | $tool >"$3" 2>/dev/null
	[ "$(head -c 4 "$3" | od -An -c | tr -d ' ')" = '177ELF' ] || {
		rm -f -- "$3"
		return 1
	}
}

# Unpack what the guest needs from the .deb into DIR.
unpack() { # DEB DIR
	local deb=$1 dir=$2 x=$2/x ko name opt vmlinuz config kver d w
	local -a pats=('./boot/vmlinuz-*' './boot/config-*')
	for d in "${mod_dirs[@]}"; do
		pats+=("./lib/modules/*/kernel/$d/*")
	done
	mkdir -p "$x" "$dir/modules" || return 1
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$x" --wildcards "${pats[@]}" 2>"$dir/tar.log"
	vmlinuz=$(find "$x/boot" -name 'vmlinuz-*' | head -n 1)
	config=$(find "$x/boot" -name 'config-*' | head -n 1)
	if [ -z "$vmlinuz" ] || [ -z "$config" ]; then
		die "no vmlinuz or config in $deb: $(head -c 300 "$dir/tar.log")"
	fi
	kver=${vmlinuz##*/vmlinuz-}
	cp -- "$config" "$dir/config" || return 1
	for opt in DEBUG_INFO_BTF BPF_SYSCALL CGROUP_SCHED FAIR_GROUP_SCHED; do
		grep -q "^CONFIG_$opt=y" "$dir/config" || die "kernel $kver lacks CONFIG_$opt=y"
	done
	for opt in NET_9P NET_9P_VIRTIO 9P_FS VIRTIO_PCI; do
		grep -qE "^CONFIG_$opt=[ym]" "$dir/config" ||
			die "kernel $kver lacks CONFIG_$opt (the guest mounts the host's directories with 9p)"
	done
	while IFS= read -r ko; do
		case $ko in
		*.ko.xz) xz -d -- "$ko" && ko=${ko%.xz} ;;
		*.ko.zst) zstd -q -d --rm -- "$ko" && ko=${ko%.zst} ;;
		esac
		name=$(basename "$ko" .ko)
		modpath[${name//-/_}]=$ko
	done < <(find "$x/lib/modules" -name '*.ko*')
	for w in "${want_mods[@]}"; do
		grep -q "^CONFIG_${w#*:}=y" "$dir/config" || place "${w%%:*}"
	done
	: >"$dir/modules.load"
	for name in "${order[@]}"; do
		cp -- "${modpath[$name]}" "$dir/modules/$name.ko" || return 1
		printf '%s.ko\n' "$name" >>"$dir/modules.load"
	done
	if extract_vmlinux "$vmlinuz" "$dir/config" "$dir/vmlinux"; then
		say "kernel $kver: booting the uncompressed ELF (PVH entry)"
	else
		cp -- "$vmlinuz" "$dir/vmlinuz" || return 1
	fi
	rm -rf -- "$x" "$dir/tar.log"
}

# Use the newest cached kernel of the same metapackage, saying why; or fail.
fallback() { # WHY
	local d
	d=$(newest_cached)
	[ -n "$d" ] || die "$1, and no kernel of $meta is cached in $cache"
	say "$1: using the cached $(cat "$d/version")"
	printf '%s\n' "$d"
	exit 0
}

update_lists() {
	say "apt-get update"
	apt-get update >"$cache/apt-update.log" 2>&1 ||
		say "apt-get update failed: $(grep -E '^(E|Err|W):' "$cache/apt-update.log" | head -n 3 | tr '\n' ' ')"
}

# Print the kernel's cache directory, fetching it if it is not there; 1 when the download
# failed (the reason in $dir/dl/apt.log), 2 when the metapackage is unknown to the lists.
fetch() {
	local pv pkg ver deb
	pv=$(resolve) || return 2
	read -r pkg ver <<<"$pv"
	dir=$cache/${pkg}_$ver
	if [ -f "$dir/done" ]; then
		printf '%s\n' "$dir"
		return 0
	fi
	rm -rf -- "$dir"
	mkdir -p "$dir/dl" || die "cannot make $dir"
	say "downloading $pkg $ver"
	download "$pkg" "$ver" "$dir/dl" || return 1
	deb=$(find "$dir/dl" -name '*.deb' | head -n 1)
	[ -n "$deb" ] || die "apt-get download left no .deb in $dir/dl"
	unpack "$deb" "$dir" || die "cannot unpack $deb"
	rm -rf -- "$dir/dl"
	printf '%s %s\n' "$pkg" "$ver" >"$dir/version"
	printf '%s\n' "$meta" >"$dir/meta"
	: >"$dir/done"
	say "cached in $dir ($(du -sh "$dir" | cut -f1))"
	printf '%s\n' "$dir"
}

mkdir -p "$cache" || die "cannot make $cache"
dir=
# An interrupted or failed unpack leaves nothing behind that looks cached.
trap '[ -n "$dir" ] && [ ! -f "$dir/done" ] && rm -rf -- "$dir"' EXIT
fetch && exit 0
rc=$?
# Lists that lack the package, or name a version the mirror no longer has (a superseded
# security update: 404), are mended by apt-get update; a network that is down is not.
if [ "$rc" = 1 ] && grep -qE 'Temporary failure resolving|Could not connect|Connection failed|unreachable|Could not resolve' \
	"$dir/dl/apt.log" 2>/dev/null; then
	rm -rf -- "$dir"
	fallback "cannot download the kernel (no network?)"
fi
[ "$rc" = 2 ] && say "the package lists do not know $meta"
[ -n "$dir" ] && rm -rf -- "$dir"
update_lists
fetch && exit 0
rc=$?
[ -n "$dir" ] && rm -rf -- "$dir"
[ "$rc" = 2 ] && fallback "cannot resolve $meta even after apt-get update (no network?)"
fallback "cannot download the kernel of $meta (no network?)"
