"""Real peers on 127.0.0.1 for the network tests: openssl s_server, Python ssl servers,
plain-text servers and STARTTLS servers. Each listens on an ephemeral port (other
engineers run tests at the same time) and stops when its ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme

from tlsstep.identity import default_identity

LOOPBACK = "127.0.0.1"
# How long a peer may take to start, or to answer one read. Generous bounds so that a test
# never hangs, not timings under test: a loaded machine is slow, never wrong.
START_DEADLINE = 120.0
PEER_TIMEOUT = 60.0


@dataclass
class Certs:
    """One trustme CA and files for its server certificates, written under ``tmp``."""

    tmp: Path
    ca: trustme.CA = field(default_factory=trustme.CA)

    @property
    def ca_file(self) -> Path:
        path = self.tmp / "ca.pem"
        if not path.exists():
            self.ca.cert_pem.write_to_path(str(path))
        return path

    def server_file(self, *names: str, **kwargs: object) -> Path:
        """A PEM file holding key and chain for ``names`` (default: localhost and 127.0.0.1)."""
        names = names or ("localhost", LOOPBACK)
        path = self.tmp / f"server-{'-'.join(names)}-{len(kwargs)}.pem"
        cert = self.ca.issue_cert(*names, **kwargs)  # type: ignore[arg-type]
        cert.private_key_and_cert_chain_pem.write_to_path(str(path))
        return path

    def client_file(self) -> Path:
        path = self.tmp / "client.pem"
        cert = self.ca.issue_cert("client@example.test")
        cert.private_key_and_cert_chain_pem.write_to_path(str(path))
        return path

    def server_context(self, *names: str) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.server_file(*names)))
        return ctx


@contextlib.contextmanager
def openssl_server(cert: Path, *args: str) -> Iterator[int]:
    """``openssl s_server`` on 127.0.0.1 with an ephemeral port; yields the port."""
    proc = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"{LOOPBACK}:0", "-cert", str(cert), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Blocking readline until s_server says ACCEPT (select() on a buffered pipe would
    # miss a line already read into the buffer). The deadline only stops a test from
    # hanging: a loaded 2-core machine can take many seconds to start a process.
    drain: threading.Thread | None = None
    deadline = threading.Timer(START_DEADLINE, proc.kill)
    deadline.start()
    try:
        assert proc.stdout is not None
        seen = b""
        while True:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"openssl s_server did not start: {seen!r}")
            seen += line
            match = re.match(rb"ACCEPT .*:(\d+)", line)
            if match:
                break
        deadline.cancel()
        # s_server reports every connection on stdout: keep the pipe from filling.
        drain = threading.Thread(target=proc.stdout.read, daemon=True)
        drain.start()
        yield int(match.group(1))
    finally:
        deadline.cancel()
        proc.kill()
        proc.wait()
        if drain is not None:
            drain.join(5)
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()


@contextlib.contextmanager
def example_test_server(directory: Path) -> Iterator[int]:
    """``openssl s_server`` as example.test under tlsstep's own test CA (what scenarios trust)."""
    credential = default_identity().server
    pem = directory / "server.pem"
    pem.write_bytes(credential.key_pem + credential.chain_pem)
    with openssl_server(pem) as port:
        yield port


Handler = Callable[[socket.socket], None]


