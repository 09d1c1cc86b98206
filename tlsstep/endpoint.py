"""One side of a connection, as the session drives it: the endpoint seam.

Theory of operation
-------------------
The session never touches an ``ssl.SSLObject`` or a socket. It drives two
*endpoints*, one per :class:`~tlsstep.events.Side`, through this small interface,
and carries the bytes between them itself (:class:`tlsstep.pair.Pair`). Every
endpoint, whatever it is, can:

* **produce** bytes towards its peer. The pair takes them (:meth:`Endpoint.take_output`)
  after every operation and queues them; nothing else reads them.
* **accept** bytes from its peer (:meth:`Endpoint.accept`) and the end of the peer's
  stream (:meth:`Endpoint.accept_eof`). Only :meth:`Pair.deliver <tlsstep.pair.Pair.deliver>`
  and :meth:`Pair.eof <tlsstep.pair.Pair.eof>` call these.
* **tell its facts** (:meth:`Endpoint.facts`) and its bookkeeping: whether its
  handshake is done (:attr:`Endpoint.handshake_done`), closed, failed, and how many
  delivered bytes it has not consumed (:attr:`Endpoint.unread`).

There are two kinds, and the driver asks which (``isinstance``) before each operation:

:class:`LocalEndpoint`
    An ``SSLObject`` and its two ``MemoryBIO``s in this process. It can be
    **called**: one method per SSLObject operation (``do_handshake``, ``read``,
    ``write``, ``unwrap``, ``verify_client_post_handshake``), each returning a
    :class:`Call` value: the result, any OpenSSL error as a value, and the bytes
    the call produced (drained from the outgoing BIO right after the call).

:class:`RemoteEndpoint`
    A real peer across the network (``tlsstep connect``/``serve``), behind a
    socket the subclass owns. It cannot be called: its OpenSSL (or whatever TLS
    stack) runs elsewhere, on its own schedule. What it can do is **receive**:
    :meth:`RemoteEndpoint.receive` waits up to a timeout for bytes the remote peer
    sent and returns them as that side's ``produced`` bytes, so to the session a
    receive is the remote side's "call". ``accept`` sends bytes to the peer,
    ``accept_eof`` shuts the socket's write half. The plan (``tlsstep.plan``) uses
    a ``receive`` step wherever it would call a local side, and every other layer
    (decoding, crypto, states, rendering) sees the same events either way.

OpenSSL facts the local endpoint relies on (see also ``pair.py``):

* Any call may want a read (``SSLWantReadError``): an outcome, not a failure; a call
  that wants a read may still have produced bytes (a ClientHello, a close_notify).
* Memory BIOs never raise ``SSLWantWriteError``: the outgoing BIO grows as needed.
  A BIO keeps the largest size it had, so bulk data goes through it a piece at a time
  (issue 14; see :class:`LocalEndpoint`), without changing what crosses.
* ``version()`` is set only once the handshake has completed: that is ``handshake_done``.
* ``read`` returns ``b""`` (rather than raising ``SSLZeroReturnError``) when the peer's
  close_notify arrives or at an ignored unexpected EOF; that is reported as ``closed``.
* OpenSSL's exceptions become :class:`~tlsstep.events.SSLErrorInfo` values here and
  are never raised past this module.

Adding an operation: one method on :class:`LocalEndpoint` returning a :class:`Call`,
one step class in ``tlsstep.steps``, and one line in the session's dispatch.
"""

from __future__ import annotations

import dataclasses
import io
import ssl
import sys
import warnings
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Final

from tlsstep import msg_callback
from tlsstep.events import Processed, Result, SessionInfo, Side, SideFacts, SSLErrorInfo
from tlsstep.frozen import frozen
from tlsstep.repeated import Repeated, pieces
from tlsstep.wire.enums import ProtocolVersion

# Delivered bytes are handed to OpenSSL's incoming BIO up to this much ahead of what it
# has read (a BIO never shrinks: a 10 MB delivery written at once kept 10 MB).
FEED: Final = 64 * 1024
# A write larger than this goes to OpenSSL this much at a time, its output taken after
# each piece: a multiple of every record size OpenSSL may use (16 KB, or 512 to 4096
# bytes with the max_fragment_length extension), so the records are the same.
WRITE_PIECE: Final = 16 * 16384
# Versions whose records do not depend on how the data was split between SSL_write
# calls (TLS 1.0 with a CBC suite sends an empty record before each call's data).
_PIECEWISE: Final = frozenset({ProtocolVersion.tls12.openssl, ProtocolVersion.tls13.openssl})

