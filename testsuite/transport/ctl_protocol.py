#!/usr/bin/env python3
"""Pokes the ctl file of a loaded transport_test module directly, checking
the protocol corners stapio never exercises.  Usage: ctl_protocol.py NAME"""
import errno
import fcntl
import os
import struct
import sys

START, STOP, WARNING, DONE = 1, 2, 18, 19
path = "/sys/kernel/debug/systemtap/%s/ctl" % sys.argv[1]
failures = 0


def check(desc, ok):
    global failures
    print("%s: ctl: %s" % ("PASS" if ok else "FAIL", desc))
    failures += not ok


def expect_errno(desc, err, fn, *args):
    try:
        fn(*args)
        check(desc + " (no error)", False)
    except OSError as e:
        check("%s (%s)" % (desc, os.strerror(e.errno)), e.errno == err)


def messages(fd):
    """All messages now queued, as (type, payload) pairs."""
    out = []
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return out
        while data:
            mtype, mlen = struct.unpack_from("II", data)
            out.append((mtype, data[8:8 + mlen]))
            data = data[8 + mlen:]


fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
expect_errno("second opener refused", errno.EBUSY, os.open, path, os.O_RDWR)
expect_errno("empty read is EAGAIN", errno.EAGAIN, os.read, fd, 4096)
expect_errno("short message refused", errno.EINVAL, os.write, fd, b"\1\0")
expect_errno("length mismatch refused", errno.EINVAL, os.write, fd,
             struct.pack("II", STOP, 4))
expect_errno("unknown type refused", errno.EINVAL, os.write, fd,
             struct.pack("II", 99, 0))
expect_errno("START without target refused", errno.EINVAL, os.write, fd,
             struct.pack("II", START, 0))
check("STOP before START accepted",
      os.write(fd, struct.pack("II", STOP, 0)) == 8)
msgs = messages(fd)
check("it answers with DONE only", [m[0] for m in msgs] == [DONE])
check("DONE carries struct stp_done", len(msgs[0][1]) == 16 if msgs else False)
check("second STOP ignored", os.write(fd, struct.pack("II", STOP, 0)) == 8
      and messages(fd) == [])
expect_errno("START after STOP refused", errno.EBUSY, os.write, fd,
             struct.pack("IIi", START, 4, 0))
os.close(fd)
fd = os.open(path, os.O_RDWR)
check("reopen after close works", fd >= 0)

# STP_IOC_INFO = _IOR('s', 0x51, struct stp_transport_info): 16 bytes
STP_IOC_INFO = (2 << 30) | (16 << 16) | (ord("s") << 8) | 0x51
flags, nsub, subsize = struct.unpack(
    "IIQ", fcntl.ioctl(fd, STP_IOC_INFO, bytes(16)))
want_flags = int(os.environ.get("EXPECT_INFO_FLAGS", "0"))
check("STP_IOC_INFO: flags %d, %d x %d bytes" % (flags, nsub, subsize),
      flags == want_flags and nsub >= 2 and subsize >= 65536)
expect_errno("unknown ioctl refused", errno.ENOTTY, fcntl.ioctl, fd,
             STP_IOC_INFO + 1, bytes(16))
os.close(fd)
sys.exit(1 if failures else 0)
