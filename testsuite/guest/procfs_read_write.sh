#!/bin/sh
# Run in the guest by procfs_read_write.stp: reads the script's files and
# writes back what was read into "log", one write(2) each.
set -e
for f in /proc/systemtap/*/greeting; do d=${f%/greeting}; done
cd "$d"
printf %s "$(cat greeting)" >log
printf %s "$(cat greeting)" >log
printf %s "$(cat command)" >log
printf %s "$(cat short)" >log
# small reads: the probe runs once, at offset 0
printf %s "$(dd if=greeting bs=3 2>/dev/null)" >log
for f in greeting command log pieces; do
	printf %s "$(stat -c '%n %a' $f)" >log
done
echo "hi there" >greeting
head -c 40 /dev/zero | tr '\0' x >pieces
