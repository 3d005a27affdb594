#!/bin/bash
# make bench, host part: the translator's wall time for passes 1-2, 1-3
# and 1-4 (stap -p2/-p3/-p4), cold and warm, its per-pass times (stap -v)
# and its peak memory, as three tables on stdout.  Run by bench/run,
# which sets WORK (scratch directory), STAP (absolute path), RELEASE and
# RUNS.
#
# cold: a fresh, empty $SYSTEMTAP_DIR (no DWARF index, no module cache)
#       and, when this user may, the page cache dropped, before each run;
# warm: one SYSTEMTAP_DIR, filled by one unmeasured -p4 run first.
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
. "$BENCH/lib.sh"
: "${WORK:?} ${STAP:?} ${RELEASE:?} ${RUNS:?}"

DATA=$WORK/data
mkdir -p "$DATA" "$WORK/cwd"
cd "$WORK/cwd" || exit 1	# stap -p4 leaves NAME.ko in the cwd
export SYSTEMTAP_DIR=$WORK/systemtap

CASES=${BENCH_CASES-hello p50 syscall vfs_read fs cast}
LISTINGS=${BENCH_LISTINGS-list_func list_trace}

label() {
	case $1 in
	hello) echo 'hello world (begin, println)' ;;
	p50) echo '50 probes (kernel.function+timer; maps, stats, printf)' ;;
	syscall) echo 'probe syscall.* {} (-w)' ;;
	vfs_read) echo 'kernel.function("vfs_read") $file->f_pos' ;;
	fs) echo 'kernel.function("*@fs/*.c") {}' ;;
	cast) echo '@cast(0, "task_struct")->pid' ;;
	list_func) echo '-l kernel.function("*")' ;;
	list_trace) echo '-l kernel.trace("*")' ;;
	esac
}

# Sets ARGS to the case's script arguments.
case_args() {
	case $1 in
	hello) ARGS=(-e 'probe begin { println("hello world") exit() }') ;;
	p50) ARGS=("$WORK/p50.stp") ;;
	syscall) ARGS=(-w -e 'probe syscall.* {}') ;;
	vfs_read) ARGS=(-e 'probe kernel.function("vfs_read") { println($file->f_pos) }') ;;
	fs) ARGS=(-e 'probe kernel.function("*@fs/*.c") {}') ;;
	cast) ARGS=(-e 'probe begin { println(@cast(0, "task_struct")->pid) }') ;;
	list_func) ARGS=(-l 'kernel.function("*")') ;;
	list_trace) ARGS=(-l 'kernel.trace("*")') ;;
	esac
}

# The 50-probe script: 20 kernel.function probes on the first vfs_*
# functions this kernel lists, the rest timer probes; their handlers use
# scalar globals, two-key maps, a statistic and printf.
gen_p50() {
	local funcs n=0 f
	funcs=$(SYSTEMTAP_DIR=$WORK/list-dir "$STAP" -r "$RELEASE" -l 'kernel.function("vfs_*")' 2>/dev/null |
		sed -n 's/^kernel\.function("\([A-Za-z0-9_]*\)[@"].*/\1/p' | sort -u | head -n 20)
	rm -rf "$WORK/list-dir"
	echo 'global total, calls, ticks, sizes'
	for f in $funcs; do
		n=$((n + 1))
		printf 'probe kernel.function("%s") {\n\ttotal++\n\tcalls[%d, execname()]++\n\tsizes <<< %d\n\tif (total %% 100000 == 0)\n\t\tprintf("%%s: %%d calls\\n", ppfunc(), total)\n}\n' "$f" "$n" "$n"
	done
	while [ $n -lt 50 ]; do
		n=$((n + 1))
		printf 'probe timer.ms(%d) {\n\tticks[cpu(), %d]++\n\tif (ticks[cpu(), %d] == 10)\n\t\tprintf("timer %d on cpu %%d: %%d ticks\\n", cpu(), ticks[cpu(), %d])\n}\n' \
			$((100 + n)) $n $n $n $n
	done
	printf 'probe end {\n\tforeach ([i, name] in calls)\n\t\tprintf("%%d %%s %%d\\n", i, name, calls[i, name])\n'
	printf '\tif (@count(sizes))\n\t\tprintf("%%d hits, avg %%d\\n", @count(sizes), @avg(sizes))\n}\n'
}

