"""What crossed, decoded: one connection's byte streams turned into record views.

The session feeds every delivered chunk here (``feed(sender, data)``), and so does
capture import: whatever the source, the same splitter, reassembler, decryptor
and decoder see the bytes. Decoding is incremental: each call decodes only the
bytes it is given, keeping partial records and messages for the next call.

Decryption is pluggable (:class:`Unprotector`): without one, protected records are
shown as such with the reason; the crypto layer supplies one that has the keys.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any, Protocol, overload

from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.wire.enums import (
    AlertDescription,
    AlertLevel,
    ContentType,
    HandshakeType,
    ProtocolVersion,
    name_of,
)
from tlsstep.wire.handshake import HandshakeMessage, HandshakeReassembler
from tlsstep.wire.records import Record
from tlsstep.wire.resync import (
    ANY_VERSIONS,
    MAX_RECORD_LENGTH_12,
    MAX_RECORD_LENGTH_13,
    AfterGap,
    DamagedRecord,
    Framed,
    GapHit,
    GapSplitter,
    HeaderRules,
)

if TYPE_CHECKING:
    from tlsstep.wire.messages import DecodedMessage


@frozen
class Alert:
    level: int
    description: int

    @property
    def level_name(self) -> str:
        return name_of(AlertLevel, self.level)

    @property
    def description_name(self) -> str:
        return name_of(AlertDescription, self.description)


@frozen
class MessageView:
    """A handshake message, its decoded fields (when the decoder knows it) and checks.

    The fields are decoded when first asked for (:attr:`decoded`), not when the message
    arrives: most views show a message's name only, and decoding every field of every
    message was most of a replay's own time (issue 14). ``decode_as`` holds what the
    decoder knew when the message arrived (the version and cipher suite the ServerHello
    chose), so a late decode gives what an early one would have.
    """

    message: HandshakeMessage
    verified: bool | None = None  # Finished: verify_data matched what the secrets give
    note: str | None = None
    # (version, cipher suite) to decode with; None: not decoded (bytes missing).
    decode_as: tuple[int | None, int | None] | None = None
    _decoded: DecodedMessage | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.message.name

    @property
    def decoded(self) -> DecodedMessage | None:
        """Every field of the message (:func:`decode_message`), decoded once."""
        if self._decoded is None and self.decode_as is not None:
            version, suite = self.decode_as
            # A cache, not a change of value: the same message always decodes the same.
            object.__setattr__(
                self, "_decoded", decode_message(self.message, version=version, cipher_suite=suite)
            )
        return self._decoded


@frozen
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
    # After a capture gap: the sequence number that opened it, and how many records
    # before it the gap took (None: not counted, e.g. the keys changed in the gap).
    sequence_number: int | None = None
    records_lost: int | None = None
    note: str | None = None  # how it was opened, when that is worth saying


class RunOpener(Protocol):
    """Opens runs of application data records of one direction and epoch (issue 14):
    what :meth:`Unprotector.steady` hands the decoder's fast path."""

    epoch: str  # the name every record of the run shows, e.g. "application"

    def open_run(
        self, data: memoryview, pos: int, base: int, version: int, out: list[RunRecord]
    ) -> int:
        """Frame and open the records in ``data`` from ``pos`` on, appending each as
        (stream offset: ``base + position``, length, plaintext) to ``out``, while each is
        whole, an application_data record of record version ``version``, opens, and holds
        application data (no padding); return where it stopped. The records it took have
        used their sequence numbers."""


# One record of a DataRun: its header's stream offset, its length, its plaintext (a
# read-only view, where a copy would cost: a 16 KB record's content type is cut off).
RunRecord = tuple[int, int, bytes | memoryview]


