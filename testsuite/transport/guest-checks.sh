#!/bin/sh
# Runs inside the guest, as root: exercises staprun/stapio with the
# transport_test module.
# Usage: guest-checks.sh STAPRUN STAPIO TRANSPORT_TEST.KO
# Prints one PASS/FAIL line per check; exits 1 if any failed.

STAPRUN=${1:?usage: guest-checks.sh STAPRUN STAPIO TRANSPORT_TEST.KO}
STAPIO=${2:?usage: guest-checks.sh STAPRUN STAPIO TRANSPORT_TEST.KO}
MOD=${3:?usage: guest-checks.sh STAPRUN STAPIO TRANSPORT_TEST.KO}
NAME=transport_test
T=$(mktemp -d /tmp/transport.XXXXXX)
. "$(dirname "$0")/../guest-lib.sh"

now() { date +%s.%N; }

# Output lines must be numbered 1, 2, 3... with nothing missing or extra.
in_order() {
	awk '$1 != NR { bad = 1; exit } END { exit bad || NR == 0 }' "$1"
}

module_gone() { [ ! -e /sys/module/$NAME ]; }

pid_of() { # pid_of COMM: the first process with that name
	for p in /proc/[0-9]*; do
		if [ "$(cat "$p/comm" 2>/dev/null)" = "$1" ]; then
			echo "${p#/proc/}"
			return 0
		fi
	done
	return 1
}

wait_for_pid() { # wait_for_pid COMM: up to 20 s
	i=0
	while [ $i -lt 200 ]; do
		pid_of "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

lost_reported() { # the N of "WARNING: N output records lost", else 0
	n=$(sed -n 's/^WARNING: \([0-9]*\) output records lost.*/\1/p' "$1")
	echo "${n:-0}"
}

# 1. Records from work items, timers and hrtimers on all CPUs, merged.
test_order() {
	$STAPRUN $MOD lines=20000 big=3000 >$T/o1 2>$T/e1
	rc=$?
	check "order: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "order: lines numbered 1..N in order" in_order $T/o1
	check "order: every CPU's work lines present" \
		[ "$(awk '$2 == "work" { print $3 }' $T/o1 | sort -u | wc -l)" \
		  -eq "$(nproc)" ]
	check "order: hardirq and softirq lines present" \
		grep -q ' hrtimer ' $T/o1
	check "order: big record intact" \
		[ "$(sed -n 1p $T/o1 | wc -c)" -eq 3007 ]
	check "order: warning printed once, one newline" \
		[ "$(grep -c '^WARNING: transport test: target=0 cpus=' $T/e1)" \
		  -eq 1 ]
	check "order: module removed" module_gone
	attempts=$(sed -n 's/.* end .*attempts=\([0-9]*\)$/\1/p' $T/o1)
	lines=$(wc -l <$T/o1)
	lost=$(lost_reported $T/e1)
	check "order: $lines written + $lost lost = $attempts attempts" \
		[ "$((lines + lost))" -eq "${attempts:-x}" ]
}

# 2. 100k lines at full speed, writers retrying when relay is full.
test_throughput() {
	start=$(now)
	$STAPRUN $MOD lines=100000 retry=1 pause_ms=0 timer_lines=0 \
		>$T/o2 2>$T/e2
	rc=$?
	end=$(now)
	lines=$(wc -l <$T/o2)
	check "throughput: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "throughput: 100001 lines in order" \
		sh -c "[ $lines -eq 100001 ] && awk '\$1 != NR { exit 1 }' $T/o2"
	echo "INFO: $lines lines in $(echo "$end $start" |
		awk '{ printf "%.2f s, %d lines/s", $1 - $2, '"$lines"' / ($1 - $2) }')"
}

