#!/bin/bash
# Run by tapset_task_rlimit.stp (-c).  Lowers its own soft limit of open
# files, starts a sleep(1) with another one, and writes both limits (as
# ulimit and /proc/PID/limits say) and the sleep's pid to the script's
# procfs file.
for f in /proc/systemtap/*/nofile; do d=${f%/*}; done
ulimit -Sn 777
sh -c 'ulimit -Sn 333 && exec sleep 1000' &
pid=$!
while [ "$(cat /proc/$pid/comm)" != sleep ]; do sleep 0.1; done
while read -r a b c soft rest; do
	[ "$a $b $c" = "Max open files" ] && break
done </proc/$pid/limits
printf '%s\n' "$(ulimit -Sn) $pid $soft" >"$d/nofile"
kill $pid
wait $pid 2>/dev/null
exit 0
