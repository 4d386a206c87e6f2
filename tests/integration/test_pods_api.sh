#!/usr/bin/env bash
# test_pods_api.sh: --pods api against a fake API server over TLS: token, RBAC, CA, pod metadata.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FIXTURE=$WP_SRC/tests/fixtures/pods/minikube-flux.json
NODE=minikube
# source-controller in the fixture: a containerd pod on minikube, group flux.
POD_NS=flux-system
POD_NAME=source-controller-6f9c8d7b5-abcde
POD_UID=1b2c3d4e-0000-4000-8000-000000000001
POD_CONTAINER=manager
POD_CID=000000000000000000000000000000000000000000000000000000000abc0001

# A throwaway CA NAME (NAME.key, NAME.crt) in DIR.
pki_ca() { # DIR NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj "/CN=wattprobe test $2" -keyout "$1/$2.key" -out "$1/$2.crt" 2>>"$1/openssl.err"
}

# server.key and server.crt for 127.0.0.1 (the IP in subjectAltName, as a client checks it),
# signed by the CA "ca" in DIR.
pki_server() { # DIR
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
		-keyout "$1/server.key" -out "$1/server.csr" 2>>"$1/openssl.err" &&
		openssl x509 -req -in "$1/server.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" -set_serial 2 \
			-days 1 -out "$1/server.crt" 2>>"$1/openssl.err" -extfile <(printf '%s\n' \
			subjectAltName=IP:127.0.0.1 basicConstraints=CA:FALSE extendedKeyUsage=serverAuth)
}

# Start fakeapi with ARGS and a fresh PKI and token under TMP: TMP/sa is a service account
# directory (token, ca.crt) that the server accepts, TMP/api.log its request log. The port goes
# to VAR. 1, with the case failed or skipped, when it did not come up.
api_start() { # VAR TMP [FAKEAPI_ARGS...]
	local _var=$1 _tmp=$2 _fake _pid _i
	shift 2
	_fake=$(wp_helper fakeapi) || return 1
	command -v openssl >/dev/null || {
		t_skip "no openssl to make a CA with (tools/deps.sh installs it)"
		return 1
	}
	mkdir -p "$_tmp/pki" "$_tmp/sa" || {
		t_fail "cannot make $_tmp/pki and $_tmp/sa"
		return 1
	}
	if ! { pki_ca "$_tmp/pki" ca && pki_server "$_tmp/pki"; }; then
		t_fail "openssl could not make a CA and server certificate:" \
			"$(head -c 300 "$_tmp/pki/openssl.err")"
		return 1
	fi
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$_tmp/api.token"
	printf '\n' >>"$_tmp/api.token"
	if ! { cp "$_tmp/api.token" "$_tmp/sa/token" && cp "$_tmp/pki/ca.crt" "$_tmp/sa/ca.crt"; }; then
		t_fail "cannot fill the service account directory $_tmp/sa"
		return 1
	fi
	wp_bg _pid "$_fake" --cert "$_tmp/pki/server.crt" --key "$_tmp/pki/server.key" \
		--token-file "$_tmp/api.token" --pods "$FIXTURE" --port-file "$_tmp/api.port" \
		--log "$_tmp/api.log" "$@" 2>"$_tmp/api.err"
	for ((_i = 0; _i < 200; _i++)); do
		[ -s "$_tmp/api.port" ] && break
		kill -0 "$_pid" 2>/dev/null || break
		sleep 0.025
	done
	[ -s "$_tmp/api.port" ] || {
		t_fail "fakeapi did not come up: $(head -c 300 "$_tmp/api.err")"
		return 1
	}
	printf -v "$_var" '%s' "$(cat "$_tmp/api.port")"
}

# wattprobe record --pods api in the foreground against the fakeapi on PORT, with TMP/sa as the
# service account; output to TMP/rec.{csv,out,err}, exit status to VAR.
rec_api() { # VAR PORT TMP [ARGS...]
	local _var=$1 _port=$2 _tmp=$3
	shift 3
	KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$_port WATTPROBE_SA_DIR=$_tmp/sa \
		wp_run "$_var" "$_tmp/rec" record --pods api --node "$NODE" -d 1s -o "$_tmp/rec.csv" "$@"
}

# Make each directory of the path REL under MOUNT, outermost first, and register each for
# cleanup (wp_cleanup removes them in reverse: innermost first). None may exist already: what
# is not ours is never removed. The innermost goes to VAR.
cg_make_path() { # VAR MOUNT REL
	local _dir=$2 _part
	local -a _parts
	IFS=/ read -ra _parts <<<"$3"
	for _part in "${_parts[@]}"; do
		_dir=$_dir/$_part
		mkdir -- "$_dir" || return 1
		_wp_cgroups+=("$_dir")
	done
	printf -v "$1" '%s' "$_dir"
}

