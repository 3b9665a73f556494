#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# l1.sh N - runs in the L1 guest (vmrun --nested: TCG, -cpu max, stock
# KVM loaded). While `kvmmem-trace record --host` records the host's side
# of every kvmmem hypercall (and ftrace counts kvm:kvm_hypercall, as an
# independent witness), it boots two L2 guests under KVM (vmrun --accel
# kvm):
#   kvmmem-l2       runs l2.sh N: N maps under `kvmmem-trace record`
#   kvmmem-l2-busy  runs l2-busy.sh, maps without end; we kill -9 its
#                   QEMU in the middle of the run
# then checks that the host recording counts every hypercall L2 made, by
# nr, with the answers L2 saw, and reports the killed VM's exit (and its
# leaked pages: none on stock KVM, where every map fails), and that
# kvmmem-top --host, running alongside, shows the same counts per VM, as
# does a scrape of kvmmem-top --host --prometheus.
# Results come
# out through files in $KVMMEM_HOST_LOG, not L2's console. One line per
# case.
set -uo pipefail

N=${1:?usage: l1.sh N}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
OUT=${OUT:-$TOP/build}
export KVMMEM_HOST_LOG=${KVMMEM_HOST_LOG:-$OUT/host-lane}
LOG=$KVMMEM_HOST_LOG
T=/sys/kernel/tracing
VMRUN=$TOP/selftests/vm/vmrun
HERE=$TOP/selftests/vm/host

ok() { echo "l1/$1: ok"; }
fail() { echo "l1/$1: FAIL $2"; }

