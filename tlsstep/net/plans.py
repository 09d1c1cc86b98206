"""The step plans of ``tlsstep connect`` and ``tlsstep serve``: the handshake plan's
steps, with a receive wherever the remote side would have been called.

Lazy generators, like ``tlsstep.plan``'s: the session runs each step before the next
is chosen, so a plan can look at what happened (was it TLS 1.3? did the client close?).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from tlsstep.events import Result, Side
from tlsstep.session import Session
from tlsstep.steps import Deliver, Eof, Handshake, Read, Receive, Resume, Step, Unwrap, Write
from tlsstep.wire.enums import ProtocolVersion

MAX_EXCHANGES: Final = 1000  # serve: requests answered on one connection, at most
# After a TLS 1.3 handshake the server sends its tickets, or an alert about the client's
# flight (certificate_required, ...): wait this long for them, at most the --timeout.
AFTER_HANDSHAKE_WAIT: Final = 1.0


def _from_server(timeout: float) -> Iterator[Step]:
    """Receive what the server sent and hand it to the client, who reads it."""
    yield Receive(side=Side.server, timeout=timeout)
    yield Deliver(side=Side.server)
    yield Read(side=Side.client)


def _answer(session: Session, timeout: float) -> Iterator[Step]:
    """Receive and read until the client reads application data (or the server closes,
    goes quiet for ``timeout``, or the read fails): tickets may come first, one by one."""
    for _ in range(MAX_EXCHANGES):
        yield from _from_server(timeout)
        events = session.pair.events
        if events[-1].result is not Result.want_read or events[-3].result is not Result.done:
            return


def connect_plan(
    session: Session, *, timeout: float, data: bytes | None = None, resume: bool = False
) -> Iterator[Step]:
    """The handshake; then ``data`` written and the answer read; then, with ``resume``,
    the same again on a second connection that resumes the first one's session.

    A TLS 1.3 server sends its session tickets after the handshake: the client only
    has a session to resume once it has received and read them.
    """
    for connection in (1, 2) if resume else (1,):
        yield Handshake()
        if session.facts(Side.client).version == ProtocolVersion.tls13.openssl:
            # The server's answer to the client's last flight: tickets, or an alert
            # that tells why it refused it (the client only learns it by reading).
            yield from _from_server(min(timeout, AFTER_HANDSHAKE_WAIT))
        if data is not None:
            yield Write(side=Side.client, data=data)
            yield Deliver(side=Side.client)
            yield from _answer(session, timeout)
        if connection == 1 and resume:
            # Close this connection as a client does (close_notify, then FIN): a
            # server that serves one connection at a time accepts the next only then.
            yield Unwrap(side=Side.client)
            yield Deliver(side=Side.client)
            yield Eof(side=Side.client)
            yield Resume()


def serve_plan(session: Session, *, timeout: float, response: bytes | None) -> Iterator[Step]:
    """The handshake; then answer each request (an echo, or ``response`` once) until the
    client closes, goes quiet for ``timeout`` seconds, or has been answered.

    The server reads before it receives: a client's first request often arrives with
    its Finished, already delivered by the handshake.
    """
    yield Handshake()
    for _ in range(MAX_EXCHANGES):
        yield Read(side=Side.server)
        read = session.pair.events[-1]
        if read.result is Result.closed:  # the client's close_notify: answer with ours
            yield Unwrap(side=Side.server)
            yield Deliver(side=Side.server)
            return
        if read.result is Result.done and read.data:
            yield Write(side=Side.server, data=response if response is not None else read.data)
            yield Deliver(side=Side.server)
            if response is not None:
                yield Unwrap(side=Side.server)
                yield Deliver(side=Side.server)
                return
            continue
        if read.result is not Result.want_read:
            return
        yield Receive(side=Side.client, timeout=timeout)
        if session.pair.events[-1].result is not Result.done:
            return  # closed, quiet or broken: nothing more to answer
        yield Deliver(side=Side.client)