# Optional SSLObject APIs, by the Python version that added them.
FEATURES: Final[dict[str, str]] = {
    "get_verified_chain": "Python 3.13",
    "get_unverified_chain": "Python 3.13",
}


def has_feature(name: str) -> bool:
    return hasattr(ssl.SSLObject, name)


@frozen
class Call:
    """What one operation of an endpoint came to (the pair turns it into an Event).

    ``produced``: the bytes the endpoint wrote towards its peer during the call
    (for a receive: the bytes the remote peer sent). ``data``: a read's plaintext.
    ``written``: how many bytes a write took. ``processed``: what the endpoint's own
    OpenSSL read and wrote during the call, message by message (None where Python
    cannot tell, and for a remote peer).
    """

    result: Result
    error: SSLErrorInfo | None = None
    produced: bytes = b""
    data: bytes | None = None
    written: int | None = None
    note: str | None = None
    processed: tuple[Processed, ...] | None = None


class Endpoint(ABC):
    """One side: produces bytes, accepts bytes and EOF, tells its facts."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.handshake_done = False
        self.closed = False
        self.failed: SSLErrorInfo | None = None

    @abstractmethod
    def take_output(self) -> bytes:
        """The bytes produced since the last take (each byte is returned once)."""

    @abstractmethod
    def accept(self, data: bytes) -> None:
        """Bytes from the peer, in order."""

    @abstractmethod
    def accept_eof(self) -> None:
        """The peer's stream ended after what was accepted."""

    @property
    @abstractmethod
    def unread(self) -> int:
        """Bytes accepted that this endpoint has not consumed yet (0 when unknown)."""

    @abstractmethod
    def facts(self) -> SideFacts:
        """Everything this endpoint tells about itself now."""


class RemoteEndpoint(Endpoint):
    """A peer on the network. Not callable; it only receives (see the module docstring).

    ``timeout``: how long the plan's receive steps wait for it (``connect --timeout``).
    """

    timeout: float = 5.0

    @abstractmethod
    def receive(self, timeout: float) -> Call:
        """Wait up to ``timeout`` seconds for bytes the remote peer sent.

        Returns a :class:`Call` whose ``produced`` holds them (``b""`` if none came:
        result ``want_read``); ``closed`` when the peer closed its stream, ``error``
        (with a local/remote :class:`~tlsstep.events.SSLErrorInfo`) when the socket failed.
        """


