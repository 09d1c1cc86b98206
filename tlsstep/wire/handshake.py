"""Handshake message framing (RFC 8446 §4): reassembly across records.

Several messages may share a record and one message may span several records
(RFC 8446 §5.1); the reassembler handles both. It only frames messages; decoding
their bodies lives beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from tlsstep.wire.enums import HELLO_RETRY_REQUEST_RANDOM, HandshakeType, message_name

HANDSHAKE_HEADER_LEN: Final = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Piece:
    """A run of a message's bytes that crossed the wire contiguously.

    A message split over several records has several pieces; ``stream_offset`` is
    where the run starts in its direction's byte stream (record headers included).
    """

    message_offset: int  # from the message's first header byte
    stream_offset: int
    length: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HandshakeMessage:
    """One framed handshake message: type, body, and the full bytes for transcripts.

    ``pieces`` says where its bytes crossed the wire, when the reassembler was told
    (plaintext records); decrypted records have no wire position for their plaintext.
    """

    msg_type: int
    body: bytes
    pieces: tuple[Piece, ...] = field(default=(), compare=False)

    def stream_offset(self, offset: int) -> int | None:
        """Where byte ``offset`` of the message is in the byte stream, if known."""
        return piece_offset(self.pieces, offset)

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


def piece_offset(pieces: tuple[Piece, ...], offset: int) -> int | None:
    """The stream offset of byte ``offset`` of a message made of ``pieces``."""
    for p in pieces:
        if p.message_offset <= offset < p.message_offset + p.length:
            return p.stream_offset + offset - p.message_offset
    return None


def encode_handshake(msg_type: int, body: bytes) -> bytes:
    return HandshakeMessage(msg_type=msg_type, body=body).raw


class HandshakeReassembler:
    """Joins handshake-record fragments of one direction into whole messages."""

    __slots__ = ("_buffer", "_origins")

    def __init__(self) -> None:
        self._buffer = bytearray()
        # (buffer position, stream offset, length) of each fragment with a known origin
        self._origins: list[tuple[int, int, int]] = []

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)

    def feed(self, fragment: bytes, *, origin: int | None = None) -> list[HandshakeMessage]:
        """Add one record's handshake bytes; return the messages they complete.

        Args:
            fragment: the record's (plaintext) content.
            origin: the stream offset of the fragment's first byte (a plaintext
                record's ``stream_offset + 5``); None when it has none (decrypted).
        """
        if origin is not None and fragment:
            self._origins.append((len(self._buffer), origin, len(fragment)))
        self._buffer += fragment
        out: list[HandshakeMessage] = []
        buf = self._buffer
        pos = 0
        while len(buf) - pos >= HANDSHAKE_HEADER_LEN:
            length = int.from_bytes(buf[pos + 1 : pos + 4], "big")
            end = pos + HANDSHAKE_HEADER_LEN + length
            if end > len(buf):
                break
            out.append(
                HandshakeMessage(
                    msg_type=buf[pos],
                    body=bytes(buf[pos + 4 : end]),
                    pieces=self._pieces(pos, end),
                )
            )
            pos = end
        if pos:
            del buf[:pos]
            self._origins = [
                (start - pos, stream, n)
                if start >= pos
                else (0, stream + pos - start, n - pos + start)
                for start, stream, n in self._origins
                if start + n > pos
            ]
        return out

    def _pieces(self, pos: int, end: int) -> tuple[Piece, ...]:
        pieces = []
        for start, stream, n in self._origins:
            lo, hi = max(start, pos), min(start + n, end)
            if lo < hi:
                pieces.append(
                    Piece(
                        message_offset=lo - pos, stream_offset=stream + lo - start, length=hi - lo
                    )
                )
        return tuple(pieces)
