# Tests that need more than "run a script, compare its output": Ctrl-C,
# -o FILE, target(), and pass 5 without a guest.  Sourced by testsuite/run.

# Waits up to $2 seconds for file $1 to contain $3.
wait_for_text() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -q "$3" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# SIGINT to stap ends the script the way Ctrl-C does: end probes run, and
# stap exits with status 0.
test_ctrl_c() {
	local name="guest: Ctrl-C runs the end probe" pid rc
	selected "$name" || return
	"$STAP" --remote=qemu -e 'probe begin { println("started") } probe end { println("end ran") }' \
		>"$WORK/sigint.out" 2>"$WORK/sigint.err" &
	pid=$!
	if ! wait_for_text "$WORK/sigint.out" 120 started; then
		kill -9 $pid
		fail "$name" "the script never started: $(cat "$WORK/sigint.err")"
		return
	fi
	kill -INT $pid
	wait $pid
	rc=$?
	printf 'started\nend ran\n' >"$WORK/sigint.want"
	if [ $rc -ne 0 ]; then
		fail "$name" "exit status $rc: $(cat "$WORK/sigint.err")"
	else
		check_same "$name" "$WORK/sigint.want" "$WORK/sigint.out"
	fi
}

# -o FILE: the output goes to the file (on the host), not to stdout.
test_output_file() {
	local name="guest: -o FILE"
	selected "$name" || return
	rm -f "$WORK/o.txt"
	"$STAP" --remote=qemu -o "$WORK/o.txt" -e 'probe begin { println("into the file") exit() }' \
		>"$WORK/o.stdout" 2>"$WORK/o.err"
	if [ $? -ne 0 ] || [ -s "$WORK/o.stdout" ]; then
		fail "$name" "status or stdout wrong: $(cat "$WORK/o.stdout" "$WORK/o.err")"
		return
	fi
	echo "into the file" >"$WORK/o.want"
	check_same "$name" "$WORK/o.want" "$WORK/o.txt"
}

# -c CMD: target() is the command's pid, and the script ends when it does.
test_target_cmd() {
	local name="guest: -c CMD sets target() and ends with it" rc
	selected "$name" || return
	"$STAP" --remote=qemu -c 'sleep 1' -e 'probe begin { printf("target set: %d\n", target() > 1) }
		probe end { println("ended") }' >"$WORK/c.out" 2>"$WORK/c.err"
	rc=$?
	printf 'target set: 1\nended\n' >"$WORK/c.want"
	if [ $rc -ne 0 ]; then
		fail "$name" "$(cat "$WORK/c.err")"
	else
		check_same "$name" "$WORK/c.want" "$WORK/c.out"
	fi
}

# -x PID: target() is PID.
test_target_pid() {
	local name="guest: -x PID sets target()"
	selected "$name" || return
	"$STAP" --remote=qemu -x 1 -e 'probe begin { printf("target %d\n", target()) exit() }' \
		>"$WORK/x.out" 2>"$WORK/x.err"
	echo "target 1" >"$WORK/x.want"
	check_same "$name" "$WORK/x.want" "$WORK/x.out"
}

special_tests() {
	test_ctrl_c
	test_output_file
	test_target_cmd
	test_target_pid
	test_staprun_options
}

