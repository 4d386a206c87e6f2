#!/usr/bin/env bash
# seed.sh: each fuzz target's seed corpus, from tests/fixtures and tests/fuzz/corpus.
#
# Usage: tests/fuzz/seed.sh OUTDIR
# OUTDIR/NAME gets the hand-written seeds of tests/fuzz/corpus/NAME (edge cases and the
# inputs of bugs found) and seeds made from the fixtures (tests/fuzz/README.md says which);
# what a fuzzer added there before stays. Directory fixtures (powercap, MSR) become tree
# descriptions, one line per file (fuzz_util.h's fz_tree_line).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:?usage: seed.sh OUTDIR}
fix=$src/tests/fixtures

# Every file and symlink under DIR as "PATH CONTENT" / "PATH -> TARGET", prefixed by PREFIX.
tree_of() { # DIR [PREFIX]
	local dir=$1 prefix=${2:-} rel
	(cd "$dir" && find . -mindepth 1 \( -type f -o -type l \) | LC_ALL=C sort) | while read -r rel; do
		rel=${rel#./}
		if [ -L "$dir/$rel" ]; then
			printf '%s%s -> %s\n' "$prefix" "$rel" "$(readlink "$dir/$rel")"
		else
			printf '%s%s ' "$prefix" "$rel"
			# Backslashes, then newlines inside the content escaped; the last one dropped.
			sed -e 's/\\/\\\\/g' "$dir/$rel" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g'
		fi
	done
}

# Files matching GLOB, copied as seeds of NAME.
files() { # NAME GLOB...
	local name=$1 f
	shift
	mkdir -p "$out/$name"
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$out/$name/fixture-$(basename "$f")"
	done
	return 0
}

for d in "$src"/tests/fuzz/corpus/*/; do
	name=$(basename "$d")
	mkdir -p "$out/$name"
	cp "$d"* "$out/$name/" 2>/dev/null || true
done

for name in prom_text kepler_work kepler_series; do
	files "$name" "$fix"/kepler/*.txt
done
files pods "$fix"/pods/*.json
files group_rules "$fix"/groups/*
files cgroupfs "$fix"/mountinfo/*.txt

mkdir -p "$out/powercap" "$out/feed" "$out/rapl_msr"
for d in "$fix"/powercap/*/; do
	shape=$(basename "$d")
	tree_of "$d" >"$out/powercap/fixture-$shape"
	# The feed: the same tree and a seq, read three times, the host writing once between.
	{
		echo "@spec ,stale=1s"
		echo "seq 1"
		tree_of "$d"
		echo "@step 100ms"
		echo "seq 2"
		echo "@step 900ms"
		echo "@step 2s"
	} >"$out/feed/fixture-$shape"
done
for d in "$fix"/msr/*/; do
	shape=$(basename "$d")
	{
		tree_of "$d/sys" sys/
		grep -v '^#' "$d/regs" | sed -e 's/#.*//' -e 's/^/msr /'
	} >"$out/rapl_msr/fixture-$shape"
done
