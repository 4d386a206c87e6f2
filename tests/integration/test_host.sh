#!/usr/bin/env bash
# test_host.sh: `wattprobe host` on a VM host laid out as libvirt lays it out (machine.slice,
# machine-qemu\x2dN\x2dNAME.scope, libvirt/vcpuN and emulator), with libvirt's test driver
# listing the domains and a fake powercap tree: each VM's CPU time against the kernel's
# cpu.stat, its feed against the host's own CSV to the µJ, its /metrics, and bad input.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WATTS=20
FIXTURE=$WP_SRC/tests/fixtures/libvirt/node.xml

# The layout under a test cgroup: minikube (id 1: vcpu0, vcpu1, emulator) and web server
# (id 2; libvirt keeps "webserver" of its name in the machine's). Paths go to MK and WEB.
make_layout() { # TOP
	local top=$1 s
	MK="$top/machine.slice/machine-qemu\\x2d1\\x2dminikube.scope"
	WEB="$top/machine.slice/machine-qemu\\x2d2\\x2dwebserver.scope"
	for s in "$MK/libvirt/vcpu0" "$MK/libvirt/vcpu1" "$MK/libvirt/emulator" \
		"$WEB/libvirt/vcpu0"; do
		mkdir -p -- "$s" || return 1
	done
}

# Sum of a column over the rows whose cgroup path starts with PREFIX (awk -v would undo the
# \x2d escapes of the path: it goes through the environment).
csv_prefix_sum() { # FILE COL PREFIX
	WP_PREFIX=$3 csv_awk "$1" 'index(col("cgroup"), ENVIRON["WP_PREFIX"]) == 1 { s += col(what) }
	END { if (!_csv_err) printf "%.0f\n", s; exit _csv_err }' what="$2"
}

# The CPU seconds of one PART of a VM in host's summary table ("NAME ID VCPUS PART CPU_S ...").
summary_cpu() { # OUT VM PART
	WP_VM=$2 awk -v part="$3" '
	index($0, ENVIRON["WP_VM"] " ") == 1 {
		rest = substr($0, length(ENVIRON["WP_VM"]) + 1); split(rest, f, " ")
		if (f[3] == part) { print f[4]; exit } }' "$1"
}

# Run the layout's burners (fixed CPU each, then they exit) while host records.
burn_layout() {
	local burn=$1 _p
	cg_spawn _p "$MK/libvirt/vcpu0" "$burn" 40 2 100
	cg_spawn _p "$MK/libvirt/vcpu1" "$burn" 20 2 100
	cg_spawn _p "$MK/libvirt/emulator" "$burn" 10 2 100
	cg_spawn _p "$WEB/libvirt/vcpu0" "$burn" 30 2 100
}

# The case's helpers, the layout under a test cgroup and a fake powercap tree at $tmp/pc;
# sets burn, tmp, feed, csv. 1 when the case ended (skipped, failed).
host_setup() {
	local fake mp top i
	fake=$(wp_helper fakerapl) || return 1
	burn=$(wp_helper burn) || return 1
	mp=$(cg2_mount) || {
		t_skip "no cgroup2 filesystem"
		return 1
	}
	tmp=$(wp_tmp)
	feed=$tmp/feed
	csv=$tmp/host.csv
	if ! cg_make top "$mp" || ! make_layout "$top"; then
		t_fail "cannot make the libvirt layout under $mp"
		return 1
	fi
	wp_bg _ "$fake" "$tmp/pc" "$WATTS" 20
	for ((i = 0; i < 100; i++)); do
		[ -f "$tmp/pc/ready" ] && return 0
		sleep 0.05
	done
	t_fail "fakerapl made no tree"
	return 1
}

