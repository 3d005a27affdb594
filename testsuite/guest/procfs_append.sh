#!/bin/sh
# Run in the guest by procfs_append.stp: what a reader of "table" gets.
for f in /proc/systemtap/*/log; do d=${f%/log}; done
cd "$d" || exit 1
for pass in 1 2; do
	cat table >/tmp/procfs_append.$$
	printf %s "bytes $(wc -c </tmp/procfs_append.$$), lines $(wc -l </tmp/procfs_append.$$)" >log
	printf %s "first: $(head -n 1 /tmp/procfs_append.$$)" >log
	printf %s "row 100: $(sed -n 101p /tmp/procfs_append.$$)" >log
	printf %s "last: $(tail -n 1 /tmp/procfs_append.$$)" >log
done
# small reads go on through the same text: the probes run once
printf %s "dd bs=100: $(dd if=table bs=100 2>/dev/null | wc -c) bytes" >log
rm -f /tmp/procfs_append.$$
