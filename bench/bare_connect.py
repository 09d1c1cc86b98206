"""Baseline for bench_connect.py: one TLS handshake with a server, as a bare script would do it.

    python bench/bare_connect.py HOST PORT CAFILE

socket + SSLContext.wrap_socket, verifying against CAFILE, printing nothing.
"""

from __future__ import annotations

import socket
import ssl
import sys

host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
with (
    socket.create_connection((host, port), timeout=10) as sock,
    ctx.wrap_socket(sock, server_hostname=host),
):
    pass
