#!/bin/sh
# Run by tapset_socket_all.stp (-c): a socket that can't be made (UDP
# asked of a stream socket), then a UDP sender connected to a receiver
# on 127.0.0.1:5301: send(2) of 77 bytes, recv(2) of up to 500; write(2)
# of 33, read(2) of up to 300; a non-blocking recv(2) with nothing
# queued (EAGAIN); both closed.
ip link set lo up
exec /usr/bin/python3 - <<'PY'
import os, socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_UDP)
except OSError:
    pass
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 5301))
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cli.connect(("127.0.0.1", 5301))
cli.send(b"s" * 77)
srv.recv(500)
os.write(cli.fileno(), b"w" * 33)
os.read(srv.fileno(), 300)
srv.setblocking(False)
try:
    srv.recv(10)
except BlockingIOError:
    pass
cli.close()
srv.close()
PY
