#!/bin/sh
# Runs the statistics runtime's test module in the guest and prints its
# PASS/FAIL lines; exits 1 if any check failed or the module did not run.
#
#   guest-checks.sh /path/to/stat_test.ko
#
# The module's init runs every check and then fails on purpose, so the
# insmod error is expected and nothing stays loaded.
ko=$1
[ -n "$ko" ] && [ -f "$ko" ] || { echo "usage: $0 stat_test.ko" >&2; exit 2; }

# Only this run's kernel lines count, without their timestamps.
seen=$(dmesg | wc -l)
insmod "$ko" 2>/dev/null
out=$(dmesg | tail -n +$((seen + 1)) | sed -n 's/^.*stat_test: //p')
printf '%s\n' "$out" | grep -E '^(PASS|FAIL): '
printf '%s\n' "$out" | grep -E -v '^(PASS|FAIL): |^begin$|^$' | sed 's/^/  /'

printf '%s\n' "$out" | grep -q '^summary: ' || { echo "FAIL: stat_test did not run"; exit 1; }
printf '%s\n' "$out" | grep -q '^FAIL: ' && exit 1
exit 0
