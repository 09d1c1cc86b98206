"""Values a step produces. Frozen, so every view sees the same facts."""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen
from tlsstep.lazy import pattern

if TYPE_CHECKING:
    from tlsstep.faults import Fault
    from tlsstep.repeated import Repeated


class Side(StrEnum, metaclass=CheapEnumType):
    client = "client"
    server = "server"

    @property
    def peer(self) -> Side:
        return Side.server if self is Side.client else Side.client


class Result(StrEnum, metaclass=CheapEnumType):
    """What one operation came to."""

    done = "done"
    want_read = "want read"  # OpenSSL needs bytes from the peer before it can go on
    closed = "closed"  # the peer's close_notify arrived (SSLZeroReturnError)
    error = "error"
    stalled = "stalled"  # a whole handshake: nobody can move and nothing is queued


class Op(StrEnum, metaclass=CheapEnumType):
    """Every operation an event can record: the endpoint's calls, then the pair's own.

    A ``StrEnum``, so an op prints and serialises as its name (``"do_handshake"``).
    """

    do_handshake = "do_handshake"
    write = "write"
    read = "read"
    unwrap = "unwrap"
    verify_client_post_handshake = "verify_client_post_handshake"
    receive = "receive"  # bytes a remote peer sent arrived (its "call")
    deliver = "deliver"
    eof = "eof"
    tamper = "tamper"

    @property
    def is_call(self) -> bool:
        """An operation of the endpoint itself (OpenSSL's or the remote peer's), not of
        the bytes between the sides."""
        return self not in _TRANSPORT


_TRANSPORT = frozenset({Op.deliver, Op.eof, Op.tamper})


class ErrorSource(StrEnum, metaclass=CheapEnumType):
    """Who broke a rule, as h11 splits ``LocalProtocolError``/``RemoteProtocolError``.

    ``local``: this side was asked for something it cannot do now (a read on a
    closed object, a post-handshake request before the handshake). ``remote``: what
    the peer sent (its bytes, alert, certificate or offer) made this side fail.
    """

    local = "local"
    remote = "remote"


# OpenSSL reasons that mean "the caller used this object wrongly", not "the peer did".
_LOCAL_REASONS = frozenset(
    {
        "SHUTDOWN_WHILE_IN_INIT",
        "PROTOCOL_IS_SHUTDOWN",
        "EXTENSION_NOT_RECEIVED",  # verify_client_post_handshake without the client's offer
        "WRONG_SSL_VERSION",
        "UNINITIALIZED",
        "BAD_LENGTH",
        "NOT_SERVER",
        "NOT_CLIENT",
    }
)


_ALERT_REASON = pattern(r"(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_0-9]+)$")


@frozen
class SSLErrorInfo:
    """An OpenSSL exception as a value (DESIGN.md: errors become values at the pair)."""

    exception: str
    message: str
    library: str | None = None
    reason: str | None = None
    verify_code: int | None = None
    verify_message: str | None = None
    source: ErrorSource = ErrorSource.remote

    @property
    def alert_received(self) -> str | None:
        """The alert the peer sent, when OpenSSL names it in the reason (``unknown_ca``)."""
        if self.reason is None:
            return None
        match = _ALERT_REASON.match(self.reason)
        return match.group(1).lower() if match else None

    @classmethod
    def from_exception(cls, exc: BaseException) -> SSLErrorInfo:
        verify_code = getattr(exc, "verify_code", None)
        verify_message = getattr(exc, "verify_message", None)
        reason = getattr(exc, "reason", None)
        # A ValueError is Python refusing the call itself (read() on a closed object).
        local = isinstance(exc, ValueError) and not isinstance(exc, OSError)
        local = local or reason in _LOCAL_REASONS
        return cls(
            exception=type(exc).__name__,
            message=str(exc),
            library=getattr(exc, "library", None),
            reason=reason,
            verify_code=verify_code if isinstance(verify_code, int) else None,
            verify_message=verify_message if isinstance(verify_message, str) else None,
            source=ErrorSource.local if local else ErrorSource.remote,
        )


