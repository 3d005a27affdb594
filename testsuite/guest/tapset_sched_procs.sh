#!/bin/sh
# Run by tapset_sched_procs.stp and tapset_sched_cpu.stp (-c): sleep
# children of this shell, killed with SIGTERM and waited for.

# A sleeper.
sleep 60 &
s=$!
sleep 0.5
kill -TERM $s
wait $s 2>/dev/null
echo "the sleeper's status: $?"

# A sleeper held on CPU 0, then allowed only CPU 1 and woken by a signal:
# it moves from CPU 0 to CPU 1 as it wakes.
taskset -c 0 sleep 60 &
m=$!
sleep 0.5
taskset -p -c 1 $m >/dev/null
kill -TERM $m
wait $m 2>/dev/null
echo "the mover's status: $?"
