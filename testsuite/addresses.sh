# Probe points by address, which differ with each kernel build (and, for
# .absolute, with each boot): the scripts are written here from the debug
# vmlinux's symbols and the guest's /proc/kallsyms.  Sourced by
# testsuite/run; needs the running guest.

# The address of the n-th instruction of function $1 in the debug vmlinux
# (objdump's view), as 0x...; n = $2 (0 for the function's entry).
instruction_address() {
	local vmlinux start
	vmlinux=/usr/lib/debug/boot/vmlinux-$(release)
	start=$(nm "$vmlinux" | awk -v f="$1" '$3 == f { print $1; exit }')
	[ -n "$start" ] || return 1
	objdump -d --no-show-raw-insn --start-address=0x$start --stop-address=$((0x$start + 64)) "$vmlinux" |
		awk -v n="$2" '/^ *[0-9a-f]+:/ { if (i++ == n) { sub(":", "", $1); print "0x" $1; exit } }'
}

# kernel.statement(ADDRESS): an address of the image (as nm shows it), a few
# instructions into ksys_read, found again relative to ksys_read under
# KASLR; its parameters are read there from the debug information.
test_statement_address() {
	local name="guest: kernel.statement(ADDRESS) with \$vars" addr
	selected "$name" || return
	addr=$(instruction_address ksys_read 3)
	if [ -z "$addr" ]; then
		fail "$name" "no address for ksys_read's 4th instruction"
		return
	fi
	"$STAP" --remote=qemu -c 'dd if=/dev/zero of=/dev/null bs=4321 count=1 status=none' -e "
		probe kernel.statement($addr) {
			if (execname() == \"dd\" && \$count == 4321) {
				printf(\"read of %d bytes from fd %d\n\", \$count, \$fd)
				exit()
			}
		}" >"$WORK/addr.out" 2>"$WORK/addr.err"
	echo "read of 4321 bytes from fd 0" >"$WORK/addr.want"
	check_same "$name" "$WORK/addr.want" "$WORK/addr.out" "$WORK/addr.err"
}

# kprobe.statement(ADDRESS).absolute and kernel.statement(ADDRESS).absolute
# (guru mode): addresses of the running kernel, from the guest's kallsyms.
test_absolute_address() {
	local name="guest: statement(ADDRESS).absolute" addr
	selected "$name" || return
	addr=$("$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- awk '$3 == "ksys_read" { print "0x" $1; exit }' \
		/proc/kallsyms 2>"$WORK/abs.err")
	if [ -z "$addr" ] || [ "$addr" = 0x0000000000000000 ]; then
		fail "$name" "no address for ksys_read in the guest's /proc/kallsyms: $(cat "$WORK/abs.err")"
		return
	fi
	"$STAP" -g --remote=qemu -c 'dd if=/dev/zero of=/dev/null bs=1 count=1 status=none' -e "
		global hits
		probe kprobe.statement($addr).absolute { if (execname() == \"dd\") hits[1]++ }
		probe kernel.statement($addr).absolute { if (execname() == \"dd\") hits[2]++ }
		probe end { printf(\"kprobe %d, kernel %d\n\", hits[1] > 0, hits[2] > 0) }" \
		>"$WORK/abs.out" 2>"$WORK/abs.err"
	echo "kprobe 1, kernel 1" >"$WORK/abs.want"
	check_same "$name" "$WORK/abs.want" "$WORK/abs.out" "$WORK/abs.err"
}

# print_backtrace(), print_stack(backtrace()) and sprint_stack(backtrace())
# print the same lines, whose addresses differ with each build and boot:
# here they are masked, and the three compared with each other and with
# the call chain of our test module's stp_test_ints (testsuite/kmod).
test_printed_stack() {
	local name="guest: print_backtrace and print_stack" lines
	selected "$name" || return
	"$STAP" --remote=qemu -c "$ROOT/testsuite/guest/stp_testmod_round.sh" -e "
		probe module(\"$ROOT/testsuite/kmod/stp_testmod.ko\").function(\"stp_test_ints\") {
			print_backtrace()
			println(\"--\")
			print_stack(backtrace())
			println(\"--\")
			print(sprint_stack(backtrace()))
		}" >"$WORK/pstack.out" 2>"$WORK/pstack.err"
	lines=$(sed -n '/^--$/q;p' "$WORK/pstack.out")
	if [ "$(printf '%s\n--\n%s\n--\n%s\n' "$lines" "$lines" "$lines")" != "$(cat "$WORK/pstack.out")" ]; then
		fail "$name" "the three differ: $(cat "$WORK/pstack.out" "$WORK/pstack.err")"
		return
	fi
	sed -E 's/^ 0x[0-9a-f]{16} : / ADDR : /; s/[+]0x0\/0x[0-9a-f]+ /+0x0\/SIZE /; s/[+]0x[0-9a-f]+\/0x[0-9a-f]+ /+OFF\/SIZE /' \
		<<<"$lines" >"$WORK/pstack.masked"
	cat >"$WORK/pstack.want" <<-'EOF'
	 ADDR : stp_test_ints+0x0/SIZE [stp_testmod]
	 ADDR : stp_test_write+OFF/SIZE [stp_testmod]
	 ADDR : proc_reg_write+OFF/SIZE [kernel]
	 ADDR : vfs_write+OFF/SIZE [kernel]
	 ADDR : ksys_write+OFF/SIZE [kernel]
	 ADDR : do_syscall_64+OFF/SIZE [kernel]
	 ADDR : entry_SYSCALL_64_after_hwframe+OFF/SIZE [kernel]
	EOF
	check_same "$name" "$WORK/pstack.want" "$WORK/pstack.masked" "$WORK/pstack.err"
}

# print_ubacktrace(), print_ustack(ubacktrace()) and sprint_ustack(ubacktrace())
# print the same lines, whose addresses change with each run (ASLR): here
# they are masked, and the three compared with each other and with the
# call chain of uprog's factorial(3) (the C library's frames from -d).
test_printed_ustack() {
	local name="guest: print_ubacktrace and print_ustack" lines
	selected "$name" || return
	(cd testsuite/guest && "$STAP" --remote=qemu -c ./uprog-1.sh -D MAXSTRINGLEN=1024 \
		-d /lib/x86_64-linux-gnu/libc.so.6 -e '
		probe process("../uprog/uprog").function("factorial") {
			if ($n != 1)
				next
			print_ubacktrace()
			println("--")
			print_ustack(ubacktrace())
			println("--")
			print(sprint_ustack(ubacktrace()))
		}') >"$WORK/pustack.out" 2>"$WORK/pustack.err"
	lines=$(sed -n '/^--$/q;p' "$WORK/pustack.out")
	if [ -z "$lines" ] ||
		[ "$(printf '%s\n--\n%s\n--\n%s\n' "$lines" "$lines" "$lines")" != "$(cat "$WORK/pustack.out")" ]; then
		fail "$name" "the three differ: $(cat "$WORK/pustack.out" "$WORK/pustack.err")"
		return
	fi
	sed -E "s/^ 0x[0-9a-f]{16} : / ADDR : /; s/[+]0x[0-9a-f]+\/0x[0-9a-f]+ /+OFF\/SIZE /; s|$ROOT/|ROOT/|" \
		<<<"$lines" >"$WORK/pustack.masked"
	cat >"$WORK/pustack.want" <<-'EOF'
	 ADDR : factorial+OFF/SIZE [ROOT/testsuite/uprog/uprog]
	 ADDR : factorial+OFF/SIZE [ROOT/testsuite/uprog/uprog]
	 ADDR : factorial+OFF/SIZE [ROOT/testsuite/uprog/uprog]
	 ADDR : iteration+OFF/SIZE [ROOT/testsuite/uprog/uprog]
	 ADDR : main+OFF/SIZE [ROOT/testsuite/uprog/uprog]
	 ADDR : __libc_start_call_main+OFF/SIZE [/usr/lib/x86_64-linux-gnu/libc.so.6]
	 ADDR : __libc_start_main+OFF/SIZE [/usr/lib/x86_64-linux-gnu/libc.so.6]
	 ADDR : _start+OFF/SIZE [ROOT/testsuite/uprog/uprog]
	EOF
	check_same "$name" "$WORK/pustack.want" "$WORK/pustack.masked" "$WORK/pustack.err"
}

# process("PATH").statement(ADDRESS).absolute: add_ints's address in the
# -O2 program as nm shows it (a PIE: the process maps it elsewhere), its
# parameters read there (in registers at the entry).
test_process_statement_address() {
	local name="guest: process.statement(ADDRESS).absolute with \$vars" prog=$ROOT/testsuite/uprog/uprog_O2 addr
	selected "$name" || return
	addr=0x$(nm "$prog" | awk '$3 == "add_ints" { print $1; exit }')
	"$STAP" --remote=qemu -c "$prog --quiet 2" -e "
		probe process(\"$prog\").statement($addr).absolute {
			printf(\"add_ints(%d, %d)\n\", \$a, \$b)
		}" >"$WORK/paddr.out" 2>"$WORK/paddr.err"
	printf 'add_ints(1, 10)\nadd_ints(2, 20)\n' >"$WORK/paddr.want"
	check_same "$name" "$WORK/paddr.want" "$WORK/paddr.out" "$WORK/paddr.err"
}

# stap -x PID: process probes in a process that was running (asleep)
# before the script started, also without a path (-x's program); the
# script ends with it.
test_process_attach() {
	local name="guest: -x attaches process probes to a process started before" prog=$ROOT/testsuite/uprog/uprog pid
	selected "$name" || return
	pid=$("$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh -c "$prog --sleep 8 2 >/dev/null 2>&1 & echo \$!" \
		2>"$WORK/attach.err")
	"$STAP" --remote=qemu -x "$pid" -e "
		probe process(\"$prog\").function(\"add_ints\") {
			printf(\"add_ints(%d, %d) in %s\n\", \$a, \$b, pid() == target() ? \"the target\" : \"another\")
		}
		probe process.function(\"str_len\") { printf(\"str_len(\\\"%s\\\")\n\", user_string(\$s)) }
		probe process.end { if (pid() == target()) exit() }" >"$WORK/attach.out" 2>>"$WORK/attach.err"
	printf '%s\n' 'add_ints(1, 10) in the target' 'str_len("hello 1")' 'add_ints(2, 20) in the target' \
		'str_len("hello 2")' >"$WORK/attach.want"
	check_same "$name" "$WORK/attach.want" "$WORK/attach.out" "$WORK/attach.err"
}

# process(PID): the program a process of the (persistent) guest runs,
# found there when the script is translated, probed in that process alone
# (the same program runs in another process meanwhile).
test_process_pid() {
	local name="guest: process(PID) probes one running process" prog=$ROOT/testsuite/uprog/uprog pid
	selected "$name" || return
	pid=$("$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh -c \
		"$prog --sleep 8 2 >/dev/null 2>&1 & $prog --sleep 8 3 >/dev/null 2>&1 & echo \$!" 2>"$WORK/ppid.err")
	"$STAP" --remote=qemu -e "
		probe process($pid).function(\"add_ints\") { printf(\"add_ints(%d, %d)\n\", \$a, \$b) }
		probe process($pid).end { exit() }" >"$WORK/ppid.out" 2>>"$WORK/ppid.err"
	printf 'add_ints(1, 10)\nadd_ints(2, 20)\nadd_ints(3, 30)\n' >"$WORK/ppid.want"
	check_same "$name" "$WORK/ppid.want" "$WORK/ppid.out" "$WORK/ppid.err"
}

address_tests() {
	test_statement_address
	test_absolute_address
	test_process_statement_address
	test_process_attach
	test_process_pid
	test_printed_stack
	test_printed_ustack
}
