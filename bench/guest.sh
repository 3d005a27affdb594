#!/bin/bash
# make bench, guest part, in ONE guest boot: the cost of a probe on a
# cheap system call (getppid) with handlers of growing weight, and the
# output throughput from the module through stapio.  Prints two tables.
# Run by bench/run under the guest lock, which sets WORK, STAP, RELEASE,
# RUNS, LOOP_CALLS (getppid calls per run) and OUT_LINES (lines printed
# by the output case).
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
. "$BENCH/lib.sh"
: "${WORK:?} ${STAP:?} ${RELEASE:?} ${RUNS:?} ${LOOP_CALLS:?} ${OUT_LINES:?}"

DATA=$WORK/gdata
LOOP=$WORK/getppid_loop
PROBES="none empty count map stat printf uprobe uretprobe"
EXPECTED_HITS=$((LOOP_CALLS / 10 + LOOP_CALLS / 5 * 5))	# warm-up and 5 chunks
mkdir -p "$DATA" "$WORK/cwd"
cd "$WORK/cwd" || exit 1
export SYSTEMTAP_DIR=$WORK/guest-systemtap

label() {
	case $1 in
	none) echo 'no probe (bare call)' ;;
	empty) echo 'empty handler {}' ;;
	count) echo 'n++ (a global)' ;;
	map) echo 'm[pid(), cpu()]++ (two-key map)' ;;
	stat) echo 's <<< 1 (statistic)' ;;
	printf) echo 'printf a line (-o file, -s 32)' ;;
	uprobe) echo 'uprobe on libc syscall(): n++' ;;
	uretprobe) echo 'uretprobe on its return: n++' ;;
	esac
}

row() {
	local label=$1
	shift
	printf '%-40s' "$label"
	printf ' %12s' "$@"
	printf '\n'
}

# Both tables with every row FAILED for REASON (no guest, no loop...).
fail_all() {
	local c
	probe_header
	for c in $PROBES; do
		row "$(label "$c")" FAILED
	done
	echo "    FAILED: $1"
	echo
	output_header
	row "$OUT_LINES lines" FAILED
	echo "    FAILED: $1"
	exit 0
}

probe_header() {
	echo "4. Probe cost in the guest (emulated by TCG: compare ratios, not absolute ns)"
	echo "   bench/getppid_loop.c: $LOOP_CALLS getppid() calls per run (syscall(SYS_getppid)) after"
	echo "   $((LOOP_CALLS / 10)) untimed, in 5 chunks timed with CLOCK_MONOTONIC in the guest (the median chunk);"
	echo "   every hit counted (no pid filter); median of $RUNS runs, cases interleaved, one guest boot;"
	echo "   probe point: ${POINT:-(none found)}; the uprobe rows: process(LOOP).function(\"syscall\")[.return]"
	[ -z "${POINT_NOTE:-}" ] || echo "   ($POINT_NOTE)"
	row case ns/call "added ns/hit" "x bare call" "hits/run"
}

output_header() {
	echo "5. Output throughput in the guest (emulated): a begin probe prints $OUT_LINES numbered lines of"
	echo "   64 bytes; stapio reads them (-s 64) and stap writes them to a host file (-o); delivery"
	echo "   time = pass 5 of that run minus pass 5 of the script run with -G lines=0 (stap -v; median of $RUNS)"
	row case "pass 5 ms" "lines/s" "MB/s" "check"
}

# The probe point: kernel.function("__x64_sys_getppid"), else another
# getppid entry this kernel lets us probe (pass 2 says which).
pick_point() {
	local f why
	for f in __x64_sys_getppid $("$STAP" -r "$RELEASE" -l 'kernel.function("*sys_getppid")' 2>/dev/null |
		sed -n 's/^kernel\.function("\([A-Za-z0-9_]*\)[@"].*/\1/p'); do
		if "$STAP" -r "$RELEASE" -p2 -e 'probe kernel.function(@1) {}' "$f" >/dev/null 2>"$WORK/point.err"; then
			FUNC=$f
			POINT="kernel.function(\"$f\")"
			POINT_NOTE=${why:-}
			return 0
		fi
		[ -n "${why:-}" ] || why="pass 2 refused __x64_sys_getppid: $(grep -m 1 'error' "$WORK/point.err" | sed 's/ at <input>.*//; s/^semantic error: //')"
	done
	return 1
}