# 3. 100k lines paced like a busy script: no loss expected, loss counted.
test_paced() {
	start=$(now)
	$STAPRUN $MOD lines=100000 burst=1000 pause_ms=20 >$T/o3 2>$T/e3
	rc=$?
	end=$(now)
	lines=$(wc -l <$T/o3)
	lost=$(lost_reported $T/e3)
	attempts=$(sed -n 's/.* end .*attempts=\([0-9]*\)$/\1/p' $T/o3)
	check "paced: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "paced: lines in order" in_order $T/o3
	check "paced: $lines written + $lost lost = $attempts attempts" \
		[ "$((lines + lost))" -eq "${attempts:-x}" ]
	echo "INFO: paced 100k: $lines written, $lost lost, $(echo "$end $start" |
		awk '{ printf "%.2f s", $1 - $2 }')"
}

# 4. Writers flat out without retry: relay fills, every loss is counted.
test_loss() {
	$STAPRUN $MOD lines=100000 pause_ms=0 timer_lines=0 >$T/o4 2>$T/e4
	rc=$?
	lines=$(wc -l <$T/o4)
	lost=$(lost_reported $T/e4)
	attempts=$(sed -n 's/.* end .*attempts=\([0-9]*\)$/\1/p' $T/o4)
	check "loss: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "loss: lines in order" in_order $T/o4
	check "loss: $lines written + $lost lost = $attempts attempts" \
		[ "$((lines + lost))" -eq "${attempts:-x}" ]
}

# 5. SIGINT to the session: STOP, end output, DONE; output live meanwhile.
test_sigint() {
	$STAPRUN $MOD autoexit=0 lines=0 timer_lines=0 tick_ms=200 \
		>$T/o5 2>$T/e5 &
	runpid=$!
	wait_for_pid stapio >/dev/null
	sleep 3
	ticks=$(grep -c ' tick ' $T/o5)
	check "live: $ticks tick lines visible after 3 s" [ "$ticks" -ge 5 ]
	kill -INT "$(pid_of stapio)" $runpid
	wait $runpid
	rc=$?
	check "sigint: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "sigint: end probe output last" \
		sh -c "tail -n 1 $T/o5 | grep -q ' end '"
	check "sigint: lines in order" in_order $T/o5
	check "sigint: module removed" module_gone
}

# 6. kill -9 stapio: staprun still removes the module.
test_kill9() {
	$STAPRUN $MOD autoexit=0 lines=0 timer_lines=0 tick_ms=100 \
		>$T/o6 2>$T/e6 &
	runpid=$!
	wait_for_pid stapio >/dev/null
	sleep 1
	kill -9 "$(pid_of stapio)"
	wait $runpid
	rc=$?
	check "kill -9: exit status 1 (got $rc)" [ $rc -eq 1 ]
	check "kill -9: says stapio died" grep -q 'stapio died from signal 9' $T/e6
	check "kill -9: module removed" module_gone
}

# 7. Script errors: printed with one newline, counted, exit status 1.
test_errors() {
	$STAPRUN $MOD errors=2 lines=10 >$T/o7 2>$T/e7
	rc=$?
	check "errors: exit status 1 (got $rc)" [ $rc -eq 1 ]
	check "errors: both errors printed" \
		[ "$(grep -c '^ERROR: test error [12] of 2$' $T/e7)" -eq 2 ]
	check "errors: no blank lines on stderr" sh -c "! grep -q '^$' $T/e7"
	check "errors: summary line" \
		grep -qx 'WARNING: Number of errors: 2, skipped probes: 0' $T/e7
}

# 8. -c CMD: target() is the command's pid; its end stops the session.
test_command() {
	$STAPRUN -c 'echo cmdpid=$$; sleep 1' $MOD autoexit=0 lines=0 \
		timer_lines=0 >$T/o8 2>$T/e8
	rc=$?
	cmdpid=$(sed -n 's/^cmdpid=//p' $T/o8)
	check "-c: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "-c: target() is the command's pid ($cmdpid)" \
		grep -q "target=${cmdpid:-x} " $T/e8
	check "-c: stopped after the command" grep -q ' end ' $T/o8
}

