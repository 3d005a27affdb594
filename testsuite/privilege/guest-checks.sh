#!/bin/sh
# Runs inside the guest, as root: staprun installed setuid root, run by
# users in each stap group (made here, inside the guest only), against
# modules in a trusted directory made here too.
# Usage: guest-checks.sh STAPRUN STAPIO MODULE_DIR
# Prints one PASS/FAIL line per check; exits 1 if any failed.

STAPRUN_SRC=${1:?usage: guest-checks.sh STAPRUN STAPIO MODULE_DIR}
STAPIO_SRC=${2:?usage: guest-checks.sh STAPRUN STAPIO MODULE_DIR}
M=${3:?usage: guest-checks.sh STAPRUN STAPIO MODULE_DIR}
R=$(uname -r)
P=/run/stappriv
SR=$P/bin/staprun
T=$P/tmp
. "$(dirname "$0")/../guest-lib.sh"

# --- setup: users, groups, a setuid staprun, the trusted directory ---------

ids_of() { # ids_of USER: "UID GROUPS" for setpriv
	case $1 in
	susr) echo "2001 2101" ;;
	susr2) echo "2005 2101" ;;
	ssys) echo "2002 2102" ;;
	sdev) echo "2003 2103" ;;
	snone) echo "2004 -" ;;
	esac
}

# as USER CMD...: CMD as that user (real, effective and saved ids), with
# only that user's stap group.
as() {
	set -- "$(ids_of "$1" | cut -d' ' -f1)" "$(ids_of "$1" | cut -d' ' -f2)" "$@"
	uid=$1 groups=$2
	shift 3
	if [ "$groups" = - ]; then
		setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"
	else
		setpriv --reuid="$uid" --regid="$uid" --groups="$groups" -- "$@"
	fi
}

# /etc (read-only here) copied to a tmpfs, with the users and groups and
# the trusted key directory added.
setup_users() {
	mkdir -p $P
	cp -a /etc $P/etc
	for u in susr:2001 ssys:2002 sdev:2003 snone:2004 susr2:2005; do
		echo "${u%%:*}:x:${u#*:}:${u#*:}::/tmp:/bin/sh" >>$P/etc/passwd
		echo "${u%%:*}:x:${u#*:}:" >>$P/etc/group
	done
	printf 'stapusr:x:2101:susr,susr2\nstapsys:x:2102:ssys\nstapdev:x:2103:sdev\n' >>$P/etc/group
	mkdir -p -m 755 $P/etc/systemtap/staprun
	cp "$M/trusted.pem" $P/etc/systemtap/staprun/ && chmod 644 $P/etc/systemtap/staprun/trusted.pem
	mount --bind $P/etc /etc
}

setup_staprun() {
	mkdir -p $P/bin $T
	chmod 1777 $T
	cp "$STAPRUN_SRC" $SR
	cp "$STAPIO_SRC" $P/bin/stapio
	chown root:root $SR $P/bin/stapio
	chmod 4755 $SR
	chmod 755 $P/bin/stapio
}

