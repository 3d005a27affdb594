#!/bin/bash
# Checks of the qemu guest runner (stap-qemu, stap-guest-agent) on a real
# guest.  Usage: guest-runner.sh PATH/stap-qemu PATH/stap-guest-agent
# Prints PASS:/FAIL: lines and "N passed, N failed"; exits nonzero on failure.

if [ $# -ne 2 ]; then
	echo "usage: $0 STAP-QEMU STAP-GUEST-AGENT" >&2
	exit 2
fi
Q=$(realpath "$1")
export STAP_GUEST_AGENT=$(realpath "$2")
WORK=$(mktemp -d /tmp/guest-runner-XXXXXX)
D=$WORK/guest
passed=0
failed=0

pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1${2:+ ($2)}"; failed=$((failed + 1)); }
check() { if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi; }
now() { date +%s.%N; }
elapsed() { echo "$(now) $1" | awk '{ printf "%.2f", $1 - $2 }'; }
# Waits up to $3 seconds for file $1 to contain $2.
wait_for_text() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do grep -q "$2" "$1" && return 0; sleep 0.1; done
	return 1
}
# Waits for process $1 to end: its exit status in $status, and the time
# since $t0 in $took.
reap() {
	wait "$1"
	status=$?
	took=$(elapsed "$t0")
}

finish() {
	"$Q" stop "$D" >/dev/null 2>&1
	rm -rf "$WORK"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
}
trap finish EXIT

kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V |
	while read -r r; do [ -d "/lib/modules/$r/build" ] && echo "$r"; done | tail -1)
if [ -z "$kernel" ]; then
	fail "find a guest kernel" "no /boot/vmlinuz-R with /lib/modules/R/build"
	exit 1
fi

t0=$(now)
if "$Q" start "$D"; then
	pass "start (boot to ready in $(elapsed "$t0") s)"
else
	fail "start"
	exit 1
fi

out=$("$Q" run "$D" -- uname -r)
check "uname -r in the guest" $? ; [ "$out" = "$kernel" ] && pass "guest runs $kernel" ||
	fail "guest runs $kernel" "got '$out'"

"$Q" run "$D" -- sh -c 'echo out; echo err >&2; exit 3' >"$WORK/o" 2>"$WORK/e"
status=$?
[ "$status" = 3 ] && pass "exit status 3 comes back" || fail "exit status 3 comes back" "got $status"
[ "$(cat "$WORK/o")" = out ] && [ "$(cat "$WORK/e")" = err ] &&
	pass "stdout and stderr kept apart" || fail "stdout and stderr kept apart"

t0=$(now)
bytes=$("$Q" run "$D" -- head -c 1048576 /dev/zero | wc -c)
[ "$bytes" = 1048576 ] && pass "1 MB of output in $(elapsed "$t0") s" ||
	fail "1 MB of output" "got $bytes bytes"

t0=$(now)
"$Q" run "$D" -- sleep 30 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
status=$?
[ "$status" = 130 ] && pass "SIGINT reaches the command (in $(elapsed "$t0") s)" ||
	fail "SIGINT reaches the command" "status $status"

# Silent for longer than the hang timeout: the agent's keepalives must
# keep the guest from being taken for hung.
out=$(STAP_QEMU_HANG_TIMEOUT=3 "$Q" run "$D" -- sh -c 'sleep 5; echo done' 2>"$WORK/quiet")
status=$?
[ "$status" = 0 ] && [ "$out" = done ] && pass "a quiet command is not taken for a hang" ||
	fail "a quiet command is not taken for a hang" "status $status: $(head -1 "$WORK/quiet")"

"$Q" run "$D" -- sh -c "echo from-guest > $WORK/x"
[ "$(cat "$WORK/x" 2>/dev/null)" = from-guest ] && pass "guest's /tmp is the host's" ||
	fail "guest's /tmp is the host's"

# A clone under /var/tmp (as CI may use) must be visible at the same path.
VT=$(mktemp -d /var/tmp/guest-runner-XXXXXX)
"$Q" run "$D" -- sh -c "echo from-guest > $VT/x"
[ "$(cat "$VT/x" 2>/dev/null)" = from-guest ] && pass "guest's /var/tmp is the host's" ||
	fail "guest's /var/tmp is the host's"
rm -rf "$VT"

"$Q" run "$D" -- cat /proc/modules >"$WORK/modules"
check "cat /proc/modules" $?

n=$("$Q" run "$D" -- ls /sys/kernel/debug | wc -l)
[ "$n" -gt 0 ] && pass "debugfs at /sys/kernel/debug" || fail "debugfs at /sys/kernel/debug"

