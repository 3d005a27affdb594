#!/bin/sh
# Run by tapset_vfs_rw.stp (-c): file I/O of known sizes on a tmpfs
# (/run): the shell writes 20 bytes, dd reads them 7 at a time, python
# writes 8 bytes with writev, reads them with readv, and reads from a
# descriptor open for writing only (EBADF).
f=/run/stap_vfs_rw
v=/run/stap_vfs_v
rm -f $f $v
printf '0123456789abcdefghij' >$f
dd if=$f of=/dev/null bs=7 count=2 status=none
python3 -c '
import os
fd = os.open("/run/stap_vfs_v", os.O_RDWR | os.O_CREAT, 0o644)
os.writev(fd, [b"abc", b"defgh"])
os.lseek(fd, 0, os.SEEK_SET)
os.readv(fd, [bytearray(4), bytearray(6)])
os.close(fd)
fd = os.open("/run/stap_vfs_v", os.O_WRONLY)
try:
    os.read(fd, 5)
except OSError:
    pass
os.close(fd)
'
rm -f $f $v