# /lib/modules/RELEASE (read-only here) again on a tmpfs: its entries bound
# in, plus an empty systemtap/ owned by root.
setup_trusted_dir() {
	MODS=$(realpath /lib/modules/$R)
	mkdir -p $P/modroot
	mount -t tmpfs -o mode=0755 tmpfs $P/modroot
	for e in "$MODS"/*; do
		b=$(basename "$e")
		if [ -L "$e" ] || [ ! -d "$e" ]; then
			cp -P "$e" $P/modroot/
		else
			mkdir $P/modroot/"$b" && mount --bind "$e" $P/modroot/"$b"
		fi
	done
	mkdir -m 755 $P/modroot/systemtap
	mount --rbind $P/modroot "$MODS"
	TRUST=/lib/modules/$R/systemtap
	TRUSTC=$(realpath $TRUST)
	for m in usr_hello sys_hello dev_hello usr_target usr_ticker usr_cmd usr_uprobe; do
		cp "$M/$m.ko" $TRUST/ && chmod 644 $TRUST/$m.ko
	done
}

cleanup() {
	pkill -9 -x stapio 2>/dev/null
	sleep 0.5
	for m in usr_ticker usr_ticker_*; do
		[ -e /sys/module/$m ] && rmmod $m 2>/dev/null
	done
	umount -R -l "$MODS" 2>/dev/null
	umount -l $P/modroot 2>/dev/null
	umount -l /etc 2>/dev/null
	rm -rf $P
}
trap cleanup EXIT

# --- helpers -----------------------------------------------------------------

# run NAME USER CMD...: stdout, stderr and status in $T/NAME.{out,err,rc}
run() {
	name=$1 user=$2
	shift 2
	if [ "$user" = root ]; then
		"$@" >$T/$name.out 2>$T/$name.err </dev/null
	else
		as "$user" "$@" >$T/$name.out 2>$T/$name.err </dev/null
	fi
	echo $? >$T/$name.rc
}

# expect NAME DESCRIPTION RC STDOUT [STDERR]: the run's exact results
expect() {
	name=$1 desc=$2
	printf '%s\n' "$4" >$T/$name.want
	[ -z "$4" ] && : >$T/$name.want
	if [ "$(cat $T/$name.rc)" != "$3" ]; then
		fail "$desc: status $(cat $T/$name.rc), expected $3: $(cat $T/$name.err)"
	elif ! cmp -s $T/$name.want $T/$name.out; then
		fail "$desc: stdout '$(cat $T/$name.out)', expected '$4'; stderr: $(cat $T/$name.err)"
	elif [ $# -ge 5 ] && [ "$(cat $T/$name.err)" != "$5" ]; then
		fail "$desc: stderr '$(cat $T/$name.err)', expected '$5'"
	else
		pass "$desc"
	fi
}

# refused NAME DESCRIPTION MESSAGE: exit 1, the exact error, nothing loaded
refused() {
	expect "$1" "$2" 1 "" "staprun: ERROR: $3"
}

module_loaded() { [ -e /sys/module/$1 ]; }

wait_for() { # wait_for SECONDS COMMAND...
	secs=$1 i=0
	shift
	while [ $i -lt $((secs * 10)) ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
has_line() { grep -q "$2" "$1"; }
is_gone() { ! module_loaded "$1"; }

stapio_pids() { pgrep -x stapio; }

# --- the checks ----------------------------------------------------------------

check_groups() {
	run root_any root $SR $M/dev_hello.ko
	expect root_any "root runs a module from anywhere" 0 hello ""
	run none snone $SR $TRUST/usr_hello.ko
	refused none "no stap group: refused, naming the group needed" \
		"you are not a member of stapusr, stapsys or stapdev: running module $TRUSTC/usr_hello.ko needs stapusr"
	run none_dev snone $SR $M/dev_hello.ko
	refused none_dev "no stap group, module elsewhere: stapdev needed" \
		"you are not a member of stapusr, stapsys or stapdev: running module $M/dev_hello.ko needs stapdev"
	run usr_ok susr $SR $TRUST/usr_hello.ko
	expect usr_ok "stapusr runs a stapusr module from the trusted directory" 0 hello ""
	run usr_name susr $SR usr_hello
	expect usr_name "stapusr names an installed module without a path" 0 hello ""
	run usr_elsewhere susr $SR $M/usr_hello.ko
	refused usr_elsewhere "stapusr: a module outside the trusted directory is refused" \
		"module $M/usr_hello.ko is neither in /lib/modules/$R/systemtap/ nor signed with a key this machine trusts: only stapdev members may run it"
	run usr_dev susr $SR $TRUST/dev_hello.ko
	refused usr_dev "stapusr: a module built for stapdev is refused" \
		"module $TRUSTC/dev_hello.ko was built for stapdev: you are a member of stapusr, membership in stapdev would be needed"
	run usr_sys susr $SR $TRUST/sys_hello.ko
	refused usr_sys "stapusr: a module built for stapsys is refused" \
		"module $TRUSTC/sys_hello.ko was built for stapsys: you are a member of stapusr, membership in stapsys would be needed"
	run sys_sys ssys $SR $TRUST/sys_hello.ko
	expect sys_sys "stapsys runs a stapsys module" 0 hello ""
	run sys_usr ssys $SR $TRUST/usr_hello.ko
	expect sys_usr "stapsys runs a stapusr module" 0 hello ""
	run sys_dev ssys $SR $TRUST/dev_hello.ko
	refused sys_dev "stapsys: a module built for stapdev is refused" \
		"module $TRUSTC/dev_hello.ko was built for stapdev: you are a member of stapsys, membership in stapdev would be needed"
	run dev_any sdev $SR $M/dev_hello.ko
	expect dev_any "stapdev runs a module from anywhere" 0 hello ""
	run not_module sdev $SR /etc/passwd
	refused not_module "a file that is no module is refused" \
		"module file /etc/passwd: not a 64-bit ELF relocatable file"
}

check_tricks() {
	ln -s $M/usr_hello.ko $TRUST/link.ko
	run link susr $SR $TRUST/link.ko
	refused link "a symbolic link out of the trusted directory is followed, then refused" \
		"module $M/usr_hello.ko is neither in /lib/modules/$R/systemtap/ nor signed with a key this machine trusts: only stapdev members may run it"
	run dotdot susr $SR $TRUST/../../../../..$M/usr_hello.ko
	refused dotdot "'..' out of the trusted directory is refused" \
		"module $M/usr_hello.ko is neither in /lib/modules/$R/systemtap/ nor signed with a key this machine trusts: only stapdev members may run it"
	cp $M/usr_hello.ko $TRUST/writable.ko && chmod 666 $TRUST/writable.ko
	run writable susr $SR $TRUST/writable.ko
	refused writable "a module writable by others is refused" \
		"module $TRUSTC/writable.ko is not owned and writable by root alone: only stapdev members may run it"
	cp $M/usr_hello.ko $TRUST/owned.ko && chown 2001 $TRUST/owned.ko && chmod 644 $TRUST/owned.ko
	run owned susr $SR $TRUST/owned.ko
	refused owned "a module owned by a user is refused" \
		"module $TRUSTC/owned.ko is not owned and writable by root alone: only stapdev members may run it"
	mkdir -m 777 $TRUST/open && cp $M/usr_hello.ko $TRUST/open/ && chmod 644 $TRUST/open/usr_hello.ko
	run opendir susr $SR $TRUST/open/usr_hello.ko
	refused opendir "a module in a directory others may write is refused" \
		"directory $TRUSTC/open is not owned and writable by root alone"
	run reserved susr $SR $TRUST/usr_hello.ko _stp_uid=0
	refused reserved "the runtime's own parameters can't be set by the caller" \
		"module parameter '_stp_uid' is reserved for staprun"
}

check_targets() {
	run other_pid susr $SR -x 1 $TRUST/usr_target.ko
	refused other_pid "stapusr: -x with another user's process is refused" \
		"process 1 belongs to another user: members of stapusr may only target their own processes (stapsys would be needed)"
	# (setpriv itself, not the function "as": $! must be the sleep's pid)
	setpriv --reuid=2001 --regid=2001 --groups=2101 -- sleep 30 &
	own=$!
	run own_pid susr $SR -x $own $TRUST/usr_target.ko
	expect own_pid "stapusr: -x with an own process" 0 "target $own" ""
	kill $own
	run sys_pid ssys $SR -x 1 $TRUST/usr_target.ko
	expect sys_pid "stapsys: -x with any process" 0 "target 1" ""
	run cmd susr $SR -c "id -u" $TRUST/usr_cmd.ko
	if [ "$(cat $T/cmd.rc)" = 0 ] && [ "$(sort $T/cmd.out | tr '\n' ' ')" = "2001 ended started " ]; then
		pass "-c CMD runs as the caller (id -u = 2001) and ends the script"
	else
		fail "-c CMD: status $(cat $T/cmd.rc), output '$(cat $T/cmd.out)' $(cat $T/cmd.err)"
	fi
}

# A stapusr module's process probes, attached with -x to the user's own
# process (started before the module, sleeping), while root runs the same
# program over and over: only the user's hits, with their values.
check_process_probes() {
	uprog=$(cd "$(dirname "$0")/../uprog" && pwd)/uprog
	rm -f $T/stop_root
	(while [ ! -e $T/stop_root ]; do "$uprog" 1 >/dev/null; done) &
	rootloop=$!
	setpriv --reuid=2001 --regid=2001 --groups=2101 -- "$uprog" --sleep 4 2 >/dev/null &
	own=$!
	run uprobe susr $SR -x $own $TRUST/usr_uprobe.ko
	touch $T/stop_root
	wait $rootloop
	wait $own
	expect uprobe "stapusr: process probes (-x, an own process started before) see only the user's" 0 \
		'target add_ints(1, 10) uid 2001
str_len("hello 1") uid 2001
target add_ints(2, 20) uid 2001
str_len("hello 2") uid 2001' ""
}

check_options() {
	run params root $SR $M/dev_params.ko count=5 'name=two words'
	expect params "globals set as module parameters" 0 "count 5, name two words" ""
	run warn root $SR $M/dev_warn.ko
	expect warn "a warning is shown" 0 done "WARNING: careful"
	run nowarn root $SR -w $M/dev_warn.ko
	expect nowarn "-w: no warning" 0 done ""
}

# stapio runs as the caller, and so its output file belongs to the caller.
check_unprivileged_stapio() {
	mkdir -m 777 $T/out
	as susr $SR -o $T/out/ticks.txt $TRUST/usr_ticker.ko 2>$T/unpriv.err &
	runpid=$!
	if ! wait_for 30 has_line $T/out/ticks.txt "tick 3"; then
		fail "unprivileged stapio: no output ($(cat $T/unpriv.err))"
		kill -INT $(stapio_pids) 2>/dev/null
		wait $runpid
		return
	fi
	uids=$(sed -n 's/^Uid:[[:space:]]*//p' /proc/$(stapio_pids)/status | tr -s '\t ' ' ')
	if [ "$uids" = "2001 2001 2001 2001" ]; then
		pass "stapio runs with the caller's ids only"
	else
		fail "stapio's ids: '$uids'"
	fi
	kill -INT $(stapio_pids)
	wait $runpid
	rc=$?
	if [ $rc -eq 0 ] && [ "$(stat -c %u $T/out/ticks.txt)" = 2001 ] &&
	   [ "$(tail -n 1 $T/out/ticks.txt)" = end ] && ! module_loaded usr_ticker; then
		pass "SIGINT: end probe output in the caller's file, module removed"
	else
		fail "SIGINT: status $rc, owner $(stat -c %u $T/out/ticks.txt), last '$(tail -n 1 $T/out/ticks.txt)'"
	fi
}

