#!/bin/sh
# Run in the guest by procfs_umask.stp: each file's mode, and what user
# nobody (65534) may do with it, one line per write to "log".
for f in /proc/systemtap/*/log; do d=${f%/log}; done
cd "$d" || exit 1
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@" 2>/dev/null; }
for f in r r0 r40 w w2 rw rw0 rw_read0 sub sub/r4 log; do
	read=no; write=no
	as_nobody sh -c "cat $f" >/dev/null && read=yes
	as_nobody sh -c ": >>$f" && write=yes
	[ -d $f ] && read=- && write=-
	printf %s "$(stat -c '%n %a' $f) nobody read $read write $write" >log
done
