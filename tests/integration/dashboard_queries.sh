# shellcheck shell=bash
# dashboard_queries.sh: the PromQL of a Grafana dashboard (tools/grafana/wattprobe-dashboard.json),
# for a test to run against a real Prometheus. Sourced; defines functions only. sed and awk only
# (any POSIX awk: gawk, mawk, busybox), no jq, no python.
#
#   dashboard_exprs FILE        every "expr" string of FILE, one a line, JSON-unescaped
#   dashboard_subst EXPR JOB    EXPR with Grafana's variables replaced by values Prometheus takes

# Every "expr" string of the dashboard JSON FILE, in the file's order, one a line: the JSON is
# read token by token (strings, and the colon after a key), so an "expr" key is found wherever it
# is (nested rows, one-line JSON, the value on the next line) and a string that merely holds the
# text "expr" is not one. Escapes are undone: \" \\ \/ and \uXXXX (as UTF-8; Grafana's export
# writes > < & as \u003e \u003c \u0026); \n \r \t become a space, so that each expr stays on one
# line. Status 1 when FILE cannot be read.
dashboard_exprs() { # FILE
	[ -r "$1" ] || {
		printf 'dashboard_exprs: cannot read %s\n' "$1" >&2
		return 1
	}
	LC_ALL=C awk '
	function hexval(h,   i, v) {
		v = 0
		for (i = 1; i <= length(h); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
		return v
	}
	function utf8(c) {
		if (c < 128)
			return sprintf("%c", c)
		if (c < 2048)
			return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
		if (c < 65536)
			return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
		return sprintf("%c%c%c%c", 240 + int(c / 262144), 128 + int(c / 4096) % 64,
			       128 + int(c / 64) % 64, 128 + c % 64)
	}
	# The string token that starts after the opening quote at s[i]; sets tok and returns the
	# position after its closing quote (0 when the line ends inside it: not JSON).
	function string_at(s, i,   n, c, e, h, lo) {
		tok = ""
		n = length(s)
		for (; i <= n; i++) {
			c = substr(s, i, 1)
			if (c == "\"")
				return i + 1
			if (c != "\\") {
				tok = tok c
				continue
			}
			e = substr(s, ++i, 1)
			if (e == "u" && substr(s, i + 1, 4) ~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/) {
				h = hexval(substr(s, i + 1, 4))
				i += 4
				# a surrogate pair: one character above U+FFFF
				if (h >= 55296 && h < 56320 && substr(s, i + 1, 2) == "\\u" &&
				    substr(s, i + 3, 4) ~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/) {
					lo = hexval(substr(s, i + 3, 4))
					if (lo >= 56320 && lo < 57344) {
						h = 65536 + (h - 55296) * 1024 + (lo - 56320)
						i += 6
					}
				}
				tok = tok utf8(h)
			} else if (e == "n" || e == "r" || e == "t")
				tok = tok " "
			else if (e == "b" || e == "f")
				continue
			else
				tok = tok e # \" \\ \/
		}
		return 0
	}
	# state: 0 nothing, 1 the string "expr" was read, 2 "expr" and its colon: a key
	{
		s = $0
		n = length(s)
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (c == " " || c == "\t" || c == "\r")
				continue
			if (c == "\"") {
				j = string_at(s, i + 1)
				if (!j) {
					printf "dashboard_exprs: %s:%d: a string runs past the line\n", FILENAME, FNR > "/dev/stderr"
					bad = 1
					break
				}
				if (state == 2)
					print tok
				state = (state != 2 && tok == "expr") ? 1 : 0
				i = j - 1
				continue
			}
			state = (state == 1 && c == ":") ? 2 : 0
		}
	}
	END { exit bad }' "$1"
}

# EXPR with the dashboard's variables given values a Prometheus query takes: $job -> JOB,
# $instance and $namespace -> .* (the "All" of their regex matchers), $__rate_interval and
# $__interval -> 5s, $__range -> 1m. ${name} and ${name:format} are replaced the same way. A
# variable is replaced only as a whole name ($jobs stays), and any other $name is left as it is,
# for the caller to find. JOB goes in literally (no sed or awk escapes are applied to it).
dashboard_subst() { # EXPR JOB
	WP_DQ_EXPR=$1 WP_DQ_JOB=$2 awk 'BEGIN {
		v["job"] = ENVIRON["WP_DQ_JOB"]
		v["instance"] = v["namespace"] = ".*"
		v["__rate_interval"] = v["__interval"] = "5s"
		v["__range"] = "1m"
		s = ENVIRON["WP_DQ_EXPR"]
		out = ""
		while ((p = index(s, "$")) > 0) {
			out = out substr(s, 1, p - 1)
			s = substr(s, p + 1)
			name = ""
			len = 0
			if (substr(s, 1, 1) == "{" && match(s, /^\{[A-Za-z0-9_]+(:[^}]*)?\}/)) {
				name = substr(s, 2, RLENGTH - 2)
				sub(/:.*/, "", name)
				len = RLENGTH
			} else if (match(s, /^[A-Za-z0-9_]+/)) {
				name = substr(s, 1, RLENGTH)
				len = RLENGTH
			}
			if (len && (name in v)) {
				out = out v[name]
				s = substr(s, len + 1)
			} else
				out = out "$"
		}
		print out s
	}'
}
