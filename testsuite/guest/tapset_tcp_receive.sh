#!/bin/sh
# Run by tapset_tcp_receive.stp (-c): a connection on 127.0.0.1 from port
# 5112 to 5111 that carries 100 bytes, closed by the client first, then
# the server; and one on ::1 from 5114 to 5113, whose listener is set
# IPV6_V6ONLY.
ip link set lo up
exec /usr/bin/python3 - <<'PY'
import socket

def pair(family, host, sport, cport):
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    srv.bind((host, sport))
    srv.listen(1)
    cli = socket.socket(family, socket.SOCK_STREAM)
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    cli.bind((host, cport))
    cli.connect((host, sport))
    conn, _ = srv.accept()
    return srv, cli, conn

srv, cli, conn = pair(socket.AF_INET, "127.0.0.1", 5111, 5112)
cli.sendall(b"d" * 100)
got = 0
while got < 100:
    got += len(conn.recv(100 - got))
cli.close()
while conn.recv(100):	# until the client's FIN
    pass
conn.close()
srv.close()

srv, cli, conn = pair(socket.AF_INET6, "::1", 5113, 5114)
cli.close()
while conn.recv(100):
    pass
conn.close()
srv.close()
PY
