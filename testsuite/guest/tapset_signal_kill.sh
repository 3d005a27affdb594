#!/bin/sh
# Run by tapset_signal_kill.stp (-c): kill(1) to children of this shell.
# A child that handles SIGUSR1 (it exits with status 7) and ignores
# SIGUSR2 gets both; a sleep child gets SIGKILL.
r=/tmp/stap_signal_kill_ready
rm -f $r
sh -c 'trap "exit 7" USR1; trap "" USR2; : >'$r'; while :; do sleep 0.2; done' &
c=$!
while [ ! -e $r ]; do sleep 0.1; done
kill -USR2 $c
kill -USR1 $c
wait $c
echo "the child's status: $?"
sleep 60 &
k=$!
until read n </proc/$k/comm && [ "$n" = sleep ]; do sleep 0.1; done
kill -KILL $k
wait $k 2>/dev/null
echo "the sleeper's status: $?"
rm -f $r