# run_case FILE PASS ARGS...: one measured run (PASS "l" is a listing);
# a failure's reason goes to FILE.reason (the first one only).
run_case() {
	local file=$1 pass=$2
	shift 2
	if [ "$pass" = l ]; then
		measure "$file" "$STAP" -r "$RELEASE" "$@"
	else
		measure "$file" "$STAP" -v -r "$RELEASE" -p"$pass" "$@"
	fi && return 0
	[ -e "$file.reason" ] || first_error "$WORK/last.err" >"$file.reason"
	{ echo "== ${file#"$DATA/"} ($*)"; cat "$WORK/last.err"; } >>"$WORK/failed.log"
	return 1
}

fresh_dir() {
	rm -rf "$SYSTEMTAP_DIR" "$WORK"/cwd/*
	mkdir -p "$SYSTEMTAP_DIR"
}

# bench_case CASE PASSES: RUNS cold runs of each pass, then RUNS warm ones
# after one unmeasured run of the last pass.
bench_case() {
	local c=$1 passes=$2 p i
	case_args "$c"
	for p in $passes; do
		for ((i = 0; i < RUNS; i++)); do
			fresh_dir
			drop_caches
			run_case "$DATA/$c.$p.cold" "$p" "${ARGS[@]}"
		done
	done
	fresh_dir
	p=${passes##* }
	run_case "$DATA/$c.prime" "$p" "${ARGS[@]}"
	for p in $passes; do
		for ((i = 0; i < RUNS; i++)); do
			run_case "$DATA/$c.$p.warm" "$p" "${ARGS[@]}"
		done
	done
}

# cell FILE COLUMN SCALE FORMAT: the median, scaled and formatted;
# FAILED if any run failed (its reason is listed under the row).
cell() {
	local m
	if [ "$(failures "$1")" != 0 ]; then
		echo FAILED
		return
	fi
	m=$(median "$1" "$2")
	[ "$m" = - ] && { echo -; return; }
	awk -v m="$m" -v s="$3" -v f="$4" 'BEGIN { printf f, m * s }'
}

# reasons CASE: one "FAILED ..." line per failed cell of that case.
reasons() {
	local f
	for f in "$DATA/$1".*.reason; do
		[ -e "$f" ] || continue
		f=${f%.reason}
		printf '    FAILED %s (%s of %s runs): %s\n' "${f#"$DATA/$1".}" \
			"$(failures "$f")" "$(wc -l <"$f")" "$(cat "$f.reason")"
	done
}

# row LABEL CELL...
row() {
	local label=$1
	shift
	printf '%-56s' "$label"
	printf ' %9s' "$@"
	printf '\n'
}

can_drop=yes
drop_caches || can_drop=no
gen_p50 >"$WORK/p50.stp"
for c in $CASES; do
	bench_case "$c" "2 3 4"
done
for c in $LISTINGS; do
	bench_case "$c" l
done

# One row per case and listing of column COL of the runs' data, times
# SCALE, in FORMAT; with "reasons", each failed row's first error under it.
pass_table() {
	local col=$1 scale=$2 format=$3 show_reasons=${4:-} c p mode cells
	row case "-p2 cold" "-p2 warm" "-p3 cold" "-p3 warm" "-p4 cold" "-p4 warm"
	for c in $CASES $LISTINGS; do
		cells=()
		for p in 2 3 4 l; do
			[ -e "$DATA/$c.$p.cold" ] || continue
			for mode in cold warm; do
				cells+=("$(cell "$DATA/$c.$p.$mode" "$col" "$scale" "$format")")
			done
		done
		row "$(label "$c")" "${cells[@]}"
		[ -z "$show_reasons" ] || reasons "$c"
	done
}

echo "1. Translation: wall seconds of stap -pN -r $RELEASE (median of $RUNS)"
pass_table 2 1 %.3f reasons
[ $can_drop = yes ] || echo "(cold: the page cache could not be dropped; only SYSTEMTAP_DIR was fresh)"
echo
echo "2. Translation per pass: real ms of each pass (stap -v; median of $RUNS): passes 1-4 of the"
echo "   cold -p4 runs, passes 1-2 of the warm -p2 runs (a warm -p3/-p4 run skips them all: module cache)"
row case "p1 cold" "p2 cold" "p3 cold" "p4 cold" "p1 warm" "p2 warm"
for c in $CASES; do
	cells=()
	for col in 4 5 6 7; do
		cells+=("$(cell "$DATA/$c.4.cold" $col 1 %.0f)")
	done
	for col in 4 5; do
		cells+=("$(cell "$DATA/$c.2.warm" $col 1 %.0f)")
	done
	row "$(label "$c")" "${cells[@]}"
done
echo "(\"-\": stap -v printed no time for that pass)"
echo
echo "3. Translator peak memory: maximum resident set, MB (median of $RUNS)"
pass_table 3 0.0009765625 %.0f
echo "(-p2/-p3: stap alone; -p4: the largest of stap and the kbuild processes it waits for)"
