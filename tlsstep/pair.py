"""Two real OpenSSL endpoints joined only by memory BIOs. Sans-IO: no sockets, no printing.

Theory of operation
-------------------
Each side is an ``ssl.SSLObject`` made by ``SSLContext.wrap_bio(incoming, outgoing)``.
OpenSSL reads the peer's bytes from *incoming* and writes its own to *outgoing*;
neither BIO is connected to anything. After **every** call on an SSLObject the pair
drains that side's outgoing BIO into a queue it owns (``queue(side)``). Bytes leave
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
OpenSSL's exceptions are turned into :class:`~tlsstep.events.SSLErrorInfo` here and
never raised past this module.
"""

from __future__ import annotations

import dataclasses
import ssl
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tlsstep import msg_callback
from tlsstep.errors import UsageProblem
from tlsstep.events import Event, Result, SessionInfo, Side, SideFacts, SSLErrorInfo
from tlsstep.wire.records import record_lengths

if TYPE_CHECKING:
    from tlsstep.faults import Fault

# run_handshake gives up after this many rounds even if bytes keep flowing: a
# handshake needs at most a handful, so more means two peers feeding each other junk.
MAX_HANDSHAKE_ROUNDS: Final = 64

# Optional SSLObject APIs, by the Python version that added them.
FEATURES: Final[dict[str, str]] = {
    "get_verified_chain": "Python 3.13",
    "get_unverified_chain": "Python 3.13",
}


def has_feature(name: str) -> bool:
    return hasattr(ssl.SSLObject, name)


@dataclass(frozen=True, slots=True, kw_only=True)
class HandshakeRun:
    """What :meth:`Pair.run_handshake` came to."""

    result: Result  # done, error or stalled
    events: tuple[Event, ...]
    failed_side: Side | None = None
    error: SSLErrorInfo | None = None


