#!/bin/sh
# Run by tapset_ctl_printk.stp (-c): shows the kernel log lines the
# script's begin probe wrote with printk (their level, then their text
# without the pid that tells this run's lines from earlier runs').
dmesg -r | sed -n "s/^<\([0-9]*\)>\(\[[^]]*\] *\)\{0,1\}tapset_ctl_printk $$: /level \1: /p"
