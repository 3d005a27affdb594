#!/bin/sh
# Run by tapset_tcp_data.stp (-c): one process connects 127.0.0.1:5102 to
# a listener on 127.0.0.1:5101 (TCP_NODELAY set on the client), sends
# 1000 bytes, gets 200 back, sends 30 with write(2), then closes the
# client with SO_LINGER at zero seconds, which resets the connection
# (tcp_disconnect).
ip link set lo up
exec /usr/bin/python3 - <<'PY'
import os, socket, struct

def recv_all(s, n):
    got = 0
    while got < n:
        got += len(s.recv(n - got))

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 5101))
srv.listen(1)
cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
cli.bind(("127.0.0.1", 5102))
cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
cli.connect(("127.0.0.1", 5101))
conn, _ = srv.accept()
cli.sendall(b"x" * 1000)
recv_all(conn, 1000)
conn.sendall(b"y" * 200)
recv_all(cli, 200)
os.write(cli.fileno(), b"z" * 30)
recv_all(conn, 30)
cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
cli.close()
conn.close()
srv.close()
PY