# stap passes -v, -w, -s N (as -b N), -S and -F on to staprun (-vv shows
# the command); with --remote=qemu, -S/-b/-F -o FILE is written in the
# guest, under the /tmp it shares; any other -o has its strftime
# patterns expanded here.
test_staprun_options() {
	local name="guest: stap passes -w, -s, -S, -b and -o on to staprun" out err year
	selected "$name" || return
	out=$("$STAP" --remote=qemu -vv -w -s 8 -e 'probe begin { warn("careful") println("x") exit() }' \
		2>"$WORK/opts.err")
	if [ "$out" != x ] || grep -q careful "$WORK/opts.err" ||
		! grep -q "^Running [^ ]*/staprun -v -v -w -b 8 [^ ]*\.ko\$" "$WORK/opts.err"; then
		fail "$name" "stdout: $out; stderr: $(cat "$WORK/opts.err")"
		return
	fi
	rm -f "$WORK"/rot.* "$WORK"/bulk_cpu*
	err=$("$STAP" --remote=qemu -S 1,2 -o "$WORK/rot" -e 'probe begin { println("rotated") exit() }' 2>&1
		"$STAP" --remote=qemu -b -o "$WORK/bulk" -e 'probe begin { println("bulk") exit() }' 2>&1
		"$STAP" --remote=qemu -o "$WORK/out-%Y" -e 'probe begin { println("dated") exit() }' 2>&1)
	year=$(date +%Y)
	if [ -n "$err" ] || [ "$(cat "$WORK/rot.0" 2>&1)" != rotated ] ||
		! grep -qa bulk "$WORK"/bulk_cpu* || [ "$(cat "$WORK/out-$year" 2>&1)" != dated ]; then
		fail "$name" "$err; $(ls "$WORK")"
		return
	fi
	pass "$name"
}

# Without --remote, on a kernel that cannot load modules, pass 5 stops
# with one clear line.
host_tests() {
	local name="host: pass 5 without modules says why" rc
	selected "$name" || return
	if [ -e /proc/modules ]; then
		skipped=$((skipped + 1))
		echo "SKIP: $name (this kernel can load modules)"
		return
	fi
	(cd "$WORK" && "$STAP" -e 'probe begin { exit() }' >/dev/null 2>"$WORK/p5.err")
	rc=$?
	if [ $rc -ne 1 ] || ! grep -q "^stap: pass 5 cannot run here: this kernel (.*) cannot load modules; try --remote=qemu\$" "$WORK/p5.err"; then
		fail "$name" "status $rc: $(cat "$WORK/p5.err")"
	else
		pass "$name"
	fi
}

# Runs a check script and reports each of its PASS:/FAIL: lines as ours,
# prefixed; a script that fails without saying why counts as a failure.
report_lines() {
	local prefix=$1 log=$2 status=$3 line
	while IFS= read -r line; do
		case $line in
		PASS:*) pass "$prefix: ${line#PASS: }" ;;
		FAIL:*) fail "$prefix: ${line#FAIL: }" ;;
		esac
	done <"$log"
	if [ "$status" -ne 0 ] && ! grep -q '^FAIL:' "$log"; then
		fail "$prefix: exit status $status" "$(tail -20 "$log")"
	fi
}

# The kernel transport, staprun and stapio, with a hand-written module
# (testsuite/transport/), in the suite's guest.
transport_tests() {
	local dir=$WORK/transport
	selected transport || return
	mkdir -p "$dir"
	cp testsuite/transport/transport_test.c testsuite/transport/Kbuild "$dir/"
	if ! make -s -C "/lib/modules/$(release)/build" M="$dir" STP_RUNTIME="$ROOT/runtime" modules \
		>"$dir/build.log" 2>&1; then
		fail "transport: build the test module" "$(cat "$dir/build.log")"
		return
	fi
	timeout 600 "$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh "$ROOT/testsuite/transport/guest-checks.sh" \
		"$ROOT/staprun/staprun" "$ROOT/stapio/stapio" "$dir/transport_test.ko" >"$dir/log" 2>&1
	report_lines transport "$dir/log" $?
}

