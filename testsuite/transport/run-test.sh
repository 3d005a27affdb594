#!/bin/sh
# Builds the transport test module (and staprun/stapio if missing) on the
# host, then runs guest-checks.sh inside the qemu guest.
#
# The guest is driven by build/stap-qemu, or by $STAP_GUEST_RUN if set: a
# command taking a shell script file that it runs as root in the guest.
set -e
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=$TOP/build
KREL=${KREL:-$(ls /lib/modules | sort -V | tail -n 1)}
KDIR=/lib/modules/$KREL/build
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -O2 -g"

if [ ! -x "$B/staprun" ] || [ ! -x "$B/stapio" ]; then
	mkdir -p "$B"
	cc $CFLAGS -o "$B/staprun" "$TOP"/staprun/*.c
	cc $CFLAGS -pthread -o "$B/stapio" "$TOP"/stapio/*.c
fi

# kbuild writes next to its sources: build from a copy under build/.
W=$B/testsuite/transport
mkdir -p "$W"
cp "$TOP/testsuite/transport/transport_test.c" "$TOP/testsuite/transport/Kbuild" "$W/"
make -s -C "$KDIR" M="$W" STP_RUNTIME="$TOP/runtime" modules

CHECKS="$TOP/testsuite/transport/guest-checks.sh"
if [ -n "$STAP_GUEST_RUN" ]; then
	JOB=$W/job.sh
	printf 'sh %s %s\n' "$CHECKS" "$B" >"$JOB"
	exec $STAP_GUEST_RUN "$JOB"
fi
QEMU=$B/stap-qemu
GUEST=$B/testsuite/transport/guest
"$QEMU" start "$GUEST"
status=0
"$QEMU" run "$GUEST" -- sh "$CHECKS" "$B" || status=$?
"$QEMU" stop "$GUEST"
exit $status
