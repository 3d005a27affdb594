#!/bin/bash
# Run by tapset_time.stp (-c): writes the guest's own idea of the time,
# its time zone and its kernel's HZ into the script's procfs files.
for f in /proc/systemtap/*/before; do d=${f%/*}; done
put() { printf %s "$2" >"$d/$1"; }
date_of() { date -u -d "@$1" '+%a %b %e %H:%M:%S %Y'; }

put before "$(date +%s)"
sleep 1
put after "$(date +%s)"
put hz "$(sed -n 's/^CONFIG_HZ=//p' /boot/config-"$(uname -r)")"
z=$(date +%z)	# +hhmm east of UTC
west=$((-(${z:0:1}1) * (10#${z:1:2} * 3600 + 10#${z:3:2} * 60)))
put tz "$(date +%Z) $west"
# tz_ctime() shifts by the zone's offset now (also for times when
# summer time had another)
for s in 0 1000000000 951782400 -1 -2147483648 2147483647 "$(date +%s)"; do
	put epoch "$s"
	put utc "$(date_of "$s")"
	[ $((s - west)) -ge -2147483648 ] && [ $((s - west)) -le 2147483647 ] &&
		put local "$(date_of $((s - west))) $(date +%Z)"
done
