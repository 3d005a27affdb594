#!/bin/sh
# Runs inside the guest, as root: stapio's options, detach/attach, the
# flight recorder, bulk mode with stap-merge and heavy output, with
# modules that testsuite/stapio.sh built from the scripts beside this one.
# stapio is run directly on modules loaded with insmod (as staprun would
# run it, without --ctl-fd: root opens the files itself).
# Usage: guest-checks.sh STAPIO STAP_MERGE MODULE_DIR
# Prints one PASS/FAIL line per check; exits 1 if any failed.

STAPIO=${1:?usage: guest-checks.sh STAPIO STAP_MERGE MODULE_DIR}
MERGE=${2:?usage: guest-checks.sh STAPIO STAP_MERGE MODULE_DIR}
MODS=${3:?usage: guest-checks.sh STAPIO STAP_MERGE MODULE_DIR}
T=$(mktemp -d /tmp/stapio.XXXXXX)
. "$(dirname "$0")/../guest-lib.sh"

load() { # load NAME [PARAM=VALUE...]
	name=$1; shift
	insmod "$MODS/$name.ko" "$@"
}

unload() { [ ! -e "/sys/module/$1" ] || rmmod "$1"; }

now() { date +%s; }

# The text heavy.stp prints for lines 1..N (sorted by number).
heavy_text() {
	awk -v n="$1" 'BEGIN {
		a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		for (i = 1; i <= n; i++) printf "%d %s\n", i, substr(a, 1, i % 61)
	}'
}

# heavy.stp's output in $1: its last line gives the totals; the rest,
# sorted by number, must be exactly the text it says it printed.
check_heavy() { # check_heavy WHAT FILE
	what=$1 f=$2
	last=$(tail -n 1 "$f")
	n=$(echo "$last" | sed -n 's/^total \([0-9]*\) lines \([0-9]*\) bytes$/\1/p')
	b=$(echo "$last" | sed -n 's/^total \([0-9]*\) lines \([0-9]*\) bytes$/\2/p')
	check "$what: the totals line comes last ($last)" [ -n "$n" ]
	[ -n "$n" ] || return
	head -n -1 "$f" >"$f.body"
	check "$what: $n lines and $b bytes arrived" \
		[ "$(wc -l <"$f.body")" -eq "$n" -a "$(wc -c <"$f.body")" -eq "$b" ]
	check "$what: at least 4 MB" [ "$b" -ge 4000000 ]
	heavy_text "$n" >"$f.want"
	sort -n -s -k1,1 "$f.body" >"$f.sorted"
	check "$what: byte for byte what the script printed" cmp -s "$f.want" "$f.sorted"
}

# 1. Heavy output on all CPUs: complete, checked byte for byte.
test_heavy() {
	load sio_heavy _stp_bufsize=16
	$STAPIO sio_heavy >$T/heavy 2>$T/heavy.err
	rc=$?
	check "heavy: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "heavy: nothing lost or missing" \
		sh -c "! grep -q 'lost\|missing' $T/heavy.err"
	check_heavy heavy $T/heavy
	unload sio_heavy
}

# 2. The same with tiny buffers: relay overruns, and the loss is reported
#    (never silent): lines missing <=> a loss warning.
test_overrun() {
	load sio_heavy _stp_bufsize=1
	$STAPIO sio_heavy >$T/over 2>$T/over.err
	rc=$?
	check "overrun: exit status 0 (got $rc)" [ $rc -eq 0 ]
	n=$(tail -n 1 $T/over | sed -n 's/^total \([0-9]*\) lines.*/\1/p')
	got=$(($(wc -l <$T/over) - 1))
	lost=$(sed -n 's/^WARNING: \([0-9]*\) output records lost.*/\1/p' $T/over.err)
	echo "INFO: overrun: $got of ${n:-?} lines arrived, ${lost:-0} records reported lost"
	if [ "$got" -eq "${n:--1}" ]; then
		check "overrun: all arrived, no loss reported" [ -z "$lost" ]
	else
		check "overrun: $got of $n lines arrived and the loss is reported" \
			[ "${lost:-0}" -gt 0 ]
	fi
	unload sio_heavy
}

# 3. -o with strftime patterns.
test_output_pattern() {
	load sio_serial
	(cd $T && $STAPIO -o 'serial-%Y%m%d.out' sio_serial >$T/pat.stdout 2>$T/pat.err)
	rc=$?
	f=$T/serial-$(date +%Y%m%d).out
	check "-o pattern: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "-o pattern: written to $(basename $f)" [ -s "$f" ]
	check "-o pattern: nothing on stdout" [ ! -s $T/pat.stdout ]
	check "-o pattern: complete" [ "$(tail -n 1 "$f")" = "end 30000" ]
	unload sio_serial
}