check_kill9() {
	as susr $SR $TRUST/usr_ticker.ko >$T/k9.out 2>$T/k9.err &
	runpid=$!
	wait_for 30 has_line $T/k9.out "tick 2"
	kill -9 $(stapio_pids)
	wait $runpid
	rc=$?
	if [ $rc -eq 1 ] && ! module_loaded usr_ticker; then
		pass "kill -9 of a user's stapio: module removed, status 1"
	else
		fail "kill -9: status $rc, loaded: $(module_loaded usr_ticker && echo yes); $(cat $T/k9.err)"
	fi
}

check_detach_attach() {
	run load susr $SR -L $TRUST/usr_ticker.ko
	expect load "-L loads, starts and detaches" 0 "" 'Disconnecting from systemtap module.
To reconnect, type "staprun -A usr_ticker"'
	if module_loaded usr_ticker; then pass "-L: the module stays loaded"; else fail "-L: module gone"; fi
	run other_attach susr2 $SR -A usr_ticker
	refused other_attach "-A on another user's module is refused" \
		"module usr_ticker was loaded by another user (uid 2001): membership in stapdev would be needed"
	run other_remove susr2 $SR -d usr_ticker
	refused other_remove "-d on another user's module is refused" \
		"module usr_ticker was loaded by another user (uid 2001): membership in stapdev would be needed"
	run none_attach snone $SR -A usr_ticker
	refused none_attach "-A without a stap group is refused" \
		"you are not a member of stapusr, stapsys or stapdev: controlling module usr_ticker needs stapdev (or stapusr, if you loaded it)"
	run foreign root $SR -A stp_testmod
	refused foreign "-A on a module that is not a stap module is refused" \
		"no systemtap module stp_testmod is loaded"

	as susr $SR -A usr_ticker >$T/a1.out 2>$T/a1.err &
	runpid=$!
	if wait_for 30 has_line $T/a1.out tick; then
		kill -QUIT $(stapio_pids)
		wait $runpid
		rc=$?
		if [ $rc -eq 0 ] && module_loaded usr_ticker; then
			pass "-A then SIGQUIT: detached again, module still loaded"
		else
			fail "-A/SIGQUIT: status $rc, $(cat $T/a1.err)"
		fi
	else
		fail "-A: no output: $(cat $T/a1.err)"
		kill -QUIT $(stapio_pids) 2>/dev/null
		wait $runpid
	fi

	as susr $SR -A usr_ticker >$T/a2.out 2>$T/a2.err &
	runpid=$!
	wait_for 30 has_line $T/a2.out tick
	kill -INT $(stapio_pids)
	wait $runpid
	rc=$?
	if [ $rc -eq 0 ] && [ "$(tail -n 1 $T/a2.out)" = end ] && ! module_loaded usr_ticker; then
		pass "-A then SIGINT: end probe runs, module removed"
	else
		fail "-A/SIGINT: status $rc, last '$(tail -n 1 $T/a2.out)', $(cat $T/a2.err)"
	fi

	run load2 susr $SR -L $TRUST/usr_ticker.ko
	run remove susr $SR -d usr_ticker
	if [ "$(cat $T/remove.rc)" = 0 ] && ! module_loaded usr_ticker; then
		pass "-d removes the caller's detached module"
	else
		fail "-d: status $(cat $T/remove.rc): $(cat $T/remove.err)"
	fi
}

