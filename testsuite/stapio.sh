# stapio's options, detach/attach, the flight recorder, bulk mode with
# stap-merge and heavy output (testsuite/stapio/), in the suite's guest.
# Sourced by testsuite/run.

stapio_tests() {
	local dir=$WORK/stapio f name
	selected stapio || return
	mkdir -p "$dir"
	# name script extra-options...: modules for the guest's kernel
	while read -r name f opts; do
		if ! (cd testsuite/stapio && "$STAP" -p4 -r "$(release)" -m "$name" \
			-DMAXACTION=10000000 -DMAXSKIPPED=100000000 $opts "$f" >"$dir/$name.log" 2>&1 &&
			mv "$name.ko" "$dir/"); then
			fail "stapio: build $name" "$(cat "$dir/$name.log")"
			return
		fi
	done <<-'LIST'
	sio_heavy heavy.stp
	sio_serial serial.stp
	sio_ticker ticker.stp
	sio_flood flood.stp
	sio_exiter exiter.stp
	sio_serial_bulk serial.stp -DSTP_BULKMODE=1
	sio_heavy_bulk heavy.stp -DSTP_BULKMODE=1
	LIST
	timeout 900 "$ROOT/guest/stap-qemu" run "$GUEST_DIR" -- sh "$ROOT/testsuite/stapio/guest-checks.sh" \
		"$ROOT/stapio/stapio" "$ROOT/stapio/stap-merge" "$dir" >"$dir/log" 2>&1
	report_lines stapio "$dir/log" $?
}