# (a) The good token: one list of this node's pods, and a container's rows carry its pod. The
# pod's cgroups nest in a test cgroup, as kind's and minikube's docker driver's nodes nest theirs:
# a kubelet's own /kubepods.slice (a real one, or tools/simnode.sh's) is never touched.
case_ok() {
	local tmp mp top rel port burn cg pid rc want id path res n bad first
	tmp=$(wp_tmp)
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem in /proc/self/mountinfo"
		return
	}
	burn=$(wp_helper burn) || return
	api_start port "$tmp" || return
	rel=kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_UID//-/_}.slice
	rel=$rel/cri-containerd-$POD_CID.scope
	if ! { cg_make top "$mp" && cg_make_path cg "$top" "$rel"; }; then
		t_fail "cannot make the pod's cgroups under $mp"
		return
	fi
	cg_spawn pid "$cg" "$burn" 50 1.5
	rec_api rc "$port" "$tmp" -i 100ms --cgroup-mode v2
	wait "$pid" || t_check "burn (pid $pid) exited with status $?"
	[ "$rc" = 0 ] || {
		t_fail "wattprobe record --pods api exited with status $rc: $(wp_err "$tmp/rec")"
		return
	}
	t_info "fakeapi log: $(tr '\n' ';' <"$tmp/api.log")"
	# The log has the query as sent: the node's name percent-encoded, "=" as %3D.
	want="GET /api/v1/pods fieldSelector=spec.nodeName%3D$NODE token=ok status=200"
	n=$(grep -cxF -- "$want" "$tmp/api.log")
	bad=$(grep -cvxF -- "$want" "$tmp/api.log")
	[ "$n" -ge 1 ] || t_check "no '$want' in the fakeapi log"
	[ "$bad" = 0 ] || t_check "$bad other requests in the fakeapi log"
	id=$(cg_id "$cg")
	path=$(cg_path "$cg")
	res=$(csv_awk "$tmp/rec.csv" '
	(col("cgroup_id") "") == (id "") || col("cgroup") == path {
		n++
		got = col("namespace") "|" col("pod") "|" col("container") "|" col("group")
		if (got != want) { bad++; if (first == "") first = got }
	}
	END { if (_csv_err) exit _csv_err; print n + 0, bad + 0, (first == "" ? "-" : first) }' \
		id="$id" path="$path" want="$POD_NS|$POD_NAME|$POD_CONTAINER|flux") || {
		t_fail "cannot read namespace, pod, container and group from $tmp/rec.csv"
		return
	}
	read -r n bad first <<<"$res"
	t_info "rows of $path (id $id): $n, $bad without its pod (first: $first)"
	[ "$n" -ge 1 ] || t_check "no rows for the burning container's cgroup $path"
	[ "$bad" = 0 ] || t_check "$bad rows of $path say '$first'," \
		"expected '$POD_NS|$POD_NAME|$POD_CONTAINER|flux'"
	t_pass
}

# (b)-(d): record fails at startup: exit status 1, one line on stderr matching the extended regex
# WORDS (case-insensitive), no interval written, and the fakeapi log matching the regex LOG
# ("-": no request reached it). SETUP TMP spoils what the case is about.
case_refused() { # WORDS LOG SETUP [FAKEAPI_ARGS...]
	local words=$1 log=$2 setup=$3 tmp port rc n
	shift 3
	tmp=$(wp_tmp)
	api_start port "$tmp" "$@" || return
	"$setup" "$tmp" || {
		t_fail "$setup failed"
		return
	}
	rec_api rc "$port" "$tmp"
	t_info "status $rc, stderr: $(wp_err "$tmp/rec"); fakeapi log: $(tr '\n' ';' <"$tmp/api.log")"
	[ "$rc" = 1 ] || t_check "exit status $rc, expected 1"
	n=$(grep -c . "$tmp/rec.err")
	[ "$n" = 1 ] || t_check "$n lines on stderr, expected exactly 1"
	grep -qiE -- "$words" "$tmp/rec.err" || t_check "stderr does not match /$words/"
	if [ -f "$tmp/rec.csv" ] && [ "$(wc -l <"$tmp/rec.csv")" -gt 1 ]; then
		t_check "intervals written to $tmp/rec.csv: the error is not at startup"
	fi
	if [ "$log" = - ]; then
		[ ! -s "$tmp/api.log" ] || t_check "a request reached the server, expected none"
	else
		grep -qE -- "$log" "$tmp/api.log" || t_check "the fakeapi log does not match /$log/"
	fi
	t_pass
}

spoil_nothing() { :; }

spoil_token() { # TMP
	printf 'not-the-token\n' >"$1/sa/token"
}

# The server's certificate is not of the CA in the service account directory: the TLS handshake
# fails, so the token never reaches the server (its request log stays empty).
spoil_ca() { # TMP
	pki_ca "$1/pki" other && cp "$1/pki/other.crt" "$1/sa/ca.crt"
}

t_run api_ok case_ok
t_run api_bad_token case_refused '401|token' '^GET /api/v1/pods .* token=bad status=401$' \
	spoil_token
t_run api_forbidden case_refused 'rbac|list.*pods' '^GET /api/v1/pods .* token=ok status=403$' \
	spoil_nothing --status 403
t_run api_bad_ca case_refused 'CA|certificate' - spoil_ca
