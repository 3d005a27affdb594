#!/bin/sh
# Run in the guest by procfs_overflow.stp: what readers get, one read
# each.
for f in /proc/systemtap/*/log; do d=${f%/log}; done
cd "$d" || exit 1
for f in small exact over; do
	v=$(cat $f)
	printf %s "$f: [$v] ${#v} bytes" >log
done