class Unprotector(Protocol):
    """The crypto layer's side of the transcript."""

    def observe(self, sender: Side, view: MessageView) -> None:
        """Every handshake message, in order, plaintext or decrypted; its fields are
        ``view.decoded`` (decoded on first use: ask only for what is needed)."""

    def change_cipher_spec(self, sender: Side) -> None:
        """A ChangeCipherSpec record from ``sender`` (TLS 1.2 key switch)."""

    def unprotect(self, sender: Side, record: Record) -> Unprotected:
        """Open one protected record."""

    def check_finished(self, sender: Side, message: HandshakeMessage) -> bool | None:
        """Whether a Finished carries the expected verify_data (None: cannot tell)."""

    def lost(self, sender: Side, region: int, likely: int, exact: int | None = None) -> None:
        """A capture gap took records of ``sender`` in ``region`` bytes (``likely`` of
        them, a guess; ``exact`` when framing knows): find the next record's sequence
        number."""

    def starts_midstream(self) -> None:
        """The connection's start is not in the capture (no SYN): protected records may
        come before any hello, and their keys are to be searched for in the key log.
        Never said of a live run or of a capture that holds the start: there a
        protected record before the hellos has no keys to find."""

    def steady(self, sender: Side) -> RunOpener | None:
        """A run opener for ``sender``'s next records while nothing can be unusual about
        them but what :meth:`RunOpener.open_run` stops at: keys known and used already in
        an application epoch, an AEAD suite, no capture gap being searched across; else
        None. Used by :meth:`Decoder.feed_runs` only."""


@frozen
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
    # Capture gaps (issue 18): the lost (start, end) offsets of a damaged record's
    # fragment; how the first record after a gap was found; the sequence number a
    # search found and the records the gap took.
    damaged: tuple[tuple[int, int], ...] = ()
    after_gap: AfterGap | None = None
    sequence_number: int | None = None
    records_lost: int | None = None

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


@frozen
class DataRun:
    """Application data records of one direction and epoch, opened in one loop by
    :meth:`Decoder.feed_runs` (issue 14): what :meth:`Decoder.feed` would give as a
    :class:`RecordView` each, without a value per record.

    Every record is protected, of outer and inner type application_data and of record
    version ``version``, and opened with the keys called ``epoch``; nothing else is said
    of it (no note, message or alert).
    """

    sender: Side
    epoch: str
    version: int
    records: list[RunRecord]  # (stream offset, length, plaintext), in order

    def view(self, offset: int, length: int, plaintext: bytes | memoryview) -> RecordView:
        """The view :meth:`Decoder.feed` gives of one of the run's records, but for what
        the run does not keep: the ciphertext (``record.fragment`` is empty) and how it
        was opened (``unprotected``)."""
        return RecordView(
            sender=self.sender,
            record=Record(
                stream_offset=offset,
                content_type=ContentType.application_data,
                legacy_record_version=self.version,
                length=length,
                fragment=b"",
            ),
            protected=True,
            epoch=self.epoch,
            inner_content_type=ContentType.application_data,
            plaintext=bytes(plaintext),
        )


