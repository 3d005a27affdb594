#!/bin/sh
# Run by tapset_udp_all.stp (-c): a UDP socket bound to 127.0.0.1:5202 and
# connected to a receiver bound to 127.0.0.1:5201 sends it 123 bytes,
# then drops its peer with connect(2) to an AF_UNSPEC address.
ip link set lo up
exec /usr/bin/python3 - <<'PY'
import ctypes, socket
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 5201))
cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cli.bind(("127.0.0.1", 5202))
cli.connect(("127.0.0.1", 5201))
cli.send(b"u" * 123)
srv.recv(4096)
libc = ctypes.CDLL(None, use_errno=True)
unspec = ctypes.create_string_buffer(16)	# sa_family 0: AF_UNSPEC
libc.connect(cli.fileno(), unspec, 16)
cli.close()
srv.close()
PY
