#!/usr/bin/env bash
# test_tools.sh: the experiment's tools (docs/experiment.md): shellcheck on every shell script of
# the tree, the tools' dry runs, usage errors and idempotence against stand-in commands, the
# libvirt share, the bundle for VM2, the manifests, and vagrant validate.
#
# Nothing here runs KVM, minikube, Flux or a cluster: every external command the tools would
# change something with is a stand-in on PATH (fake below) that logs its arguments and answers
# from a table, so the dry runs are checked to print the right commands and to run none of them.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOLS=$WP_SRC/tools
SCRIPTS=(provision-kvm minikube-kvm deploy-wattprobe flux-bootstrap snowflake experiment)
# The commands the tools change things with, or ask the world about: all of them stand-ins.
FAKED=(apt-get dpkg-query kvm-ok systemctl systemd-run modprobe usermod useradd runuser sudo findmnt mount
	virsh minikube kubectl flux ssh scp ssh-keyscan ssh-keygen curl git)

# A stand-in: logs "NAME ARGS" to $FAKE_LOG, then answers from $FAKE_RULES, whose lines are
# GLOB<tab>STATUS<tab>STDOUT (printf %b escapes), matched against "NAME ARGS"; the first that
# matches wins, none: status 1 and nothing printed (as on a machine with nothing set up).
# STATUS "sh": STDOUT is a bash script run with the arguments instead.
make_fakes() { # DIR
	local dir=$1 n
	mkdir -p "$dir/bin"
	cat >"$dir/bin/fake" <<'EOF'
#!/bin/bash
name=${0##*/}
line="$name${*:+ $*}"
printf '%s\n' "$line" >>"$FAKE_LOG"
while IFS=$'\t' read -r glob status out; do
	[ -n "$glob" ] || continue
	# shellcheck disable=SC2053 # a glob on purpose
	if [[ $line == $glob ]]; then
		[ "$status" != sh ] || exec bash -c "$out" "$name" "$@"
		[ -z "$out" ] || printf '%b\n' "$out"
		exit "$status"
	fi
done <"${FAKE_RULES:-/dev/null}"
exit 1
EOF
	chmod +x "$dir/bin/fake"
	for n in "${FAKED[@]}"; do
		ln -sf fake "$dir/bin/$n"
	done
	: >"$dir/rules"
	: >"$dir/log"
}

# Run tools/SCRIPT.sh ARGS with the stand-ins first on PATH, HOME and the state in DIR; stdout,
# stderr and status to DIR/NAME.out, .err, .rc.
tool() { # DIR NAME SCRIPT ARGS...
	local dir=$1 name=$2 script=$3 rc=0
	shift 3
	env PATH="$dir/bin:$PATH" HOME="$dir/home" WP_STATE="$dir/home/state" TMPDIR="$dir/tmp" \
		FAKE_LOG="$dir/log" FAKE_RULES="$dir/rules" WP_FEED_ROOT="${FEED_ROOT_T:-$dir/feed}" \
		WP_FSTAB="$dir/fstab" WP_TMPFILES_DIR="$dir/tmpfiles" \
		WATTPROBE="$WP_BIN" BIN_DIR="$dir/usrbin" SUDO_USER='' \
		timeout 20 "$TOOLS/$script.sh" "$@" >"$dir/$name.out" 2>"$dir/$name.err" </dev/null || rc=$?
	printf '%s\n' "$rc" >"$dir/$name.rc"
}

# Each extended regex must match a line of FILE.
expect_lines() { # FILE LABEL REGEX...
	local f=$1 label=$2 re
	shift 2
	for re in "$@"; do
		grep -Eq -- "$re" "$f" || t_check "$label: no line matching /$re/"
	done
}

# The stand-ins' log holds only questions: a dry run asks, it never changes anything.
expect_only_queries() { # DIR LABEL
	local bad
	bad=$(grep -Ev '^(dpkg-query -W|kvm-ok$|virsh -c qemu:///system (version|net-info|domstate|dumpxml|net-dumpxml)|minikube (version|-p [a-z0-9.-]+ (ssh-key|ip|image ls))|kubectl (version|get|diff|-n [a-z-]+ get)|flux version|ssh .* (grep|cat) |systemctl is-active|id |getent |findmnt )' \
		"$1/log" | head -n 3 | tr '\n' ';')
	[ -z "$bad" ] || t_check "$2: a stand-in was asked to change something: $bad"
	[ ! -e "$1/usrbin" ] || t_check "$2: something was installed in BIN_DIR"
	[ -z "$(ls -A "$1/home" 2>/dev/null)" ] || t_check "$2: the dry run wrote into HOME: $(ls -A "$1/home")"
}

# A version pinned in tools/lib-tools.sh.
pin() { # NAME
	sed -n "s/^$1=\${$1:-\([^}]*\)}.*/\1/p" "$TOOLS/lib-tools.sh"
}

# The case's scratch: stand-ins, an empty HOME and TMPDIR, the feed root.
scratch() {
	local d
	d=$(wp_tmp)/t
	make_fakes "$d"
	mkdir -p "$d/home" "$d/tmp" "$d/feed" "$d/tmpfiles"
	: >"$d/fstab"
	printf '%s\n' "$d"
}

# ---- shellcheck -------------------------------------------------------------------------

# Every shell script under tools/, tests/ and .ci/: *.sh, or a #! line naming sh or bash.
shell_scripts() {
	local f first
	while IFS= read -r -d '' f; do
		case $f in
		*.sh) printf '%s\n' "${f#./}" ;;
		*)
			IFS= read -r first <"$f" 2>/dev/null || continue
			[[ $first =~ ^#!.*(/|[[:space:]])(ba)?sh([[:space:]]|$) ]] && printf '%s\n' "${f#./}"
			;;
		esac
	done < <(cd "$WP_SRC" && find tools tests .ci -type f ! -path '*/.vagrant/*' -print0) | sort
}

case_shellcheck() {
	local tmp n list
	command -v shellcheck >/dev/null || {
		t_skip "shellcheck not installed (tools/deps.sh --test installs it)"
		return
	}
	tmp=$(wp_tmp)
	shell_scripts >"$tmp/list"
	n=$(wc -l <"$tmp/list")
	t_info "$n shell scripts, shellcheck $(shellcheck --version | sed -n 's/^version: //p')"
	for list in tools/experiment.sh tools/lib-tools.sh .ci/run tests/integration/lib.sh; do
		grep -qxF "$list" "$tmp/list" || t_check "the list of scripts lacks $list"
	done
	# In parallel: -x follows every `source` (lib.sh into each test), the slow part: about
	# 0.5 s a file. Each failing file is named, with its first finding.
	# shellcheck disable=SC2016 # the inner sh's
	(cd "$WP_SRC" && tr '\n' '\0' <"$tmp/list" |
		xargs -0 -P "$(nproc)" -I{} sh -c 'shellcheck -x "$1" >"$2/$(echo "$1" | tr / _).sc" 2>&1 ||
			echo "$1" >>"$2/failed"' sc {} "$tmp")
	if [ -s "$tmp/failed" ]; then
		while read -r list; do
			t_check "shellcheck -x $list: $(grep -m 2 -E '^In |SC[0-9]+' "$tmp/$(echo "$list" | tr / _).sc" |
				tr -s ' \n' ' ' | head -c 240)"
		done <"$tmp/failed"
	fi
	t_pass
}

# ---- help and usage errors --------------------------------------------------------------

case_help() {
	local d s
	d=$(scratch)
	for s in "${SCRIPTS[@]}"; do
		tool "$d" "$s" "$s" --help
		[ "$(cat "$d/$s.rc")" = 0 ] || t_check "$s --help: status $(cat "$d/$s.rc")"
		head -n 1 "$d/$s.out" | grep -q "^usage: $s.sh" || t_check "$s --help: no usage line"
		grep -q -- --dry-run "$d/$s.out" || t_check "$s --help does not mention --dry-run"
	done
	expect_only_queries "$d" help
	t_pass
}

# Status 2 (or 1 for a missing tool), exactly one line on stderr, naming WHAT.
refuses() { # DIR LABEL STATUS WHAT SCRIPT ARGS...
	local d=$1 label=$2 want=$3 what=$4 rc n
	shift 4
	tool "$d" "$label" "$@"
	rc=$(cat "$d/$label.rc")
	n=$(grep -c . "$d/$label.err")
	t_info "$* -> status $rc: $(head -c 160 "$d/$label.err")"
	[ "$rc" = "$want" ] || t_check "$*: status $rc, expected $want"
	[ "$n" = 1 ] || t_check "$*: $n lines on stderr, expected 1"
	grep -qF -- "$what" "$d/$label.err" || t_check "$*: stderr does not name '$what'"
	[ ! -s "$d/$label.out" ] || t_check "$*: printed on stdout: $(head -c 100 "$d/$label.out")"
}

case_bad_args() {
	local d s
	d=$(scratch)
	for s in "${SCRIPTS[@]}"; do
		refuses "$d" "$s-bogus" 2 --bogus "$s" --bogus
	done
	refuses "$d" u 2 --user provision-kvm --user
	refuses "$d" u2 2 nosuchuser provision-kvm --user nosuchuser
	refuses "$d" f 2 nfs minikube-kvm --feed nfs
	refuses "$d" c 2 1 minikube-kvm --cpus 1
	refuses "$d" m 2 512 minikube-kvm --memory 512
	refuses "$d" p 2 Bad_Name minikube-kvm -p Bad_Name
	refuses "$d" dc 2 frob deploy-wattprobe frob
	refuses "$d" dn 2 "no command" deploy-wattprobe
	refuses "$d" di 2 5x deploy-wattprobe host --interval 5x
	refuses "$d" fu 2 ftp://x flux-bootstrap --url ftp://x
	refuses "$d" en 2 0 experiment -n 0
	refuses "$d" ed 2 abc experiment -d abc
	refuses "$d" eo 2 xyz experiment --order xyz
	refuses "$d" er 2 k9s experiment --recorder k9s
	refuses "$d" ev 2 "-o needs a value" experiment -o
	expect_only_queries "$d" bad_args
	t_pass
}

# A missing tool: one line naming it, status 1 (under --dry-run a note, and the steps).
case_missing_tool() {
	local d b t
	d=$(scratch)
	b=$d/minibin
	mkdir -p "$b"
	for t in bash env dirname id cat sed awk grep head tr timeout; do
		ln -s "$(command -v "$t")" "$b/$t"
	done
	env -i PATH="$b" HOME="$d/home" timeout 20 bash "$TOOLS/snowflake.sh" >"$d/s.out" 2>"$d/s.err" ||
		echo $? >"$d/s.rc"
	t_info "snowflake.sh without kubectl: $(cat "$d/s.err")"
	[ "$(cat "$d/s.rc" 2>/dev/null)" = 1 ] || t_check "status $(cat "$d/s.rc" 2>/dev/null || echo 0), expected 1"
	[ "$(grep -c . "$d/s.err")" = 1 ] || t_check "not one line on stderr"
	grep -q 'missing tool: kubectl' "$d/s.err" || t_check "stderr does not name kubectl"
	env -i PATH="$b" HOME="$d/home" timeout 20 bash "$TOOLS/snowflake.sh" --dry-run \
		>"$d/sd.out" 2>"$d/sd.err" || t_check "snowflake.sh --dry-run without kubectl failed: $(cat "$d/sd.err")"
	grep -q 'note: kubectl is not installed' "$d/sd.err" || t_check "--dry-run: no note on kubectl"
	expect_lines "$d/sd.out" "dry run without kubectl" '^\+ kubectl apply --server-side'
	t_pass
}

# ---- dry runs: every step printed, nothing run ------------------------------------------

case_dry_provision() {
	local d
	d=$(scratch)
	printf 'kvm-ok\t0\tINFO: /dev/kvm exists\\nKVM acceleration can be used\n' >"$d/rules"
	tool "$d" p provision-kvm --dry-run --user nobody
	[ "$(cat "$d/p.rc")" = 0 ] || t_check "status $(cat "$d/p.rc"): $(cat "$d/p.err")"
	expect_lines "$d/p.out" provision-kvm \
		'^\+ env DEBIAN_FRONTEND=noninteractive apt-get update -qq$' \
		'^\+ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cpu-checker$' \
		'^\+ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients dnsmasq-base openssh-server git curl ca-certificates rsync$' \
		'^\+ systemctl enable --now libvirtd$' \
		'^\+ virsh -c qemu:///system net-start default$' \
		'^\+ virsh -c qemu:///system net-autostart default$' \
		'^\+ usermod -aG libvirt nobody$' '^\+ usermod -aG kvm nobody$' \
		"^\\+ printf .* 'wattprobe-feed $d/feed tmpfs mode=0755,size=16m,nosuid,nodev,noexec 0 0' >> $d/fstab" \
		"^\\+ mount $d/feed\$"
	[ "$(grep -c 'apt-get update' "$d/p.out")" = 1 ] || t_check "apt-get update more than once"
	grep -q 'dry run: [0-9]* step(s) would run; nothing was done' "$d/p.err" ||
		t_check "no dry-run summary: $(tail -n 1 "$d/p.err")"
	expect_only_queries "$d" provision-kvm
	t_pass
}

case_dry_minikube() {
	local d
	d=$(scratch)
	tool "$d" v minikube-kvm --dry-run
	[ "$(cat "$d/v.rc")" = 0 ] || t_check "status $(cat "$d/v.rc"): $(cat "$d/v.err")"
	expect_lines "$d/v.out" "--feed virtio" \
		"^\+ curl .* https://storage.googleapis.com/minikube/releases/v[0-9.]+/minikube-linux-amd64\$" \
		'^\+ # check: sha256 of .*minikube' \
		"^\+ curl .* https://dl.k8s.io/release/v[0-9.]+/bin/linux/amd64/kubectl.sha256\$" \
		"^\+ install -d -m 0755 $d/feed/minikube\$" \
		"^\\+ printf .* 'd $d/feed/minikube 0755 root root -' \\| tee $d/tmpfiles/wattprobe-feed-minikube.conf" \
		'^\+ minikube start -p minikube --driver=kvm2 --cpus=2 --memory=4096 --disk-size=20g --kubernetes-version=v1\.[0-9.]+ --container-runtime=containerd$' \
		'^\+ minikube stop -p minikube$' \
		"^\+ virsh -c qemu:///system attach-device minikube .*wattprobe-feed-9p-minikube.xml --config\$" \
		"^\+ guest: sudo sh -c 'mkdir -p /run/wattprobe/feed && mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,ro wattprobe-feed /run/wattprobe/feed'\$" \
		'^\+ guest: echo .*\| sudo tee -a /var/lib/boot2docker/bootlocal.sh'
	# start, stop (the share needs the domain off), attach, start: in that order
	grep -E '^\+ (minikube (start|stop)|virsh .*attach-device)' "$d/v.out" | cut -d' ' -f2-3 |
		tr '\n' ' ' | grep -qx 'minikube start minikube stop virsh -c minikube start ' ||
		t_check "not start, stop, attach, start: $(grep -E '^\+ (minikube|virsh)' "$d/v.out" | tr '\n' ';')"
	tool "$d" m minikube-kvm --dry-run --feed mount -p vm2
	expect_lines "$d/m.out" "--feed mount" \
		"^\+ setsid nohup minikube mount -p vm2 $d/feed/vm2:/run/wattprobe/feed --9p-version=9p2000.L < /dev/null > .* 2>&1 & echo \\\$! > .*minikube-mount-vm2.pid" \
		'^\+ minikube start -p vm2 --driver=kvm2 '
	! grep -q attach-device "$d/m.out" || t_check "--feed mount attaches a device"
	expect_only_queries "$d" minikube-kvm
	t_pass
}

case_dry_deploy() {
	local d
	d=$(scratch)
	tool "$d" h deploy-wattprobe host --dry-run -- --vm extra=pidfile:/run/x.pid
	expect_lines "$d/h.out" host \
		"wattprobe host --connect qemu:///system --feed-dir $d/feed -i 100ms --vm extra=pidfile:/run/x.pid"
	tool "$d" g deploy-wattprobe guest --dry-run --serve
	expect_lines "$d/g.out" guest \
		'^\+ install -D -m 0755 -t .*/bundle.new/lib .*libc\.so\.6' \
		'^\+ tar -C .*/bundle -czf - \. \| ssh -i "\$\(minikube -p minikube ssh-key\)" .*sudo tar -xzf - -C /var/lib/minikube/wattprobe.new' \
		'^\+ guest: sudo /var/lib/minikube/wattprobe/wattprobe record -e feed:/run/wattprobe/feed -i 1s -d 3s$' \
		'^\+ guest: .*wattprobe serve --listen 0.0.0.0:9744 -e feed:/run/wattprobe/feed,model --pods kubectl --node minikube'
	tool "$d" s deploy-wattprobe daemonset --dry-run
	expect_lines "$d/s.out" daemonset \
		'minikube -p minikube image build -t wattprobe:0\.1\.0 -f tools/k8s/Dockerfile \.' \
		"^\+ kubectl apply -f $WP_SRC/tools/k8s/wattprobe-daemonset.yaml\$" \
		'^\+ kubectl -n wattprobe rollout status daemonset/wattprobe --timeout=300s$'
	tool "$d" i deploy-wattprobe daemonset --dry-run --image registry.example/wattprobe:0.1.0
	expect_lines "$d/i.out" "daemonset --image" "sed 's\|image: wattprobe:0.1.0\|image: registry.example/wattprobe:0.1.0\|'"
	! grep -q 'image build' "$d/i.out" || t_check "--image still builds"
	expect_only_queries "$d" deploy-wattprobe
	t_pass
}

case_dry_flux() {
	local d
	d=$(scratch)
	tool "$d" f flux-bootstrap --dry-run
	[ "$(cat "$d/f.rc")" = 0 ] || t_check "status $(cat "$d/f.rc"): $(cat "$d/f.err")"
	expect_lines "$d/f.out" "host Git server" \
		'^\+ curl .* https://github.com/fluxcd/flux2/releases/download/v[0-9.]+/flux_[0-9.]+_linux_amd64.tar.gz$' \
		'^\+ # check: sha256 of .* for flux_[0-9.]+_linux_amd64.tar.gz$' \
		'^\+ useradd --system --user-group --create-home --home-dir /var/lib/wattprobe/git --shell .*git-shell wpgit$' \
		'^\+ runuser -u wpgit -- git init --quiet --bare --initial-branch=main /var/lib/wattprobe/git/wattprobe-gitops.git$' \
		"^\+ cp -R -- $WP_SRC/tools/k8s/workloads .*/gitops-minikube/workloads\$" \
		"^\+ install -D -m 0644 $WP_SRC/tools/k8s/flux/workloads.yaml .*/gitops-minikube/clusters/minikube/workloads.yaml\$" \
		'^\+ git -C .* push --quiet origin HEAD:main$' \
		'^\+ flux bootstrap git --url=ssh://wpgit@192\.168\.39\.1/var/lib/wattprobe/git/wattprobe-gitops.git --branch=main --path=clusters/minikube --silent --private-key-file=.*/flux-git/id_ed25519$' \
		'^\+ kubectl -n demo rollout status deployment/podinfo --timeout=300s$'
	printf 'virsh -c qemu:///system net-dumpxml mk-minikube\t0\t<network><ip address='"'"'10.1.2.1'"'"' netmask='"'"'255.255.255.0'"'"'/></network>\n' >"$d/rules"
	tool "$d" a flux-bootstrap --dry-run
	expect_lines "$d/a.out" "host address from mk-minikube" '--url=ssh://wpgit@10\.1\.2\.1/'
	tool "$d" u flux-bootstrap --dry-run --url https://git.example/gitops.git -- --token-auth
	expect_lines "$d/u.out" "--url" \
		'^\+ git clone --quiet https://git.example/gitops.git ' \
		'^\+ flux bootstrap git --url=https://git.example/gitops.git --branch=main --path=clusters/minikube --silent --token-auth$'
	! grep -qE 'useradd|private-key-file' "$d/u.out" || t_check "--url still sets up the host's Git server"
	expect_only_queries "$d" flux-bootstrap
	t_pass
}

case_dry_snowflake() {
	local d
	d=$(scratch)
	tool "$d" s snowflake --dry-run
	expect_lines "$d/s.out" snowflake \
		"^\+ kubectl apply --server-side --force-conflicts --field-manager=snowflake -k $WP_SRC/tools/k8s/workloads\$" \
		'^\+ kubectl -n demo rollout status deployment/loadgen --timeout=300s$'
	! grep -q 'flux uninstall' "$d/s.out" || t_check "uninstalls a Flux that is not there"
	printf 'kubectl version*\t0\t\nkubectl get namespace flux-system\t0\tflux-system Active\n' >"$d/rules"
	refuses "$d" keep 1 --remove-flux snowflake
	tool "$d" r snowflake --dry-run --remove-flux
	expect_lines "$d/r.out" "--remove-flux" '^\+ flux uninstall --silent$' \
		'^\+ kubectl wait --for=delete namespace/flux-system --timeout=300s$'
	expect_only_queries "$d" snowflake
	t_pass
}

case_dry_experiment() {
	local d o
	d=$(scratch)
	o=$d/out
	tool "$d" e experiment --dry-run -n 2 -d 5m -o "$o"
	[ "$(cat "$d/e.rc")" = 0 ] || t_check "status $(cat "$d/e.rc"): $(cat "$d/e.err")"
	[ "$(grep -oE '# record [a-z]+-[0-9]+' "$d/e.out" | cut -d' ' -f3 | tr '\n' ' ')" = \
		"snowflake-1 flux-1 flux-2 snowflake-2 " ] || t_check "abba order: $(grep -oE '# record [a-z]+-[0-9]+' "$d/e.out" | tr '\n' ' ')"
	expect_lines "$d/e.out" experiment \
		'^\+ .*/tools/snowflake.sh --remove-flux$' '^\+ .*/tools/flux-bootstrap.sh -p minikube$' \
		'^\+ sleep 120$' '^\+ guest: cat /run/wattprobe/feed/seq$' \
		"sudo /var/lib/minikube/wattprobe/wattprobe record --pods kubectl --node minikube -e feed:/run/wattprobe/feed -i 100ms -d 5m -o /var/lib/minikube/wattprobe/runs/flux-2.csv.gz' > $o/flux-2.txt 2>&1" \
		"^\+ mv -- $o/flux-2.meta.part $o/flux-2.csv.gz.meta.json\$" \
		"^\+ .*wattprobe compare $o/snowflake-1.csv.gz $o/snowflake-2.csv.gz --vs $o/flux-1.csv.gz $o/flux-2.csv.gz --svg $o/compare.svg > $o/compare.txt" \
		"echo duration=5m; .* > $o/experiment.env"
	[ ! -e "$o" ] || t_check "the dry run made $o"
	tool "$d" ab experiment --dry-run -n 2 --order abab --recorder daemonset -e auto -o "$o" \
		-- --url https://git.example/x.git -- --token-auth
	[ "$(grep -oE '# record [a-z]+-[0-9]+' "$d/ab.out" | cut -d' ' -f3 | tr '\n' ' ')" = \
		"snowflake-1 flux-1 snowflake-2 flux-2 " ] || t_check "abab order: $(grep -oE '# record [a-z]+-[0-9]+' "$d/ab.out" | tr '\n' ' ')"
	expect_lines "$d/ab.out" "--recorder daemonset" \
		'kubectl -n wattprobe exec daemonset/wattprobe -- wattprobe record --pods api -e auto -i 100ms -d 10m -o /var/lib/wattprobe/runs/snowflake-1.csv.gz' \
		'^\+ kubectl cp wattprobe/POD:/var/lib/wattprobe/runs/flux-2.csv.gz .*/flux-2.csv.gz.part$' \
		'^\+ .*/tools/flux-bootstrap.sh -p minikube --url https://git.example/x.git -- --token-auth$'
	! grep -q 'feed/seq' "$d/ab.out" || t_check "-e auto still checks the feed"
	expect_only_queries "$d" experiment
	t_pass
}

# A run recorded already is skipped; a resumed run must keep the settings.
case_experiment_resume() {
	local d o
	d=$(scratch)
	o=$d/out
	mkdir -p "$o"
	printf 'profile=minikube\nduration=10m\ninterval=100ms\norder=abba\nsettle=120s\nrecorder=ssh\nenergy=feed:/run/wattprobe/feed\n' >"$o/experiment.env"
	printf 'x' >"$o/snowflake-1.csv.gz"
	printf '{"complete":true}\n' >"$o/snowflake-1.csv.gz.meta.json"
	printf 'x' >"$o/flux-1.csv.gz"
	printf '{"complete":false}\n' >"$o/flux-1.csv.gz.meta.json"
	tool "$d" r experiment --dry-run -n 1 -o "$o"
	grep -q 'snowflake-1: recorded already, skipped' "$d/r.err" || t_check "snowflake-1 not skipped"
	grep -q '1 of 2 runs to record' "$d/r.err" || t_check "not 1 of 2 runs: $(grep runs "$d/r.err")"
	! grep -q '# record snowflake-1' "$d/r.out" || t_check "snowflake-1 recorded again"
	grep -q '# record flux-1' "$d/r.out" || t_check "flux-1 (incomplete) not recorded again"
	! grep -q 'experiment.env' "$d/r.out" || t_check "experiment.env written again"
	refuses "$d" other 1 duration=10m experiment --dry-run -n 1 -d 5m -o "$o"
	t_pass
}

# experiment.sh for real, not a dry run, on stand-ins: VM2's ssh records nothing and scp hands
# over one of two real recordings made here (snowflake's and flux's); the scenario scripts run
# for real against the stand-ins; wattprobe compare reads the four. A second run makes nothing.
case_experiment_real() {
	local d o a b n got
	d=$(scratch)
	o=$d/out a=$d/a.csv.gz b=$d/b.csv.gz
	for n in a b; do
		"$WP_BIN" record -e model -i 100ms -d 600ms -o "$d/$n.csv.gz" >/dev/null 2>"$d/$n.err" || {
			t_fail "wattprobe record: $(head -c 200 "$d/$n.err")"
			return
		}
	done
	{
		printf 'kubectl -n flux-system get gitrepository *\t1\t\n'
		printf 'kubectl *\t0\t\n'
		printf 'flux version --client\t0\tflux: v%s\n' "$(pin FLUX_VERSION)"
		printf 'flux *\t0\t\n'
		# shellcheck disable=SC2016 # the stand-in's script
		printf 'git clone *\tsh\tfor t; do :; done; mkdir -p "$t/.git"\n'
		printf 'git *\t0\t\n'
		printf 'minikube -p minikube ssh-key\t0\t/nonexistent/key\n'
		printf 'minikube -p minikube ip\t0\t192.168.39.2\n'
		printf 'minikube *\t0\t\n'
		printf 'ssh *\t0\t\n'
		# shellcheck disable=SC2016 # the stand-in's script
		printf 'scp *\tsh\tfor t; do :; done; s=%s; case $t in */snowflake-*) s=%s;; esac; case $t in *.meta.part) s=$s.meta.json;; esac; cp "$s" "$t"\n' "$b" "$a"
	} >"$d/rules"
	tool "$d" run experiment -n 2 -d 1s -e model --settle 0 -o "$o" -- --url https://git.example/x.git
	[ "$(cat "$d/run.rc")" = 0 ] || {
		t_fail "status $(cat "$d/run.rc"): $(tail -n 3 "$d/run.err" | tr '\n' ' ')"
		return
	}
	for n in snowflake-1 flux-1 flux-2 snowflake-2; do
		if [ ! -s "$o/$n.csv.gz" ] || ! grep -q '"complete":true' "$o/$n.csv.gz.meta.json"; then
			t_check "no complete $n.csv.gz"
		fi
		! compgen -G "$o/$n.*part" >/dev/null || t_check "$n: a .part file left"
	done
	got=$(awk -F'\t' 'NR > 1 { printf "%s-%s ", $2, $1 }' "$o/runs.tsv")
	[ "$got" = "snowflake-1 flux-1 flux-2 snowflake-2 " ] || t_check "runs.tsv: '$got'"
	expect_lines "$o/experiment.env" experiment.env '^duration=1s$' '^energy=model$' '^wattprobe=wattprobe '
	expect_lines "$o/compare.txt" compare.txt '^compare: 2 baseline run\(s\) against 2 candidate run\(s\)' '^verdict: '
	xmllint --noout "$o/compare.svg" 2>/dev/null || t_check "compare.svg is not well-formed"
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$o/compare.json" 2>/dev/null ||
		t_check "compare.json is not JSON"
	[ "$(grep -c '^flux bootstrap git --url=https://git.example/x.git ' "$d/log")" = 2 ] ||
		t_check "not two flux bootstraps: $(grep -c '^flux bootstrap' "$d/log")"
	[ "$(grep -c '^flux uninstall --silent$' "$d/log")" = 2 ] || t_check "not two flux uninstalls"
	t_info "$(tail -n 1 "$o/compare.txt")"
	: >"$d/log"
	tool "$d" again experiment -n 2 -d 1s -e model --settle 0 -o "$o" -- --url https://git.example/x.git
	[ "$(cat "$d/again.rc")" = 0 ] || t_check "again: status $(cat "$d/again.rc"): $(tail -n 1 "$d/again.err")"
	grep -q '0 of 4 runs to record' "$d/again.err" || t_check "again: not 0 of 4 runs"
	grep -q 'nothing to do' "$d/again.err" || t_check "again: does not say nothing changed: $(tail -n 1 "$d/again.err")"
	[ ! -s "$d/again.out" ] || grep -q '^compare: ' "$d/again.out" ||
		t_check "again: steps run: $(grep '^+' "$d/again.out" | head -n 2 | tr '\n' ';')"
	t_pass
}

# ---- idempotence: with everything in place, nothing changes and the tools say so ---------

# provision-kvm.sh for real (not a dry run) against stand-ins that report a ready host.
case_idempotent_provision() {
	local d p rules
	d=$(scratch)
	rules=$(printf 'dpkg-query -W*\t0\tinstall ok installed\nkvm-ok\t0\tKVM acceleration can be used\nvirsh -c qemu:///system version\t0\tlibvirt 10.0.0\nvirsh -c qemu:///system net-info default\t0\tName:           default\\nActive:         yes\\nAutostart:      yes\n')
	printf '%s\n' "$rules" >"$d/rules"
	ln -sf fake "$d/bin/id"
	printf 'id -u\t0\t0\nid -u nobody\t0\t65534\nid -nG nobody\t0\tnogroup libvirt kvm\n' >>"$d/rules"
	printf 'findmnt -n -o FSTYPE --mountpoint %s\t0\ttmpfs\n' "$d/feed" >>"$d/rules"
	printf 'wattprobe-feed %s tmpfs mode=0755 0 0\n' "$d/feed" >"$d/fstab"
	tool "$d" again provision-kvm --user nobody
	[ "$(cat "$d/again.rc")" = 0 ] || t_check "status $(cat "$d/again.rc"): $(cat "$d/again.err")"
	[ ! -s "$d/again.out" ] || t_check "steps run on a ready host: $(tr '\n' ';' <"$d/again.out")"
	grep -q 'nothing to do: everything was already in place, nothing changed' "$d/again.err" ||
		t_check "does not say nothing changed: $(tail -n 1 "$d/again.err")"
	expect_only_queries "$d" "ready host"
	# qemu-utils missing, nobody not in kvm: exactly those two are fixed.
	{
		# shellcheck disable=SC2016 # dpkg-query's field, as the tool passes it
		printf 'dpkg-query -W -f=${Status} qemu-utils\t1\t\n'
		printf '%s\n' "$rules" | sed 's/^id -nG nobody.*//'
		printf 'id -u\t0\t0\nid -u nobody\t0\t65534\nid -nG nobody\t0\tnogroup libvirt\n'
		printf 'getent group kvm\t0\tkvm:x:993:\napt-get *\t0\t\nusermod *\t0\t\n'
		printf 'findmnt -n -o FSTYPE --mountpoint %s\t0\ttmpfs\n' "$d/feed"
	} >"$d/rules"
	ln -sf fake "$d/bin/getent"
	: >"$d/log"
	tool "$d" fix provision-kvm --user nobody
	[ "$(cat "$d/fix.rc")" = 0 ] || t_check "status $(cat "$d/fix.rc"): $(cat "$d/fix.err")"
	p=$(grep -E '^(apt-get|usermod)' "$d/log" | tr '\n' ';')
	[ "$p" = "apt-get update -qq;apt-get install -y -qq qemu-utils;usermod -aG kvm nobody;" ] ||
		t_check "not exactly the missing package and group: $p"
	grep -q 'done: 3 step(s) run' "$d/fix.err" || t_check "no 'done: 3 step(s)': $(tail -n 1 "$d/fix.err")"
	t_pass
}

# The domain as libvirt itself prints it with the share (its test driver), for the stand-in.
domain_xml() { # OUT
	local x=$1.in
	{
		printf "<domain type='test'><name>minikube</name><memory unit='MiB'>2048</memory>"
		printf "<vcpu>2</vcpu><os><type>hvm</type></os><devices>"
		sed '/^<!--/,/-->$/d' "$TOOLS/libvirt/wattprobe-feed-9p.xml"
		printf "</devices></domain>\n"
	} >"$x"
	virsh -c test:///default "define $x; dumpxml --inactive minikube" 2>/dev/null | sed -n '/<domain/,$p' >"$1"
	grep -q '<filesystem' "$1"
}

# minikube-kvm.sh's dry run on a VM2 that is up, shared and mounted prints no step.
case_idempotent_minikube() {
	local d xml
	d=$(scratch)
	command -v virsh >/dev/null || {
		t_skip "virsh not installed (libvirt-clients): libvirt's own dumpxml is the point"
		return
	}
	xml=$d/dom.xml
	domain_xml "$xml" || {
		t_fail "libvirt's test driver did not take the share: $(cat "$xml")"
		return
	}
	mkdir -p "$d/feed/minikube"
	printf 'd %s 0755 root root -\n' "$d/feed/minikube" >"$d/tmpfiles/wattprobe-feed-minikube.conf"
	{
		printf 'minikube version --short\t0\t%s\n' "$(pin MINIKUBE_VERSION)"
		printf 'kubectl version --client\t0\tClient Version: %s\\nKustomize Version: v5.4.2\n' \
			"$(pin KUBERNETES_VERSION)"
		printf 'virsh -c qemu:///system version\t0\tlibvirt 10.0.0\n'
		printf 'virsh -c qemu:///system domstate minikube\t0\trunning\n'
		printf 'virsh -c qemu:///system dumpxml*minikube\t0\t%s\n' "$(sed 's/\\/\\\\/g' "$xml" | sed ':a;N;$!ba;s/\n/\\n/g')"
		printf 'minikube -p minikube ssh-key\t0\t/nonexistent/id_rsa\n'
		printf 'minikube -p minikube ip\t0\t192.168.39.2\n'
		printf 'ssh * grep -qs * /run/wattprobe/feed 9p * /proc/mounts\t0\t\n'
		printf 'ssh * grep -qs wattprobe-feed /var/lib/boot2docker/bootlocal.sh\t0\t\n'
		printf 'ssh * cat /run/wattprobe/feed/seq\t0\t4242\n'
	} >"$d/rules"
	tool "$d" up minikube-kvm --dry-run
	[ "$(cat "$d/up.rc")" = 0 ] || t_check "status $(cat "$d/up.rc"): $(cat "$d/up.err")"
	[ ! -s "$d/up.out" ] || t_check "steps on a ready VM2: $(tr '\n' ';' <"$d/up.out")"
	grep -q 'dry run: 0 step(s) would run' "$d/up.err" || t_check "not 0 steps: $(tail -n 1 "$d/up.err")"
	grep -q 'feed: /run/wattprobe/feed/seq is 4242' "$d/up.err" || t_check "the feed's seq not reported"
	# The share in the definition but not in the running domain: a restart, no attach.
	sed -i 's/^virsh -c qemu:\/\/\/system dumpxml\*minikube/virsh -c qemu:\/\/\/system dumpxml --inactive minikube/' "$d/rules"
	tool "$d" restart minikube-kvm --dry-run
	[ "$(grep -E '^\+ ' "$d/restart.out" | cut -d' ' -f2-3 | tr '\n' ' ')" = "minikube stop minikube start " ] ||
		t_check "not stop, start: $(tr '\n' ';' <"$d/restart.out")"
	expect_only_queries "$d" minikube-kvm
	t_pass
}

# ---- the share, the bundle, the manifests, the Vagrantfile ------------------------------

case_libvirt_xml() {
	local d x
	d=$(scratch)
	x=$TOOLS/libvirt/wattprobe-feed-9p.xml
	xmllint --noout "$x" 2>"$d/lint" || t_check "not well-formed XML: $(cat "$d/lint")"
	if ! command -v virt-xml-validate >/dev/null; then
		t_skip "virt-xml-validate not installed (libvirt-clients): the share unchecked against libvirt's schema"
		return
	fi
	# In a domain shaped like minikube's kvm2 template (pkg/drivers/kvm/domain_definition_x86.go).
	{
		printf "<domain type='kvm'><name>minikube</name><memory unit='MiB'>4096</memory>"
		printf "<vcpu>2</vcpu><cpu mode='host-passthrough'/><os><type>hvm</type><boot dev='hd'/></os>"
		printf "<devices><disk type='file' device='disk'><source file='/x.rawdisk'/>"
		printf "<target dev='hda' bus='virtio'/></disk>"
		sed '/^<!--/,/-->$/d' "$x"
		printf "</devices></domain>\n"
	} >"$d/dom.xml"
	virt-xml-validate "$d/dom.xml" domain >"$d/v" 2>&1 || t_check "against libvirt's domain schema: $(cat "$d/v")"
	domain_xml "$d/back.xml" || t_check "libvirt's test driver lost the share: $(head -c 300 "$d/back.xml")"
	grep -q "<readonly/>" "$d/back.xml" || t_check "the share is not read-only as libvirt reads it"
	# The tag the guest mounts (dry_minikube checks the mount line) is the share's.
	grep -qx "TAG=$(sed -n "s/.*<target dir='\([^']*\)'.*/\1/p" "$x")" "$TOOLS/minikube-kvm.sh" ||
		t_check "minikube-kvm.sh's TAG is not the XML's target dir"
	t_pass
}