n=$("$Q" run "$D" -- ls /sys/kernel/tracing | wc -l)
[ "$n" -gt 0 ] && pass "tracefs at /sys/kernel/tracing" || fail "tracefs at /sys/kernel/tracing"

mkdir -p "$WORK/mod"
cat >"$WORK/mod/hello_guest.c" <<'EOF'
#include <linux/module.h>
#include <linux/init.h>
static int __init hello_init(void) { pr_info("hello_guest loaded\n"); return 0; }
static void __exit hello_exit(void) { }
module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := hello_guest.o' >"$WORK/mod/Makefile"
if make -s -C "/lib/modules/$kernel/build" M="$WORK/mod" modules >"$WORK/mod/log" 2>&1; then
	(cd "$WORK/mod" && "$Q" run "$D" -- sh -c \
		'insmod hello_guest.ko && grep -q "^hello_guest " /proc/modules && rmmod hello_guest')
	check "insmod and rmmod of a module" $?
else
	fail "build a test module" "$(tail -1 "$WORK/mod/log")"
fi

# A user killed outright: its command must not run on in the guest.
"$Q" run "$D" -- sh -c "echo \$\$ > $WORK/victim; exec sleep 60" &
pid=$!
sleep 1
kill -KILL $pid
wait $pid 2>/dev/null
victim=$(cat "$WORK/victim" 2>/dev/null)
"$Q" run "$D" -- test -d "/proc/$victim"
status=$?
[ -n "$victim" ] && [ "$status" = 1 ] && pass "a killed user's command dies" ||
	fail "a killed user's command dies"

# Two users at once take turns.
"$Q" run "$D" -- sh -c 'echo a1; sleep 1; echo a2' >"$WORK/a" &
"$Q" run "$D" -- sh -c 'echo b1; sleep 1; echo b2' >"$WORK/b" &
wait
[ "$(cat "$WORK/a" "$WORK/b" | tr '\n' ' ')" = "a1 a2 b1 b2 " ] &&
	pass "concurrent users take turns" || fail "concurrent users take turns"

t0=$(now)
"$Q" run "$D" --timeout 2 -- sleep 30 2>"$WORK/timeout"
status=$?
grep -q "did not finish within 2 s" "$WORK/timeout" && [ "$status" = 255 ] &&
	pass "timeout kills the guest ($(elapsed "$t0") s)" || fail "timeout kills the guest" "status $status"
"$Q" run "$D" -- true 2>/dev/null
[ $? = 255 ] && pass "no guest after the timeout" || fail "no guest after the timeout"

"$Q" start "$D" && "$Q" run "$D" -- true
check "start again" $?

# A stalled qemu (stopped from here) is detected, killed and reported.
qemu_pid=$(cat "$D/qemu.pid" 2>/dev/null)
STAP_QEMU_HANG_TIMEOUT=3 "$Q" run "$D" -- sh -c 'echo started; exec sleep 60' \
	>"$WORK/hang.out" 2>"$WORK/hang.err" &
pid=$!
wait_for_text "$WORK/hang.out" started 30
t0=$(now)
kill -STOP "$qemu_pid"
( sleep 30; kill -KILL $pid ) 2>/dev/null &
watchdog=$!
wait $pid
status=$?
kill $watchdog 2>/dev/null
wait $watchdog 2>/dev/null
grep -q "guest stopped responding (nothing for 3 s); killed it" "$WORK/hang.err" && [ "$status" = 255 ] &&
	pass "a stalled guest is killed ($(elapsed "$t0") s)" ||
	fail "a stalled guest is killed" "status $status: $(head -1 "$WORK/hang.err")"
# (a zombie is gone: its new parent may not have reaped it yet)
if ps -o stat= -p "$qemu_pid" 2>/dev/null | grep -q '^[^Z]'; then
	fail "no qemu after the hang"
	kill -CONT "$qemu_pid"; kill -KILL "$qemu_pid"
else
	pass "no qemu after the hang"
fi

"$Q" start "$D" 2>"$WORK/start.err"
check "start after the hang" $? "$(cat "$WORK/start.err")"
"$Q" stop "$D"
check "stop" $?
pgrep -f "qemu-system.*$D/" >/dev/null && fail "qemu gone after stop" || pass "qemu gone after stop"

t0=$(now)
out=$(cd "$WORK" && "$Q" once -- sh -c 'pwd; exit 5')
status=$?
[ "$status" = 5 ] && [ "$out" = "$WORK" ] &&
	pass "once: throw-away guest ($(elapsed "$t0") s)" || fail "once: throw-away guest" "status $status, '$out'"