case_libvirt() {
	local burn tmp feed csv h port rc m0 m1 steal kns got zone want have
	host_setup || return
	port=$(free_port)
	m0=$(steal_mark)
	wp_start h "$tmp/host" host --connect "test://$FIXTURE" --feed-dir "$feed" \
		-e "powercap:$tmp/pc" -i 100ms -d 5s -o "$csv" --listen "127.0.0.1:$port"
	wait_lines "$csv" 2 10 || {
		t_fail "host wrote no interval: $(wp_err "$tmp/host")"
		return
	}
	burn_layout "$burn"
	sleep 2.5
	curl -fsS "http://127.0.0.1:$port/metrics" >"$tmp/metrics" ||
		t_check "GET /metrics failed"
	wp_wait rc "$h"
	m1=$(steal_mark)
	steal=$(steal_ns "$m0" "$m1")
	[ "$rc" = 0 ] || {
		t_fail "host exited with status $rc: $(wp_err "$tmp/host")"
		return
	}
	grep -qF 'VM minikube (id 1, 2 vCPUs): running' "$tmp/host.err" ||
		t_check "no 'VM minikube (id 1, 2 vCPUs): running' on stderr"
	grep -qF 'VM web server (id 2, 1 vCPU): running' "$tmp/host.err" ||
		t_check "no 'VM web server (id 2, 1 vCPU): running' on stderr"
	# CPU: the summary's vcpu and emulator parts against the kernel's cpu.stat.
	kns=$(($(cg_usage_ns "$MK/libvirt/vcpu0") + $(cg_usage_ns "$MK/libvirt/vcpu1")))
	got=$(summary_cpu "$tmp/host.out" minikube vcpu)
	got=$(awk -v s="$got" 'BEGIN { printf "%.0f\n", s * 1e9 }')
	t_info "minikube vcpu: $got ns vs cpu.stat $kns ns: $(pct_err "$got" "$kns")% off"
	steal_verdict "$got" "$kns" 1.5 "$steal" "minikube vcpu" >/dev/null
	kns=$(cg_usage_ns "$MK/libvirt/emulator")
	got=$(summary_cpu "$tmp/host.out" minikube emulator)
	got=$(awk -v s="$got" 'BEGIN { printf "%.0f\n", s * 1e9 }')
	t_info "minikube emulator: $got ns vs cpu.stat $kns ns: $(pct_err "$got" "$kns")% off"
	steal_verdict "$got" "$kns" 3 "$steal" "minikube emulator" >/dev/null
	# The feed carries exactly what the host's CSV gave each VM's cgroups, zone by zone.
	for zone in package-0 dram-0; do
		want=$(csv_prefix_sum "$csv" "energy_uj.$zone" "$(cg_path "$MK")")
		have=$(cat "$feed/minikube/$( [ $zone = package-0 ] && echo intel-rapl:0 ||
			echo intel-rapl:0:0)/energy_uj")
		t_info "minikube $zone: feed $have uJ, host CSV $want uJ"
		[ "$have" = "$want" ] || t_check "minikube's feed $zone $have != CSV's $want"
		[ "$want" -gt 0 ] || t_check "minikube got no $zone energy"
	done
	want=$(csv_prefix_sum "$csv" "energy_uj.package-0" "$(cg_path "$WEB")")
	have=$(cat "$feed/web server/intel-rapl:0/energy_uj")
	[ "$have" = "$want" ] || t_check "web server's feed $have != CSV's $want"
	[ "$(cat "$feed/minikube/intel-rapl:0:0/name")" = dram ] ||
		t_check "the feed's dram zone is not named dram"
	grep -q '^powercap ' "$feed/minikube/source" ||
		t_check "the feed's source says '$(cat "$feed/minikube/source")'"
	# The same shares on /metrics.
	grep -qE '^wattprobe_vm_vcpus\{vm="minikube",vm_id="1",vm_uuid="6a8c4f0e-4b7e-4bb7-9d1a-1c0d3a1e2f01",node_name="[^"]*"\} 2$' \
		"$tmp/metrics" || t_check "/metrics has no wattprobe_vm_vcpus 2 for minikube"
	for part in vcpu emulator; do
		grep -qE "^wattprobe_vm_energy_joules_total\\{vm=\"minikube\",[^}]*part=\"$part\",zone=\"package-0\",source=\"powercap\"\\} [0-9.]+\$" \
			"$tmp/metrics" || t_check "/metrics has no minikube $part package-0 energy"
	done
	grep -qE '^wattprobe_vm_cpu_seconds_total\{vm="web server",' "$tmp/metrics" ||
		t_check "/metrics has no CPU time of web server"
	t_pass
}

