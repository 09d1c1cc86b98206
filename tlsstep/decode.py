"""What crossed, decoded: one connection's byte streams turned into record views.

The session feeds every delivered chunk here (``feed(sender, data)``), and so does
capture import: whatever the source, the same splitter, reassembler, decryptor
and decoder see the bytes. Decoding is incremental: each call decodes only the
bytes it is given, keeping partial records and messages for the next call.

Decryption is pluggable (:class:`Unprotector`): without one, protected records are
shown as such with the reason; the crypto layer supplies one that has the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tlsstep.events import Side
from tlsstep.wire.enums import (
    AlertDescription,
    AlertLevel,
    ContentType,
    HandshakeType,
    ProtocolVersion,
    name_of,
)
from tlsstep.wire.handshake import HandshakeMessage, HandshakeReassembler
from tlsstep.wire.records import Record, RecordSplitter

if TYPE_CHECKING:
    from tlsstep.wire.messages import DecodedMessage


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    level: int
    description: int

    @property
    def level_name(self) -> str:
        return name_of(AlertLevel, self.level)

    @property
    def description_name(self) -> str:
        return name_of(AlertDescription, self.description)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageView:
    """A handshake message, its decoded fields (when the decoder knows it) and checks."""

    message: HandshakeMessage
    decoded: DecodedMessage | None = None
    verified: bool | None = None  # Finished: verify_data matched what the secrets give
    note: str | None = None

    @property
    def name(self) -> str:
        return self.message.name


@dataclass(frozen=True, slots=True, kw_only=True)
class Unprotected:
    """What an unprotector made of one protected record."""

    ok: bool
    epoch: str | None = None  # e.g. "handshake", "application", "application 1"
    content_type: int | None = None  # the inner (real) content type
    plaintext: bytes | None = None
    reason: str | None = None  # why it could not be opened
    # What opening used (for views that show decryption, e.g. the HTML page):
    seq: int | None = None  # the record's sequence number in its epoch
    secret_label: str | None = None  # key log label of the secret the keys come from
    keys: object | None = None  # crypto's TrafficKeys (key, iv, mac_key)


class Unprotector(Protocol):
    """The crypto layer's side of the transcript."""

    def observe(self, sender: Side, message: HandshakeMessage, decoded: DecodedMessage) -> None:
        """Every handshake message, in order, plaintext or decrypted, with its fields."""

    def change_cipher_spec(self, sender: Side) -> None:
        """A ChangeCipherSpec record from ``sender`` (TLS 1.2 key switch)."""

    def unprotect(self, sender: Side, record: Record) -> Unprotected:
        """Open one protected record."""

    def check_finished(self, sender: Side, message: HandshakeMessage) -> bool | None:
        """Whether a Finished carries the expected verify_data (None: cannot tell)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordView:
    """One record as it crossed, and what is inside it."""

    sender: Side
    record: Record
    protected: bool
    epoch: str | None = None
    inner_content_type: int | None = None
    plaintext: bytes | None = None
    messages: tuple[MessageView, ...] = ()
    alert: Alert | None = None
    note: str | None = None
    unprotected: Unprotected | None = None  # how a protected record was opened (or not)

    @property
    def content_type(self) -> int:
        """The real content type: the inner one once decrypted, else the header's."""
        return (
            self.inner_content_type
            if self.inner_content_type is not None
            else self.record.content_type
        )

    @property
    def application_data(self) -> bytes | None:
        if self.content_type == ContentType.application_data and self.plaintext is not None:
            return self.plaintext
        return None


@dataclass(slots=True)
class _Direction:
    records: RecordSplitter = field(default_factory=RecordSplitter)
    messages: HandshakeReassembler = field(default_factory=HandshakeReassembler)
    changed_cipher_spec: bool = False
    sent: list[str] = field(default_factory=list)  # message names, in order


def decode_message(
    message: HandshakeMessage, *, version: int | None = None, cipher_suite: int | None = None
) -> DecodedMessage:
    """Decoded fields of a message (:func:`tlsstep.wire.messages.decode_handshake`).

    ``version`` and ``cipher_suite`` (as the ServerHello chose them) pick the form of
    messages whose layout depends on them (TLS 1.2/1.3 Certificate, ECDHE/DHE keys).
    """
    from tlsstep.wire.messages import decode_handshake  # the decoder: loaded on first use

    return decode_handshake(message, version=version, cipher_suite=cipher_suite)