# record CASE RC VALUE HITS [REASON]: one run's result in $DATA/CASE.
# A failed run's stderr is kept in $WORK/failed.log (build/bench-failed.log).
record() {
	echo "$2 $3 $4" >>"$DATA/$1"
	[ "$2" = 0 ] && return
	[ -e "$DATA/$1.reason" ] || echo "$5" >"$DATA/$1.reason"
	{ echo "== $1: $5"; cat "$WORK/last.err"; } >>"$WORK/failed.log"
}

# problems FILE: the first stderr line saying the run was not clean
# (stap -v's "Pass N: ..." lines are not).
problems() {
	grep -v '^Pass [1-5]' "$1" | grep -i -m 1 -E 'warning|error|skipped probe|lost|missing|dropped'
}

run_probe() {
	local c=$1 out=$WORK/last.out opts=() arg=$FUNC ns hits bad
	rm -f "$WORK/printf.out" "$WORK/loop.out"
	[ "$c" = printf ] && opts=(-s 32 -o "$WORK/printf.out") out=$WORK/printf.out
	case $c in uprobe | uretprobe) arg=$LOOP ;; esac	# user-space probes: @1 is the program
	if ! measure "$DATA/$c.raw" "$STAP" --remote=qemu --remote-timeout=600 "${opts[@]}" \
		-c "$LOOP $LOOP_CALLS $WORK/loop.out" "$BENCH/probe-$c.stp" "$arg"; then
		record "$c" 1 - - "$(first_error "$WORK/last.err")"
		return
	fi
	ns=$(sed -n 's/^[0-9]* calls \([0-9.]*\) ns\/call$/\1/p' "$WORK/loop.out" 2>/dev/null)
	case $c in
	none | empty) hits=- ;;
	printf) hits=$(grep -c '^getppid on cpu [0-9]*$' "$out") ;;
	*) hits=$(sed -n 's/^hits \([0-9]*\)$/\1/p' "$WORK/last.out") ;;
	esac
	bad=$(problems "$WORK/last.err")
	if [ -n "$bad" ]; then
		record "$c" 1 - - "$bad"
	elif [ -z "$ns" ]; then
		record "$c" 1 - - "the loop wrote no ns/call line"
	elif [ "$hits" != - ] && ! [ "${hits:-0}" -ge "$EXPECTED_HITS" ] 2>/dev/null; then
		record "$c" 1 - - "only ${hits:-no} hits for $EXPECTED_HITS calls (probes missed or output lost)"
	else
		record "$c" 0 "$ns" "$hits"
	fi
}

run_output() {
	local n=$1 bad ms
	rm -f "$WORK/out.txt"
	if ! measure "$DATA/out$n.raw" "$STAP" -v --remote=qemu --remote-timeout=600 -s 64 \
		-DMAXACTION=1000000000 -o "$WORK/out.txt" "$BENCH/output.stp" -G lines="$n"; then
		record "out$n" 1 - - "$(first_error "$WORK/last.err")"
		return
	fi
	ms=$(tail -n 1 "$DATA/out$n.raw" | awk '{ print $8 }')	# pass 5
	bad=$(problems "$WORK/last.err")
	if [ -n "$bad" ]; then
		record "out$n" 1 - - "$bad"
	elif [ "$n" = 0 ] && [ -s "$WORK/out.txt" ]; then
		record "out$n" 1 - - "output where none was printed"
	elif [ "$n" != 0 ] && ! cmp -s "$WORK/out.txt" "$WORK/expected.txt"; then
		record "out$n" 1 - - "output differs from the $n lines printed ($(wc -l <"$WORK/out.txt") lines arrived)"
	elif [ "$ms" = - ]; then
		record "out$n" 1 - - "stap -v printed no pass 5 time"
	else
		record "out$n" 0 "$ms" -
	fi
}