# An argument of an operation as the log shows it: ``size=16384``, ``data=b"GET /"``,
# ``bytes=10``, ``fault=Flip(...)``, ``timeout=2.0``; a write's repeated data stays a
# ``Repeated`` (its repr is the bytes').
Arg = tuple[str, "int | float | bytes | Repeated | Fault"]


@frozen
class Processed:
    """One message as the side's own OpenSSL reported it (``SSL_CTX_set_msg_callback``).

    ``sent`` is True for what OpenSSL wrote, False for what it read. A handshake
    message (``content_type`` 22) carries its header and body in ``data``; an alert
    (21) its two bytes; a ChangeCipherSpec (20) is reported from its record header;
    the header of any other record read is content type 256 (SSL3_RT_HEADER).
    """

    sent: bool
    content_type: int
    msg_type: int | None = None
    data: bytes = b""


@frozen
class Event:
    """One operation on the pair and what it did.

    Callers dispatch on ``op`` (an :class:`Op`), and each kind of outcome has its
    own typed field: ``produced`` is what the operation wrote towards the peer (it
    is now queued; for ``receive``, what the remote peer sent); ``delivered`` is
    what a ``deliver`` moved into the peer's incoming BIO; ``data`` the plaintext a
    ``read`` returned; ``written`` the bytes a ``write`` took; ``fault`` and
    ``resized`` what a ``tamper`` did and the queue length before and after it. The
    queue sizes are after the operation.
    """

    index: int
    connection: int
    side: Side
    op: Op
    args: tuple[Arg, ...] = ()
    result: Result
    error: SSLErrorInfo | None = None
    produced: bytes = b""
    delivered: bytes = b""
    data: bytes | None = None
    written: int | None = None
    fault: Fault | None = None
    resized: tuple[int, int] | None = None
    queued_to_server: int = 0
    queued_to_client: int = 0
    note: str | None = None
    # What this call's OpenSSL read and wrote, message by message, in order; None when
    # Python cannot tell (no SSLContext._msg_callback) or the operation made no call.
    processed: tuple[Processed, ...] | None = None

    @property
    def call(self) -> str:
        """How the operation reads in a transcript: ``server.do_handshake()``."""
        shown = ", ".join(f"{k}={v!r}" for k, v in self.args)
        return f"{self.side}.{self.op}({shown})"


@frozen
class SessionInfo:
    """The facts of an ``ssl.SSLSession`` (the object itself stays in the pair)."""

    id: str
    has_ticket: bool
    ticket_lifetime_hint: int
    timeout: int


@frozen
class SideFacts:
    """Everything an SSLObject tells about itself at one moment.

    Absent APIs (``get_verified_chain`` before Python 3.13) are listed in
    ``unavailable`` with the reason, rather than silently missing.
    """

    side: Side
    server_side: bool
    server_hostname: str | None
    version: str | None
    cipher: tuple[str, str, int] | None
    compression: str | None
    selected_alpn_protocol: str | None
    selected_npn_protocol: str | None
    session_reused: bool
    pending: int
    peer_certificate: dict[str, Any] | None
    peer_certificate_der: bytes | None
    shared_ciphers: tuple[tuple[str, str, int], ...] | None
    channel_binding: bytes | None
    channel_binding_note: str | None
    session: SessionInfo | None
    verified_chain: tuple[bytes, ...] | None
    unverified_chain: tuple[bytes, ...] | None
    context_protocol: str
    context_verify_mode: str
    context_minimum_version: str
    context_maximum_version: str
    unavailable: tuple[tuple[str, str], ...] = field(default=())


@frozen
class Wait:
    """Why one side of a stalled handshake cannot go on: what it waits for."""

    side: Side
    last: str | None  # its last call, e.g. "server.do_handshake()"
    last_result: Result | None
    unread: int  # bytes delivered to it that it could not use yet (a partial record)
    queued_to_it: int  # bytes its peer has queued for it (0: nothing on the way)

    def __str__(self) -> str:
        text = f"{self.side} waits for bytes from the {self.side.peer}"
        if self.last is not None and self.last_result is not None:
            text += f" ({self.last} → {self.last_result})"
        if self.unread:
            text += f"; it holds {self.unread} bytes that are not a whole record"
        if not self.queued_to_it:
            text += f"; the {self.side.peer} has nothing queued for it"
        return text
