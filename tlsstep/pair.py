"""Two endpoints and the bytes between them: single operations and deliveries, nothing more.

Theory of operation
-------------------
Each side is an endpoint (``tlsstep.endpoint``): usually an ``ssl.SSLObject`` made by
``SSLContext.wrap_bio(incoming, outgoing)``, whose OpenSSL reads the peer's bytes from
*incoming* and writes its own to *outgoing*; neither BIO is connected to anything.
(One side may instead be a remote peer behind a socket: it cannot be called, only
*received from*; see the endpoint module.) After **every** operation on an endpoint
the pair takes what it produced into a queue it owns (``queue(side)``). Bytes leave
a queue only through :meth:`Pair.deliver`, which writes them into the peer's
incoming BIO - all of them, the first N bytes, or the first N whole records. Because
the queue is ours and not OpenSSL's, undelivered bytes stay visible and can be
changed (:meth:`Pair.tamper`) before they cross.

OpenSSL facts this relies on and shows rather than hides:

* Any call may want a read: ``do_handshake``, ``write``, ``read`` and ``unwrap``
  raise ``SSLWantReadError`` when OpenSSL needs bytes from the peer. That is an
  outcome (``Result.want_read``), not a failure. A call that wants a read may still
  have produced bytes (a ClientHello, a close_notify): they are in ``produced``.
* Memory BIOs never raise ``SSLWantWriteError``: the outgoing BIO grows as needed.
* A ``write`` that wanted a read must be retried with the same bytes.
* End of stream is ``MemoryBIO.write_eof()`` on the peer's incoming BIO
  (:meth:`Pair.eof`); without ``OP_IGNORE_UNEXPECTED_EOF`` OpenSSL 3 then raises
  ``SSLEOFError`` when it needed more.
* ``unwrap`` sends close_notify and wants a read until the peer's close_notify has
  arrived; bytes that follow it stay in the incoming BIO.
* A TLS 1.3 client receives its session tickets after the handshake, so a ticket
  only exists once the client has *read* the records that carry it.

Every operation appends an :class:`~tlsstep.events.Event` to ``events`` and returns it.
OpenSSL's exceptions are turned into :class:`~tlsstep.events.SSLErrorInfo` by the
endpoint and never raised past it. The pair runs one operation per method: the
handshake as a whole is driven by the session (``Session.run``), from the plan.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from tlsstep.endpoint import (
    FEATURES,
    Call,
    Endpoint,
    LocalEndpoint,
    RemoteEndpoint,
    has_feature,
)
from tlsstep.errors import UsageProblem
from tlsstep.events import Arg, Event, Op, Result, Side, SideFacts, SSLErrorInfo
from tlsstep.wire.records import record_lengths

if TYPE_CHECKING:
    from tlsstep.faults import Fault
    from tlsstep.repeated import Repeated

__all__ = ["DEFAULT_RECEIVE_TIMEOUT", "FEATURES", "Pair", "has_feature"]

# How long a receive step waits for a remote peer by default, in seconds.
DEFAULT_RECEIVE_TIMEOUT: Final = 5.0


class Pair:
    """Two endpoints, the queues between them, and the log of what was done."""

    def __init__(self, endpoints: Mapping[Side, Endpoint], *, connection: int = 1) -> None:
        self.connection = connection
        self.endpoints: dict[Side, Endpoint] = {side: endpoints[side] for side in Side}
        self._queues: dict[Side, bytes] = {side: b"" for side in Side}
        self._cut: set[Side] = set()  # sides whose stream to the peer has ended (eof)
        self.events: list[Event] = []
        # Gives a read's data as an equal bytes object the caller keeps already (the
        # session: the plaintext of the record it came from), so it is kept once.
        self.same_bytes: Callable[[Side, bytes], bytes] | None = None

    @classmethod
    def in_memory(
        cls,
        client_context: ssl.SSLContext,
        server_context: ssl.SSLContext,
        *,
        server_hostname: str | None,
        session: ssl.SSLSession | None = None,
        connection: int = 1,
    ) -> Pair:
        """Both sides local: two SSLObjects on memory BIOs (``tlsstep handshake``)."""
        client = LocalEndpoint(
            Side.client, client_context, server_hostname=server_hostname, session=session
        )
        server = LocalEndpoint(Side.server, server_context)
        return cls({Side.client: client, Side.server: server}, connection=connection)

    # -- the endpoints' bookkeeping ---------------------------------------------------

    def is_local(self, side: Side) -> bool:
        return isinstance(self.endpoints[side], LocalEndpoint)

    def local(self, side: Side) -> LocalEndpoint:
        """``side``'s endpoint, which must be callable (a remote peer is not)."""
        endpoint = self.endpoints[side]
        if not isinstance(endpoint, LocalEndpoint):
            raise UsageProblem(
                f"the {side} is a remote peer: it cannot be called; "
                f"use 'receive {side}' to wait for what it sends"
            )
        return endpoint

    @property
    def objects(self) -> dict[Side, ssl.SSLObject]:
        """The SSLObjects of the local sides."""
        return {s: e.obj for s, e in self.endpoints.items() if isinstance(e, LocalEndpoint)}

    @property
    def handshake_done(self) -> dict[Side, bool]:
        return {side: e.handshake_done for side, e in self.endpoints.items()}

    @property
    def closed(self) -> dict[Side, bool]:
        return {side: e.closed for side, e in self.endpoints.items()}

    @property
    def failed(self) -> dict[Side, SSLErrorInfo | None]:
        return {side: e.failed for side, e in self.endpoints.items()}

    # -- queues -------------------------------------------------------------------

    def queue(self, side: Side) -> bytes:
        """Bytes ``side`` has written that have not been delivered to its peer."""
        return self._queues[side]

    def unread(self, side: Side) -> int:
        """Bytes delivered to ``side`` that it has not consumed yet."""
        return self.endpoints[side].unread

    def _event(self, side: Side, op: Op, result: Result, **fields: object) -> Event:
        event = Event(
            index=len(self.events),
            connection=self.connection,
            side=side,
            op=op,
            result=result,
            queued_to_server=len(self._queues[Side.client]),
            queued_to_client=len(self._queues[Side.server]),
            **fields,  # type: ignore[arg-type]
        )
        self.events.append(event)
        return event

    def _called(self, side: Side, op: Op, call: Call, args: tuple[Arg, ...] = ()) -> Event:
        """Queue what one endpoint operation produced, and log it."""
        if call.produced:
            self._queues[side] += call.produced
        return self._event(
            side,
            op,
            call.result,
            args=args,
            error=call.error,
            produced=call.produced,
            data=call.data,
            written=call.written,
            note=call.note,
            processed=call.processed,
        )

    # -- operations: one endpoint call each ------------------------------------------

    def handshake(self, side: Side) -> Event:
        """One ``do_handshake()`` call."""
        return self._called(side, Op.do_handshake, self.local(side).do_handshake())

    def write(self, side: Side, data: bytes | Repeated) -> Event:
        """One ``write(data)`` call; ``written`` is the number of bytes taken."""
        return self._called(side, Op.write, self.local(side).write(data), (("data", data),))

    def read(self, side: Side, size: int = 16384) -> Event:
        """One ``read(size)`` call; ``data`` is the plaintext read (``closed`` at b"")."""
        call = self.local(side).read(size)
        if call.data and self.same_bytes is not None:
            call = dataclasses.replace(call, data=self.same_bytes(side, call.data))
        return self._called(side, Op.read, call, (("size", size),))

    def unwrap(self, side: Side) -> Event:
        """One ``unwrap()`` call: send close_notify, and finish once the peer's arrived."""
        return self._called(side, Op.unwrap, self.local(side).unwrap())

    def verify_client_post_handshake(self) -> Event:
        """Server: arm a request for the client certificate (TLS 1.3 only)."""
        call = self.local(Side.server).verify_client_post_handshake()
        return self._called(Side.server, Op.verify_client_post_handshake, call)

    def receive(self, side: Side, timeout: float = DEFAULT_RECEIVE_TIMEOUT) -> Event:
        """Wait up to ``timeout`` seconds for bytes a remote ``side`` sent; queue them."""
        endpoint = self.endpoints[side]
        if not isinstance(endpoint, RemoteEndpoint):
            raise UsageProblem(
                f"the {side} is local: it is called (handshake, read, ...), not received from"
            )
        return self._called(side, Op.receive, endpoint.receive(timeout), (("timeout", timeout),))

    # -- operations on the bytes between the sides ------------------------------

    def deliver(
        self, from_side: Side, nbytes: int | None = None, nrecords: int | None = None
    ) -> Event:
        """Move queued bytes from ``from_side`` to its peer endpoint.

        All of them by default, or the first ``nbytes``, or the first ``nrecords``
        whole records. The rest stays queued.
        """
        queue = self._queues[from_side]
        args: tuple[Arg, ...] = ()
        if nbytes is not None and nrecords is not None:
            raise UsageProblem("deliver takes bytes or records, not both")
        if nbytes is not None:
            if nbytes < 0:
                raise UsageProblem(f"cannot deliver {nbytes} bytes")
            count = min(nbytes, len(queue))
            args = (("bytes", nbytes),)
        elif nrecords is not None:
            if nrecords < 0:
                raise UsageProblem(f"cannot deliver {nrecords} records")
            count = sum(record_lengths(queue)[:nrecords])
            args = (("records", nrecords),)
        else:
            count = len(queue)
        if count and from_side in self._cut:
            raise UsageProblem(
                f"the {from_side}'s stream to the {from_side.peer} has ended "
                f"(eof {from_side}): nothing more can be delivered on it"
            )
        data, self._queues[from_side] = queue[:count], queue[count:]
        self.endpoints[from_side.peer].accept(data)
        return self._event(from_side, Op.deliver, Result.done, args=args, delivered=data)

    def eof(self, from_side: Side) -> Event:
        """Cut the transport: ``from_side``'s peer sees end of stream after what it has."""
        self.endpoints[from_side.peer].accept_eof()
        self._cut.add(from_side)
        return self._event(from_side, Op.eof, Result.done)

    def tamper(self, side: Side, fault: Fault) -> Event:
        """Change ``side``'s queued bytes before they are delivered."""
        before = self._queues[side]
        self._queues[side] = fault.apply(before)
        return self._event(
            side,
            Op.tamper,
            Result.done,
            args=(("fault", fault),),
            fault=fault,
            resized=(len(before), len(self._queues[side])),
        )

    # -- facts ------------------------------------------------------------------

    def facts(self, side: Side) -> SideFacts:
        """Everything ``side``'s endpoint tells about itself now."""
        return self.endpoints[side].facts()

    def session(self) -> ssl.SSLSession | None:
        """The client's session, for resuming it on a new pair (None if it is remote)."""
        client = self.endpoints[Side.client]
        return client.ssl_session() if isinstance(client, LocalEndpoint) else None
