#!/bin/sh
# Run by tapset_kprocess_life.stp (-c): the shell forks twice.  The first
# child execs /bin/sh with known arguments and exits with status 7; the
# second fails to exec a program that does not exist and exits with 127.
/bin/sh -c 'exit 7' stap-arg
/stap/no/such/program 2>/dev/null
exit 5