# The bundle runs where none of the host's libraries are: in a chroot of the bundle alone.
case_bundle() {
	local d b loader v
	d=$(scratch)
	b=$d/bundle
	tool "$d" b deploy-wattprobe bundle "$b"
	[ "$(cat "$d/b.rc")" = 0 ] || {
		t_fail "bundle: status $(cat "$d/b.rc"): $(cat "$d/b.err")"
		return
	}
	(cd "$b" && sha256sum -c --quiet MANIFEST) >"$d/sum" 2>&1 || t_check "MANIFEST does not match: $(head -c 200 "$d/sum")"
	loader=$(cd "$b/lib" && ls ld-linux*)
	v=$(chroot "$b" "/lib/$loader" --library-path /lib /bin/wattprobe --version 2>&1) ||
		t_check "the bundle does not run alone in a chroot: $v"
	t_info "in a chroot of the bundle: $v ($(find "$b/lib" -type f | wc -l) libraries)"
	grep -qF "$(cat "$WP_SRC/VERSION")" <<<"$v" || t_check "no version from the bundle: $v"
	v=$("$b/wattprobe" --version 2>&1) || t_check "the wrapper fails: $v"
	tool "$d" again deploy-wattprobe bundle "$b"
	[ ! -s "$d/again.out" ] || t_check "the same bundle made again: $(head -n 2 "$d/again.out" | tr '\n' ';')"
	grep -q "bundle $b is up to date" "$d/again.err" || t_check "does not say the bundle is up to date"
	t_pass
}