# Without libvirt: a pid file in a domain's emulator cgroup names the whole domain, and a
# domain the pid files do not name is found by its cgroup's name.
case_pidfile() {
	local burn tmp feed csv h rc emu kns got m0
	host_setup || return
	# The "qemu" whose pid the file holds: a sleeper in the emulator cgroup.
	cg_spawn emu "$MK/libvirt/emulator" sleep 30
	sleep 0.1
	echo "$emu" >"$tmp/qemu.pid"
	m0=$(steal_mark)
	wp_start h "$tmp/host" host --connect none --vm "mk=pidfile:$tmp/qemu.pid" \
		--feed-dir "$feed" -e "powercap:$tmp/pc" -i 100ms -d 4s -o "$csv" --listen none
	wait_lines "$csv" 2 10 || {
		t_fail "host wrote no interval: $(wp_err "$tmp/host")"
		return
	}
	burn_layout "$burn"
	wp_wait rc "$h"
	[ "$rc" = 0 ] || {
		t_fail "host exited with status $rc: $(wp_err "$tmp/host")"
		return
	}
	grep -qF "VM mk: cgroup $(cg_path "$MK")" "$tmp/host.err" ||
		t_check "the pid file's VM is not its domain's cgroup: $(wp_err "$tmp/host")"
	kns=$(cg_usage_ns "$MK")
	got=$(summary_cpu "$tmp/host.out" mk total)
	got=$(awk -v s="$got" 'BEGIN { printf "%.0f\n", s * 1e9 }')
	t_info "mk (all parts): $got ns vs cpu.stat $kns ns: $(pct_err "$got" "$kns")% off"
	steal_verdict "$got" "$kns" 2 "$(steal_ns "$m0" "$(steal_mark)")" "mk (all parts)" >/dev/null
	[ -f "$feed/mk/seq" ] || t_check "no feed for mk"
	[ -f "$feed/webserver/seq" ] || t_check "no feed for webserver (found by its cgroup)"
	[ ! -e "$feed/minikube" ] || t_check "minikube has a feed of its own beside mk's"
	t_pass
}

# libvirt lists a domain that has no cgroup of its own (libvirt without cgroups): its pid file
# names the cgroup its process is in, said as such on stderr.
case_libvirt_pidfile() {
	local burn tmp feed csv h rc cg q kns got mp m0
	host_setup || return
	mp=$(cg2_mount)
	cg_make cg "$mp" || return
	# "qemu": a sleeper whose pid libvirt's file holds; its vCPUs: a burn once host runs.
	cg_spawn q "$cg" sleep 30
	mkdir -p "$tmp/run"
	echo "$q" >"$tmp/run/minikube.pid"
	m0=$(steal_mark)
	wp_start h "$tmp/host" host --connect "test://$FIXTURE" --libvirt-pid-dir "$tmp/run" \
		--feed-dir "$feed" -e "powercap:$tmp/pc" -i 100ms -d 4s -o "$csv" --listen none
	wait_lines "$csv" 2 10 || {
		t_fail "host wrote no interval: $(wp_err "$tmp/host")"
		return
	}
	sleep 0.3
	cg_spawn _ "$cg" "$burn" 30 2 100
	# Once the burn is over, "qemu" ends and its pid file goes: no longer the VM's.
	sleep 2.6
	kill "$q"
	rm -f "$tmp/run/minikube.pid"
	wp_wait rc "$h"
	[ "$rc" = 0 ] || {
		t_fail "host exited with status $rc: $(wp_err "$tmp/host")"
		return
	}
	grep -qF "VM minikube: no cgroup of its own; its process ($tmp/run/minikube.pid) is in $(cg_path "$cg")" \
		"$tmp/host.err" || t_check "no pid-file note: $(wp_err "$tmp/host")"
	grep -q "no longer counted as VM minikube" "$tmp/host.err" ||
		t_check "the pid file's end not said: $(wp_err "$tmp/host")"
	kns=$(cg_usage_ns "$cg")
	got=$(summary_cpu "$tmp/host.out" minikube total)
	got=$(awk -v s="$got" 'BEGIN { printf "%.0f\n", s * 1e9 }')
	t_info "minikube by its pid file: $got ns vs cpu.stat $kns ns: $(pct_err "$got" "$kns")% off"
	steal_verdict "$got" "$kns" 2 "$(steal_ns "$m0" "$(steal_mark)")" "minikube by its pid file" \
		>/dev/null
	grep -q "^web server .* total " "$tmp/host.out" ||
		t_check "web server (no pid file, no cgroup) is not in the table"
	t_pass
}

