"""Machine inputs: handshake messages by name, with the tags the table's guards read.

Two sources, one shape (:class:`~tlsstep.states.machine.Input`):

- :func:`from_openssl` - what one SSLObject call's OpenSSL reported reading and
  writing (:class:`~tlsstep.events.Processed`, from ``SSLContext._msg_callback``);
  the truthful source, used whenever Python has it.
- :func:`from_records` - the messages the decoder found in records that crossed,
  as *sent* by their sender; the fallback where Python lacks the callback.

The few facts the guards need (the version a ServerHello selects, whether a
ClientHello offers TLS 1.3, pre_shared_key, an empty Certificate) are read from
messages decoded by the one decoder (:mod:`tlsstep.wire.hello`); nothing here parses
bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from tlsstep.decode import RecordView
from tlsstep.events import Processed
from tlsstep.states.machine import Input
from tlsstep.states.table import CCS, EMPTY, INFERRED, PSK, Direction
from tlsstep.wire.enums import ContentType, HandshakeType, ProtocolVersion, message_name
from tlsstep.wire.handshake import HandshakeMessage
from tlsstep.wire.messages import DecodedMessage

# Messages whose fields decide a guard or the table's version; others go by number.
_READ_FIELDS: Final = frozenset(
    {HandshakeType.client_hello, HandshakeType.server_hello, HandshakeType.certificate}
)


def message_input(direction: Direction, decoded: DecodedMessage) -> Input:
    """The machine input for one decoded handshake message."""
    from tlsstep.wire.hello import client_hello_facts, is_empty_certificate, server_hello_facts

    tags: set[str] = set()
    version: ProtocolVersion | None = None
    name = decoded.name
    if decoded.msg_type == HandshakeType.client_hello:
        if not client_hello_facts(decoded).offers_tls13:
            version = ProtocolVersion.tls12  # nothing else can be chosen: name states so now
    elif decoded.msg_type == HandshakeType.server_hello:
        hello = server_hello_facts(decoded)
        if hello is not None and (hello.hello_retry or hello.version == ProtocolVersion.tls13):
            version = ProtocolVersion.tls13
        elif hello is not None:
            version = ProtocolVersion.tls12
        if hello is not None and hello.pre_shared_key:
            tags.add(PSK)  # RFC 8446 §4.2.11: no certificates follow
    elif decoded.msg_type == HandshakeType.certificate and is_empty_certificate(decoded):
        tags.add(EMPTY)
    return Input(direction=direction, message=name, tags=frozenset(tags), version=version)


class OpenSSLInputs:
    """Turns OpenSSL's per-call reports into inputs, decoding each needed message once.

    The same ClientHello is reported written by one side and read by the other: the
    decoded form is kept by its bytes, so the decoder runs once per message. Given the
    records that crossed (``transcript``: a run followed after it ended), a message is
    taken from the transcript's own decoding when the same bytes crossed, instead of
    decoded a second time (issue 14); a message that crossed changed (tampered) or not
    at all is decoded from OpenSSL's report.
    """

    def __init__(self, transcript: Iterable[RecordView] | None = None) -> None:
        self._decoded: dict[bytes, DecodedMessage] = {}
        self._transcript = transcript  # read at the first message needed

    def _from_transcript(self, records: Iterable[RecordView]) -> None:
        for view in records:
            for mv in view.messages:
                if mv.message.msg_type in _READ_FIELDS:
                    decoded = mv.decoded
                    if decoded is not None:
                        self._decoded.setdefault(bytes(mv.message.raw), decoded)

    def _decode(self, item: Processed) -> DecodedMessage:
        found = self._decoded.get(item.data)
        if found is None and self._transcript is not None:
            records, self._transcript = self._transcript, None
            self._from_transcript(records)
            found = self._decoded.get(item.data)
        if found is None:
            from tlsstep.wire.messages import decode_handshake

            message = HandshakeMessage(msg_type=item.msg_type or 0, body=item.data[4:])
            found = self._decoded[item.data] = decode_handshake(message)
        return found

    def inputs(self, processed: Iterable[Processed]) -> Iterator[Input]:
        """Each reported handshake message or ChangeCipherSpec, as a machine input."""
        for item in processed:
            direction = Direction.sent if item.sent else Direction.received
            if item.content_type == ContentType.change_cipher_spec:
                yield Input(direction=direction, message=CCS)
            elif item.content_type == ContentType.handshake and item.msg_type is not None:
                if item.msg_type in _READ_FIELDS:
                    yield message_input(direction, self._decode(item))
                else:
                    yield Input(direction=direction, message=message_name(item.msg_type))


def rejected(processed: tuple[Processed, ...]) -> int | None:
    """Which reported message a failed call stopped at, by its index; None if none.

    OpenSSL reports a message when it has read it whole, *before* processing it, and
    stops at the first it rejects. So when the last thing a failed call read is a
    handshake message, that message is the one rejected (a certificate that failed
    verification, a hello it could not accept). When the last thing read is an alert
    or a record header (a record that failed to decrypt or parse), every message
    before it was processed.
    """
    last: int | None = None
    for index, item in enumerate(processed):
        if not item.sent:
            last = index
    if last is None:
        return None
    item = processed[last]
    return last if item.content_type == ContentType.handshake else None


def from_records(
    records: Iterable[RecordView], inferred_finished: set[object], key: object
) -> Iterator[Input]:
    """The sender's inputs in decoded ``records``, as *sent* (the fallback source).

    ``inferred_finished`` remembers the streams whose first protected TLS 1.2
    handshake record was already named Finished (RFC 5246 §7.4.9: it is the first
    record after ChangeCipherSpec, though its header still says handshake).
    """
    for view in records:
        if view.record.content_type == ContentType.change_cipher_spec:
            yield Input(direction=Direction.sent, message=CCS)
            continue
        if (
            view.protected
            and not view.messages
            and view.record.content_type == ContentType.handshake
            and key not in inferred_finished
        ):
            inferred_finished.add(key)
            yield Input(direction=Direction.sent, message="Finished", tags=frozenset({INFERRED}))
            continue
        for mv in view.messages:
            # Only the messages whose fields decide a guard are decoded for it.
            decoded = mv.decoded if mv.message.msg_type in _READ_FIELDS else None
            if decoded is not None:
                yield message_input(Direction.sent, decoded)
            else:
                yield Input(direction=Direction.sent, message=mv.name)
