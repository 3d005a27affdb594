# Run by tapset_syscall_structs.sh: system calls whose structs and named
# numbers tapset_syscall_structs.stp checks in argstr.
import ctypes
import fcntl
import mmap
import os
import resource
import select
import signal
import socket

path = "/tmp/stap_syscall_structs"
open(path, "w").close()

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
udp.sendto(b"hi", ("127.0.0.1", 4242))
try:
    udp.connect(("127.0.0.1", 4243))
except OSError:
    pass
udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).connect(("::1", 4244))
except OSError:
    pass
try:
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("/tmp/stap_no_such_socket")
except OSError:
    pass
try:
    udp.shutdown(socket.SHUT_WR)
except OSError:
    pass

select.select([], [], [], 0.25)
r, w = os.pipe2(os.O_CLOEXEC)
poller = select.poll()
poller.register(r, select.POLLIN | select.POLLPRI)
poller.poll(10)
ep = select.epoll()
ep.register(w, select.EPOLLOUT)
os.dup2(r, 100, inheritable=False)
fcntl.fcntl(r, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
with open(path) as f:
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.utime(path, ns=(1_000_000_000, 2_500_000_000))

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
signal.signal(signal.SIGUSR2, signal.SIG_IGN)
signal.setitimer(signal.ITIMER_REAL, 5.0)
signal.setitimer(signal.ITIMER_REAL, 0)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (200, hard))


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


libc = ctypes.CDLL(None, use_errno=True)
libc.nanosleep(ctypes.byref(Timespec(0, 1000)), None)
libc.nanosleep(ctypes.c_void_p(16), None)  # a bad pointer: shown as its address
m = mmap.mmap(-1, 4096)
m.madvise(mmap.MADV_DONTNEED)
child = os.fork()
if child == 0:
    os._exit(0)
os.waitpid(child, 0)
os.unlink(path)
