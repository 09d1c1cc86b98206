"""Record framing across bytes a capture lost (issue 18).

Theory of operation: a :class:`GapSplitter` is a :class:`RecordSplitter` that is
also told where bytes are missing (:meth:`GapSplitter.gap`, with stream offsets
from TCP sequence numbers). Framing after a gap needs to know where the next
record header starts:

- When the header of the record the gap cut had arrived, its length says where
  that record ends. If that end lies after the gap, the record is delivered as a
  :class:`DamagedRecord` (its lost bytes listed and zero-filled) and framing goes
  on exactly there: nothing is guessed.
- Otherwise (the gap swallowed a header) the next record is searched for from
  the end of the gap: a position holding a plausible header (a known content
  type, a record version the connection used, a length within RFC 8446 §5.1/§5.2
  and RFC 5246 §6.2) whose following headers chain, :data:`CHAIN_LINKS` of them,
  or up to the end of the stream. A candidate that does not chain is not a
  record; bytes before the one found are skipped and counted.

The search is linear: candidates are found with ``bytes.find`` on the few
(content type, version) prefixes allowed, a rejected position is never looked at
again, and only the bytes from the current candidate on are kept while more are
awaited (at most :data:`CHAIN_LINKS` + 1 records).

Whatever is framed after a gap carries an :class:`AfterGap` (on the first whole
record): where the unknown region started, how the record was found, and how
many bytes were skipped. The decryptor uses the region's size to bound its search
for the record sequence number.
"""

from __future__ import annotations

from typing import Final

from tlsstep.frozen import frozen
from tlsstep.wire.enums import ContentType, name_of
from tlsstep.wire.records import HEADER_LEN, Record, RecordSplitter

# Following headers that must chain before a candidate counts as a record.
CHAIN_LINKS: Final = 2
# RFC 5246 §6.2.3: TLSCiphertext.length is at most 2^14 + 2048 (the loosest limit);
# RFC 8446 §5.2 lowers it to 2^14 + 256 for TLS 1.3.
MAX_RECORD_LENGTH_12: Final = 2**14 + 2048
MAX_RECORD_LENGTH_13: Final = 2**14 + 256
# Record versions a connection can use before one was seen (RFC 8446 §5.1, RFC 5246 §6.2.1).
ANY_VERSIONS: Final = frozenset({0x0301, 0x0302, 0x0303})
CONTENT_TYPES: Final = frozenset(
    {
        ContentType.change_cipher_spec,
        ContentType.alert,
        ContentType.handshake,
        ContentType.application_data,
    }
)


@frozen
class HeaderRules:
    """What a record header of this connection may hold."""

    versions: frozenset[int] = ANY_VERSIONS
    max_length: int = MAX_RECORD_LENGTH_12
    min_length: int = 1  # RFC 8446 §5.1: only application_data may be empty

    def length(self, buf: bytes | bytearray, pos: int) -> int | None:
        """The record length of a plausible header at ``pos`` (5 bytes there), else None."""
        if buf[pos] not in CONTENT_TYPES:
            return None
        if (buf[pos + 1] << 8 | buf[pos + 2]) not in self.versions:
            return None
        length = buf[pos + 3] << 8 | buf[pos + 4]
        if length > self.max_length:
            return None
        if length < self.min_length and buf[pos] != ContentType.application_data:
            return None
        return length


@frozen
class GapHit:
    """Where a gap fell: between records, in a record's header, or in its body."""

    offset: int  # stream offset of the first lost byte
    size: int
    record_offset: int | None = None  # the record the gap cut, when its header start is known
    record_length: int | None = None  # its length, when its header had arrived
    content_type: int | None = None

    @property
    def inside(self) -> str:
        if self.record_offset is None:
            return "between records"
        if self.record_length is None:
            return f"in the header of the record at {self.record_offset}"
        first = self.offset - self.record_offset - HEADER_LEN  # in its fragment
        last = min(first + self.size, self.record_length) - 1
        text = (
            f"in the {name_of(ContentType, self.content_type or 0)} record at "
            f"{self.record_offset} ({self.record_length} bytes): its bytes {first}-{last}"
        )
        if first + self.size > self.record_length:
            text += " and what follows it"
        return text


@frozen
class DamagedRecord:
    """A record whose header arrived but some of whose bytes the capture lost.

    ``missing`` are (start, end) offsets in its fragment; those bytes are zeros in
    ``record.fragment``. It is shown, never decrypted: no tag can verify.
    """

    record: Record
    missing: tuple[tuple[int, int], ...]


