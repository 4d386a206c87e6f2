#!/usr/bin/env bash
# test_docs.sh: the documentation: every docs/img/*.svg is well-formed and renders to a PNG that
# is not blank, and every relative link in README.md and docs/*.md names a file that exists.
# What is checked is whatever is there when the test runs: new pages and figures join by
# themselves. Links inside code (fenced blocks, `spans`) are text, not links, and are left out.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# pngstat's first line, "WIDTH HEIGHT NONWHITE_FRACTION DISTINCT_COLOURS", is a drawing's when
# it is 960 wide (rendered with -w 960), not nearly white and of more than a few colours. The
# charts here are 0.10-0.19 non-white with hundreds of colours; a page of text alone is ~0.02.
png_not_blank() { # LINE
	awk -v l="$1" 'BEGIN { split(l, a, " "); exit !(a[1] == 960 && a[3] >= 0.03 && a[4] >= 8) }'
}

case_svg() {
	local tmp pngstat tool f png line n=0
	for tool in xmllint rsvg-convert; do
		if ! command -v "$tool" >/dev/null; then
			t_skip "no $tool (tools/deps.sh --test installs it)"
			return
		fi
	done
	pngstat=$(wp_helper pngstat) || return
	tmp=$(wp_tmp)
	for f in "$WP_SRC"/docs/img/*.svg; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		png=$tmp/$(basename "$f" .svg).png
		if ! xmllint --noout "$f" 2>"$tmp/xml.err"; then
			t_check "${f#"$WP_SRC"/}: not well-formed: $(head -n 1 "$tmp/xml.err" | head -c 300)"
			continue
		fi
		if ! rsvg-convert -w 960 -f png -o "$png" "$f" 2>"$tmp/rsvg.err"; then
			t_check "${f#"$WP_SRC"/}: rsvg-convert failed: $(head -c 300 "$tmp/rsvg.err")"
			continue
		fi
		line=$("$pngstat" "$png" 2>&1 | head -n 1)
		t_info "${f#"$WP_SRC"/}: $line (width height non-white distinct-colours)"
		png_not_blank "$line" || t_check "${f#"$WP_SRC"/}: renders (nearly) blank: $line"
	done
	[ "$n" -gt 0 ] || t_check "no docs/img/*.svg at all"
	t_pass
}

# Every link of a Markdown file, one a line: "LINE<TAB>TARGET". Inline links and images
# [text](target "title"), and reference definitions [id]: target; fenced code blocks and code
# spans skipped. A target in <angle brackets> may hold blanks.
md_links() { # FILE
	gawk '
	/^ {0,3}(```|~~~)/ { fence = !fence; next }
	fence { next }
	{
		line = $0
		gsub(/``[^`]*``|`[^`]*`/, "", line)
		if (match(line, /^ {0,3}\[[^]]+\]:[ \t]*/)) {
			t = substr(line, RLENGTH + 1)
			if (t ~ /^</)
				sub(/>.*/, "", t)
			else
				sub(/[ \t].*/, "", t)
			sub(/^</, "", t)
			printf "%d\t%s\n", FNR, t
			next
		}
		while (match(line, /\]\(<[^>]*>|\]\([^)[:space:]]*/)) {
			t = substr(line, RSTART + 2, RLENGTH - 2)
			line = substr(line, RSTART + RLENGTH)
			if (t ~ /^</)
				t = substr(t, 2, length(t) - 2)
			printf "%d\t%s\n", FNR, t
		}
	}' "$1"
}

case_links() {
	local md dir lineno target path n=0 bad=0
	local -a files=("$WP_SRC/README.md")
	for md in "$WP_SRC"/docs/*.md; do
		[ -e "$md" ] && files+=("$md")
	done
	for md in "${files[@]}"; do
		[ -f "$md" ] || {
			t_check "${md#"$WP_SRC"/}: missing"
			continue
		}
		dir=$(dirname "$md")
		while IFS=$'\t' read -r lineno target; do
			# An anchor on this page, or a URL (a scheme, or //host).
			[ -z "$target" ] || [ "${target:0:1}" = '#' ] || [ "${target:0:2}" = // ] && continue
			[[ $target =~ ^[a-zA-Z][a-zA-Z0-9+.-]*: ]] && continue
			path=${target%%#*}
			path=${path%%\?*}
			path=${path//%20/ }
			case $path in
			/*) path=$WP_SRC$path ;; # GitHub's: from the repository's root
			*) path=$dir/$path ;;
			esac
			n=$((n + 1))
			if [ ! -e "$path" ]; then
				bad=$((bad + 1))
				t_check "${md#"$WP_SRC"/}:$lineno: link '$target' names no file" \
					"(${path#"$WP_SRC"/})"
			fi
		done < <(md_links "$md")
	done
	t_info "${#files[@]} pages, $n relative links, $bad broken"
	[ "$n" -gt 0 ] || t_check "no relative link found at all: the extraction is broken"
	t_pass
}

# The extraction itself, on a page made to hold every form and every trap.
case_links_parse() {
	local tmp got want
	tmp=$(wp_tmp)
	cat >"$tmp/p.md" <<-'EOF'
		See [a](a.md), ![img](img/x.svg "a title") and [b](<dir/b c.md#part>).
		Two on a line: [c](c.md) [d](../d.md#x), a URL [u](https://example.org/x.md), [h](#here).
		`[code](code.md)` is code, and so is ``[two](two.md)``.
		```sh
		echo [fenced](fenced.md)
		```
		[ref]: ref/target.md "Title"
		  [ref2]: <ref 2.md>
	EOF
	got=$(md_links "$tmp/p.md" | tr '\t\n' ':;')
	want='1:a.md;1:img/x.svg;1:dir/b c.md#part;2:c.md;2:../d.md#x;2:https://example.org/x.md;2:#here;7:ref/target.md;8:ref 2.md;'
	[ "$got" = "$want" ] || t_check "links found: '$got', want '$want'"
	t_pass
}

t_run svg case_svg
t_run links_parse case_links_parse
t_run links case_links
