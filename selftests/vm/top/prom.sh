#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# prom.sh - kvmmem-top --prometheus end to end, run INSIDE the guest by
# selftests/vm/guest-lane.sh (boot top-prom). One line per case,
# "name: ok" or "name: FAIL why".
#
# The central case scrapes the exporter with a real Prometheus server
# (Debian's, from the shared root; its storage in the guest's tmpfs, a 1 s
# scrape interval) while a workload of known counts runs (the one of
# top/run.sh: scripted maps, unmaps and errors with a host unmap failure
# injected through hostsim, and kvmmem-ctl stress), then asks
# Prometheus's HTTP API: the totals must EQUAL the workload's, the
# histograms' _count the hypercalls made, and rate() must have been
# non-zero during the run.
#
# Order matters: the detach case runs before anything leaks a page.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
KTOP=$OUT/kvmmem-top
CTL=$OUT/kvmmem-ctl
HOSTSIM=/sys/kernel/debug/kvmmem_hostsim
PY=/usr/bin/python3
PORT=9469
EXP=http://127.0.0.1:$PORT
PROM=http://127.0.0.1:9090

W=$OUT/top-prom-lane
rm -rf "$W"
mkdir -p "$W"
cd "$W" || exit 1
TMP=$(mktemp -d) || exit 1	# tmpfs: Prometheus's storage
cleanup() {
	local f
	for f in "$W"/*.pid; do
		[[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

check() {
	local name=prom_$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "$name: ok"
	else
		echo "$name: FAIL $(echo "$out" | tail -n 20 | tr '\n' ' ')"
	fi
}

# here NAME COMMAND...: like check, in this shell (for a command that
# starts or waits for a background process)
here() {
	local name=prom_$1
	shift
	if "$@" >"$W/here.out" 2>&1; then
		echo "$name: ok"
	else
		echo "$name: FAIL $(tail -n 20 "$W/here.out" | tr '\n' ' ')"
	fi
}

expect_eq() {	# expect_eq WHAT GOT WANT
	[[ $2 == "$3" ]] || { echo "$1: got '$2', expected '$3'"; return 1; }
}

wait_lines() {	# wait_lines FILE N (10 s at most)
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -f $1 && $(wc -l <"$1") -ge $2 ]] && return 0
		sleep 0.1
	done
	echo "$1: fewer than $2 lines after 10 s"
	return 1
}

holder() {	# as in top/run.sh
	local name=$1 script=$2 n
	n=$(grep -c -v -E '^(#|$)' <<<"$script")
	{ printf '%s\n' "$script"; echo "sleep 600000"; } |
		"$CTL" run >"$name.out" 2>&1 &
	echo $! >"$name.pid"
	wait_lines "$name.out" "$n"
}

# metric TEXT SERIES: the value of SERIES (name{labels}) in an exposition
metric() {
	awk -v s="$2" '$1 == s { print $2 }' <<<"$1"
}

# wait_exporter: until the exporter answers (20 s at most)
wait_exporter() {
	local i
	for ((i = 0; i < 100; i++)); do
		curl -sf "$EXP/metrics" >/dev/null && return 0
		sleep 0.2
	done
	echo "the exporter never answered on $EXP"
	return 1
}

# start_exporter NAME ARGS...: kvmmem-top --prometheus in the background
start_exporter() {
	local name=$1
	shift
	"$KTOP" --prometheus "$PORT" "$@" >"$name.out" 2>"$name.err" &
	echo $! >"$name.pid"
	wait_exporter || { cat "$name.err"; return 1; }
}

# stop_exporter NAME: SIGTERM, and its exit status must be 0
stop_exporter() {
	local pid rc
	pid=$(cat "$1.pid")
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	rm -f "$1.pid"
	expect_eq "exit status after SIGTERM" $rc 0 || { cat "$1.err"; return 1; }
}

# q PROMQL: the values of an instant query, space-separated, sorted
q() {
	curl -s --get --data-urlencode "query=$1" "$PROM/api/v1/query" |
		$PY -c 'import json, sys
r = json.load(sys.stdin)
if r["status"] != "success":
    sys.exit(r)
print(" ".join(sorted(x["value"][1] for x in r["data"]["result"])))'
}

# until_q PROMQL WANT: until the query answers WANT (60 s at most)
until_q() {
	local i got
	for ((i = 0; i < 120; i++)); do
		got=$(q "$1" 2>&1)
		[[ $got == "$2" ]] && return 0
		sleep 0.5
	done
	echo "$1: got '$got', expected '$2' (after 60 s)"
	return 1
}

# ---------------------------------------------------------------- cases

usage_errors() {
	local out rc
	out=$("$KTOP" --prometheus "$PORT" -j 2>&1)
	rc=$?
	expect_eq "exit status with -j" $rc 2 || return 1
	[[ $out == *"without -b, -j"* ]] || { echo "$out"; return 1; }
	out=$("$KTOP" --prometheus nope:x 2>&1)
	rc=$?
	expect_eq "exit status with a bad address" $rc 1 || return 1
	[[ $out == *"[ADDR:]PORT"* ]] || { echo "$out"; return 1; }
}

# Loopback only unless told; SIGTERM exits 0 and detaches: the BPF
# programs' references on kvmmem are dropped.
loopback_and_detach() {
	local ref0 ref1 listen
	ref0=$(cat /sys/module/kvmmem/refcnt)
	start_exporter detach -i 0.5 || return 1
	ref1=$(cat /sys/module/kvmmem/refcnt)
	listen=$(ss -Hltn "sport = :$PORT" | awk '{ print $4 }')
	expect_eq "listening on" "$listen" "127.0.0.1:$PORT" || return 1
	[[ $ref1 -gt $ref0 ]] || { echo "kvmmem refcnt $ref0 then $ref1: not attached?"; return 1; }
	stop_exporter detach || return 1
	expect_eq "kvmmem refcnt after the exit" "$(cat /sys/module/kvmmem/refcnt)" "$ref0"
}

# The workload of known counts while Prometheus scrapes (top/run.sh's
# known_json: 45 maps, 35 unmaps, 6 teardowns, 3 errors (MAP EEXIST,
# UNMAP EIO, UNMAP ENOENT), 1 leak; MEM_MAP 45 hypercalls, MEM_UNMAP 42,
# one of them answered KVM_EFAULT).
start_prometheus() {
	cat >"$TMP/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: kvmmem
	    static_configs:
	      - targets: ['127.0.0.1:$PORT']
	EOF
	promtool check config "$TMP/prometheus.yml" >/dev/null || return 1
	/usr/bin/prometheus --config.file="$TMP/prometheus.yml" \
		--storage.tsdb.path="$TMP/data" --web.listen-address=127.0.0.1:9090 \
		--log.level=warn >prometheus.out 2>&1 &
	echo $! >prometheus.pid
	# the kernel counts the programs' run time: kvmmem_bpf_run_seconds_total
	echo 1 >/proc/sys/kernel/bpf_stats_enabled || return 1
	start_exporter known --time-all -i 0.5
}

real_prometheus() {
	local t0 t1 hold
	until_q 'up{job="kvmmem"}' 1 || { tail prometheus.out; return 1; }
	t0=$(date +%s)
	echo 14 >"$HOSTSIM/fail_unmap_error" &&		# KVM_EFAULT
	echo 1 >"$HOSTSIM/fail_unmap_count" || return 1
	holder hold "map 0x1000
map 0x2000
map 0x3000
map 0x4000
map 0x5000
remap 0x3000 = EEXIST
unmap 0x1000 = EIO
unmap 0x2000
unmap 0x1000 = ENOENT" || return 1
	hold=$(cat hold.pid)
	# the driver answers a host unmap failure with EIO (a leaked page)
	grep -q UNEXPECTED hold.out && { cat hold.out; return 1; }
	"$CTL" stress -P 2 -m 20 --leave 3 --seed 5 >stress.out 2>&1 ||
		{ cat stress.out; return 1; }
	until_q 'sum(kvmmem_maps_total)' 45 || return 1
	until_q 'sum(kvmmem_unmaps_total)' 35 || return 1
	until_q 'sum(kvmmem_teardown_unmaps_total)' 6 || return 1
	until_q 'sum(kvmmem_errors_total)' 3 || return 1
	until_q 'sum(kvmmem_page_leaks_total)' 1 || return 1
	until_q 'kvmmem_hypercall_duration_seconds_count{op="MEM_MAP"}' 45 || return 1
	until_q 'kvmmem_hypercall_duration_seconds_count{op="MEM_UNMAP"}' 42 || return 1
	until_q 'kvmmem_hypercalls_total' "42 45" || return 1
	# --time-all: every ioctl timed (MAP 45 + EEXIST, UNMAP 35 + EIO +
	# ENOENT); the 35 unmapped and 6 torn down mappings' lifetimes
	until_q 'kvmmem_ioctl_duration_seconds_count{op="MAP"}' 46 || return 1
	until_q 'kvmmem_ioctl_duration_seconds_count{op="UNMAP"}' 37 || return 1
	until_q 'kvmmem_mapping_lifetime_seconds_count' 41 || return 1
	until_q 'kvmmem_mapping_lifetime_seconds_bucket{le="+Inf"}' 41 || return 1
	# errors by operation and errno, hypercalls by result
	until_q 'kvmmem_ioctl_errors_total{op="MAP",errno="EEXIST"}' 1 || return 1
	until_q 'kvmmem_ioctl_errors_total{op="UNMAP"}' "1 1" || return 1
	until_q 'count(kvmmem_ioctl_errors_total{op="UNMAP",errno=~"EIO|ENOENT"})' 2 || return 1
	until_q 'kvmmem_hypercall_results_total{op="MEM_MAP"}' 45 || return 1
	until_q 'kvmmem_hypercall_results_total{op="MEM_UNMAP",result="ok"}' 41 || return 1
	until_q 'kvmmem_hypercall_results_total{op="MEM_UNMAP",result="KVM_EFAULT"}' 1 || return 1
	# the stress children exited: their counts are in "other", the
	# holder has its own series
	until_q "kvmmem_maps_total{pid=\"$hold\"}" 5 || return 1
	until_q "kvmmem_errors_total{pid=\"$hold\"}" 3 || return 1
	until_q "kvmmem_live_mappings{pid=\"$hold\"}" 3 || return 1
	until_q "kvmmem_leaked_pages{pid=\"$hold\"}" 1 || return 1
	until_q 'kvmmem_maps_total{comm="other"}' 40 || return 1
	until_q 'sum(kvmmem_lost_updates_total)' 0 || return 1
	until_q 'count(kvmmem_bpf_run_seconds_total > 0)' 1 || return 1
	t1=$(date +%s)
	# rate() was non-zero during the run, and no counter went backwards
	curl -s --get --data-urlencode 'query=sum(rate(kvmmem_maps_total[5s]))' \
		--data-urlencode "start=$((t0 - 2))" --data-urlencode "end=$t1" \
		--data-urlencode step=1 "$PROM/api/v1/query_range" >range.json
	$PY - range.json <<-'PYEOF' || return 1
	import json, sys
	r = json.load(open(sys.argv[1]))['data']['result']
	v = [float(x[1]) for s in r for x in s['values']]
	if not v or max(v) <= 0:
	    sys.exit(f'rate never above 0: {v}')
	PYEOF
	expect_eq "counter resets" "$(q 'sum(resets(kvmmem_maps_total[5m])) + sum(resets(kvmmem_unmaps_total[5m])) + sum(resets(kvmmem_teardown_unmaps_total[5m]))')" 0 || return 1
	kill "$hold"
}

# promtool has no complaint about a live scrape; both formats are served.
promtool_live_scrape() {
	local out
	curl -sf "$EXP/metrics" >scrape.txt || return 1
	out=$(promtool check metrics <scrape.txt 2>&1) || { echo "$out"; return 1; }
	expect_eq "promtool says" "$out" "" || return 1
	curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' \
		-D om.hdr "$EXP/metrics" >om.txt || return 1
	grep -qi '^Content-Type: application/openmetrics-text; version=1.0.0' om.hdr ||
		{ cat om.hdr; return 1; }
	expect_eq "last line" "$(tail -n 1 om.txt)" "# EOF"
}

# Garbage, a client that never finishes and 100 parallel scrapes: the
# exporter answers all of them and keeps sampling.
hostile_clients() {
	local s0 s1 codes
	s0=$(metric "$(curl -sf "$EXP/metrics")" kvmmem_exporter_samples_total)
	exec 7<>/dev/tcp/127.0.0.1/$PORT || return 1
	printf 'GET /metr' >&7			# and never more
	exec 8<>/dev/tcp/127.0.0.1/$PORT || return 1
	printf '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n' >&8
	head -c 13 <&8 | grep -q 'HTTP/1.1 400' || { echo "no 400 for garbage"; return 1; }
	exec 8>&-
	codes=$(curl -s --parallel --parallel-max 100 -w '%{http_code}\n' \
		$(for i in $(seq 100); do printf -- '-o /dev/null %s/metrics?%d ' "$EXP" "$i"; done) |
		sort | uniq -c | awk '{ print $1 "x" $2 }')
	expect_eq "answers to 100 parallel scrapes" "$codes" "100x200" || return 1
	sleep 1.5
	s1=$(metric "$(curl -sf "$EXP/metrics")" kvmmem_exporter_samples_total)
	[[ $s1 -gt $s0 ]] || { echo "samples $s0 then $s1: sampling stopped"; return 1; }
	exec 7>&-
}

# --textfile: the same exposition, replaced atomically every interval.
textfile() {
	local f=$TMP/kvmmem.prom out pid i
	"$KTOP" --textfile "$f" -i 0.3 -d 4 >textfile.out 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -f $f ]] && break
		sleep 0.1
	done
	"$CTL" stress -P 1 -m 4 --seed 3 >/dev/null || return 1
	wait "$pid" || { echo "exit status $?"; cat textfile.out; return 1; }
	out=$(promtool check metrics <"$f" 2>&1) || { echo "$out"; return 1; }
	expect_eq "maps in the file" "$(awk '$1 ~ /^kvmmem_maps_total/ { n += $2 } END { print n }' "$f")" 4 || return 1
	expect_eq "files beside it" "$(ls "$TMP" | grep -c '^kvmmem.prom')" 1
}

# The systemd unit's capabilities, and no root: enough to serve.
capabilities_only() {
	local unit=$TOP/tools/kvmmem-top/prometheus/kvmmem-exporter.service caps pid out
	caps=$(awk -F= '$1 == "AmbientCapabilities" { print $2 }' "$unit" |
		tr 'A-Z' 'a-z' | sed -e 's/cap_/+/g' -e 's/ /,/g')
	[[ $caps == +* ]] || { echo "no AmbientCapabilities in $unit"; return 1; }
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="-all,$caps" \
		--ambient-caps="-all,$caps" --bounding-set="-all,$caps" \
		"$KTOP" --prometheus 9470 -i 0.3 -d 4 >caps.out 2>&1 &
	pid=$!
	for ((i = 0; i < 50; i++)); do
		out=$(curl -sf http://127.0.0.1:9470/metrics) && break
		sleep 0.2
	done
	wait "$pid" || { echo "exit status $? with $caps:"; cat caps.out; return 1; }
	# without CAP_SYS_ADMIN libbpf cannot find module BTF: raw_tp
	[[ $out == *"kvmmem_build_info{version=\"$(<"$TOP/VERSION")\",attach=\"raw_tp\"} 1"* ]] ||
		{ echo "scrape: $out"; cat caps.out; return 1; }
	# the driver's debugfs was readable: the leaked page of
	# real_prometheus is in the gauges (fresh BPF programs never saw it)
	expect_eq "leaked pages (the driver's)" \
		"$(awk '$1 ~ /^kvmmem_leaked_pages[{]/ { n += $2 } END { print n }' <<<"$out")" \
		"$(awk '$1 == "leaked_pages" { print $2 }' /sys/kernel/debug/kvmmem/stats)" || return 1
	[[ $(awk '$1 == "leaked_pages" { print $2 }' /sys/kernel/debug/kvmmem/stats) -ge 1 ]] ||
		{ echo "no leaked page to see"; return 1; }
}

[[ -x $KTOP && -x $CTL ]] || { echo "prom_built: FAIL build first"; exit 1; }
[[ -x /usr/bin/prometheus ]] || { echo "prom_prometheus_present: FAIL no prometheus: make deps"; exit 1; }
ip link set lo up

check usage_errors_are_said usage_errors
check loopback_only_and_sigterm_detaches loopback_and_detach
here prometheus_and_exporter_start start_prometheus
check prometheus_totals_equal_the_workload real_prometheus
check promtool_accepts_a_live_scrape promtool_live_scrape
check hostile_clients_do_not_stop_serving_or_sampling hostile_clients
here exporter_exits_0_on_sigterm stop_exporter known
check textfile_is_the_same_exposition textfile
check the_units_capabilities_are_enough_without_root capabilities_only
