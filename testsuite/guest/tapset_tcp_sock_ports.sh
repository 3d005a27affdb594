#!/bin/sh
# Run by tapset_tcp_sock_ports.stp (-c): a connection on loopback from
# port 5104 to a listener on 5103; 10 bytes from the client, then 10 back.
ip link set lo up
exec /usr/bin/python3 - <<'PY'
import socket

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 5103))
srv.listen(1)
cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
cli.bind(("127.0.0.1", 5104))
cli.connect(("127.0.0.1", 5103))
conn, _ = srv.accept()
cli.sendall(b"x" * 10)
conn.recv(10)
conn.sendall(b"y" * 10)
cli.recv(10)
for s in (cli, conn, srv):
    s.close()
PY
