"""The socket under a remote peer: connect, receive with a timeout, send, half-close.

Theory of operation
-------------------
tlsstep's own side is an ``SSLObject`` on memory BIOs and never touches a socket.
A :class:`Carrier` is the other half: one TCP connection whose bytes tlsstep moves
by hand - what the local SSLObject wrote goes out with :meth:`Carrier.send`, and
what the peer sent comes in only when someone asks, with :meth:`Carrier.receive`.
Nothing is read behind the user's back: a receive is a step like any other.

Socket facts this relies on:

* ``recv`` returns as soon as *some* bytes are there; one TLS flight may arrive in
  several segments. :meth:`receive` therefore waits for the first bytes (up to the
  timeout), then also takes whatever else has already arrived, without waiting.
* ``recv`` returning ``b""`` is the peer's FIN: it will send nothing more. After
  that, every receive returns at once with ``eof``.
* ``shutdown(SHUT_WR)`` sends our FIN but keeps reading: the peer's answer to our
  close_notify can still arrive.
* Exceptions never leave this module: each becomes a :class:`NetProblem` value.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from typing import Final

from tlsstep.frozen import frozen
from tlsstep.net.address import Target
from tlsstep.net.problems import NetProblem, NetProblemKind, from_os_error

MAX_RECEIVE: Final = 1 << 20  # one receive takes at most this much (a TLS flight is far less)
CHUNK: Final = 65536


@frozen
class Received:
    """What one :meth:`Carrier.receive` got.

    ``data`` is everything that arrived, also when the receive then timed out, the
    peer closed (``eof``) or the connection broke (``problem``).
    """

    data: bytes = b""
    eof: bool = False
    timed_out: bool = False
    problem: NetProblem | None = None


def _address(sockaddr: tuple[object, ...]) -> tuple[str, int]:
    return str(sockaddr[0]), int(str(sockaddr[1]))


class Carrier:
    """One TCP connection to a peer, moved by hand."""

    def __init__(self, sock: socket.socket, where: str) -> None:
        self._sock = sock
        self.where = where
        self.local = _address(sock.getsockname())
        self.remote = _address(sock.getpeername())
        self.eof = False  # the peer's FIN has arrived
        self.write_closed = False
        self.sent = 0
        self.received = 0

    @classmethod
    def open(cls, target: Target, timeout: float) -> Carrier | NetProblem:
        """Resolve and connect, trying each address of the name in turn."""
        where = str(target)
        try:
            sock = socket.create_connection((target.host, target.port), timeout=timeout)
        except OSError as exc:
            problem = from_os_error(exc, during="connect", where=where)
            if problem.kind is NetProblemKind.timeout:
                problem = NetProblem(
                    kind=NetProblemKind.timeout,
                    during="connect",
                    where=where,
                    detail=f"no answer to the TCP connection within {timeout:g} s",
                )
            return problem
        # The handshake is a few small writes that each wait for an answer: Nagle's
        # algorithm would hold the second one back for no gain.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(sock, where)

    def send(self, data: bytes) -> NetProblem | None:
        """Send all of ``data``; a failure (the peer reset the connection) is returned."""
        if not data:
            return None
        try:
            self._sock.settimeout(None)
            self._sock.sendall(data)
        except OSError as exc:
            return from_os_error(exc, during="send", where=self.where)
        self.sent += len(data)
        return None

    def receive(self, timeout: float, limit: int = MAX_RECEIVE) -> Received:
        """Wait up to ``timeout`` seconds for the peer's bytes; take all that arrived."""
        if self.eof:
            return Received(eof=True)
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self._sock, selectors.EVENT_READ)
            while size < limit:
                # After the first bytes, only what is already here: wait no more.
                wait = max(0.0, deadline - time.monotonic()) if not chunks else 0.0
                if not sel.select(wait):
                    break
                try:
                    chunk = self._sock.recv(min(CHUNK, limit - size))
                except OSError as exc:
                    data = b"".join(chunks)
                    self.received += len(data)
                    problem = from_os_error(exc, during="receive", where=self.where, received=data)
                    return Received(data=data, problem=problem)
                if not chunk:
                    self.eof = True
                    break
                chunks.append(chunk)
                size += len(chunk)
        data = b"".join(chunks)
        self.received += len(data)
        return Received(data=data, eof=self.eof, timed_out=not data and not self.eof)

    def shutdown_write(self) -> None:
        """Send our FIN (end of stream); the peer's bytes can still be received."""
        if self.write_closed:
            return
        self.write_closed = True
        with contextlib.suppress(OSError):  # already reset by the peer: nothing left to end
            self._sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> Carrier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Listener:
    """A listening TCP socket for ``tlsstep serve``; each accepted connection is a Carrier."""

    def __init__(self, sock: socket.socket, where: str) -> None:
        self._sock = sock
        self.where = where
        self.address = _address(sock.getsockname())

    @classmethod
    def open(cls, host: str, port: int) -> Listener | NetProblem:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
            family, kind, proto, _, sockaddr = infos[0]
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            return from_os_error(exc, during="listen", where=where)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(sockaddr)
            sock.listen(16)
        except OSError as exc:
            sock.close()
            return from_os_error(exc, during="listen", where=where)
        return cls(sock, where)

    @property
    def port(self) -> int:
        return self.address[1]

    def accept(self, timeout: float | None = None) -> Carrier | None:
        """The next connection, or None when ``timeout`` passed without one."""
        self._sock.settimeout(timeout)
        try:
            sock, peer = self._sock.accept()
        except TimeoutError:
            return None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        host, port = _address(peer)
        return Carrier(sock, f"[{host}]:{port}" if ":" in host else f"{host}:{port}")

    def close(self) -> None:
        self._sock.close()