@frozen
class AfterGap:
    """How the first whole record after a gap was found."""

    region_start: int  # stream offset where the first record not framed whole begins
    record_offset: int  # this record's
    found_by: str  # "length" (of the record the gap cut) or "search"
    skipped: int = 0  # bytes after the gap, before this record, that no record holds
    # Records in the region when framing never searched (each one damaged, each found by
    # the last one's length): exactly this many; None when a search may have passed some.
    records: int | None = None

    @property
    def region(self) -> int:
        """Bytes between the last whole record and this one: lost records lie there."""
        return self.record_offset - self.region_start


class _Damage:
    """A record a capture gap cut, being filled in (a plain slotted class: a dataclass
    compiles its methods at import, issue 14)."""

    __slots__ = ("content_type", "data", "length", "missing", "start", "version")

    def __init__(
        self,
        *,
        start: int,  # stream offset of its header
        length: int,
        content_type: int,
        version: int,
        data: bytearray,  # header and fragment so far, zeros where lost
        missing: list[tuple[int, int]],
    ) -> None:
        self.start = start
        self.length = length
        self.content_type = content_type
        self.version = version
        self.data = data
        self.missing = missing

    @property
    def end(self) -> int:
        return self.start + HEADER_LEN + self.length


Framed = Record | DamagedRecord


