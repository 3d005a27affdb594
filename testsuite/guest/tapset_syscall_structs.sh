#!/bin/sh
# Run by tapset_syscall_structs.stp (-c): python makes the calls.
ip link set lo up
exec /usr/bin/python3 "$(dirname "$0")/tapset_syscall_structs.py"