class LocalEndpoint(Endpoint):
    """An SSLObject on two memory BIOs: one method per operation, values returned.

    Bulk data passes through the BIOs a piece at a time, with the same result as at
    once (issue 14: a BIO keeps the largest size it had, and the whole of a 10 MB
    transfer sat in both of them). Delivered bytes wait in :attr:`backlog` and are
    written to the incoming BIO up to :data:`FEED` ahead of what OpenSSL has read,
    before each call; a call that wants a read with the incoming BIO empty (OpenSSL
    reads whatever is there before it says so: with read-ahead off, as Python leaves
    it, only what the record in hand needs) gets the next bytes and is made again, so
    it ends where it would have with all of them there. A write of more than
    :data:`WRITE_PIECE` bytes after a TLS 1.2 or 1.3 handshake is one ``SSL_write``
    per piece, its output taken after each: the same records (each piece is a
    multiple of the record size), and a piece that fails fails the write.
    """

    def __init__(
        self,
        side: Side,
        context: ssl.SSLContext,
        *,
        server_hostname: str | None = None,
        session: ssl.SSLSession | None = None,
    ) -> None:
        super().__init__(side)
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        server = side is Side.server
        msg_callback.install(context)  # before wrap_bio: SSL_new copies it
        self.obj: ssl.SSLObject = context.wrap_bio(
            self.incoming,
            self.outgoing,
            server_side=server,
            server_hostname=None if server else server_hostname,
            session=None if server else session,
        )
        msg_callback.watch(self.obj)
        # Delivered bytes OpenSSL has not been given yet, in order (views of what the
        # pair delivered: not copies), their length, and an EOF to give after them.
        self.backlog: deque[memoryview] = deque()
        self._backlog_bytes = 0
        self._eof_after_backlog = False

    # -- the seam ---------------------------------------------------------------

    def take_output(self) -> bytes:
        return self.outgoing.read()

    def accept(self, data: bytes) -> None:
        if not data:
            return
        if self.backlog or len(data) > FEED:
            self.backlog.append(memoryview(data))
            self._backlog_bytes += len(data)
        else:
            self.incoming.write(data)

    def accept_eof(self) -> None:
        if self.backlog:
            self._eof_after_backlog = True
        else:
            self.incoming.write_eof()

    @property
    def unread(self) -> int:
        return self.incoming.pending + self._backlog_bytes

    def _feed(self) -> bool:
        """Top the incoming BIO up to :data:`FEED` bytes from the backlog; whether any
        were added."""
        backlog, incoming = self.backlog, self.incoming
        fed = False
        while backlog and incoming.pending < FEED:
            piece = backlog[0]
            if len(piece) > FEED:
                piece, backlog[0] = piece[:FEED], piece[FEED:]
            else:
                backlog.popleft()
            incoming.write(piece)
            self._backlog_bytes -= len(piece)
            fed = True
        if not backlog and self._eof_after_backlog:
            self._eof_after_backlog = False
            incoming.write_eof()
        return fed

    # -- operations: one SSLObject call each -------------------------------------

    def _call(
        self, fn: Callable[[], bytes | int | None], output: io.BytesIO | None = None
    ) -> tuple[Call, bytes | int | None]:
        """Call one SSLObject method, drain its output, keep OpenSSL's error as a value.

        ``output``: what ``fn`` took from the outgoing BIO itself (a write in pieces).
        """
        value: bytes | int | None = None
        error: SSLErrorInfo | None = None
        try:
            while True:
                self._feed()
                try:
                    value = fn()
                    break
                except ssl.SSLWantReadError:
                    # Wanted more than it had: give it the next bytes delivered, if any.
                    if self.incoming.pending or not self._feed():
                        raise
            result = Result.done
        except ssl.SSLWantReadError:
            result = Result.want_read
        except ssl.SSLZeroReturnError:
            result = Result.closed
            self.closed = True
        except (ssl.SSLError, ssl.CertificateError, ValueError) as exc:
            # ValueError: e.g. read() on a closed object; still a value, not a crash.
            result = Result.error
            error = SSLErrorInfo.from_exception(exc)
            self.failed = error
        if result is not Result.error and self.obj.version() is not None:
            # version() is set only once the handshake has completed. A handshake that
            # completes shows that an earlier refused call (verify_client_post_handshake
            # before the handshake, issue 16 item 9) did not break the connection.
            if not self.handshake_done:
                self.failed = None
            self.handshake_done = True
        if output is None:
            produced = self.take_output()
        else:
            output.write(self.take_output())
            produced = output.getvalue()  # its buffer itself when exactly full: no copy
        processed = msg_callback.take(self.obj)
        return Call(result=result, error=error, produced=produced, processed=processed), value

    def do_handshake(self) -> Call:
        """One ``do_handshake()`` call."""
        return self._call(self.obj.do_handshake)[0]

    def write(self, data: bytes | Repeated) -> Call:
        """One ``write(data)`` call; ``written`` is the number of bytes taken.

        Large data after a TLS 1.2/1.3 handshake goes in pieces (see the class).
        """
        if len(data) > WRITE_PIECE and self.obj.version() in _PIECEWISE:
            output = io.BytesIO()
            call, value = self._call(lambda: self._write_pieces(data, output), output)
        else:
            whole = bytes(data) if isinstance(data, Repeated) else data
            call, value = self._call(lambda: self.obj.write(whole))
        written = value if isinstance(value, int) else None
        return dataclasses.replace(call, written=written)

    def _write_pieces(self, data: bytes | Repeated, output: io.BytesIO) -> int:
        written = 0
        for piece in pieces(data, WRITE_PIECE):
            written += self.obj.write(piece)
            output.write(self.outgoing.read())
        return written

    def read(self, size: int) -> Call:
        """One ``read(size)`` call; ``data`` is the plaintext read.

        Python's ``SSLObject.read`` does not raise ``SSLZeroReturnError`` when the
        peer's close_notify arrives (nor at an ignored unexpected EOF): it returns
        ``b""``. That is reported as ``closed``, with a note saying which.
        """
        call, value = self._call(lambda: self.obj.read(size))
        data = value if isinstance(value, bytes) else None
        if call.result is Result.done and data == b"" and size > 0:
            self.closed = True
            note = (
                "read returned b'': end of stream without close_notify, ignored "
                "(OP_IGNORE_UNEXPECTED_EOF)"
                if self.incoming.eof
                else "read returned b'': the peer's close_notify arrived"
            )
            return dataclasses.replace(call, result=Result.closed, data=data, note=note)
        return dataclasses.replace(call, data=data)

    def unwrap(self) -> Call:
        """One ``unwrap()`` call: send close_notify, and finish once the peer's arrived."""
        call = self._call(self.obj.unwrap)[0]
        if call.result is Result.done:
            self.closed = True
        return call

    def verify_client_post_handshake(self) -> Call:
        """Server: request a client certificate after the handshake (TLS 1.3 only).

        OpenSSL only arms the request; the CertificateRequest goes out with the
        server's next handshake, read or write call.
        """
        return self._call(self.obj.verify_client_post_handshake)[0]

    # -- facts --------------------------------------------------------------------

    def ssl_session(self) -> ssl.SSLSession | None:
        """The client's session, for resuming it on a new pair."""
        return self.obj.session

    def facts(self) -> SideFacts:
        """Every SSLObject method and property that describes this side now."""
        obj = self.obj
        with warnings.catch_warnings():
            # selected_npn_protocol() is deprecated (NPN is gone from OpenSSL 3
            # builds); it still answers, and tlsstep shows it for completeness.
            warnings.simplefilter("ignore", DeprecationWarning)
            npn = obj.selected_npn_protocol()
        version = obj.version()
        binding, binding_note = _channel_binding(obj, version)
        try:
            peer = obj.getpeercert()
            peer_der = obj.getpeercert(binary_form=True)
        except ValueError:
            peer, peer_der = None, None
        chains, unavailable = _chains(obj)
        try:
            session = obj.session
        except ValueError:  # OpenSSL cannot encode the session of a failed handshake
            session = None
        ctx = obj.context
        return SideFacts(
            side=self.side,
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
            unavailable=unavailable,
        )