class GapSplitter(RecordSplitter):
    """A :class:`RecordSplitter` that frames across gaps (see the module docstring).

    Without gaps it is the plain splitter: :meth:`feed` adds one check.
    """

    __slots__ = (
        "_candidate",
        "_damage",
        "_region",
        "_region_damaged",
        "_region_searched",
        "_searching",
        "_skipped",
        "marks",
        "rules",
        "versions",
    )

    def __init__(self) -> None:
        super().__init__()
        self.rules = HeaderRules()
        self.versions: set[int] = set()  # record versions framed so far
        self.marks: dict[int, AfterGap] = {}  # stream offset -> mark, until the reader takes it
        self._damage: _Damage | None = None
        self._searching = False
        self._candidate: int | None = None  # buffer position waiting for bytes to chain
        self._region = 0  # where the unknown region began
        self._skipped = 0  # bytes after the gap the search passed over
        self._region_damaged = 0  # damaged records delivered in the region
        self._region_searched = False  # whether framing searched in the region

    @property
    def position(self) -> int:
        """The stream offset of the next byte to be fed."""
        if self._damage is not None:
            return self._damage.start + len(self._damage.data)
        return self._consumed + len(self._buffer)

    @property
    def unframed(self) -> tuple[str, int]:
        """What waits at the end of the stream: ("record", bytes of a partial record),
        ("damaged", bytes of a damaged record) or ("search", bytes after a gap)."""
        if self._damage is not None:
            return "damaged", len(self._damage.data)
        if self._searching:
            return "search", len(self._buffer) + self._skipped
        return "record", len(self._buffer)

    def feed(self, data: bytes | memoryview) -> list[Framed]:  # type: ignore[override]
        if self._damage is None and not self._searching:
            out: list[Framed] = list(super().feed(data))
        else:
            out = self._feed_after_gap(data)
        for item in out:
            if isinstance(item, Record):
                self.versions.add(item.legacy_record_version)
        return out

    def _feed_after_gap(self, data: bytes | memoryview) -> list[Framed]:
        out: list[Framed] = []
        damage = self._damage
        if damage is not None:
            take = damage.end - self.position
            damage.data += data[:take]
            data = data[take:]
            if self.position < damage.end:
                return out
            out.append(self._damaged_done(damage))
            self._consumed = damage.end
            self._mark_next("length")
        if self._searching:
            self._buffer += data
            data = b""
            if not self._search(final=False):
                return out
        out += super().feed(data)
        return out

    def finish(self) -> list[Framed]:
        """The stream ended: a candidate that chains up to its end counts."""
        if self._searching and self._search(final=True):
            return list(super().feed(b""))
        return []

    def gap(self, size: int) -> tuple[GapHit, list[Framed]]:
        """``size`` bytes at :attr:`position` are lost: where they fell, and what the
        bytes before them now frame (a record that chains up to the gap, the damaged
        record whose last bytes the gap took)."""
        framed: list[Framed] = []
        if self._searching and self._search(final=True):
            framed += super().feed(b"")  # the bytes before this gap chain up to it
        hit, damaged = self._gap(size)
        return hit, framed + damaged

    def _gap(self, size: int) -> tuple[GapHit, list[Framed]]:
        offset = self.position
        damage = self._damage
        buf = self._buffer
        if damage is None and not self._searching:
            # A record framed after an earlier gap but not yet whole: the region that
            # gap began goes on (no record was framed whole since).
            earlier = self.marks.pop(self._consumed, None)
            if earlier is not None:
                self._skipped += earlier.skipped
            else:
                self._region = self._consumed
                self._region_damaged, self._region_searched = 0, False
            if len(buf) >= HEADER_LEN:
                damage = self._damage = _Damage(
                    start=self._consumed,
                    length=buf[3] << 8 | buf[4],
                    content_type=buf[0],
                    version=buf[1] << 8 | buf[2],
                    data=bytearray(buf),
                    missing=[],
                )
                buf.clear()
        if damage is None:
            hit = GapHit(
                offset=offset,
                size=size,
                record_offset=self._consumed if buf and not self._searching else None,
            )
            self._skipped += len(buf) if self._searching else 0
            self._consumed += len(buf) + size
            buf.clear()
            self._searching = self._region_searched = True
            self._candidate = None
            return hit, []
        hit = GapHit(
            offset=offset,
            size=size,
            record_offset=damage.start,
            record_length=damage.length,
            content_type=damage.content_type,
        )
        at = offset - damage.start - HEADER_LEN  # in the fragment
        fill = min(size, damage.end - offset)
        damage.missing.append((at, at + fill))
        damage.data += bytes(fill)  # bounded by the record's length
        if offset + size < damage.end:
            return hit, []
        done = self._damaged_done(damage)
        self._consumed = offset + size
        if offset + size == damage.end:
            self._mark_next("length")
        else:
            self._searching = self._region_searched = True
            self._candidate = None
        return hit, [done]

    def _damaged_done(self, damage: _Damage) -> DamagedRecord:
        self._damage = None
        self._region_damaged += 1
        return DamagedRecord(
            record=Record(
                stream_offset=damage.start,
                content_type=damage.content_type,
                legacy_record_version=damage.version,
                length=damage.length,
                fragment=bytes(damage.data[HEADER_LEN:]),
            ),
            missing=tuple(damage.missing),
        )

    def _mark_next(self, found_by: str) -> None:
        self.marks[self._consumed] = AfterGap(
            region_start=self._region,
            record_offset=self._consumed,
            found_by=found_by,
            skipped=self._skipped,
            records=None if self._region_searched else self._region_damaged,
        )
        self._skipped = 0

    # -- the search -----------------------------------------------------------

    def _search(self, *, final: bool) -> bool:
        """Look for a chaining header in the buffer; on success framing resumes there."""
        buf = self._buffer
        prefixes = [
            bytes([t]) + v.to_bytes(2, "big") for t in CONTENT_TYPES for v in self.rules.versions
        ]
        pos = self._candidate if self._candidate is not None else 0
        while True:
            if self._candidate is None:
                found = [i for i in (buf.find(x, pos) for x in prefixes) if i >= 0]
                if not found:
                    self._drop(max(0, len(buf) - 2))  # a prefix may straddle the end
                    return False
                pos = min(found)
            verdict = self._chain(buf, pos, final=final)
            if verdict is None:  # wait for more bytes, keeping only these
                self._drop(pos)
                self._candidate = 0
                return False
            if verdict:
                self._drop(pos)
                self._candidate = None
                self._searching = False
                self._mark_next("search")
                return True
            self._candidate = None
            pos += 1

    def _drop(self, n: int) -> None:
        if n:
            del self._buffer[:n]
            self._consumed += n
            self._skipped += n

    def _partial_header(self, buf: bytearray, at: int) -> bool:
        return (
            len(buf) - at >= 3
            and buf[at] in CONTENT_TYPES
            and (buf[at + 1] << 8 | buf[at + 2]) in self.rules.versions
        )

    def _chain(self, buf: bytearray, pos: int, *, final: bool) -> bool | None:
        """Whether the header at ``pos`` starts a chain of :data:`CHAIN_LINKS` more
        (True), does not (False), or more bytes are needed to tell (None)."""
        links = 0
        at = pos
        while True:
            if at + HEADER_LEN > len(buf):
                if not final:
                    return None
                # The bytes end (the stream, or a gap next): a chain that reaches
                # their end exactly, or whose next header is cut but plausible as far
                # as it goes (type and version), or that already had a link, counts.
                return at == len(buf) or links > 0 or self._partial_header(buf, at)
            length = self.rules.length(buf, at)
            if length is None:
                return False
            if at != pos:
                links += 1
                if links >= CHAIN_LINKS:
                    return True
            at += HEADER_LEN + length