# med CASE: the median of column 2, or FAILED.
med() {
	if [ "$(failures "$DATA/$1")" != 0 ]; then
		echo FAILED
	else
		median "$DATA/$1" 2
	fi
}

reason_line() {
	[ -e "$DATA/$1.reason" ] || return 0
	printf '    FAILED (%s of %s runs): %s\n' "$(failures "$DATA/$1")" "$(wc -l <"$DATA/$1")" "$(cat "$DATA/$1.reason")"
}

probe_table() {
	local bare c m added ratio hits
	probe_header
	bare=$(med none)
	for c in $PROBES; do
		m=$(med "$c")
		added=- ratio=-
		if [ "$m" != FAILED ] && [ "$m" != - ] && [ "$bare" != FAILED ] && [ "$bare" != - ]; then
			added=$(awk -v a="$m" -v b="$bare" 'BEGIN { printf "%.0f", a - b }')
			ratio=$(awk -v a="$m" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')
			m=$(awk -v a="$m" 'BEGIN { printf "%.0f", a }')
		fi
		hits=$(median "$DATA/$c" 3)
		[ "$m" = FAILED ] && hits=-
		row "$(label "$c")" "$m" "$added" "$ratio" "$hits"
		reason_line "$c"
	done
	echo "   (a run must show at least $EXPECTED_HITS hits, no skipped probes and no lost output)"
}

output_table() {
	local m0 m1 rate mbs check=ok
	output_header
	m0=$(med out0)
	m1=$(med "out$OUT_LINES")
	[ "$m0" = FAILED ] || [ "$m0" = - ] || m0=$(printf '%.0f' "$m0")
	[ "$m1" = FAILED ] || [ "$m1" = - ] || m1=$(printf '%.0f' "$m1")
	row "0 lines (same script)" "$m0" - - "$( [ "$m0" = FAILED ] && echo FAILED || echo ok)"
	reason_line out0
	rate=- mbs=-
	if [ "$m1" = FAILED ]; then
		check=FAILED
	elif [ "$m0" != FAILED ] && [ "$m1" != - ] && [ "$m0" != - ]; then
		rate=$(awk -v n="$OUT_LINES" -v a="$m1" -v b="$m0" 'BEGIN { if (a > b) printf "%.0f", n / ((a - b) / 1000); else print "noise" }')
		[ "$rate" != noise ] && mbs=$(awk -v r="$rate" 'BEGIN { printf "%.1f", r * 64 / 1e6 }')
		check="ok, 0 lost"
	fi
	row "$OUT_LINES lines" "$m1" "$rate" "$mbs" "$check"
	reason_line "out$OUT_LINES"
	[ "$rate" = noise ] && echo "    (the difference is within the noise: raise OUT_LINES)"
	return 0
}

gcc -O2 -Wall -Wextra -Werror -static -o "$LOOP" "$BENCH/getppid_loop.c" 2>"$WORK/gcc.err" ||
	fail_all "cannot build the loop: $(head -n 1 "$WORK/gcc.err")"
pick_point || fail_all "no getppid function can be probed: $(grep -m 1 error "$WORK/point.err")"
export STAP_QEMU_GUEST=$WORK/guest
mkdir -p "$STAP_QEMU_GUEST"
"$ROOT/guest/stap-qemu" start "$STAP_QEMU_GUEST" >"$WORK/boot.log" 2>&1 ||
	fail_all "the guest did not boot: $(head -n 1 "$WORK/boot.log")"
trap '"$ROOT/guest/stap-qemu" stop "$STAP_QEMU_GUEST" >/dev/null 2>&1' EXIT

for ((i = 0; i < RUNS; i++)); do
	for c in $PROBES; do
		run_probe "$c"
	done
done
awk -v n="$OUT_LINES" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "%010d abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123\n", i
}' >"$WORK/expected.txt"
for ((i = 0; i < RUNS; i++)); do
	run_output 0
	run_output "$OUT_LINES"
done
rm -f "$WORK/expected.txt" "$WORK/out.txt" "$WORK/printf.out"

probe_table
echo
output_table