def _channel_binding(obj: ssl.SSLObject, version: str | None) -> tuple[bytes | None, str | None]:
    if version is None:
        return None, "handshake not complete"
    if version == ProtocolVersion.tls13.openssl:
        # RFC 9266: tls-unique is undefined for TLS 1.3; Python has no tls-exporter.
        return None, "tls-unique is not defined for TLS 1.3 (RFC 9266)"
    return obj.get_channel_binding("tls-unique"), None


def _chains(
    obj: ssl.SSLObject,
) -> tuple[dict[str, tuple[bytes, ...] | None], tuple[tuple[str, str], ...]]:
    chains: dict[str, tuple[bytes, ...] | None] = {}
    unavailable: list[tuple[str, str]] = []
    for name, added_in in FEATURES.items():
        if not has_feature(name):
            unavailable.append((name, f"needs {added_in}; this is Python {sys.version.split()[0]}"))
            chains[name] = None
            continue
        # Python 3.13's _ssl.Certificate: DER through the private module's constant.
        der = getattr(ssl, "_ssl").ENCODING_DER  # noqa: B009
        certs = getattr(obj, name)()
        chains[name] = tuple(c.public_bytes(der) for c in certs) if certs else None
    return chains, tuple(unavailable)


def _session_info(session: ssl.SSLSession) -> SessionInfo:
    return SessionInfo(
        id=session.id.hex(),
        has_ticket=session.has_ticket,
        ticket_lifetime_hint=session.ticket_lifetime_hint,
        timeout=session.timeout,
    )