check_rename() {
	$SR -R $M/usr_ticker.ko >$T/r1.out 2>$T/r1.err &
	r1=$!
	$SR -R $M/usr_ticker.ko >$T/r2.out 2>$T/r2.err &
	r2=$!
	wait_for 30 has_line $T/r1.out "tick 2"
	wait_for 30 has_line $T/r2.out "tick 2"
	copies=$(ls -d /sys/module/usr_ticker_* 2>/dev/null | wc -l)
	kill -INT $(stapio_pids)
	wait $r1
	rc1=$?
	wait $r2
	rc2=$?
	if [ "$copies" -eq 2 ] && [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] &&
	   [ "$(tail -n 1 $T/r1.out)" = end ] && [ "$(tail -n 1 $T/r2.out)" = end ] &&
	   [ "$(ls -d /sys/module/usr_ticker_* 2>/dev/null | wc -l)" -eq 0 ]; then
		pass "-R: two copies run at once under their own names, both removed"
	else
		fail "-R: $copies copies, status $rc1/$rc2: $(cat $T/r1.err $T/r2.err)"
	fi
}

check_background() {
	run bg root $SR -D -o $T/bg.txt $M/usr_ticker.ko
	pid=$(cat $T/bg.out)
	if [ "$(cat $T/bg.rc)" != 0 ] || ! kill -0 "$pid" 2>/dev/null; then
		fail "-D: status $(cat $T/bg.rc), pid '$pid': $(cat $T/bg.err)"
		return
	fi
	wait_for 30 has_line $T/bg.txt "tick 2"
	kill -INT "$pid"
	if wait_for 30 is_gone usr_ticker && [ "$(tail -n 1 $T/bg.txt)" = end ]; then
		pass "-D: runs in the background, prints its pid; SIGINT to it ends the script"
	else
		fail "-D: last line '$(tail -n 1 $T/bg.txt)'"
	fi
}

