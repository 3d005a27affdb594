#!/bin/sh
# Loads the map test module in the guest and prints its PASS/FAIL lines.
# Usage: guest-checks.sh MAP_TEST.ko   (as root; the module never stays loaded)
# Exits 1 if any check failed or the summary line is missing.

if [ $# -ne 1 ]; then
	echo "usage: $0 MAP_TEST.ko" >&2
	exit 2
fi
dmesg -c >/dev/null 2>&1 || dmesg -C >/dev/null 2>&1
insmod "$1" 2>/dev/null		# fails with EAGAIN on purpose
out=$(dmesg | sed -n 's/^.*map_test: //p')
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q '^[0-9]* passed, 0 failed$' || exit 1
printf '%s\n' "$out" | grep -q '^FAIL' && exit 1
exit 0
