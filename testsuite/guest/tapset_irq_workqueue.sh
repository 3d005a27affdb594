#!/bin/sh
# Run by tapset_irq_workqueue.stp (-c).  A freshly loaded loop driver
# creates its device's workqueue when losetup attaches a file, queues
# work on it for each write to the device, and destroys it when the
# driver is unloaded.
img=/tmp/stap_irq_workqueue.img
rmmod loop 2>/dev/null
modprobe loop max_loop=1
dd if=/dev/zero of=$img bs=64k count=4 2>/dev/null
dev=$(losetup -f --show $img)
dd if=/dev/zero of="$dev" bs=4k count=8 oflag=direct 2>/dev/null
losetup -d "$dev"
rmmod loop
rm -f $img