# 9. -x PID and -o FILE.
test_target_and_output() {
	$STAPRUN -x 1 -o $T/o9 $MOD lines=100 >$T/s9 2>$T/e9
	rc=$?
	check "-x/-o: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "-x: target=1" grep -q 'target=1 ' $T/e9
	check "-o: output in file, in order" in_order $T/o9
	check "-o: nothing on stdout" [ ! -s $T/s9 ]
}

# 10. Second session on the same module, second stapio on the ctl file.
test_busy() {
	$STAPRUN $MOD autoexit=0 lines=0 timer_lines=0 >$T/o10 2>$T/e10 &
	runpid=$!
	wait_for_pid stapio >/dev/null
	$STAPRUN $MOD >/dev/null 2>$T/e10b
	rc=$?
	check "busy: reload refused (rc $rc)" grep -qx \
		"staprun: ERROR: module $NAME is already loaded (-R loads another copy under a new name)" $T/e10b
	$STAPIO $NAME >/dev/null 2>$T/e10c
	rc=$?
	check "busy: second stapio refused (rc $rc)" grep -q \
		'already attached' $T/e10c
	kill -TERM "$(pid_of stapio)"
	wait $runpid
	check "busy: first session ended cleanly (rc $?)" module_gone
}

# 11. Output closed early (| head): the session stops promptly.
test_broken_pipe() {
	start=$(now)
	$STAPRUN $MOD autoexit=0 lines=0 timer_lines=0 tick_ms=10 \
		2>$T/e11 | head -n 5 >$T/o11
	end=$(now)
	check "pipe: head got 5 lines" [ "$(wc -l <$T/o11)" -eq 5 ]
	check "pipe: module removed" module_gone
	check "pipe: finished within 10 s" \
		awk "BEGIN { exit !($end - $start < 10) }"
}

# 12. Plain usage errors.
test_errors_userspace() {
	$STAPRUN /nonexistent/stap_x.ko 2>$T/e12
	rc=$?
	check "missing file: clear error, rc 1 (got $rc)" grep -qx \
		'staprun: ERROR: cannot find module /nonexistent/stap_x.ko: No such file or directory' \
		$T/e12
	setpriv --reuid=65534 --regid=65534 --clear-groups $STAPRUN $MOD \
		2>$T/e13
	check "a user in no stap group is refused" grep -qx \
		"staprun: ERROR: you are not a member of stapusr, stapsys or stapdev: running module $(realpath $MOD) needs stapdev" \
		$T/e13
	$STAPIO no_such_module 2>$T/e14
	check "stapio: missing module explained" \
		grep -q 'module no_such_module is not loaded' $T/e14
}

# 13. Protocol corners, straight on the ctl file.
test_ctl_protocol() {
	if ! command -v python3 >/dev/null; then
		echo "SKIP: ctl protocol (no python3)"
		return
	fi
	insmod $MOD
	# It prints its own PASS/FAIL lines; count a failure once.
	python3 "$(dirname "$0")/ctl_protocol.py" $NAME ||
		failures=$((failures + 1))
	rmmod $NAME
}

# 14. An error flood: the bounded queue drops, counts and says so.
test_ctl_flood() {
	$STAPRUN $MOD errors=200 lines=10 >$T/o15 2>$T/e15
	rc=$?
	shown=$(grep -c '^ERROR: test error' $T/e15)
	lost=$(sed -n 's/^WARNING: \([0-9]*\) control messages lost.*/\1/p' \
		$T/e15)
	check "flood: exit status 1 (got $rc)" [ $rc -eq 1 ]
	check "flood: $shown shown + ${lost:-0} lost = 200" \
		[ $((shown + ${lost:-0})) -eq 200 ]
	check "flood: DONE still arrived" grep -q ' end ' $T/o15
}

