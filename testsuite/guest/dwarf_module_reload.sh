#!/bin/sh
# Unloads and reloads our test module twice while the script runs, with a
# round of calls after each load; leaves it loaded, as testsuite/run did.
for i in 1 2; do
	rmmod stp_testmod || exit 1
	echo > /dev/null	# (no probe can hit now)
	insmod ../kmod/stp_testmod.ko || exit 1
	echo "load $i" > /proc/stp_testmod
done
