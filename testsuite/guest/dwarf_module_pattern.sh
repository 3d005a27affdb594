#!/bin/sh
# One read of 1000 bytes from a file on the guest's 9p root.
dd if=dwarf_module_pattern.stp of=/dev/null bs=1000 count=1 status=none