rm -f "$LOG"/l1*.ktr "$LOG"/l2.ktr "$LOG"/l2-busy.started "$LOG"/*.json

echo 0 >"$T/tracing_on"
echo >"$T/trace"
echo 4096 >"$T/buffer_size_kb"
echo 1 >"$T/events/kvm/kvm_hypercall/enable"
echo 1 >"$T/tracing_on"

"$OUT/kvmmem-trace" record --host -o "$LOG/l1.ktr" 2>"$LOG/l1-record.err" &
rec=$!
# the file is created once the programs are attached
# wait_for FILE PID TENTHS: until FILE is not empty, PID dies, or timeout
wait_for() {
	local i
	for ((i = 0; i < $3; i++)); do
		[[ -s $1 ]] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

wait_for "$LOG/l1.ktr" "$rec" 300
# the fallbacks for the answers, recording the same calls
"$OUT/kvmmem-trace" record --host --answer-via kretprobe -o "$LOG/l1-kretprobe.ktr" \
	2>"$LOG/l1-kretprobe.err" &
rec_kret=$!
"$OUT/kvmmem-trace" record --host --answer-via none -o "$LOG/l1-none.ktr" \
	2>"$LOG/l1-none.err" &
rec_none=$!
wait_for "$LOG/l1-kretprobe.ktr" "$rec_kret" 300
wait_for "$LOG/l1-none.ktr" "$rec_none" 300
if [[ -s $LOG/l1.ktr ]]; then
	ok host_recorder_attached
else
	fail host_recorder_attached "$(cat "$LOG/l1-record.err")"
fi

# kvmmem-top --host, alongside: a JSON frame per second; and live mode
"$OUT/kvmmem-top" --host --json -i 1 >"$LOG/top.jsonl" 2>"$LOG/top.err" &
top=$!
"$OUT/kvmmem-trace" --host --json >"$LOG/live.jsonl" 2>"$LOG/live.err" &
live=$!
# kvmmem-top --host --prometheus too: scraped once the VMs are gone
ip link set lo up
"$OUT/kvmmem-top" --host --prometheus 127.0.0.1:9469 -i 1 >"$LOG/prom.out" 2>"$LOG/prom.err" &
prom=$!

# L2 is quiet: every character it prints costs a nested exit. --timeout is
# a hang guard only (on a 6.12 L1, one vCPU, L2 runs slower).
"$VMRUN" --accel kvm --no-load --mem 128 --smp 1 --name kvmmem-l2 \
	--timeout 600 -- "$HERE/l2.sh" "$N"
rc=$?
if [[ $rc -eq 0 ]]; then ok l2_guest_ran; else fail l2_guest_ran "vmrun exited $rc"; fi

# the busy L2: kill -9 its QEMU once it is mapping
"$VMRUN" --accel kvm --no-load --mem 128 --smp 1 --name kvmmem-l2-busy \
	--timeout 600 -- "$HERE/l2-busy.sh" >"$LOG/l2-busy.vmrun" 2>&1 &
busy=$!
wait_for "$LOG/l2-busy.started" "$busy" 600
sleep 1
# its QEMU, not the `timeout` that vmrun runs it under (whose command
# line holds QEMU's too): kill that one and QEMU would run on
qemu=
for f in /proc/[0-9]*/cmdline; do
	d=${f%/cmdline}
	[[ $(cat "$d/comm" 2>/dev/null) == qemu-system-* ]] || continue
	if tr '\0' ' ' <"$f" 2>/dev/null | grep -q -- '-name guest=kvmmem-l2-busy '; then
		qemu=${d#/proc/}
	fi
done
if [[ -s $LOG/l2-busy.started && -n $qemu ]]; then
	kill -9 "$qemu"
	ok busy_l2_killed_while_mapping
else
	fail busy_l2_killed_while_mapping "L2 did not start mapping (qemu '$qemu')"
	kill "$busy" 2>/dev/null
fi
wait "$busy"
sleep 1.5	# a drain of the recorder and a frame of kvmmem-top after the exit
curl -sf http://127.0.0.1:9469/metrics >"$LOG/prom.txt" ||
	fail prometheus_scrape "curl: $? $(cat "$LOG/prom.err")"
kill -INT "$rec" "$top" "$live" "$rec_kret" "$rec_none"
kill -TERM "$prom"
wait "$prom"
rc=$?
if [[ $rc -eq 0 ]]; then
	ok kvmmem_top_host_prometheus_stopped_cleanly
else
	fail kvmmem_top_host_prometheus_stopped_cleanly "exit $rc: $(cat "$LOG/prom.err")"
fi
wait "$rec_kret" "$rec_none"
wait "$live"
rc=$?
if [[ $rc -eq 0 ]]; then
	ok live_host_stopped_cleanly
else
	fail live_host_stopped_cleanly "exit $rc: $(cat "$LOG/live.err")"
fi
wait "$top"
rc=$?
if [[ $rc -eq 0 ]]; then
	ok kvmmem_top_host_stopped_cleanly
else
	fail kvmmem_top_host_stopped_cleanly "exit $rc: $(cat "$LOG/top.err")"
fi
wait "$rec"
rc=$?
echo 0 >"$T/tracing_on"
if [[ $rc -eq 0 ]]; then
	ok host_recorder_stopped_cleanly
else
	fail host_recorder_stopped_cleanly "exit $rc: $(cat "$LOG/l1-record.err")"
fi

# ftrace, independently: every MEM_MAP of kvmmem-l2 reached KVM
hc=$(grep -c 'kvm_hypercall: nr 0x20 ' "$T/trace")
if [[ $hc -ge $N ]]; then
	ok ftrace_saw_the_map_hypercalls
else
	fail ftrace_saw_the_map_hypercalls "saw $hc MEM_MAP hypercalls, kvmmem-l2 alone made $N"
fi

"$OUT/kvmmem-trace" report --json "$LOG/l1.ktr" >"$LOG/l1.json" 2>"$LOG/l1-report.err" ||
	fail host_report "$(cat "$LOG/l1-report.err")"
"$OUT/kvmmem-trace" report --json "$LOG/l2.ktr" >"$LOG/l2.json" 2>"$LOG/l2-report.err" ||
	fail guest_report "$(cat "$LOG/l2-report.err")"
"$OUT/kvmmem-trace" report "$LOG/l1.ktr" >"$LOG/l1.report" 2>&1
# both halves on one timeline: kvmmem-l2's calls and their host handling.
# L2's clock (kvmclock) wanders against L1's by tens of us over a run (a
# sawtooth, measured), which merge follows; but it also steps, now and
# then inside a call, whose host handling then outlasts it: such a call
# pairs only within --tolerance (50 us here). With the default (10 us),
# every other call must pair. merge.txt keeps each run's clock line.
vm=$(python3 -c "import json,sys; print([v['pid'] for v in json.load(open(sys.argv[1]))['vms'] if v['name'] == 'kvmmem-l2'][0])" "$LOG/l1.json" 2>/dev/null)
"$OUT/kvmmem-trace" merge --json --tolerance 50000 --vm "${vm:-0}" \
	"$LOG/l2.ktr" "$LOG/l1.ktr" >"$LOG/merge.json" 2>"$LOG/merge.err"
"$OUT/kvmmem-trace" merge --json --vm "${vm:-0}" \
	"$LOG/l2.ktr" "$LOG/l1.ktr" >"$LOG/merge-default.json" 2>>"$LOG/merge.err"
"$OUT/kvmmem-trace" merge --tolerance 50000 --vm "${vm:-0}" "$LOG/l2.ktr" \
	"$LOG/l1.ktr" -o "$LOG/merge.perfetto.json" >"$LOG/merge.txt" 2>&1
grep '^clock:' "$LOG/merge.txt"
tail -n 1 "$LOG/top.jsonl" >"$LOG/top-last.json"
# export and dump read host recordings as they read guest ones
"$OUT/kvmmem-trace" export --perfetto "$LOG/l1.ktr" -o "$LOG/l1.perfetto.json" \
	2>>"$LOG/l1-report.err" || fail host_export "$(cat "$LOG/l1-report.err")"
"$OUT/kvmmem-trace" dump --json "$LOG/l1.ktr" >"$LOG/l1.dump.jsonl" \
	2>>"$LOG/l1-report.err" || fail host_dump "$(cat "$LOG/l1-report.err")"
for how in kretprobe none; do
	"$OUT/kvmmem-trace" report --json "$LOG/l1-$how.ktr" >"$LOG/l1-$how.json" \
		2>>"$LOG/l1-report.err" || fail "host_report_$how" "$(cat "$LOG/l1-report.err")"
done
python3 "$HERE/check_host.py" "$LOG/l1.json" "$LOG/l2.json" "$N" "$LOG/merge.json" \
	"$LOG/top-last.json" "$LOG/live.jsonl" "$LOG/l1-kretprobe.json" "$LOG/l1-none.json" \
	"$LOG/l1.perfetto.json" "$LOG/l1.dump.jsonl" "$LOG/merge-default.json" \
	"$LOG/merge.perfetto.json" "$LOG/prom.txt"