# 4. -S SIZE: FILE.0, FILE.1 ... each at most SIZE MB, all of the output.
test_rotation() {
	load sio_heavy _stp_bufsize=16
	$STAPIO -o $T/rot -S 1 sio_heavy >/dev/null 2>$T/rotate.err
	rc=$?
	check "-S 1: exit status 0 (got $rc)" [ $rc -eq 0 ]
	n=$(ls $T/rot.* | wc -l)
	check "-S 1: $n files (4 or more)" [ "$n" -ge 4 ]
	big=$(for f in $T/rot.*; do [ "$(wc -c <$f)" -gt 1048576 ] && echo $f; done)
	check "-S 1: none larger than 1 MB ($big)" [ -z "$big" ]
	i=0
	: >$T/rot.all
	while [ -f $T/rot.$i ]; do cat $T/rot.$i >>$T/rot.all; i=$((i + 1)); done
	check "-S 1: numbered 0..$((i - 1)) without a hole" [ $i -eq "$n" ]
	check_heavy "-S 1 (all files)" $T/rot.all
	unload sio_heavy

	load sio_heavy _stp_bufsize=16
	$STAPIO -o $T/keep -S 1,2 sio_heavy >/dev/null 2>$T/keeping.err
	rc=$?
	check "-S 1,2: exit status 0 (got $rc)" [ $rc -eq 0 ]
	kept=$(cd $T && ls keep.* | sort -t. -k2 -n | tr '\n' ' ')
	check "-S 1,2: two files kept, the newest ($kept)" \
		[ "$(echo $kept | wc -w)" -eq 2 -a ! -e $T/keep.0 ]
	check "-S 1,2: the last file ends with the totals" \
		sh -c "tail -n 1 $T/$(echo $kept | cut -d' ' -f2) | grep -q '^total '"
	unload sio_heavy
}

# 5. SIGUSR2 switches to the next file.
test_sigusr2() {
	load sio_ticker
	$STAPIO -o $T/usr -S 100 sio_ticker >/dev/null 2>$T/usr.err &
	pid=$!
	sleep 3
	kill -USR2 $pid
	sleep 3
	kill -INT $pid
	wait $pid
	rc=$?
	check "SIGUSR2: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "SIGUSR2: usr.0 and usr.1 written" [ -s $T/usr.0 -a -s $T/usr.1 ]
	cat $T/usr.0 $T/usr.1 2>/dev/null >$T/usr.all
	check "SIGUSR2: together numbered 1..N, the end last" \
		awk '$1 != NR { bad = 1 } END { exit bad || $2 != "end" }' $T/usr.all
	unload sio_ticker
}

# 6. -w drops the module's warnings; -T sets the poll period.
test_w_and_T() {
	load sio_ticker
	$STAPIO -T 1 sio_ticker >$T/t1 2>$T/t1.err &
	pid=$!
	sleep 2
	kill -INT $pid
	wait $pid
	rc=$?
	check "-T 1: exit status 0 (got $rc), lines in order" \
		awk -v rc=$rc 'rc != 0 || $1 != NR { bad = 1 } END { exit bad || NR < 3 }' $T/t1
	check "without -w: the warning is shown" \
		grep -qx 'WARNING: ticker starts' $T/t1.err
	unload sio_ticker

	load sio_ticker
	$STAPIO -w -T 5000 sio_ticker >$T/t2 2>$T/t2.err &
	pid=$!
	sleep 2
	start=$(now)
	kill -INT $pid
	wait $pid
	rc=$?
	check "-w: no warning shown" sh -c "! grep -q WARNING $T/t2.err"
	check "-T 5000: SIGINT still acted on at once ($(($(now) - start)) s)" \
		[ $(($(now) - start)) -lt 4 -a $rc -eq 0 ]
	check "-T 5000: all lines, end last" \
		awk '$1 != NR { bad = 1 } END { exit bad || $2 != "end" }' $T/t2
	unload sio_ticker

	$STAPIO -T 0 sio_ticker 2>$T/t3.err
	check "-T 0: refused" grep -q "invalid -T '0'" $T/t3.err
}

