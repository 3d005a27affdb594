#!/bin/sh
# Run by tapset_vm_kmem.stp (-c).  Loading the loop driver sets up a
# blk-mq queue, whose tags are allocated on the CPUs' NUMA node; writing
# a sysctl makes the shell kmalloc a zeroed buffer of the length written
# plus one, which it kfrees before the write returns.
rmmod loop 2>/dev/null
modprobe loop max_loop=1
rmmod loop
old=$(cat /proc/sys/kernel/domainname)
printf 'stap-kmalloc-test' >/proc/sys/kernel/domainname
printf '%s' "$old" >/proc/sys/kernel/domainname