class Pair:
    """A client and a server SSLObject, four memory BIOs, and the queues between them."""

    def __init__(
        self,
        client_context: ssl.SSLContext,
        server_context: ssl.SSLContext,
        *,
        server_hostname: str | None,
        session: ssl.SSLSession | None = None,
        connection: int = 1,
    ) -> None:
        self.connection = connection
        self._incoming = {side: ssl.MemoryBIO() for side in Side}
        self._outgoing = {side: ssl.MemoryBIO() for side in Side}
        self._queues: dict[Side, bytes] = {side: b"" for side in Side}
        msg_callback.install(client_context)  # before wrap_bio: SSL_new copies it
        msg_callback.install(server_context)
        self.objects: dict[Side, ssl.SSLObject] = {
            Side.client: client_context.wrap_bio(
                self._incoming[Side.client],
                self._outgoing[Side.client],
                server_side=False,
                server_hostname=server_hostname,
                session=session,
            ),
            Side.server: server_context.wrap_bio(
                self._incoming[Side.server], self._outgoing[Side.server], server_side=True
            ),
        }
        for side in Side:
            msg_callback.watch(self.objects[side])
        self.handshake_done: dict[Side, bool] = {side: False for side in Side}
        self.closed: dict[Side, bool] = {side: False for side in Side}
        self.failed: dict[Side, SSLErrorInfo | None] = {side: None for side in Side}
        self.events: list[Event] = []

    # -- queues -------------------------------------------------------------------

    def queue(self, side: Side) -> bytes:
        """Bytes ``side`` has written that have not been delivered to its peer."""
        return self._queues[side]

    def unread(self, side: Side) -> int:
        """Bytes delivered to ``side`` that OpenSSL has not consumed yet."""
        return self._incoming[side].pending

    def _drain(self, side: Side) -> bytes:
        data = self._outgoing[side].read()
        if data:
            self._queues[side] += data
        return data

    def _event(self, side: Side, op: str, result: Result, **fields: Any) -> Event:
        event = Event(
            index=len(self.events),
            connection=self.connection,
            side=side,
            op=op,
            result=result,
            queued_to_server=len(self._queues[Side.client]),
            queued_to_client=len(self._queues[Side.server]),
            **fields,
        )
        self.events.append(event)
        return event

    def _call(
        self, side: Side, op: str, fn: Callable[[], Any], args: tuple[tuple[str, Any], ...] = ()
    ) -> Event:
        """Call one SSLObject method, drain its output, and record what happened."""
        value: Any = None
        error: SSLErrorInfo | None = None
        try:
            value = fn()
            result = Result.done
        except ssl.SSLWantReadError:
            result = Result.want_read
        except ssl.SSLZeroReturnError:
            result = Result.closed
            self.closed[side] = True
        except (ssl.SSLError, ssl.CertificateError, ValueError) as exc:
            # ValueError: e.g. read() on a closed object; still a value, not a crash.
            result = Result.error
            error = SSLErrorInfo.from_exception(exc)
            self.failed[side] = error
        produced = self._drain(side)
        if result is not Result.error and self.objects[side].version() is not None:
            # version() is set only once the handshake has completed. A handshake that
            # completes shows that an earlier refused call (verify_client_post_handshake
            # before the handshake, issue 16 item 9) did not break the connection.
            if not self.handshake_done[side]:
                self.failed[side] = None
            self.handshake_done[side] = True
        processed = msg_callback.take(self.objects[side])
        return self._event(
            side,
            op,
            result,
            args=args,
            value=value,
            error=error,
            produced=produced,
            processed=processed,
        )

    # -- operations: one SSLObject call each --------------------------------------

    def handshake(self, side: Side) -> Event:
        """One ``do_handshake()`` call."""
        return self._call(side, "do_handshake", self.objects[side].do_handshake)

    def write(self, side: Side, data: bytes) -> Event:
        """One ``write(data)`` call; ``value`` is the number of bytes taken."""
        return self._call(side, "write", lambda: self.objects[side].write(data), (("data", data),))

    def read(self, side: Side, size: int = 16384) -> Event:
        """One ``read(size)`` call; ``value`` is the plaintext read.

        Python's ``SSLObject.read`` does not raise ``SSLZeroReturnError`` when the
        peer's close_notify arrives (nor at an ignored unexpected EOF): it returns
        ``b""``. The pair reports that as ``closed``, with a note saying which.
        """
        event = self._call(side, "read", lambda: self.objects[side].read(size), (("size", size),))
        if event.result is Result.done and event.value == b"" and size > 0:
            self.closed[side] = True
            self.events[-1] = event = dataclasses.replace(
                event,
                result=Result.closed,
                note=(
                    "read returned b'': end of stream without close_notify, ignored "
                    "(OP_IGNORE_UNEXPECTED_EOF)"
                    if self._incoming[side].eof
                    else "read returned b'': the peer's close_notify arrived"
                ),
            )
        return event

    def unwrap(self, side: Side) -> Event:
        """One ``unwrap()`` call: send close_notify, and finish once the peer's arrived."""
        event = self._call(side, "unwrap", self.objects[side].unwrap)
        if event.result is Result.done:
            self.closed[side] = True
        return event

    def verify_client_post_handshake(self) -> Event:
        """Server: request a client certificate after the handshake (TLS 1.3 only).

        OpenSSL only arms the request; the CertificateRequest goes out with the
        server's next handshake, read or write call.
        """
        return self._call(
            Side.server,
            "verify_client_post_handshake",
            self.objects[Side.server].verify_client_post_handshake,
        )

    # -- operations on the bytes between the sides ------------------------------

    def deliver(
        self, from_side: Side, nbytes: int | None = None, nrecords: int | None = None
    ) -> Event:
        """Move queued bytes from ``from_side`` into its peer's incoming BIO.

        All of them by default, or the first ``nbytes``, or the first ``nrecords``
        whole records. The rest stays queued.
        """
        queue = self._queues[from_side]
        args: tuple[tuple[str, Any], ...] = ()
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
        data, self._queues[from_side] = queue[:count], queue[count:]
        if data:
            self._incoming[from_side.peer].write(data)
        return self._event(
            from_side, "deliver", Result.done, args=args, value=len(data), delivered=data
        )

    def eof(self, from_side: Side) -> Event:
        """Cut the transport: ``from_side``'s peer sees end of stream after what it has."""
        self._incoming[from_side.peer].write_eof()
        return self._event(from_side, "eof", Result.done)

    def tamper(self, side: Side, fault: Fault) -> Event:
        """Change ``side``'s queued bytes before they are delivered."""
        before = self._queues[side]
        self._queues[side] = fault.apply(before)
        return self._event(
            side,
            "tamper",
            Result.done,
            args=(("fault", fault),),
            value=(len(before), len(self._queues[side])),
        )

    # -- composite ---------------------------------------------------------------

    def run_handshake(self) -> HandshakeRun:
        """Alternate ``do_handshake`` and ``deliver`` until both sides finish or one fails.

        A turn that neither produced nor delivered bytes is idle; two idle turns in
        a row (each side had its chance) are a stall, reported instead of looping.
        """
        start = len(self.events)
        turn = Side.client
        idle = 0
        for _ in range(MAX_HANDSHAKE_ROUNDS):
            moved = False
            if not self.handshake_done[turn]:
                event = self.handshake(turn)
                if event.result is Result.error:
                    # The failing side usually queued an alert: let the peer read it,
                    # so the log shows both ends of the failure.
                    if self._queues[turn]:
                        self.deliver(turn)
                        if not self.handshake_done[turn.peer]:
                            self.handshake(turn.peer)
                    return self._run(start, Result.error, turn, event.error)
                moved = bool(event.produced)
            if self._queues[turn]:
                self.deliver(turn)
                moved = True
            if all(self.handshake_done.values()):
                # A TLS 1.3 server's tickets or a TLS 1.2 server's Finished may still
                # be queued: deliver them so the peer can read them.
                for side in Side:
                    if self._queues[side]:
                        self.deliver(side)
                return self._run(start, Result.done, None, None)
            idle = 0 if moved else idle + 1
            if idle >= 2:
                break
            turn = turn.peer
        return self._run(start, Result.stalled, None, None)

    def _run(
        self, start: int, result: Result, side: Side | None, error: SSLErrorInfo | None
    ) -> HandshakeRun:
        return HandshakeRun(
            result=result, events=tuple(self.events[start:]), failed_side=side, error=error
        )

    # -- facts ------------------------------------------------------------------

    def facts(self, side: Side) -> SideFacts:
        """Every SSLObject method and property that describes ``side`` now."""
        obj = self.objects[side]
        unavailable: list[tuple[str, str]] = []
        with warnings.catch_warnings():
            # selected_npn_protocol() is deprecated (NPN is gone from OpenSSL 3
            # builds); it still answers, and tlsstep shows it for completeness.
            warnings.simplefilter("ignore", DeprecationWarning)
            npn = obj.selected_npn_protocol()
        version = obj.version()
        binding: bytes | None = None
        binding_note: str | None = None
        if version is None:
            binding_note = "handshake not complete"
        elif version == "TLSv1.3":
            # RFC 9266: tls-unique is undefined for TLS 1.3; Python has no tls-exporter.
            binding_note = "tls-unique is not defined for TLS 1.3 (RFC 9266)"
        else:
            binding = obj.get_channel_binding("tls-unique")
        try:
            peer = obj.getpeercert()
            peer_der = obj.getpeercert(binary_form=True)
        except ValueError:
            peer, peer_der = None, None
        chains: dict[str, tuple[bytes, ...] | None] = {}
        for name, added_in in FEATURES.items():
            if not has_feature(name):
                unavailable.append(
                    (name, f"needs {added_in}; this is Python {sys.version.split()[0]}")
                )
                chains[name] = None
                continue
            # Python 3.13's _ssl.Certificate: DER through the private module's constant.
            der = getattr(ssl, "_ssl").ENCODING_DER  # noqa: B009
            certs = getattr(obj, name)()
            chains[name] = tuple(c.public_bytes(der) for c in certs) if certs else None
        try:
            session = obj.session
        except ValueError:  # OpenSSL cannot encode the session of a failed handshake
            session = None
        ctx = obj.context
        return SideFacts(
            side=side,
            server_side=obj.server_side,
            server_hostname=obj.server_hostname,
            version=version,
            cipher=obj.cipher(),
            compression=obj.compression(),
            selected_alpn_protocol=obj.selected_alpn_protocol(),
            selected_npn_protocol=npn,
            session_reused=obj.session_reused,
            pending=obj.pending(),
            peer_certificate=peer or None,
            peer_certificate_der=peer_der,
            shared_ciphers=tuple(obj.shared_ciphers() or ()) or None,
            channel_binding=binding,
            channel_binding_note=binding_note,
            session=_session_info(session) if session is not None else None,
            verified_chain=chains["get_verified_chain"],
            unverified_chain=chains["get_unverified_chain"],
            context_protocol=ctx.protocol.name,
            context_verify_mode=ctx.verify_mode.name,
            context_minimum_version=ctx.minimum_version.name,
            context_maximum_version=ctx.maximum_version.name,
            unavailable=tuple(unavailable),
        )

    def session(self) -> ssl.SSLSession | None:
        """The client's session, for resuming it on a new pair."""
        return self.objects[Side.client].session


def _session_info(session: ssl.SSLSession) -> SessionInfo:
    return SessionInfo(
        id=session.id.hex(),
        has_ticket=session.has_ticket,
        ticket_lifetime_hint=session.ticket_lifetime_hint,
        timeout=session.timeout,
    )