# 7. -L, then -A: the flight recorder keeps the newest output while no
#    stapio reads; SIGQUIT detaches again; SIGINT stops and the end probe
#    runs.
test_flight_recorder() {
	load sio_flood _stp_overwrite=1 _stp_bufsize=1
	$STAPIO -L sio_flood >$T/fl.out 2>$T/fl.err
	rc=$?
	check "-L: exit status 3 (got $rc)" [ $rc -eq 3 ]
	check "-L: says how to reconnect" \
		grep -qx 'To reconnect, type "staprun -A sio_flood"' $T/fl.err
	check "-L: module still loaded" [ -e /sys/module/sio_flood ]
	check "-L: printed no output" [ ! -s $T/fl.out ]
	sleep 12	# far more than the 1 MB per CPU holds

	$STAPIO -A -v sio_flood >$T/a1.out 2>$T/a1.err &
	pid=$!
	sleep 3
	kill -QUIT $pid
	wait $pid
	rc=$?
	check "-A, SIGQUIT: exit status 3 (got $rc)" [ $rc -eq 3 ]
	check "-A, SIGQUIT: module still loaded" [ -e /sys/module/sio_flood ]
	first=$(sort -n $T/a1.out | head -n 1 | cut -d' ' -f1)
	over=$(sed -n 's/.* \([0-9]*\) output records overwritten.*/\1/p' $T/a1.err)
	check "-A: the oldest output was overwritten (first line ${first:-none})" \
		[ "${first:-1}" -gt 1 ]
	size=$(wc -c <$T/a1.out)
	check "-A: what 1 MB per CPU holds was left ($size bytes)" \
		[ "$size" -gt 100000 -a "$size" -le $(($(nproc) * 1048576)) ]
	check "-A: no loss reported for overwriting" \
		sh -c "! grep -q 'lost\|missing' $T/a1.err"
	# holes after the first line: records overwritten, 50 lines each
	holes=$(sort -n $T/a1.out | awk 'NR > 1 && $1 != prev + 1 { h += $1 - prev - 1 } { prev = $1 } END { print h + 0 }')
	check "-A -v: $holes lines in holes = 50 x ${over:-0} overwritten records" \
		[ "$holes" -eq $((50 * ${over:-0})) ]

	$STAPIO -A sio_flood >$T/a2.out 2>$T/a2.err &
	pid=$!
	sleep 2
	kill -INT $pid
	wait $pid
	rc=$?
	check "-A, SIGINT: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "-A, SIGINT: the end probe's line last" \
		sh -c "tail -n 1 $T/a2.out | grep -q '^end [0-9]*$'"
	cat $T/a1.out $T/a2.out | grep -v '^end' | cut -d' ' -f1 | sort -n >$T/a.nums
	check "-A twice: no line printed twice" \
		[ -z "$(uniq -d $T/a.nums)" ]
	last=$(tail -n 1 $T/a2.out | cut -d' ' -f2)
	check "-A twice: the last line before the end is line $last" \
		[ "$(tail -n 1 $T/a.nums)" = "$last" ]
	unload sio_flood
}

# 8. exit() while detached stays queued: the next stapio stops the module.
test_exit_while_detached() {
	load sio_exiter
	$STAPIO -L sio_exiter >/dev/null 2>$T/ex.err
	rc=$?
	check "exit detached: -L exit status 3 (got $rc)" [ $rc -eq 3 ]
	sleep 6	# exit() at 3 s
	start=$(now)
	timeout 60 $STAPIO -A sio_exiter >$T/ex.out 2>$T/ex2.err
	rc=$?
	check "exit detached: -A stops at once, exit status 0 (got $rc, $(($(now) - start)) s)" \
		[ $rc -eq 0 ]
	check "exit detached: end probe output" grep -q '^end after' $T/ex.out
	check "exit detached: output from before the exit arrived" \
		grep -qx '1 tick' $T/ex.out
	unload sio_exiter
}

