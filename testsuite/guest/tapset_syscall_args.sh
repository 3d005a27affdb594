#!/bin/sh
# Run by tapset_syscall_args.stp (-c): system calls on one file whose
# arguments and results the script checks.
f=/tmp/stap_syscall_args
rm -f $f
printf 'twelve bytes' >$f
(cat $f >/dev/null)	# a subshell: dash forks (clone) for it
cat /tmp/stap_syscall_missing 2>/dev/null
kill -CONT $$
rm -f $f
