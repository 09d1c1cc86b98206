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
_APPLICATION_DATA: Final = int(ContentType.application_data)


@frozen
class Record:
    """One TLS record as it crossed the wire.

    ``stream_offset`` is where its header starts in the byte stream of its direction.
    """

    stream_offset: int
    content_type: int
    legacy_record_version: int
    length: int
    # A read-only view into the bytes that crossed for application data records framed
    # from whole ``bytes`` (:class:`RecordSplitter`), else a copy.
    fragment: bytes | memoryview

    @property
    def fragment_bytes(self) -> bytes:
        """The fragment as ``bytes``: itself, or a copy of the view it is."""
        fragment = self.fragment
        return fragment if isinstance(fragment, bytes) else fragment.tobytes()

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
    """Splits one direction's byte stream into records, across any chunking.

    Application data records, the bulk of a stream, are framed without a copy when
    they arrive whole in a ``bytes`` object: their fragment is a read-only view into
    it (which keeps it alive; the session keeps what crossed anyway). Other records,
    and whatever completes a record that was split between feeds, are copied.
    """

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

    @property
    def waiting(self) -> bytearray:
        """The bytes that wait here (the start of a record), not a copy: release any view
        of them before feeding more."""
        return self._buffer

    def complete(self, data: bytes | memoryview) -> int:
        """Add to the waiting partial record the bytes at the start of ``data`` that
        make it whole, and say how many (0: nothing waits; -1: ``data`` does not make it
        whole, and nothing was added). For the decoder's fast path (tlsstep/decode.py),
        which then frames and opens the record in :attr:`waiting` itself."""
        buf = self._buffer
        if not buf:
            return 0
        head = bytes(buf[:HEADER_LEN]) + bytes(data[: max(0, HEADER_LEN - len(buf))])
        if len(head) < HEADER_LEN:
            return -1
        need = HEADER_LEN + (head[3] << 8 | head[4]) - len(buf)
        if need > len(data):
            return -1
        buf += data[:need]
        return need

    def skip(self, size: int) -> None:
        """The caller framed what waited here and the ``size`` bytes after it itself
        (the decoder's fast path): they are gone from here."""
        self._consumed += len(self._buffer) + size
        self._buffer.clear()

    def hold(self, data: bytes | memoryview) -> None:
        """Keep ``data``, the start of a record not yet whole, when nothing waits: what
        :meth:`feed` does with it, without looking for records in it (the decoder's
        fast path, which has: the bytes a packet ends with, issue 14)."""
        assert not self._buffer
        self._buffer += data

    def feed(self, data: bytes | bytearray | memoryview) -> list[Record]:
        """Add bytes; return the records they complete, in order."""
        out = self._framed() if self._buffer else []
        taken = self._complete(data, out) if self._buffer else 0
        if self._buffer or taken == len(data):
            return out  # all of ``data`` went to the record that waits for the rest
        if type(data) is not bytes:  # a bytearray or a view may change: copy it
            self._buffer += memoryview(data)[taken:]
            out += self._framed()
            return out
        out += self._framed_in(data, taken)
        return out

    def _complete(self, data: bytes | bytearray | memoryview, out: list[Record]) -> int:
        """Move what the buffer's partial record lacks from ``data`` (no more); frame it.

        Returns:
            how many bytes of ``data`` were taken.
        """
        buf = self._buffer
        taken = min(max(0, HEADER_LEN - len(buf)), len(data))
        buf += data[:taken]
        if len(buf) < HEADER_LEN:
            return taken
        need = HEADER_LEN + (buf[3] << 8 | buf[4]) - len(buf)
        more = min(need, len(data) - taken)
        buf += data[taken : taken + more]
        out += self._framed()
        return taken + more

    def _framed(self) -> list[Record]:
        """The whole records at the start of the buffer (copied out of it)."""
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

    def _framed_in(self, data: bytes, start: int) -> list[Record]:
        """The whole records of ``data`` from ``start`` (the buffer is empty); the
        partial one at its end goes to the buffer."""
        out: list[Record] = []
        view = memoryview(data)
        base = self._consumed - start  # the stream offset of data[0]
        pos = start
        size = len(data)
        while size - pos >= HEADER_LEN:
            length = data[pos + 3] << 8 | data[pos + 4]
            end = pos + HEADER_LEN + length
            if end > size:
                break
            kind = data[pos]
            out.append(
                Record(
                    stream_offset=base + pos,
                    content_type=kind,
                    legacy_record_version=data[pos + 1] << 8 | data[pos + 2],
                    length=length,
                    # Handshake bytes are decoded field by field (bytes methods): a copy.
                    fragment=view[pos + HEADER_LEN : end]
                    if kind == _APPLICATION_DATA
                    else data[pos + HEADER_LEN : end],
                )
            )
            pos = end
        self._consumed = base + pos
        if pos < size:
            self._buffer += view[pos:]
        return out
