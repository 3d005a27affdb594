#!/bin/sh
# Run by tapset_ioblock_brd.stp (-c): direct I/O of known sizes and
# places on a brd ram disk (bio-based: bios complete as submitted).
modprobe brd rd_nr=1 rd_size=4096 || exit 1
dd if=/dev/zero of=/dev/ram0 bs=4096 count=1 seek=2 oflag=direct status=none
dd if=/dev/ram0 of=/dev/null bs=2048 count=1 skip=3 iflag=direct status=none
rmmod brd
