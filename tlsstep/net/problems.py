"""Network failures as values: what happened, during what, and what had arrived.

Like OpenSSL's errors at the pair boundary (DESIGN.md), socket exceptions stop at
:mod:`tlsstep.net.carrier` and become a :class:`NetProblem`; commands turn one into
a message and exit status 3 (:class:`tlsstep.exit_status.ExitStatus`).
"""

from __future__ import annotations

import errno
import socket
from enum import StrEnum

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen
from tlsstep.net.sniff import describe, shown


class NetProblemKind(StrEnum, metaclass=CheapEnumType):
    name_not_found = "name not found"
    refused = "connection refused"
    unreachable = "unreachable"
    timeout = "timeout"
    reset = "connection reset"
    closed = "closed by the peer"
    not_tls = "not TLS"
    address_in_use = "address in use"
    starttls = "STARTTLS refused"
    other = "network error"


@frozen
class NetProblem:
    """One network failure. ``received`` holds what the peer had sent before it."""

    kind: NetProblemKind
    during: str  # "connect", "receive", "send", "listen", "starttls smtp", ...
    where: str  # HOST:PORT
    detail: str = ""
    received: bytes = b""
    looks_like: str | None = None

    @property
    def message(self) -> str:
        """One or two sentences for a person."""
        if self.looks_like:
            return f"{self.where}: not TLS: the peer's first bytes look like {self.looks_like}"
        text = f"{self.where}: {self.kind} during {self.during}"
        if self.detail:
            text += f" ({self.detail})"
        if self.received:
            text += f"; it had sent {len(self.received)} bytes: {shown(self.received)}"
        elif self.kind in (NetProblemKind.timeout, NetProblemKind.closed) and (
            "bytes" not in self.detail  # the detail already says how much had come
        ):
            text += "; nothing had arrived"
        return text


def not_tls(during: str, where: str, received: bytes) -> NetProblem:
    return NetProblem(
        kind=NetProblemKind.not_tls,
        during=during,
        where=where,
        received=received,
        looks_like=describe(received),
    )


def from_os_error(exc: OSError, *, during: str, where: str, received: bytes = b"") -> NetProblem:
    """Classify a socket exception by its type and errno."""
    kind = NetProblemKind.other
    if isinstance(exc, socket.gaierror):
        kind = NetProblemKind.name_not_found
    elif isinstance(exc, TimeoutError | socket.timeout):
        kind = NetProblemKind.timeout
    elif isinstance(exc, ConnectionRefusedError):
        kind = NetProblemKind.refused
    elif isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        kind = NetProblemKind.reset
    elif exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
        kind = NetProblemKind.unreachable
    elif exc.errno == errno.EADDRINUSE:
        kind = NetProblemKind.address_in_use
    detail = exc.strerror or str(exc) or type(exc).__name__
    return NetProblem(kind=kind, during=during, where=where, detail=detail, received=received)