# ---- crashes and interrupts ----
# stap itself (the plain build next to this tree) with scripts that wreck
# the guest on purpose: a begin probe that oopses (it runs in stapio's
# process context, where an oops once left stap waiting forever), and a
# timer probe that spins for good.
STAP=$(realpath "$(dirname "$0")/../stap")
cat >"$WORK/oops.stp" <<'STP'
function null_write() %{ *(volatile int *)0 = 0; %}
probe begin { null_write() }
STP
cat >"$WORK/spin.stp" <<'STP'
function spin() %{ for (;;) cpu_relax(); %}
probe begin { println("started") }
probe timer.s(2) { spin() }
STP
mkdir -p "$WORK/tmp"
# Is a qemu of a throw-away guest in $WORK/tmp still alive (zombies aside)?
qemu_left() {
	pgrep -f "qemu-system.*$WORK/tmp/" | while read -r p; do
		ps -o stat= -p "$p" | grep -q '^[^Z]' && echo "$p"
	done | grep -q .
}
# The console report of a crash: the oops with its call trace, bounded.
has_oops_report() {
	grep -q "BUG: kernel NULL pointer dereference" "$1" && grep -q "Call Trace:" "$1" &&
		grep -q "entry_SYSCALL_64" "$1" && grep -q -- "---\[ end trace" "$1" &&
		[ "$(wc -l <"$1")" -lt 150 ]
}

# A kernel oops in a throw-away guest: qemu ends (oops=panic) and stap
# says so with the oops; hang detection is off, so only that can end it.
t0=$(now)
(cd "$WORK" && STAP_QEMU_HANG_TIMEOUT=0 TMPDIR=$WORK/tmp timeout -s KILL 300 \
	"$STAP" -g --remote=qemu oops.stp >"$WORK/oops.out" 2>"$WORK/oops.err")
status=$?
took=$(elapsed "$t0")
[ "$status" = 1 ] && grep -q "^stap: the guest's kernel crashed while running .*staprun: BUG: kernel NULL pointer dereference" "$WORK/oops.err" &&
	has_oops_report "$WORK/oops.err" &&
	pass "stap reports a kernel oops with its call trace ($took s)" ||
	fail "stap reports a kernel oops with its call trace" "status $status after $took s: $(head -3 "$WORK/oops.err")"
qemu_left && fail "no qemu after the oops" || pass "no qemu after the oops"

# SIGTERM to stap while the guest is wedged: stap gives up on the script
# 5 s after forwarding the interrupt, kills qemu and fails.
TMPDIR=$WORK/tmp STAP_QEMU_HANG_TIMEOUT=0 "$STAP" -g --remote=qemu "$WORK/spin.stp" \
	>"$WORK/spin.out" 2>"$WORK/spin.err" &
pid=$!
wait_for_text "$WORK/spin.out" started 120
sleep 4	# the timer probe has fired
t0=$(now)
kill -TERM $pid
( sleep 60; kill -KILL $pid ) 2>/dev/null &
watchdog=$!
reap $pid
kill $watchdog 2>/dev/null
wait $watchdog 2>/dev/null
[ "$status" = 1 ] && grep -q "^stap: interrupted: .*staprun did not end within 5 s of the interrupt; killed the guest$" "$WORK/spin.err" &&
	awk "BEGIN { exit !($took < 20) }" &&
	pass "SIGTERM ends stap with a wedged guest ($took s)" ||
	fail "SIGTERM ends stap with a wedged guest" "status $status after $took s: $(head -3 "$WORK/spin.err")"
qemu_left && fail "no qemu after SIGTERM" || pass "no qemu after SIGTERM"

# The same oops in a persistent guest: reported to the stap that caused
# it; the next commands fail at once, saying why.
"$Q" start "$D"
check "start for the crash checks" $?
(cd "$WORK" && STAP_QEMU_GUEST=$D STAP_QEMU_HANG_TIMEOUT=0 timeout -s KILL 300 \
	"$STAP" -g --remote=qemu oops.stp >/dev/null 2>"$WORK/poops.err")
status=$?
[ "$status" = 1 ] && grep -q "^stap: the guest's kernel crashed while running .*staprun: BUG: kernel NULL pointer dereference" "$WORK/poops.err" &&
	has_oops_report "$WORK/poops.err" && pass "a persistent guest's oops is reported" ||
	fail "a persistent guest's oops is reported" "status $status: $(head -3 "$WORK/poops.err")"