# A runtime part's own test module (testsuite/NAME/: Kbuild, *.c and
# guest-checks.sh MODULE.ko), built here and loaded in the suite's guest.
runtime_module_tests() {
	local name=$1 module=$2 dir=$WORK/$1
	selected "$name" || return
	mkdir -p "$dir"
	cp testsuite/"$name"/Kbuild testsuite/"$name"/*.c "$dir/"
	if ! make -s -C "/lib/modules/$(release)/build" M="$dir" STP_RUNTIME="$ROOT/runtime" modules \
		>"$dir/build.log" 2>&1; then
		fail "$name: build the test module" "$(cat "$dir/build.log")"
		return
	fi
	timeout 600 "$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh "$ROOT/testsuite/$name/guest-checks.sh" \
		"$dir/$module.ko" >"$dir/log" 2>&1
	report_lines "$name" "$dir/log" $?
}

# The guest runner itself: boots, commands, signals, timeouts (its own guests).
runner_tests() {
	local log=$WORK/runner.log
	selected runner || return
	timeout 900 testsuite/guest-runner.sh "$ROOT/guest/stap-qemu" "$ROOT/guest/stap-guest-agent" >"$log" 2>&1
	report_lines runner "$log" $?
}

# Command-line handling that needs no guest.
cli_tests() {
	local name out
	name="cli: -V prints the version"
	if selected "$name"; then
		out=$("$STAP" -V 2>&1)
		[[ "$out" == "stap "*"version "* ]] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -p out of range"
	if selected "$name"; then
		out=$("$STAP" -p 9 -e 'probe begin {}' 2>&1)
		[ "$out" = "stap: -p takes 1 to 5, not '9'" ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: missing script file"
	if selected "$name"; then
		out=$("$STAP" -p1 "$WORK/no-such.stp" 2>&1)
		[ "$out" = "stap: cannot read $WORK/no-such.stp: No such file or directory
Pass 1: parse failed." ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: script from standard input"
	if selected "$name"; then
		out=$(echo 'probe begin { exit() }' | "$STAP" -p1 - 2>&1)
		[ "$out" = "probe begin
{
  exit()
}" ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -p4 -m NAME writes NAME.ko here"
	if selected "$name"; then
		(cd "$WORK" && "$STAP" -p4 -r "$(release)" -m cli_test -e 'probe begin { exit() }' >"$WORK/p4.out" 2>&1)
		[ "$(cat "$WORK/p4.out")" = "cli_test.ko" ] && [ -f "$WORK/cli_test.ko" ] &&
			pass "$name" || fail "$name" "$(cat "$WORK/p4.out")"
	fi
	name="cli: a bad -m NAME"
	if selected "$name"; then
		out=$("$STAP" -p4 -r "$(release)" -m 'bad-name' -e 'probe begin { exit() }' 2>&1)
		[ "$out" = "stap: invalid module name 'bad-name' (letters, digits and '_', at most 55)
Pass 4: compilation failed." ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: options after the script file are options, as in SystemTap; '--' ends them"
	if selected "$name"; then
		printf 'probe begin { println(@1) }\n' >"$WORK/args.stp"
		out=$("$STAP" "$WORK/args.stp" -p1 first 2>&1; "$STAP" "$WORK/args.stp" -p1 -- -x 2>&1)
		[ "$out" = 'probe begin
{
  println("first")
}
probe begin
{
  println("-x")
}' ] && pass "$name" || fail "$name" "$out"
	fi
	dump_tests
	run_option_tests
}

# --privilege and the options stap passes on to staprun: what they refuse.
run_option_tests() {
	local name out
	name="cli: --privilege takes stapusr, stapsys or stapdev; -g needs stapdev"
	if selected "$name"; then
		out=$("$STAP" -p1 --privilege=root -e 'probe begin {}' 2>&1
			"$STAP" -p1 --privilege=stapsys -g -e 'probe begin {}' 2>&1
			"$STAP" -p1 -g --unprivileged -e 'probe begin {}' 2>&1)
		[ "$out" = "stap: --privilege takes stapusr, stapsys or stapdev, not 'root'
stap: guru mode (-g) is not allowed for --privilege=stapsys (only for stapdev)
stap: guru mode (-g) is not allowed for --privilege=stapusr (only for stapdev)" ] &&
			pass "$name" || fail "$name" "$out"
	fi
	name="cli: -S needs -o; -S, -s and -T check their numbers"
	if selected "$name"; then
		out=$("$STAP" -p1 -S 10 -e 'probe begin {}' 2>&1
			"$STAP" -p1 -o out -S 10,0 -e 'probe begin {}' 2>&1
			"$STAP" -p1 -o out -S x -e 'probe begin {}' 2>&1
			"$STAP" -p1 -s 4096 -e 'probe begin {}' 2>&1
			"$STAP" -p1 -T 0 -e 'probe begin {}' 2>&1)
		[ "$out" = "stap: -S needs -o FILE (the output files to switch between)
stap: -S takes SIZE[,N]: MB per output file and how many files to keep, not '10,0'
stap: -S takes SIZE[,N]: MB per output file and how many files to keep, not 'x'
stap: -s takes a buffer size in MB, 1 to 4095, not '4096'
stap: -T takes a number of seconds, not '0'" ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: --remote=qemu with -S, -b or -F -o: -o must be under /tmp or /var/tmp"
	if selected "$name"; then
		out=$("$STAP" --remote=qemu -o out -S 1 -e 'probe begin {}' 2>&1
			"$STAP" --remote=qemu -b -e 'probe begin {}' 2>&1
			"$STAP" --remote=qemu -F -o /tmp/../etc/x -e 'probe begin {}' 2>&1)
		[ "$out" = "stap: with --remote=qemu, -S writes its output files in the guest: -o must name a file under /tmp or /var/tmp (absolute), which the guest shares
stap: with --remote=qemu, -b writes its output files in the guest: -o must name a file under /tmp or /var/tmp (absolute), which the guest shares
stap: with --remote=qemu, -F writes its output files in the guest: -o must name a file under /tmp or /var/tmp (absolute), which the guest shares" ] &&
			pass "$name" || fail "$name" "$out"
	fi
}

# --dump-functions / --dump-probe-aliases: the library, typed, a line each,
# and every entry has a doc comment (its summary follows " - ").
dump_tests() {
	local name out
	name="cli: --dump-functions lists the library's functions, typed and documented"
	if selected "$name"; then
		out=$("$STAP" --dump-functions 2>&1)
		if ! grep -qx 'kernel_string:string (addr:long) - The C string at a kernel address' <<<"$out" ||
		   ! grep -qx 'strlen:long (s:string) - .*' <<<"$out"; then
			fail "$name" "$(head -5 <<<"$out")"
		elif grep -v ' - ' <<<"$out" | grep -q .; then
			fail "$name" "functions without a doc comment: $(grep -v ' - ' <<<"$out" | head -5)"
		elif grep -vq '^[A-Za-z0-9_]*:[a-z]* ([^)]*) - ' <<<"$out"; then	# (HZ)
			fail "$name" "malformed: $(grep -v '^[A-Za-z0-9_]*:[a-z]* ([^)]*) - ' <<<"$out" | head -3)"
		else
			pass "$name"
		fi
	fi
	name="cli: --dump-functions with a tapset file whose probe has locals"
	if selected "$name"; then
		mkdir -p "$WORK/dump_tapset"
		printf '%s\n' '/**' ' * sfunction dump_test - For the test' ' */' 'function dump_test() { return 1 }' \
			'probe begin { x = 1; y = "text" }' >"$WORK/dump_tapset/dump_test.stp"
		out=$("$STAP" -I "$WORK/dump_tapset" --dump-functions 2>&1)
		if [ $? -eq 0 ] && grep -qx 'dump_test:long () - For the test' <<<"$out"; then
			pass "$name"
		else
			fail "$name" "$(grep -v ' - ' <<<"$out" | head -20)"
		fi
	fi
	name="cli: --dump-probe-aliases: every alias has a doc comment"
	if selected "$name"; then
		out=$("$STAP" --dump-probe-aliases 2>&1)
		if [ $? -ne 0 ] || grep -v ' - ' <<<"$out" | grep -q .; then
			fail "$name" "$(grep -v ' - ' <<<"$out" | head -5)"
		else
			pass "$name"
		fi
	fi
	man_page_tests
}


