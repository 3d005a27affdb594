#!/bin/sh
# Reads /proc/stp_testmod once: its show function calls seq_printf.
cat /proc/stp_testmod >/dev/null