# 9. Bulk mode: one raw file per CPU; stap-merge gives exactly the text a
#    normal run prints.
test_bulk() {
	load sio_serial
	$STAPIO sio_serial >$T/normal 2>$T/normal.err
	unload sio_serial
	awk 'BEGIN { for (i = 1; i <= 5000; i++) print i " begin"
		     for (; i <= 30000; i++) print i " timer"; print "end 30000" }' >$T/serial.want
	check "bulk: the normal run prints the expected text" cmp -s $T/serial.want $T/normal

	load sio_serial_bulk
	(cd $T && $STAPIO sio_serial_bulk >$T/bulk.stdout 2>$T/bulk.err)
	rc=$?
	check "bulk: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "bulk: stpd_cpuN files, one per CPU" \
		[ "$(ls $T/stpd_cpu* | wc -l)" -eq "$(ls -d /sys/kernel/debug/systemtap/sio_serial_bulk/trace* | wc -l)" ]
	check "bulk: nothing on stdout" [ ! -s $T/bulk.stdout ]
	$MERGE $T/stpd_cpu* >$T/merged 2>$T/merge.err
	check "bulk: stap-merge output byte-identical to the normal run" \
		cmp -s $T/normal $T/merged
	unload sio_serial_bulk

	load sio_heavy_bulk _stp_bufsize=16
	$STAPIO -o $T/hb sio_heavy_bulk >/dev/null 2>$T/hb.err
	rc=$?
	check "bulk heavy: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "bulk heavy: every CPU wrote" \
		[ "$(for f in $T/hb_cpu*; do [ -s $f ] && echo $f; done | wc -l)" -eq "$(nproc)" ]
	$MERGE -o $T/hb.merged $T/hb_cpu* 2>$T/hbm.err
	check "bulk heavy: stap-merge -o, quiet" [ ! -s $T/hbm.err ]
	check_heavy "bulk heavy" $T/hb.merged
	unload sio_heavy_bulk

	echo 'this is not the output of a bulk-mode run' >$T/notbulk
	$MERGE $T/notbulk >/dev/null 2>$T/bad.err
	check "stap-merge: a file not from bulk mode is refused" \
		grep -q 'corrupt record' $T/bad.err
}

# 10. A second stapio while one is attached is refused; after it leaves
#     (detached), a new one may attach.
test_exclusive() {
	load sio_ticker
	$STAPIO sio_ticker >$T/x1 2>$T/x1.err &
	pid=$!
	sleep 2
	$STAPIO -A sio_ticker >/dev/null 2>$T/x2.err
	check "exclusive: second stapio refused" grep -q 'already attached' $T/x2.err
	kill -QUIT $pid
	wait $pid
	rc=$?
	check "exclusive: first detached (got $rc)" [ $rc -eq 3 ]
	$STAPIO -A sio_ticker >$T/x3 2>$T/x3.err &
	pid=$!
	sleep 2
	kill -TERM $pid
	wait $pid
	rc=$?
	check "exclusive: reattached and stopped by SIGTERM (got $rc)" [ $rc -eq 0 ]
	cat $T/x1 $T/x3 >$T/x.all
	check "exclusive: both sessions' lines together numbered 1..N" \
		awk '$1 != NR { bad = 1 } END { exit bad || $2 != "end" }' $T/x.all
	unload sio_ticker
}

# 11. The files opened by someone else (staprun, as root) and handed over
#     with --ctl-fd/--relay-fds: stapio runs as nobody, who cannot open
#     debugfs at all.
test_inherited_fds() {
	load sio_serial
	d=/sys/kernel/debug/systemtap/sio_serial
	fd=6
	list=
	for n in $(cd $d && ls trace* | sed 's/^trace//' | sort -n); do
		eval "exec $fd<$d/trace$n"
		list=$list${list:+,}$fd
		fd=$((fd + 1))
	done
	exec 5<>$d/ctl
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		$STAPIO --ctl-fd=5 --relay-fds=$list sio_serial \
		>$T/fds.out 2>$T/fds.err
	rc=$?
	while [ $fd -gt 5 ]; do
		fd=$((fd - 1))
		eval "exec $fd<&-"
	done
	check "--ctl-fd/--relay-fds as nobody: exit status 0 (got $rc)" [ $rc -eq 0 ]
	awk 'BEGIN { for (i = 1; i <= 5000; i++) print i " begin"
		     for (; i <= 30000; i++) print i " timer"; print "end 30000" }' >$T/fds.want
	check "--ctl-fd/--relay-fds as nobody: the whole output" \
		cmp -s $T/fds.want $T/fds.out
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		$STAPIO sio_serial 2>$T/fds2.err
	check "as nobody without the fds: cannot open the files" \
		grep -q 'ERROR: cannot access /sys/kernel/debug/systemtap/sio_serial: Permission denied' $T/fds2.err
	unload sio_serial
}

for t in test_heavy test_overrun test_output_pattern test_rotation \
	 test_sigusr2 test_w_and_T test_flight_recorder test_exit_while_detached \
	 test_bulk test_exclusive test_inherited_fds; do
	echo "INFO: $t"
	$t
	for m in sio_heavy sio_serial sio_ticker sio_flood sio_exiter \
		 sio_serial_bulk sio_heavy_bulk; do
		if [ -e /sys/module/$m ]; then
			fail "$t left $m loaded"
			rmmod $m
		fi
	done
done
for f in $T/*.err; do
	[ -s "$f" ] && { echo "--- $f"; head -n 5 "$f"; }
done
rm -rf "$T"
echo "stapio checks: $failures failed"
[ $failures -eq 0 ]