# stap -l / -L PATTERN: the matching probe points, sorted, exit status 1
# for none.
listing_tests() {
	local name out rc
	name="cli: -l lists matching tapset aliases and fixed points"
	if selected "$name"; then
		out=$("$STAP" -I testsuite/tapset_test -l 'counter.*' 2>&1; "$STAP" -l 'b*' 2>&1;
		      "$STAP" -l 'timer.ms(5)' 2>&1)
		[ "$out" = "counter.tick
begin
timer.ms(5)" ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -L adds the probe's variables and their types"
	if selected "$name"; then
		out=$("$STAP" -I testsuite/tapset_test -L 'counter.t*' 2>&1)
		[ "$out" = "counter.tick tick_no:long" ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -l with no match prints nothing and fails"
	if selected "$name"; then
		out=$("$STAP" -l 'no.such.point' 2>&1)
		rc=$?
		[ -z "$out" ] && [ $rc -eq 1 ] && pass "$name" || fail "$name" "rc $rc: $out"
	fi
	name="cli: -l lists procfs points and each perf.sw event"
	if selected "$name"; then
		out=$("$STAP" -l 'procfs("status").read' 2>&1; "$STAP" -l 'procfs.*' 2>&1; "$STAP" -l 'perf.sw.*' 2>&1)
		[ "$out" = 'procfs("status").read
procfs.read
procfs.write
perf.sw.alignment_faults
perf.sw.context_switches
perf.sw.cpu_clock
perf.sw.cpu_migrations
perf.sw.emulation_faults
perf.sw.page_faults
perf.sw.page_faults_maj
perf.sw.page_faults_min
perf.sw.task_clock' ] && pass "$name" || fail "$name" "$out"
	fi
}

# -l on kernel.function: one line per function the pattern finds.
kernel_listing_tests() {
	local name="cli: -l lists each function kernel.function(PATTERN) finds" out
	selected "$name" || return
	# (line numbers change with the kernel's updates: N stands for them)
	out=$("$STAP" -r "$(release)" -l 'kernel.function("vfs_read*")' 2>&1 | sed 's/:[0-9]*")/:N")/')
	[ "$out" = 'kernel.function("vfs_read@fs/read_write.c:N")
kernel.function("vfs_readlink@fs/namei.c:N")
kernel.function("vfs_readv@fs/read_write.c:N")' ] && pass "$name" || fail "$name" "$out"
	name="cli: -l finds the aliases of a function (__x64_sys_getppid is __do_sys_getppid)"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -l 'kernel.function("*sys_getppid")' 2>&1 | sed 's/:[0-9]*")/:N")/')
		[ "$out" = 'kernel.function("__do_sys_getppid@kernel/sys.c:N")
kernel.function("__ia32_sys_getppid@kernel/sys.c:N")
kernel.function("__x64_sys_getppid@kernel/sys.c:N")' ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -l lists process points: process.*, a program's markers and functions"
	if selected "$name"; then
		out=$("$STAP" -l 'process.*' 2>&1
			"$STAP" -l 'process("testsuite/uprog/uprog").provider("uprog").mark("[im]*")' 2>&1
			"$STAP" -l 'process("testsuite/uprog/uprog").library("libuprog.so").function("lib_*").return' 2>&1)
		[ "$out" = "process.begin
process.end
process.syscall
process.syscall.return
process.thread.begin
process.thread.end
process(\"$ROOT/testsuite/uprog/uprog\").provider(\"uprog\").mark(\"ints\")
process(\"$ROOT/testsuite/uprog/uprog\").provider(\"uprog\").mark(\"mixed\")
process(\"$ROOT/testsuite/uprog/libuprog.so\").function(\"lib_name\").return
process(\"$ROOT/testsuite/uprog/libuprog.so\").function(\"lib_scale\").return" ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: process(PID) with --remote=qemu needs a persistent guest"
	if selected "$name"; then
		out=$(env -u STAP_QEMU_GUEST "$STAP" --remote=qemu -p2 -e 'probe process(5).function("x") {}' 2>&1)
		[ "$out" = 'semantic error: process(5): with --remote=qemu, a process can be named only in a persistent guest (STAP_QEMU_GUEST): name the program, process("PATH"), and the process with -x at <input>:1:15
    probe process(5).function("x") {}
                  ^
Pass 2: analysis failed.' ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -L lists process points with their variables; FUNC@FILE:LINE and .statement"
	if selected "$name"; then
		out=$("$STAP" -L 'process("testsuite/uprog/uprog").function("*@uprog.c:36")' 2>&1
			"$STAP" -L 'process("testsuite/uprog/uprog").function("point_*").return' 2>&1
			"$STAP" -L 'process("testsuite/uprog/uprog").mark("ints")' 2>&1
			"$STAP" -l 'process("testsuite/uprog/uprog").statement("add_ints@uprog.c:*")' 2>&1
			"$STAP" -p2 -e 'probe process("testsuite/uprog/uprog").statement("add_ints@uprog.c:27") {}' 2>&1)
		[ "$out" = "process(\"$ROOT/testsuite/uprog/uprog\").function(\"point_sum\") \$p:const struct point*
process(\"$ROOT/testsuite/uprog/uprog\").function(\"point_by_value\").return \$return:long int \$p:struct point
process(\"$ROOT/testsuite/uprog/uprog\").function(\"point_sum\").return \$return:long int \$p:const struct point*
process(\"$ROOT/testsuite/uprog/uprog\").provider(\"uprog\").mark(\"ints\") \$arg1:long \$arg2:long
process(\"$ROOT/testsuite/uprog/uprog\").statement(\"add_ints@$ROOT/testsuite/uprog/uprog.c:25\")
process(\"$ROOT/testsuite/uprog/uprog\").statement(\"add_ints@$ROOT/testsuite/uprog/uprog.c:26\")
process(\"$ROOT/testsuite/uprog/uprog\").statement(\"add_ints@$ROOT/testsuite/uprog/uprog.c:28\")
process(\"$ROOT/testsuite/uprog/uprog\").statement(\"add_ints@$ROOT/testsuite/uprog/uprog.c:29\")
semantic error: no code for line 27 in add_ints (it has code at lines 25-29) at <input>:1:50
    probe process(\"testsuite/uprog/uprog\").statement(\"add_ints@uprog.c:27\") {}
                                                     ^
Pass 2: analysis failed." ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -L lists each function's parameters with their types"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -L 'kernel.function("vfs_read")' 2>&1 | sed 's/:[0-9]*")/:N")/')
		[ "$out" = 'kernel.function("vfs_read@fs/read_write.c:N") $file:struct file* $buf:char* $count:size_t $pos:loff_t*' ] &&
			pass "$name" || fail "$name" "$out"
	fi
	name="cli: -l module(PATTERN).function(F) lists F in each module that has it"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -l 'module("9p*").function("v9fs_file_read_iter")' 2>&1 | sed 's/:[0-9]*")/:N")/')
		[ "$out" = 'module("9p").function("v9fs_file_read_iter@fs/9p/vfs_file.c:N")' ] &&
			pass "$name" || fail "$name" "$out"
	fi
	name="cli: -l kernel.statement(\"F@FILE:*\") lists each line with code in F"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -l 'module("testsuite/kmod/stp_testmod.ko").statement("stp_test_array@stp_testmod.c:*")' 2>&1)
		[ "$out" = "module(\"testsuite/kmod/stp_testmod.ko\").statement(\"stp_test_array@$ROOT/testsuite/kmod/stp_testmod.c:49\")
module(\"testsuite/kmod/stp_testmod.ko\").statement(\"stp_test_array@$ROOT/testsuite/kmod/stp_testmod.c:50\")
module(\"testsuite/kmod/stp_testmod.ko\").statement(\"stp_test_array@$ROOT/testsuite/kmod/stp_testmod.c:52\")
module(\"testsuite/kmod/stp_testmod.ko\").statement(\"stp_test_array@$ROOT/testsuite/kmod/stp_testmod.c:53\")
module(\"testsuite/kmod/stp_testmod.ko\").statement(\"stp_test_array@$ROOT/testsuite/kmod/stp_testmod.c:54\")" ] &&
			pass "$name" || fail "$name" "$out"
	fi
	name="cli: -L on a module's .return points adds \$return; @FILE:LINE selects"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -L 'module("testsuite/kmod/stp_testmod.ko").function("stp_test_*@stp_testmod.c").return' 2>&1)
		[ "$out" = "module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_array@$ROOT/testsuite/kmod/stp_testmod.c:48\").return \$return:int \$values:const int* \$n:int
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_bad_pointer@$ROOT/testsuite/kmod/stp_testmod.c:58\").return \$return:int \$o:struct stp_outer*
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_guru@$ROOT/testsuite/kmod/stp_testmod.c:64\").return \$return:int \$x:int
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_ints@$ROOT/testsuite/kmod/stp_testmod.c:33\").return \$return:int \$a:int \$b:long int \$c:unsigned char \$d:short int
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_open@$ROOT/testsuite/kmod/stp_testmod.c:123\").return \$return:int \$inode:struct inode* \$file:struct file*
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_show@$ROOT/testsuite/kmod/stp_testmod.c:116\").return \$return:int \$m:struct seq_file* \$v:void*
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_string@$ROOT/testsuite/kmod/stp_testmod.c:43\").return \$return:const char* \$s:const char* \$skip:int
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_struct@$ROOT/testsuite/kmod/stp_testmod.c:38\").return \$return:long int \$o:struct stp_outer*
module(\"testsuite/kmod/stp_testmod.ko\").function(\"stp_test_write@$ROOT/testsuite/kmod/stp_testmod.c:110\").return \$return:ssize_t \$file:struct file* \$buf:const char* \$count:size_t \$pos:loff_t*" ] &&
			pass "$name" || fail "$name" "$out"
	fi
}

# -l and -L on kernel.trace: one line per tracepoint, as SYSTEM:NAME (or
# NAME alone for one without a trace event), -L with the arguments.
trace_listing_tests() {
	local name out
	name="cli: -l lists kernel.trace(\"SYSTEM:*\") by system and name"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -l 'kernel.trace("sched:sched_process_*")' 2>&1)
		[ "$out" = 'kernel.trace("sched:sched_process_exec")
kernel.trace("sched:sched_process_exit")
kernel.trace("sched:sched_process_fork")
kernel.trace("sched:sched_process_free")
kernel.trace("sched:sched_process_hang")
kernel.trace("sched:sched_process_wait")' ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -L lists kernel.trace(\"*:NAME\") with each argument's type"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -L 'kernel.trace("*:sys_e*")' 2>&1)
		[ "$out" = 'kernel.trace("raw_syscalls:sys_enter") $regs:struct pt_regs* $id:long int
kernel.trace("raw_syscalls:sys_exit") $regs:struct pt_regs* $ret:long int' ] &&
			pass "$name" || fail "$name" "$out"
	fi
	name="cli: -l 'kernel.trace(\"*\")' lists every tracepoint, with or without a system"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -l 'kernel.trace("*")' 2>&1)
		if [ "$(grep -c '^kernel\.trace("[a-z0-9_]*:[a-z0-9_]*")$' <<<"$out")" -gt 500 ] &&
		   grep -qx 'kernel.trace("sched:sched_switch")' <<<"$out" &&
		   grep -qx 'kernel.trace("irq:irq_handler_entry")' <<<"$out" &&
		   grep -qx 'kernel.trace("pelt_cfs_tp")' <<<"$out" &&
		   grep -qx 'kernel.trace("kvm:kvm_exit")' <<<"$out" &&
		   grep -qx 'kernel.trace("kvmmmu:fast_page_fault")' <<<"$out" &&
		   ! grep -qvx 'kernel\.trace("[A-Za-z0-9_:-]*")' <<<"$out"; then
			pass "$name"
		else
			fail "$name" "$(head -5 <<<"$out")"
		fi
	fi
	module_trace_listing_tests
}

# Module tracepoints: modules.dep's (ext4.ko; kvm.ko defines two systems),
# and our test module's, named with -d (testsuite/kmod/stp_testmod_trace.h).
module_trace_listing_tests() {
	local name out
	name="cli: -L lists a module's tracepoint with its arguments' types"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -L 'kernel.trace("ext4:ext4_sync_file_e*")' 2>&1)
		[ "$out" = 'kernel.trace("ext4:ext4_sync_file_enter") $file:struct file* $datasync:int
kernel.trace("ext4:ext4_sync_file_exit") $inode:struct inode* $ret:int' ] &&
			pass "$name" || fail "$name" "$out"
	fi
	name="cli: -l finds a module's tracepoints by a system other than its name"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -l 'kernel.trace("kvm*:kvm_mmu_get_page")' 2>&1)
		[ "$out" = 'kernel.trace("kvmmmu:kvm_mmu_get_page")' ] && pass "$name" || fail "$name" "$out"
	fi
	name="cli: -L with -d MODULE.ko lists that module's tracepoints"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -d testsuite/kmod/stp_testmod.ko -L 'kernel.trace("stp_testmod:*")' 2>&1)
		[ "$out" = 'kernel.trace("stp_testmod:stp_testmod_round") $round:int $value:long int $label:const char* $inner:const struct stp_inner*
kernel.trace("stp_testmod:stp_testmod_wide") $a:long int $b:long int $c:long int $d:long int $e:long int $f:long int $g:long int' ] &&
			pass "$name" || fail "$name" "$out"
	fi
	name="cli: without -d, an out-of-tree module's tracepoints are not seen"
	if selected "$name"; then
		out=$("$STAP" -r "$(release)" -l 'kernel.trace("stp_testmod:*")' 2>&1)
		[ -z "$out" ] && pass "$name" || fail "$name" "$out"
	fi
	trace_index_tests
}

# The index of modules.dep's tracepoints is kept in
# $SYSTEMTAP_DIR/cache/tracepoints/RELEASE.index: used while modules.dep
# is the one it was built from (a line added to it shows), rebuilt once
# modules.dep is not (a wrong stamp).
trace_index_tests() {
	local name="cli: the module tracepoint index is cached, and rebuilt when stale" dir=$WORK/tpcache
	local index header out1 out2
	selected "$name" || return
	index="$dir/cache/tracepoints/$(release).index"
	SYSTEMTAP_DIR=$dir "$STAP" -r "$(release)" -l 'kernel.trace("kvm:kvm_exit")' >/dev/null 2>&1
	header=$(head -1 "$index" 2>/dev/null)
	printf '%s\nfakemod\tfakesys\tfake_tp\n' "$header" >"$index"
	out1=$(SYSTEMTAP_DIR=$dir "$STAP" -r "$(release)" -l 'kernel.trace("fakesys:*")' 2>&1)
	printf 'stap tracepoint index 1 0 0.0\nfakemod\tfakesys\tfake_tp\n' >"$index"
	out2=$(SYSTEMTAP_DIR=$dir "$STAP" -r "$(release)" -l 'kernel.trace("fakesys:*")' 2>&1)
	if [[ "$header" == "stap tracepoint index 1 "* ]] && [ "$out1" = 'kernel.trace("fakesys:fake_tp")' ] &&
	   [ -z "$out2" ] && [ "$(head -1 "$index")" = "$header" ] && grep -q '^kvm	kvm	kvm_exit$' "$index"; then
		pass "$name"
	else
		fail "$name" "header '$header', cached: '$out1', stale: '$out2'"
	fi
}