# 15. Flight recorder (_stp_overwrite=1): nobody reads while the writers
#     run (-L), so relay overwrites; -A then prints the newest records in
#     order, the exit request queued meanwhile stops the session, and the
#     gaps are counted as overwritten (with -v), not as lost.  Every record
#     is one line numbered like its sequence number, so the count is exact.
test_flight() {
	insmod $MOD _stp_overwrite=1 _stp_bufsize=1 lines=200000 burst=2000 \
		pause_ms=1 timer_lines=0
	$STAPIO -L $NAME >$T/o16 2>$T/e16
	rc=$?
	check "flight: -L exit status 3 (got $rc)" [ $rc -eq 3 ]
	check "flight: -L printed no output" [ ! -s $T/o16 ]
	sleep 20	# the writers run meanwhile, with no reader
	timeout 120 $STAPIO -A -v $NAME >$T/o16b 2>$T/e16b
	rc=$?
	check "flight: -A stopped on the queued exit request (rc $rc)" \
		[ $rc -eq 0 ]
	first=$(head -n 1 $T/o16b | cut -d' ' -f1)
	shown=$(wc -l <$T/o16b)
	over=$(sed -n 's/.* \([0-9]*\) output records overwritten.*/\1/p' $T/e16b)
	attempts=$(sed -n 's/.* end .*attempts=\([0-9]*\)$/\1/p' $T/o16b)
	check "flight: the oldest records were overwritten (first ${first:-none})" \
		[ "${first:-1}" -gt 1 ]
	check "flight: line numbers strictly increasing" \
		awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' $T/o16b
	check "flight: $shown shown + ${over:-0} overwritten + $((${first:-1} - 1)) before = ${attempts:-?}" \
		[ $((shown + ${over:-0} + ${first:-1} - 1)) -eq "${attempts:-x}" ]
	check "flight: nothing reported lost" \
		sh -c "! grep -q 'lost\|missing' $T/e16b"
	rmmod $NAME
}

# 16. Detach (SIGQUIT) and attach again (-A): together the two stapios
#     print every line once, in order.
test_detach() {
	insmod $MOD autoexit=0 lines=0 timer_lines=0 tick_ms=50
	$STAPIO $NAME >$T/o17 2>$T/e17 &
	pid=$!
	sleep 2
	kill -QUIT $pid
	wait $pid
	rc=$?
	check "detach: SIGQUIT exit status 3 (got $rc)" [ $rc -eq 3 ]
	check "detach: message says how to reconnect" \
		grep -qx "To reconnect, type \"staprun -A $NAME\"" $T/e17
	sleep 1
	$STAPIO -A $NAME >$T/o17b 2>$T/e17b &
	pid=$!
	sleep 2
	kill -INT $pid
	wait $pid
	rc=$?
	check "detach: -A then SIGINT exit status 0 (got $rc)" [ $rc -eq 0 ]
	cat $T/o17 $T/o17b >$T/o17c
	check "detach: both outputs together numbered 1..N" in_order $T/o17c
	check "detach: the end line last" \
		sh -c "tail -n 1 $T/o17c | grep -q ' end '"
	rmmod $NAME
}

# 17. Module parameters: a buffer size out of range is refused at load.
test_params() {
	insmod $MOD _stp_bufsize=4096 2>$T/e18
	rc=$?
	check "params: _stp_bufsize=4096 refused (rc $rc)" [ $rc -ne 0 ]
	insmod $MOD _stp_uid=1234 _stp_gid=4321 _stp_bufsize=2
	check "params: _stp_uid readable by everyone" \
		[ "$(setpriv --reuid=65534 --regid=65534 --clear-groups \
			cat /sys/module/$NAME/parameters/_stp_uid)" = 1234 ]
	check "params: _stp_gid recorded" \
		[ "$(cat /sys/module/$NAME/parameters/_stp_gid)" = 4321 ]
	rmmod $NAME
}

for t in test_order test_throughput test_paced test_loss test_sigint \
	 test_kill9 test_errors test_command test_target_and_output \
	 test_busy test_broken_pipe test_errors_userspace test_ctl_protocol \
	 test_ctl_flood test_flight test_detach test_params; do
	$t
	if ! module_gone; then
		fail "$t left the module loaded"
		rmmod $NAME
	fi
done
for f in $T/e*; do
	echo "--- $f"; head -n 5 "$f"
done
rm -rf "$T"
echo "transport checks: $failures failed"
[ $failures -eq 0 ]
