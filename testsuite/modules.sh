# A module that is not loaded when the script starts: its probes wait for
# it, and its static data can't be read until it comes.  Sourced by testsuite/run; needs the running guest, with
# stp_testmod loaded (as load_test_module leaves it, and so do we).
test_module_loaded_later() {
	local name="guest: module probes wait for the module to load"
	selected "$name" || return
	if ! "$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- rmmod stp_testmod >"$WORK/later.err" 2>&1; then
		fail "$name" "rmmod: $(cat "$WORK/later.err")"
		return
	fi
	(cd testsuite/guest && "$STAP" --remote=qemu \
		-c 'sh -c "insmod ../kmod/stp_testmod.ko && echo > /proc/stp_testmod"' -e '
		probe begin {
			try { println(@var("rounds@stp_testmod.c", "../kmod/stp_testmod.ko")) }
			catch (msg) { println("begin: ", msg) }
		}
		probe module("../kmod/stp_testmod.ko").function("stp_test_string") {
			printf("string %s, skip %d, rounds %d\n", kernel_string($s), $skip, $rounds)
		}' >"$WORK/later.out" 2>"$WORK/later.err")
	# (loaded again whatever happened, for the tests that follow)
	"$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh -c \
		"grep -q '^stp_testmod ' /proc/modules || insmod '$ROOT/testsuite/kmod/stp_testmod.ko'" >/dev/null 2>&1
	printf '%s\n' "begin: module data at stp_testmod:rounds is not available (module not loaded)" \
		"string hello, probe, skip 7, rounds 0" >"$WORK/later.want"
	check_same "$name" "$WORK/later.want" "$WORK/later.out" "$WORK/later.err"
}

module_tests() {
	test_module_loaded_later
}
