#!/bin/sh
# Run by trace_sys_enter.stp: exactly five getppid(2) calls (perl makes
# the system call each time), in the -c process itself.
exec /usr/bin/perl -e 'getppid() for 1 .. 5'
