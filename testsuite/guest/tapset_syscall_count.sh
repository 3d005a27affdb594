#!/bin/sh
# Run by tapset_syscall_count.stp (-c): becomes cat, which opens, reads
# and writes a file and exits.
exec cat /etc/hostname >/dev/null
