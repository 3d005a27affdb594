# A module that is not loaded when the script starts: its probes wait for
# it.  Sourced by testsuite/run; needs the running guest, with
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
		probe module("../kmod/stp_testmod.ko").function("stp_test_string") {
			printf("string %s, skip %d\n", kernel_string($s), $skip)
		}' >"$WORK/later.out" 2>"$WORK/later.err")
	# (loaded again whatever happened, for the tests that follow)
	"$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh -c \
		"grep -q '^stp_testmod ' /proc/modules || insmod '$ROOT/testsuite/kmod/stp_testmod.ko'" >/dev/null 2>&1
	echo "string hello, probe, skip 7" >"$WORK/later.want"
	check_same "$name" "$WORK/later.want" "$WORK/later.out" "$WORK/later.err"
}

module_tests() {
	test_module_loaded_later
}
