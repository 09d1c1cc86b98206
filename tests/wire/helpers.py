"""Tiny encoders for hand-written vectors: RFC 8446 §3.4 length-prefixed vectors."""

from __future__ import annotations

from tlsstep.wire.handshake import HandshakeMessage, HandshakeReassembler, encode_handshake


def u8(v: int) -> bytes:
    return v.to_bytes(1, "big")


def u16(v: int) -> bytes:
    return v.to_bytes(2, "big")


def u24(v: int) -> bytes:
    return v.to_bytes(3, "big")


def u32(v: int) -> bytes:
    return v.to_bytes(4, "big")


def vec(width: int, data: bytes) -> bytes:
    return len(data).to_bytes(width, "big") + data


def ext(ext_type: int, data: bytes) -> bytes:
    return u16(ext_type) + vec(2, data)


def exts(*items: bytes) -> bytes:
    return vec(2, b"".join(items))


def message(raw: bytes) -> HandshakeMessage:
    """The one whole handshake message in ``raw`` (header included)."""
    (msg,) = HandshakeReassembler().feed(raw)
    return msg


def handshake(msg_type: int, body: bytes) -> HandshakeMessage:
    return message(encode_handshake(msg_type, body))
