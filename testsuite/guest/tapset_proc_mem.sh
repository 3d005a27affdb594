#!/bin/bash
# Run by tapset_proc_mem.stp (-c).  Writes what /proc/PID/statm says of
# a sleeping sleep(1) (whose memory no longer changes), the page size
# getconf reports, and then just pokes the script to compare the writer
# (this bash) with itself.
for f in /proc/systemtap/*/statm; do d=${f%/*}; done
sleep 1000 &
pid=$!
# until it runs sleep (not this shell's copy) and sleeps
while [ "$(cat /proc/$pid/comm)" != sleep ] || [ "$(cut -d' ' -f3 /proc/$pid/stat)" != S ]; do
	sleep 0.1
done
read -r statm </proc/$pid/statm
printf '%s\n' "$pid $statm" >"$d/statm"
getconf PAGESIZE >"$d/page"
echo >"$d/self"
kill $pid
wait $pid 2>/dev/null
exit 0