gone="no guest is running in $D: the last one ended because its kernel crashed while running .*staprun (BUG: kernel NULL pointer dereference"
t0=$(now)
STAP_QEMU_GUEST=$D timeout -s KILL 60 "$STAP" --remote=qemu -e 'probe begin { exit() }' 2>"$WORK/after.err"
status=$?
[ "$status" = 1 ] && grep -q "^stap: $gone" "$WORK/after.err" &&
	pass "stap after the crash fails at once ($(elapsed "$t0") s)" ||
	fail "stap after the crash fails at once" "status $status: $(head -1 "$WORK/after.err")"
timeout -s KILL 60 "$Q" run "$D" -- true 2>"$WORK/after.err"
status=$?
[ "$status" = 255 ] && grep -q "^stap-qemu: run: $gone" "$WORK/after.err" &&
	pass "stap-qemu run after the crash fails at once" ||
	fail "stap-qemu run after the crash fails at once" "status $status: $(head -1 "$WORK/after.err")"

# A panic from a command (sysrq): the panic and its trace are reported.
"$Q" start "$D" && "$Q" run "$D" -- true
check "start again after the crash" $?
t0=$(now)
timeout -s KILL 120 "$Q" run "$D" -- sh -c 'echo c >/proc/sysrq-trigger; sleep 60' 2>"$WORK/panic.err"
status=$?
[ "$status" = 255 ] &&
	grep -q "^stap-qemu: run: the guest's kernel crashed while running sh: Kernel panic - not syncing: sysrq triggered crash$" "$WORK/panic.err" &&
	grep -q "Call Trace:" "$WORK/panic.err" && grep -q "sysrq_handle_crash" "$WORK/panic.err" &&
	pass "a panic from a command is reported ($(elapsed "$t0") s)" ||
	fail "a panic from a command is reported" "status $status: $(head -3 "$WORK/panic.err")"

# A command ignoring SIGINT in a persistent guest: given up on after the
# grace; the agent kills it and the guest stays.
"$Q" start "$D"
check "start for the interrupt checks" $?
"$Q" run "$D" -- sh -c 'trap "" INT; echo ready; sleep 60' >"$WORK/deaf.out" 2>"$WORK/deaf.err" &
pid=$!
wait_for_text "$WORK/deaf.out" ready 30
t0=$(now)
kill -INT $pid
reap $pid
[ "$status" = 255 ] && grep -q "^stap-qemu: run: interrupted: sh did not end within 5 s of the interrupt; killed it$" "$WORK/deaf.err" &&
	awk "BEGIN { exit !($took >= 5 && $took < 20) }" &&
	pass "a command deaf to SIGINT is killed after 5 s ($took s)" ||
	fail "a command deaf to SIGINT is killed after 5 s" "status $status after $took s: $(cat "$WORK/deaf.err")"
"$Q" run "$D" -- true
check "the guest stays after killing a command" $?

# A second interrupt gives up at once.
"$Q" run "$D" -- sh -c 'trap "" INT; echo ready; sleep 60' >"$WORK/deaf.out" 2>"$WORK/deaf.err" &
pid=$!
wait_for_text "$WORK/deaf.out" ready 30
t0=$(now)
kill -INT $pid
sleep 0.5
kill -INT $pid
reap $pid
[ "$status" = 255 ] && grep -q "^stap-qemu: run: interrupted: sh did not end before the second interrupt; killed it$" "$WORK/deaf.err" &&
	awk "BEGIN { exit !($took < 4) }" &&
	pass "a second SIGINT gives up at once ($took s)" ||
	fail "a second SIGINT gives up at once" "status $status after $took s: $(cat "$WORK/deaf.err")"

# Interrupted while waiting for a busy guest: no waiting on.
flock -o "$D/lock" sleep 30 &
holder=$!
sleep 0.5
STAP_QEMU_GUEST=$D "$STAP" --remote=qemu -e 'probe begin { exit() }' 2>"$WORK/wait.err" &
pid=$!
for _ in $(seq 600); do
	ls -l /proc/$pid/fd 2>/dev/null | grep -q "$D/lock" || ! kill -0 $pid 2>/dev/null && break
	sleep 0.1
done
t0=$(now)
kill -TERM $pid 2>/dev/null
reap $pid
kill $holder 2>/dev/null
wait $holder 2>/dev/null
[ "$status" = 1 ] && grep -q "^stap: interrupted while waiting for the guest in $D$" "$WORK/wait.err" &&
	awk "BEGIN { exit !($took < 5) }" &&
	pass "SIGTERM to stap waiting for a busy guest ($took s)" ||
	fail "SIGTERM to stap waiting for a busy guest" "status $status: $(tail -n 3 "$WORK/wait.err")"
