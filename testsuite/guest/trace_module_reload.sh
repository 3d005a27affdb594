#!/bin/sh
# Run by trace_module_reload.stp: a round of calls into the test module,
# the module unloaded and loaded again, two more rounds.  It stays loaded
# for the tests after this one (testsuite/run loaded it first).
echo > /proc/stp_testmod
rmmod stp_testmod
insmod ../kmod/stp_testmod.ko
echo > /proc/stp_testmod
echo > /proc/stp_testmod