# The manifests' check, in Python: every YAML file under tools/ parses; in tools/k8s and
# tools/eks every document has apiVersion, kind and a name, and every image a pinned tag; the
# workloads' kustomization lists exactly its files and holds what wait_workloads waits for;
# Flux's Kustomization reconciles ./workloads; the DaemonSet mounts the feed; eks is .metal.
manifests_py() {
	cat <<'EOF'
import glob, os, re, sys, yaml
src = sys.argv[1]
errs = []
docs = {}
for f in sorted(glob.glob(src + "/tools/**/*.y*ml", recursive=True)):
    rel = os.path.relpath(f, src)
    try:
        docs[rel] = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    except yaml.YAMLError as e:
        errs.append("%s: %s" % (rel, str(e).replace("\n", " ")))
def images(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "image" and isinstance(v, str):
                yield v
            else:
                yield from images(v)
    elif isinstance(o, list):
        for v in o:
            yield from images(v)
for rel, ds in docs.items():
    if not rel.startswith("tools/k8s/") and not rel.startswith("tools/eks/"):
        continue
    for d in ds:
        if not isinstance(d, dict) or "apiVersion" not in d or "kind" not in d:
            errs.append("%s: a document without apiVersion and kind" % rel)
            continue
        if d["kind"] != "Kustomization" or "metadata" in d:
            if not (d.get("metadata") or {}).get("name"):
                errs.append("%s: %s without metadata.name" % (rel, d["kind"]))
        for i in images(d):
            if not re.search(r":[\w][\w.-]*$", i.split("/")[-1]) or i.endswith(":latest"):
                errs.append("%s: image %s not pinned by a tag" % (rel, i))
wl = "tools/k8s/workloads/"
k = docs.get(wl + "kustomization.yaml", [{}])[0]
for r in k.get("resources", []):
    if not os.path.exists(os.path.join(src, wl, r)):
        errs.append("kustomization: no %s" % r)
listed = set(k.get("resources", []))
for f in glob.glob(src + "/" + wl + "*.yaml"):
    b = os.path.basename(f)
    if b != "kustomization.yaml" and b not in listed:
        errs.append("kustomization does not list %s" % b)
deps = {(d["metadata"].get("namespace"), d["metadata"]["name"])
        for r in listed for d in docs.get(wl + r, []) if d.get("kind") == "Deployment"}
for n in ("podinfo", "redis", "loadgen"):  # what lib-tools.sh's wait_workloads waits for
    if ("demo", n) not in deps:
        errs.append("no Deployment demo/%s in the workloads" % n)
fx = docs.get("tools/k8s/flux/workloads.yaml", [{}])[0]
if fx.get("spec", {}).get("path") != "./workloads" or fx.get("spec", {}).get("sourceRef", {}).get("name") != "flux-system":
    errs.append("flux/workloads.yaml: not ./workloads of GitRepository flux-system")
ds = [d for d in docs.get("tools/k8s/wattprobe-daemonset.yaml", []) if d.get("kind") == "DaemonSet"]
if ds:
    pod = ds[0]["spec"]["template"]["spec"]
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["name"]: m for m in pod["containers"][0].get("volumeMounts", [])}
    if vols.get("feed", {}).get("hostPath", {}).get("path") != "/run/wattprobe/feed" or \
       mounts.get("feed", {}).get("mountPath") != "/run/wattprobe/feed" or \
       mounts.get("feed", {}).get("mountPropagation") != "HostToContainer":
        errs.append("daemonset: no /run/wattprobe/feed hostPath mounted HostToContainer")
else:
    errs.append("no DaemonSet in tools/k8s/wattprobe-daemonset.yaml")
eks = docs.get("tools/eks/cluster.yaml", [{}])[0]
if eks.get("kind") != "ClusterConfig" or not eks.get("metadata", {}).get("region") or \
   not all(g.get("instanceType", "").endswith(".metal") for g in eks.get("managedNodeGroups", [])):
    errs.append("eks/cluster.yaml: not a ClusterConfig of .metal node groups with a region")
print("%d files, %d documents" % (len(docs), sum(len(v) for v in docs.values())))
for e in errs:
    print("ERROR " + e)
EOF
}