class Decoder:
    """Decodes both directions of one connection, incrementally."""

    def __init__(self, unprotector: Unprotector | None = None) -> None:
        self.unprotector = unprotector
        self._dirs = {side: _Direction() for side in Side}
        self.version: ProtocolVersion | int | None = None  # as the ServerHello selected it
        self.cipher_suite: int | None = None  # likewise

    def sent_messages(self, sender: Side) -> list[str]:
        """Names of the handshake messages ``sender`` has sent so far."""
        return list(self._dirs[sender].sent)

    def feed(self, sender: Side, data: bytes) -> list[RecordView]:
        """Decode ``data``, the next bytes ``sender`` delivered."""
        d = self._dirs[sender]
        return [self._view(sender, d, record) for record in d.records.feed(data)]

    def _protected(self, d: _Direction, record: Record) -> bool:
        # TLS 1.3 protects everything after ServerHello as application_data records;
        # TLS 1.2 protects everything after the sender's ChangeCipherSpec.
        return d.changed_cipher_spec or record.content_type == ContentType.application_data

    def _view(self, sender: Side, d: _Direction, record: Record) -> RecordView:
        if record.content_type == ContentType.change_cipher_spec:
            if not d.changed_cipher_spec and self.unprotector is not None:
                self.unprotector.change_cipher_spec(sender)
            # RFC 8446 §5: a TLS 1.3 CCS is a no-op for middleboxes; keys do not change.
            d.changed_cipher_spec = d.changed_cipher_spec or self.version != ProtocolVersion.tls13
            return RecordView(sender=sender, record=record, protected=False)
        if not self._protected(d, record):
            return self._inner(
                sender, d, record, record.content_type, record.fragment, protected=False
            )
        if self.unprotector is None:
            return RecordView(
                sender=sender, record=record, protected=True, note="encrypted: no keys"
            )
        opened = self.unprotector.unprotect(sender, record)
        if not opened.ok or opened.content_type is None or opened.plaintext is None:
            return RecordView(
                sender=sender,
                record=record,
                protected=True,
                epoch=opened.epoch,
                note=f"encrypted: {opened.reason or 'cannot decrypt'}",
                unprotected=opened,
            )
        return self._inner(
            sender,
            d,
            record,
            opened.content_type,
            opened.plaintext,
            protected=True,
            epoch=opened.epoch,
            unprotected=opened,
        )

    def _inner(
        self,
        sender: Side,
        d: _Direction,
        record: Record,
        content_type: int,
        content: bytes,
        *,
        protected: bool,
        epoch: str | None = None,
        unprotected: Unprotected | None = None,
    ) -> RecordView:
        messages: tuple[MessageView, ...] = ()
        alert: Alert | None = None
        note: str | None = None
        if content_type == ContentType.handshake:
            # Plaintext messages know where they sit in the stream; decrypted ones do not.
            origin = None if protected else record.stream_offset + 5
            messages = tuple(
                self._message(sender, d, m) for m in d.messages.feed(content, origin=origin)
            )
        elif content_type == ContentType.alert:
            if len(content) == 2:
                alert = Alert(level=content[0], description=content[1])
            else:
                note = f"alert of {len(content)} bytes; an alert is 2 bytes (RFC 8446 §6)"
        return RecordView(
            sender=sender,
            record=record,
            protected=protected,
            epoch=epoch,
            inner_content_type=content_type if protected else None,
            plaintext=content if protected else None,
            messages=messages,
            alert=alert,
            note=note,
            unprotected=unprotected,
        )

    def _message(self, sender: Side, d: _Direction, message: HandshakeMessage) -> MessageView:
        d.sent.append(message.name)
        decoded = decode_message(message, version=self.version, cipher_suite=self.cipher_suite)
        if message.msg_type == HandshakeType.server_hello:  # HelloRetryRequest too: it is TLS 1.3
            from tlsstep.wire.hello import server_hello_facts

            hello = server_hello_facts(decoded)
            if hello is not None:
                self.version, self.cipher_suite = hello.version, hello.cipher_suite
        verified = None
        if self.unprotector is not None:
            if message.msg_type == HandshakeType.finished:  # check before it joins the transcript
                verified = self.unprotector.check_finished(sender, message)
            self.unprotector.observe(sender, message, decoded)
        return MessageView(message=message, decoded=decoded, verified=verified)
