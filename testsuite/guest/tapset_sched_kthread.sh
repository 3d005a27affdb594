#!/bin/sh
# Run by tapset_sched_kthread.stp (-c): dm-bufio's module creates a
# workqueue with a rescuer kernel thread when it loads, and stops that
# thread when it unloads.
modprobe dm-bufio
modprobe -r dm-bufio
sleep 1	# an RCU grace period or two: the stopped thread is freed
