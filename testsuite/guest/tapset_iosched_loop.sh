#!/bin/sh
# Run by tapset_iosched_loop.stp (-c): a loop device (blk-mq) over a
# file on the tmpfs /run, with mq-deadline as its scheduler, and two
# direct transfers of 4096 bytes at sector 40: a write, then a read.
img=/run/stap_iosched.img
modprobe loop || exit 1
dd if=/dev/zero of=$img bs=1M count=4 status=none
losetup /dev/loop0 $img || exit 1
echo mq-deadline >/sys/block/loop0/queue/scheduler
dd if=/dev/zero of=/dev/loop0 bs=4096 count=1 seek=5 oflag=direct status=none
dd if=/dev/loop0 of=/dev/null bs=4096 count=1 skip=5 iflag=direct status=none
losetup -d /dev/loop0
rm -f $img