check_signed() {
	run signed susr $SR $M/signed/usr_hello.ko
	expect signed "stapusr runs a stapusr module signed with a trusted key, from anywhere" 0 hello ""
	run signed_dev susr $SR $M/signed/dev_hello.ko
	refused signed_dev "stapusr: a signed module built for stapdev is refused" \
		"module $M/signed/dev_hello.ko was built for stapdev: you are a member of stapusr, membership in stapdev would be needed"
	run badkey susr $SR $M/badkey/usr_hello.ko
	refused badkey "a module signed with an untrusted key is refused" \
		"module $M/badkey/usr_hello.ko is signed, but its signature matches no key in /etc/systemtap/staprun: only stapdev members may run it"
	run tampered susr $SR $M/tampered/usr_hello.ko
	refused tampered "a signed module changed afterwards is refused" \
		"module $M/tampered/usr_hello.ko is signed, but its signature matches no key in /etc/systemtap/staprun: only stapdev members may run it"
	chmod 666 /etc/systemtap/staprun/trusted.pem
	run weakkey susr $SR $M/signed/usr_hello.ko
	chmod 644 /etc/systemtap/staprun/trusted.pem
	refused weakkey "a key file others may write is not trusted" \
		"module $M/signed/usr_hello.ko is signed, but its signature matches no key in /etc/systemtap/staprun: only stapdev members may run it"
}

setup_users
setup_staprun
setup_trusted_dir
check_groups
check_tricks
check_signed
check_targets
check_process_probes
check_options
check_unprivileged_stapio
check_kill9
check_detach_attach
check_rename
check_background
[ $failures -eq 0 ]