case_manifests() {
	local d out line
	d=$(scratch)
	python3 -c 'import yaml' 2>/dev/null || {
		t_skip "python3-yaml not installed: the manifests were not parsed"
		return
	}
	out=$(python3 - "$WP_SRC" < <(manifests_py) 2>&1)
	t_info "YAML under tools/: $(head -n 1 <<<"$out")"
	while read -r line; do
		t_check "${line#ERROR }"
	done < <(grep '^ERROR' <<<"$out")
	grep -qE '^[0-9]+ files' <<<"$out" || t_check "the check did not run: $(head -c 300 <<<"$out")"
	# What Flux's kustomize-controller and kubectl apply -k both build.
	if command -v kubectl >/dev/null; then
		kubectl kustomize "$TOOLS/k8s/workloads" >"$d/built.yaml" 2>"$d/k.err" ||
			t_check "kubectl kustomize tools/k8s/workloads: $(head -c 200 "$d/k.err")"
		[ "$(grep -c '^kind:' "$d/built.yaml")" = 7 ] ||
			t_check "kustomize built $(grep -c '^kind:' "$d/built.yaml") objects, expected 7"
	else
		t_info "no kubectl: the workloads' kustomization not built"
	fi
	t_pass
}

case_vagrant() {
	local d out
	d=$(scratch)
	command -v vagrant >/dev/null || {
		t_skip "vagrant not installed (tools/deps.sh --test installs it): tools/vagrant/Vagrantfile not validated"
		return
	}
	# --ignore-provider: neither VirtualBox nor vagrant-libvirt is here, and validate would
	# stop at "no usable provider"; the providers' settings are checked below instead.
	out=$(cd "$d" && VAGRANT_CWD=$TOOLS/vagrant VAGRANT_DOTFILE_PATH=$d/dot VAGRANT_HOME=$d/vhome \
		timeout 60 vagrant validate --ignore-provider 2>&1) || t_check "vagrant validate: $out"
	grep -q 'validated successfully' <<<"$out" || t_check "vagrant validate said: $out"
	[ ! -e "$TOOLS/vagrant/.vagrant" ] || t_check "vagrant left tools/vagrant/.vagrant"
	# The Vagrantfile evaluated against a stand-in of Vagrant's config: what each provider gets.
	cat >"$d/stub.rb" <<'EOF'
class Rec
  def initialize(path, log) @path, @log = path, log end
  def method_missing(name, *args, &blk)
    key = "#{@path}.#{name.to_s.chomp('=')}"
    return Rec.new(key, @log) if args.empty? && blk.nil? && !name.to_s.end_with?('=')
    if name.to_s.end_with?('=') then @log << "#{key}=#{args[0].inspect}"
    elsif blk then blk.call(Rec.new("#{key}(#{args.map(&:inspect).join(',')})", @log))
    else @log << "#{key}(#{args.map(&:inspect).join(', ')})"
    end
    self
  end
  def respond_to_missing?(*) true end
end
module Vagrant
  LOG = []
  def self.configure(_v) yield Rec.new("config", LOG) end
end
load ARGV[0]
puts Vagrant::LOG
EOF
	(cd "$TOOLS/vagrant" && ruby "$d/stub.rb" Vagrantfile) >"$d/conf" 2>&1 ||
		t_check "the Vagrantfile does not evaluate: $(head -c 200 "$d/conf")"
	expect_lines "$d/conf" Vagrantfile '^config\.vm\.box="[^"]*ubuntu' \
		'^config\.vm\.provider\("libvirt"\)\.nested=true$' \
		'^config\.vm\.provider\("virtualbox"\)\.customize\(\["modifyvm", :id, "--nested-hw-virt", "on"\]\)$' \
		'^config\.vm\.provision\("shell", \{:path=>"\.\./provision-kvm\.sh"'
	[ -x "$TOOLS/vagrant/../provision-kvm.sh" ] || t_check "the provisioner's script is not there"
	t_pass
}

