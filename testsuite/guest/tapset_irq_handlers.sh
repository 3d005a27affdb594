#!/bin/sh
# Run by tapset_irq_handlers.stp (-c): tells the script the number and
# name of each interrupt /proc/interrupts lists (one write each), then
# reads files and sleeps while the guest's virtio devices and timers
# interrupt.
for f in /proc/systemtap/*/irq; do :; done
grep -E '^ *[0-9]+:' /proc/interrupts | while read -r irq rest; do
	printf '%s %s\n' "${irq%:}" "${rest##* }" >"$f"
done
echo done >"$f"
cat /usr/bin/[a-c]* >/dev/null
sleep 1