@contextlib.contextmanager
def tcp_server(handler: Handler, *, connections: int = 8) -> Iterator[int]:
    """A thread that accepts connections on 127.0.0.1 and gives each to ``handler``."""
    listener = socket.create_server((LOOPBACK, 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        for _ in range(connections):
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                    break
                except TimeoutError:
                    continue
            else:
                return
            conn.settimeout(PEER_TIMEOUT)
            with conn, contextlib.suppress(OSError, ssl.SSLError):
                handler(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def tls_echo(ctx: ssl.SSLContext) -> Handler:
    """A Python ssl server: handshake, then echo every chunk until the client closes."""

    def handle(conn: socket.socket) -> None:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            while data := tls.recv(65536):
                tls.sendall(data)

    return handle


def silent(conn: socket.socket) -> None:
    """Accept and never answer (until the client goes away)."""
    conn.settimeout(10)
    with contextlib.suppress(OSError):
        while conn.recv(65536):
            pass


def banner(text: bytes) -> Handler:
    """Send ``text`` first, then wait for the client to go away (an SSH server, say)."""

    def handle(conn: socket.socket) -> None:
        conn.sendall(text)
        silent(conn)

    return handle


def http_plain(conn: socket.socket) -> None:
    """A plain HTTP server answering whatever it got with 400, as real ones do to TLS."""
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def smtp_starttls(ctx: ssl.SSLContext, *, offer: bool = True) -> Handler:
    """An SMTP server that speaks RFC 3207's preamble, then TLS with an echo."""

    def handle(conn: socket.socket) -> None:
        conn.sendall(b"220-test.example ESMTP ready\r\n220 test.example ESMTP\r\n")
        _read_line(conn)  # EHLO
        caps = b"250-test.example\r\n250-SIZE 1000\r\n"
        conn.sendall(caps + (b"250 STARTTLS\r\n" if offer else b"250 HELP\r\n"))
        if _read_line(conn).strip().upper() != b"STARTTLS":
            return
        conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
        tls_echo(ctx)(conn)

    return handle


def line_starttls(
    ctx: ssl.SSLContext, *, greeting: bytes, command: bytes, answer: bytes
) -> Handler:
    """A server whose preamble is a greeting, one command and one answer (IMAP, POP3,
    FTP): TLS with an echo when ``answer`` says yes, otherwise it waits for the client
    to go away. Any other command ends the connection."""

    def handle(conn: socket.socket) -> None:
        conn.sendall(greeting)
        if _read_line(conn).strip() != command:
            return
        conn.sendall(answer)
        if _accepts(answer):
            tls_echo(ctx)(conn)
        else:
            silent(conn)

    return handle


def _accepts(answer: bytes) -> bool:
    """IMAP's ``a1 OK``, POP3's ``+OK``, FTP's ``234``: go on with TLS."""
    return answer.startswith((b"a1 OK", b"+OK", b"234"))


def imap_starttls(ctx: ssl.SSLContext, *, accept: bool = True) -> Handler:
    """RFC 9051 §6.2.1: ``* OK`` greeting, ``a1 STARTTLS``, ``a1 OK`` (or ``a1 NO``)."""
    answer = b"a1 OK Begin TLS negotiation now\r\n" if accept else b"a1 NO TLS not available\r\n"
    greeting = b"* OK [CAPABILITY IMAP4rev2 STARTTLS] test.example ready\r\n"
    return line_starttls(ctx, greeting=greeting, command=b"a1 STARTTLS", answer=answer)


def pop3_starttls(ctx: ssl.SSLContext, *, accept: bool = True) -> Handler:
    """RFC 2595 §4: ``+OK`` greeting, ``STLS``, ``+OK`` (or ``-ERR``)."""
    answer = b"+OK Begin TLS negotiation\r\n" if accept else b"-ERR TLS not available\r\n"
    return line_starttls(ctx, greeting=b"+OK POP3 ready\r\n", command=b"STLS", answer=answer)


def ftp_auth_tls(ctx: ssl.SSLContext, *, accept: bool = True) -> Handler:
    """RFC 4217 §4: 220 banner, ``AUTH TLS``, 234 (or 431)."""
    answer = b"234 AUTH TLS successful\r\n" if accept else b"431 TLS not available\r\n"
    greeting = b"220-test.example FTP\r\n220 ready\r\n"
    return line_starttls(ctx, greeting=greeting, command=b"AUTH TLS", answer=answer)


def postgres_ssl(ctx: ssl.SSLContext, *, accept: bool = True) -> Handler:
    """A PostgreSQL server's answer to SSLRequest: S, then TLS with an echo (or N)."""

    def handle(conn: socket.socket) -> None:
        request = b""
        while len(request) < 8:
            chunk = conn.recv(8 - len(request))
            if not chunk:
                return
            request += chunk
        if request != (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"):
            return
        conn.sendall(b"S" if accept else b"N")
        if accept:
            tls_echo(ctx)(conn)
        else:
            silent(conn)

    return handle


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@functools.cache
def _isolation() -> tuple[str, ...] | None:
    """``unshare -rn``: a new network namespace, where only a loopback exists."""
    try:
        probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return ("unshare", "-rn") if probe.returncode == 0 else None


def offline(*command: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with no network beyond its own loopback, so that a name lookup
    cannot reach the resolver (tests touch nothing outside 127.0.0.0/8); skips where
    network namespaces are not allowed."""
    prefix = _isolation()
    if prefix is None:
        pytest.skip("cannot run without the network here (unshare -rn is refused)")
    root = Path(__file__).resolve().parent.parent.parent
    env = dict(os.environ, PYTHONPATH=str(root), COLUMNS="100")
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, env=env, timeout=120, check=False
    )