# The DaemonSet image's runtime stage installs the package of every library the binary links
# (libc6 is the base image's): a missing one fails at the pod's start, not at the build.
case_image_libs() {
	local df=$WP_SRC/tools/k8s/Dockerfile runtime lib path pkg n=0
	if ! command -v readelf >/dev/null || ! command -v dpkg >/dev/null; then
		t_skip "no readelf or dpkg"
		return
	fi
	runtime=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$df" | tr '\\\n' '  ')
	for lib in $(readelf -d "$WP_BIN" | awk '/NEEDED/ { gsub(/[][]/, "", $5); print $5 }'); do
		path=$(ldd "$WP_BIN" | awk -v l="$lib" '$1 == l { print $3 }')
		pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null)
		pkg=${pkg%%:*}
		n=$((n + 1))
		[ -n "$pkg" ] || {
			t_check "$lib ($path): no Debian package owns it"
			continue
		}
		[ "$pkg" = libc6 ] && continue
		[[ " $runtime " == *" $pkg "* ]] ||
			t_check "$lib is $pkg's, which tools/k8s/Dockerfile's runtime stage does not install"
	done
	t_info "$n libraries linked, checked against the image's packages"
	t_pass
}

t_run shellcheck case_shellcheck
t_run help case_help
t_run bad_args case_bad_args
t_run missing_tool case_missing_tool
t_run dry_provision case_dry_provision
t_run dry_minikube case_dry_minikube
t_run dry_deploy case_dry_deploy
t_run dry_flux case_dry_flux
t_run dry_snowflake case_dry_snowflake
t_run dry_experiment case_dry_experiment
t_run experiment_resume case_experiment_resume
t_run experiment_real case_experiment_real
t_run idempotent_provision case_idempotent_provision
t_run idempotent_minikube case_idempotent_minikube
t_run libvirt_xml case_libvirt_xml
t_run bundle case_bundle
t_run manifests case_manifests
t_run vagrant case_vagrant
t_run image_libs case_image_libs
