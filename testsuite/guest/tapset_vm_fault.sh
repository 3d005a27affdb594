#!/bin/sh
# Run by tapset_vm_fault.stp (-c).  Python maps 300 pages of private anonymous
# memory, reads page 7 (which maps the zero page), writes it (which copies
# it), writes every other page once, and unmaps it all.  Then a subshell's
# writes after the fork are copy-on-write faults on real pages.
/usr/bin/python3 -S -I -c '
import mmap
size = 300 * 4096
m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
seven = m[7 * 4096]
m[7 * 4096] = 1
for at in range(0, size, 4096):
    if at != 7 * 4096:
        m[at] = 2
m.close()
'
(stap_var=1; echo "$stap_var" >/dev/null)