class _Direction:
    # A plain slotted class: a dataclass compiles its methods at import (issue 14).
    __slots__ = ("changed_cipher_spec", "framed", "gaps", "messages", "records", "sent")

    def __init__(self) -> None:
        self.records = GapSplitter()
        self.messages = HandshakeReassembler()
        self.changed_cipher_spec = False
        self.sent: list[str] = []  # message names, in order
        self.framed = 0  # records framed whole
        self.gaps = 0  # capture gaps seen: from the first on, records take the slow path


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

    def __init__(self, unprotector: Unprotector | None = None, *, midstream: bool = False) -> None:
        """``midstream``: a capture that does not hold the connection's start (no SYN)."""
        self.unprotector = unprotector
        if midstream and unprotector is not None:
            unprotector.starts_midstream()
        self._dirs = {side: _Direction() for side in Side}
        self.version: ProtocolVersion | int | None = None  # as the ServerHello selected it
        self.cipher_suite: int | None = None  # likewise

    def sent_messages(self, sender: Side) -> list[str]:
        """Names of the handshake messages ``sender`` has sent so far."""
        return list(self._dirs[sender].sent)

    def feed(self, sender: Side, data: bytes | memoryview) -> list[RecordView]:
        """Decode ``data``, the next bytes ``sender`` delivered."""
        d = self._dirs[sender]
        framed = d.records.feed(data)
        d.framed += len(framed)
        if d.gaps:
            return [self._framed(sender, d, item) for item in framed]
        return [self._view(sender, d, record) for record in framed]  # type: ignore[arg-type]

    def feed_runs(self, sender: Side, data: bytes | memoryview) -> list[RecordView | DataRun]:
        """:meth:`feed`, with the records it would show as application data opened in
        a steady state given as :class:`DataRun` values (issue 14's fast path): the same
        records in the same order, framed, opened and shown without a value each.

        The fast path takes the records from the one ``data`` began (whose start waited
        here) up to the first that is anything else - another type, a key change, one
        that does not open, padding, a partial record at the end - and :meth:`feed`
        takes the rest, so whatever is unusual is decoded as it always is.
        """
        d = self._dirs[sender]
        run = None if d.gaps or self.unprotector is None else self.unprotector.steady(sender)
        if run is None:
            return list(self.feed(sender, data))
        splitter = d.records
        records: list[RunRecord] = []
        with memoryview(data) as view:
            # The record the previous bytes began: made whole in the splitter, opened there.
            first = splitter.complete(view)
            if first < 0:
                return list(self.feed(sender, data))  # still not whole
            start = splitter.consumed + len(splitter.waiting)  # the stream offset of data[first]
            pos = first
            if first:
                whole = splitter.waiting
                version = whole[1] << 8 | whole[2]
                with memoryview(whole) as record:
                    opened = run.open_run(record, 0, splitter.consumed, version, records)
                if opened < len(whole):  # unusual: the general path's, with what follows
                    return list(self.feed(sender, view[first:]))
            elif len(data) >= 3:
                version = data[1] << 8 | data[2]
            else:
                return list(self.feed(sender, data))
            pos = run.open_run(view, pos, start - first, version, records)
            out: list[RecordView | DataRun] = []
            if records:
                splitter.skip(pos - first)
                splitter.versions.add(version)
                d.framed += len(records)
                out.append(
                    DataRun(sender=sender, epoch=run.epoch, version=version, records=records)
                )
            rest = len(data) - pos
            if rest and (rest < 5 or 5 + (view[pos + 3] << 8 | view[pos + 4]) > rest):
                splitter.hold(view[pos:])  # the start of the next record: it waits
            elif rest:
                out += self.feed(sender, view[pos:])
            return out

    # -- capture gaps (issue 18; the framing is wire/resync.py's) -----------------

    def gap(self, sender: Side, size: int) -> tuple[GapHit, list[RecordView], list[MessageView]]:
        """``size`` bytes ``sender`` sent are missing (a capture lost them).

        Returns:
            where they fell; the records this completes (a damaged one, say); the
            handshake message they cut, when no record shows it (the gap took the
            header of the record that went on with it).
        """
        d = self._dirs[sender]
        d.gaps += 1
        seen = self._dirs[Side.client].records.versions | self._dirs[Side.server].records.versions
        d.records.rules = HeaderRules(
            versions=frozenset(seen) or ANY_VERSIONS,
            max_length=MAX_RECORD_LENGTH_13
            if self.version == ProtocolVersion.tls13
            else MAX_RECORD_LENGTH_12,
        )
        hit, framed = d.records.gap(size)
        views = [self._framed(sender, d, item) for item in framed]
        cut: list[MessageView] = []
        if hit.record_length is None:  # no record holds the gap: its content is unknown
            cut = [self._message(sender, d, m) for m in d.messages.gap(None)]
        return hit, views, cut

    def finish(self, sender: Side) -> list[RecordView]:
        """``sender``'s stream ended: records found after a gap that chain to its end."""
        d = self._dirs[sender]
        if not d.gaps:
            return []
        return [self._framed(sender, d, item) for item in d.records.finish()]

    def unframed(self, sender: Side) -> tuple[str, int]:
        """What waits in ``sender``'s stream (see :attr:`GapSplitter.unframed`)."""
        return self._dirs[sender].records.unframed

    def _framed(self, sender: Side, d: _Direction, item: Framed) -> RecordView:
        if isinstance(item, DamagedRecord):
            return self._damaged(sender, d, item)
        mark = d.records.marks.pop(item.stream_offset, None) if d.records.marks else None
        if mark is None:
            return self._view(sender, d, item)
        if self.unprotector is not None:
            # Records lost: as many as the direction's average record fills the region with.
            average = mark.region_start / d.framed if d.framed and mark.region_start else 0
            likely = round(mark.region / average) if average else 1
            self.unprotector.lost(sender, mark.region, max(1, likely), mark.records)
        view = self._view(sender, d, item)
        how = (
            "framed where the cut record ends"
            if mark.found_by == "length"
            else f"found by searching {mark.skipped} bytes after the gap; the next headers chain"
        )
        return replace(view, after_gap=mark, note="; ".join(filter(None, [view.note, how])))

    def _damaged(self, sender: Side, d: _Direction, damaged: DamagedRecord) -> RecordView:
        record = damaged.record
        missing = damaged.missing
        lost = sum(hi - lo for lo, hi in missing)
        text = (
            f"damaged: {lost} of its {record.length} bytes are missing from the capture ("
            + ", ".join(f"{lo}-{hi - 1}" for lo, hi in missing)
            + ")"
        )
        protected = record.content_type != ContentType.change_cipher_spec and self._protected(
            d, record
        )
        messages: list[HandshakeMessage] = []
        if record.content_type == ContentType.handshake and not protected:
            fragment, pos = record.fragment_bytes, 0
            for lo, hi in missing:
                messages += d.messages.feed(fragment[pos:lo], origin=record.stream_offset + 5 + pos)
                messages += d.messages.gap(hi - lo)
                pos = hi
            messages += d.messages.feed(fragment[pos:], origin=record.stream_offset + 5 + pos)
            if missing[-1][1] == record.length and d.records.unframed[0] == "search":
                messages += d.messages.gap(None)  # and what followed it is unknown too
        elif protected:
            text += "; not decrypted"
            messages += d.messages.gap(None)
        return RecordView(
            sender=sender,
            record=record,
            protected=protected,
            messages=tuple(self._message(sender, d, m) for m in messages),
            note=text,
            damaged=missing,
        )

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
                sender, d, record, record.content_type, record.fragment_bytes, protected=False
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
        view = self._inner(
            sender,
            d,
            record,
            opened.content_type,
            opened.plaintext,
            protected=True,
            epoch=opened.epoch,
            unprotected=opened,
        )
        if opened.sequence_number is None:
            return view
        lost = opened.records_lost
        found = (
            opened.note
            or f"sequence number {opened.sequence_number} found after the capture gap"
            + (
                f": {lost} record{'s' if lost != 1 else ''} lost or damaged in it"
                if lost is not None
                else " (the keys changed in the gap)"
            )
        )
        return replace(
            view,
            sequence_number=opened.sequence_number,
            records_lost=lost,
            note="; ".join(filter(None, [view.note, found])),
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
        if message.missing:  # never decode or hash bytes the capture does not hold
            total = message.missing[-1][1]
            return MessageView(
                message=message,
                note="damaged: bytes "
                + ", ".join(f"{lo}-{hi - 1}" for lo, hi in message.missing)
                + f" of {max(total, len(message.raw))} missing from the capture",
            )
        verified = None
        if self.unprotector is not None and message.msg_type == HandshakeType.finished:
            verified = self.unprotector.check_finished(sender, message)  # before the transcript
        view = MessageView(
            message=message, verified=verified, decode_as=(self.version, self.cipher_suite)
        )
        if message.msg_type == HandshakeType.server_hello:  # HelloRetryRequest too: it is TLS 1.3
            from tlsstep.wire.hello import server_hello_facts

            decoded = view.decoded  # the one message whose fields decoding itself needs
            hello = server_hello_facts(decoded) if decoded is not None else None
            if hello is not None:
                self.version, self.cipher_suite = hello.version, hello.cipher_suite
        if self.unprotector is not None:
            self.unprotector.observe(sender, view)
        return view


# -- deliveries decoded when first read (issue 14) -------------------------------------
#
# A replay that checks only results, versions and errors never looks inside what
# crossed, and opening and decoding every record was a quarter of its time. So the
# session hands each delivery to a DeliveryQueue and gets a Delivered back: a sequence
# of record views that decodes when first read. The decoder is incremental (partial
# records and messages, the transcript, sequence numbers), so a read decodes every
# delivery queued before it too, in the order they crossed: each delivery is decoded
# once, in order, by the one Decoder, as if it had been decoded when it crossed.
# The secrets a late decode finds in the key log are a superset of those an early one
# would have found (a sender logs a secret before it protects a record with it).


class DeliveryQueue:
    """One connection's deliveries, decoded in the order they crossed, when first read."""

    __slots__ = ("_decoder", "_pending")

    def __init__(self, decoder: Decoder) -> None:
        self._decoder = decoder
        self._pending: deque[Delivered] = deque()

    @property
    def decoder(self) -> Decoder:
        """The decoder with every delivery so far fed to it."""
        self.flush()
        return self._decoder

    @property
    def opens_records(self) -> bool:
        """Whether the decoder has an unprotector (protected records can be opened)."""
        return self._decoder.unprotector is not None

    def add(self, sender: Side, data: bytes) -> Delivered:
        """Queue the next bytes ``sender`` delivered; their records, decoded when read."""
        delivered = Delivered(self, sender, data)
        self._pending.append(delivered)
        return delivered

    def flush(self, upto: Delivered | None = None) -> None:
        """Decode the queued deliveries in order, all of them or up to ``upto``."""
        while self._pending:
            item = self._pending.popleft()
            item._decoded(tuple(self._decoder.feed(item._sender, item._data)))
            if item is upto:
                return


class Delivered(Sequence[RecordView]):
    """The records of one delivery (a tuple of :class:`RecordView`), decoded when first read."""

    __slots__ = ("_data", "_queue", "_sender", "_views")

    def __init__(self, queue: DeliveryQueue, sender: Side, data: bytes) -> None:
        self._queue: DeliveryQueue | None = queue
        self._sender = sender
        self._data = data
        self._views: tuple[RecordView, ...] | None = None

    def _decoded(self, views: tuple[RecordView, ...]) -> None:
        self._views = views
        self._queue = None  # what is decoded holds neither the queue nor the bytes
        self._data = b""

    @property
    def decoded(self) -> bool:
        """Whether its records are decoded already (reading them would not decode)."""
        return self._views is not None

    @property
    def views(self) -> tuple[RecordView, ...]:
        if self._views is None:
            assert self._queue is not None
            self._queue.flush(self)
            assert self._views is not None
        return self._views

    @overload
    def __getitem__(self, index: int) -> RecordView: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[RecordView, ...]: ...

    def __getitem__(self, index: int | slice) -> RecordView | tuple[RecordView, ...]:
        return self.views[index]

    def __len__(self) -> int:
        return len(self.views)

    def __iter__(self) -> Iterator[RecordView]:
        return iter(self.views)

    def __bool__(self) -> bool:
        return bool(self.views)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Delivered):
            other = other.views
        return isinstance(other, tuple) and self.views == other

    def __hash__(self) -> int:
        return hash(self.views)

    def __repr__(self) -> str:
        return repr(self.views)
