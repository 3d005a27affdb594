#!/bin/sh
# Run by tapset_vfs_pagecache.stp (-c): an ext2 file system on a brd ram
# disk, one file written with two pages (8192 bytes, buffered), written
# back, and its clean pages dropped from the page cache.
modprobe brd rd_nr=1 rd_size=4096 || exit 1
mkfs.ext2 -q -F /dev/ram0 || exit 1
m=/run/stap_vfs_mnt
mkdir -p $m
mount -t ext4 /dev/ram0 $m || exit 1
dd if=/dev/zero of=$m/stap_vfs_pc bs=4096 count=2 status=none
sync
echo 1 >/proc/sys/vm/drop_caches
rm $m/stap_vfs_pc
umount $m
rmdir $m
rmmod brd
