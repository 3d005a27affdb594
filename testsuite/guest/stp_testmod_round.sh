#!/bin/sh
# One round of calls into testsuite/kmod/stp_testmod.ko (loaded by testsuite/run).
echo > /proc/stp_testmod