# libvirt's machine names drop '_' and fold '..' (my_vm is machine-qemu\x2d1\x2dmyvm.scope): one
# VM each, under libvirt's name; a domain named ".." writes its feed inside --feed-dir.
case_names() {
	local burn tmp feed csv h rc node mp top cg want have
	host_setup || return
	mp=$(cg2_mount)
	node=$tmp/node.xml
	{
		printf '<node>\n'
		for d in my_vm ubuntu..22 ..; do
			printf '<domain type="test"><name>%s</name><memory>65536</memory>' "$d"
			printf '<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n'
		done
		printf '</node>\n'
	} >"$node"
	cg_make top "$mp" || return
	mkdir -p "$top/machine.slice/machine-qemu\\x2d1\\x2dmyvm.scope/libvirt/vcpu0" \
		"$top/machine.slice/machine-qemu\\x2d2\\x2dubuntu.22.scope/libvirt/vcpu0" || return
	wp_start h "$tmp/host" host --connect "test://$node" --feed-dir "$feed/sub" \
		-e "powercap:$tmp/pc" -i 100ms -d 3s -o "$csv" --listen none
	wait_lines "$csv" 2 10 || {
		t_fail "host wrote no interval: $(wp_err "$tmp/host")"
		return
	}
	cg_spawn _ "$top/machine.slice/machine-qemu\\x2d1\\x2dmyvm.scope/libvirt/vcpu0" "$burn" 30 1 100
	cg_spawn _ "$top/machine.slice/machine-qemu\\x2d2\\x2dubuntu.22.scope/libvirt/vcpu0" "$burn" 30 1 100
	wp_wait rc "$h"
	[ "$rc" = 0 ] || {
		t_fail "host exited with status $rc: $(wp_err "$tmp/host")"
		return
	}
	for cg in "my_vm:machine-qemu\\x2d1\\x2dmyvm" "ubuntu..22:machine-qemu\\x2d2\\x2dubuntu.22"; do
		want=$(csv_prefix_sum "$csv" "energy_uj.package-0" "$(cg_path "$top")/machine.slice/${cg#*:}.scope")
		have=$(cat "$feed/sub/${cg%%:*}/intel-rapl:0/energy_uj" 2>/dev/null)
		t_info "${cg%%:*}: feed ${have:-none} uJ, host CSV $want uJ"
		{ [ "${have:-x}" = "$want" ] && [ "$want" -gt 0 ]; } ||
			t_check "${cg%%:*}'s feed ${have:-none} != CSV's $want"
	done
	if [ -e "$feed/sub/myvm" ] || [ -e "$feed/sub/ubuntu.22" ]; then
		t_check "a second VM under the cgroup's name: $(find "$feed/sub" -maxdepth 1 | tr '\n' ' ')"
	fi
	[ -f "$feed/sub/_../seq" ] ||
		t_check "no feed for the domain '..' at $feed/sub/_..: $(find "$feed/sub" -maxdepth 1 | tr '\n' ' ')"
	[ ! -e "$feed/seq" ] || t_check "the domain '..' wrote outside --feed-dir"
	t_pass
}

case_bad() {
	local tmp rc
	tmp=$(wp_tmp)
	wp_run rc "$tmp/a" host --vm nonsense -d 1s
	{ [ "$rc" = 1 ] && [ "$(wc -l <"$tmp/a.err")" = 1 ] &&
		grep -q "bad --vm 'nonsense'" "$tmp/a.err"; } ||
		t_check "--vm nonsense: status $rc, '$(wp_err "$tmp/a")'"
	wp_run rc "$tmp/b" host --vm a=cgroup:/x --vm a=cgroup:/y -d 1s
	{ [ "$rc" = 1 ] && grep -q -- "--vm a given twice" "$tmp/b.err"; } ||
		t_check "--vm twice: status $rc, '$(wp_err "$tmp/b")'"
	wp_run rc "$tmp/c" host --connect "test:///$tmp/none.xml" -e model -d 1s --listen none
	{ [ "$rc" = 1 ] && grep -q -- "--connect none" "$tmp/c.err" &&
		grep -qF "libvirt test:///$tmp/none.xml" "$tmp/c.err"; } ||
		t_check "unreachable libvirt: status $rc, '$(wp_err "$tmp/c")'"
	# A feed directory that cannot be made is named at the start, and the run fails.
	: >"$tmp/file"
	wp_run rc "$tmp/d" host --connect none --feed-dir "$tmp/file/feeds" -e model -d 1s \
		--listen none
	{ [ "$rc" = 1 ] && [ "$(wc -l <"$tmp/d.err")" = 1 ] &&
		grep -qF "feed dir $tmp/file/feeds: Not a directory (--feed-dir)" "$tmp/d.err"; } ||
		t_check "feed dir under a file: status $rc, '$(wp_err "$tmp/d")'"
	# A pid file whose process is in the root cgroup would make the whole host the VM's.
	echo 1 >"$tmp/one.pid"
	wp_run rc "$tmp/e" host --connect none --vm "whole=pidfile:$tmp/one.pid" \
		--feed-dir "$tmp/feed" -e model -d 1s --listen none
	{ [ "$rc" = 0 ] && grep -q 'is in the root cgroup, which would make the whole host' "$tmp/e.err" &&
		! grep -qE '^whole .* total +[0-9.]+ +[0-9]*[1-9]' "$tmp/e.out"; } ||
		t_check "pid in /: status $rc, '$(wp_err "$tmp/e")', $(grep '^whole' "$tmp/e.out")"
	t_pass
}

t_run libvirt case_libvirt
t_run pidfile case_pidfile
t_run libvirt_pidfile case_libvirt_pidfile
t_run names case_names
t_run bad case_bad
