"""Handshake message framing (RFC 8446 §4): reassembly across records.

Several messages may share a record and one message may span several records
(RFC 8446 §5.1); the reassembler handles both. It only frames messages; decoding
their bodies lives beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tlsstep.wire.enums import HELLO_RETRY_REQUEST_RANDOM, HandshakeType, message_name

HANDSHAKE_HEADER_LEN: Final = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class HandshakeMessage:
    """One framed handshake message: type, body, and the full bytes for transcripts."""

    msg_type: int
    body: bytes

    @property
    def raw(self) -> bytes:
        return bytes([self.msg_type]) + len(self.body).to_bytes(3, "big") + self.body

    @property
    def is_hello_retry_request(self) -> bool:
        # RFC 8446 §4.1.3: HRR is a ServerHello whose random is a fixed value.
        return (
            self.msg_type == HandshakeType.server_hello
            and self.body[2:34] == HELLO_RETRY_REQUEST_RANDOM
        )

    @property
    def name(self) -> str:
        if self.is_hello_retry_request:
            return "HelloRetryRequest"
        return message_name(self.msg_type)


def encode_handshake(msg_type: int, body: bytes) -> bytes:
    return HandshakeMessage(msg_type=msg_type, body=body).raw


class HandshakeReassembler:
    """Joins handshake-record fragments of one direction into whole messages."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)

    def feed(self, fragment: bytes) -> list[HandshakeMessage]:
        self._buffer += fragment
        out: list[HandshakeMessage] = []
        buf = self._buffer
        pos = 0
        while len(buf) - pos >= HANDSHAKE_HEADER_LEN:
            length = int.from_bytes(buf[pos + 1 : pos + 4], "big")
            end = pos + HANDSHAKE_HEADER_LEN + length
            if end > len(buf):
                break
            out.append(HandshakeMessage(msg_type=buf[pos], body=bytes(buf[pos + 4 : end])))
            pos = end
        if pos:
            del buf[:pos]
        return out


def negotiated_version(server_hello_body: bytes) -> int | None:
    """The version a ServerHello selects: supported_versions if present (RFC 8446
    §4.2.1), else legacy_version. None if the body is too short to say."""
    body = server_hello_body
    if len(body) < 35:
        return None
    legacy = int.from_bytes(body[0:2], "big")
    pos = 34 + 1 + body[34] + 2 + 1  # random, session_id, cipher_suite, compression
    if len(body) < pos + 2:
        return legacy
    end = min(len(body), pos + 2 + int.from_bytes(body[pos : pos + 2], "big"))
    pos += 2
    while pos + 4 <= end:
        ext_type = int.from_bytes(body[pos : pos + 2], "big")
        ext_len = int.from_bytes(body[pos + 2 : pos + 4], "big")
        if ext_type == 43 and ext_len == 2 and pos + 6 <= end:  # supported_versions
            return int.from_bytes(body[pos + 4 : pos + 6], "big")
        pos += 4 + ext_len
    return legacy


def server_hello_cipher_suite(server_hello_body: bytes) -> int | None:
    """The cipher suite a ServerHello selects (RFC 8446 §4.1.3); None if too short."""
    body = server_hello_body
    if len(body) < 35:
        return None
    pos = 35 + body[34]
    if len(body) < pos + 2:
        return None
    return int.from_bytes(body[pos : pos + 2], "big")
