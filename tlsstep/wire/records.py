"""TLS record framing (RFC 8446 §5.1, RFC 5246 §6.2), incremental per direction.

A :class:`RecordSplitter` is fed whatever bytes crossed in one direction, in any
chunking, and returns each record once it is complete; a partial record waits for
the rest. Nothing here raises on strange bytes: an impossible length is still a
record header, and the caller sees it as such.
"""

from __future__ import annotations

from typing import Final

from tlsstep.frozen import frozen
from tlsstep.wire.enums import ContentType, name_of, version_name

HEADER_LEN: Final = 5
# RFC 8446 §5.2: 2^14 + 256 for protected records; anything larger is record_overflow.
MAX_CIPHERTEXT_LEN: Final = 2**14 + 256


@frozen
class Record:
    """One TLS record as it crossed the wire.

    ``stream_offset`` is where its header starts in the byte stream of its direction.
    """

    stream_offset: int
    content_type: int
    legacy_record_version: int
    length: int
    fragment: bytes

    @property
    def raw(self) -> bytes:
        return self.header + self.fragment

    @property
    def header(self) -> bytes:
        return (
            bytes([self.content_type])
            + self.legacy_record_version.to_bytes(2, "big")
            + self.length.to_bytes(2, "big")
        )

    @property
    def content_type_name(self) -> str:
        return name_of(ContentType, self.content_type)

    @property
    def version_name(self) -> str:
        return version_name(self.legacy_record_version)

    @property
    def oversized(self) -> bool:
        return self.length > MAX_CIPHERTEXT_LEN


def encode_record(content_type: int, version: int, fragment: bytes) -> bytes:
    """Frame ``fragment`` as one record (the encoder beside the splitter)."""
    return (
        bytes([content_type])
        + version.to_bytes(2, "big")
        + len(fragment).to_bytes(2, "big")
        + fragment
    )


def record_lengths(data: bytes) -> list[int]:
    """Total sizes (header included) of the whole records at the start of ``data``.

    A trailing partial record is not counted. Used to deliver "the first N records".
    """
    sizes: list[int] = []
    pos = 0
    while len(data) - pos >= HEADER_LEN:
        total = HEADER_LEN + int.from_bytes(data[pos + 3 : pos + 5], "big")
        if len(data) - pos < total:
            break
        sizes.append(total)
        pos += total
    return sizes


class RecordSplitter:
    """Splits one direction's byte stream into records, across any chunking."""

    __slots__ = ("_buffer", "_consumed")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._consumed = 0  # stream offset of _buffer[0]

    @property
    def pending(self) -> bytes:
        """Bytes of a record that has not fully arrived yet."""
        return bytes(self._buffer)

    @property
    def consumed(self) -> int:
        """The stream offset of the first byte not yet framed (a partial record's header)."""
        return self._consumed

    def skip(self, size: int) -> None:
        """The caller framed the waiting partial record and the ``size`` bytes after it
        itself (the decoder's fast path, tlsstep/decode.py): they are gone from here."""
        self._consumed += len(self._buffer) + size
        self._buffer.clear()

    def feed(self, data: bytes) -> list[Record]:
        """Add bytes; return the records they complete, in order."""
        self._buffer += data
        out: list[Record] = []
        buf = self._buffer
        pos = 0
        size = len(buf)
        # Fragments are copied once, out of a view (a bytearray slice would be a second
        # copy); the view is released before the buffer changes size.
        with memoryview(buf) as view:
            while size - pos >= HEADER_LEN:
                length = buf[pos + 3] << 8 | buf[pos + 4]
                end = pos + HEADER_LEN + length
                if end > size:
                    break
                out.append(
                    Record(
                        stream_offset=self._consumed + pos,
                        content_type=buf[pos],
                        legacy_record_version=buf[pos + 1] << 8 | buf[pos + 2],
                        length=length,
                        fragment=view[pos + HEADER_LEN : end].tobytes(),
                    )
                )
                pos = end
        if pos:
            del buf[:pos]
            self._consumed += pos
        return out
