"""Decoding a capture: packets -> TCP streams -> the same transcript a run gets.

:func:`decode_capture` is a generator of :data:`CaptureItem` values, in the order
the capture makes them known: a stream is announced when its first bytes arrive,
each TLS record as soon as it is complete, and a summary comes last. Nothing is
kept once yielded, so memory is bounded by the reassembler's waiting bytes and
each stream's partial record.

Which side is the client (needed to name directions, and by the decryptor): the
side that sent the SYN; without a SYN, the side whose first record is a
ClientHello; without that, the side not on ``port``, then the side that spoke first.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Callable, Iterator
from ipaddress import IPv4Address
from typing import BinaryIO, Final

from tlsstep.decode import DataRun, Decoder, MessageView, RecordView, Unprotector
from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.pcap.packets import NotTcp, TcpSegment, parse_frame
from tlsstep.pcap.reader import SECRETS_TLS_KEY_LOG, CaptureError, Packet, Secrets, read_capture
from tlsstep.pcap.streams import (
    Endpoint,
    Flow,
    Reassembler,
    StreamClosed,
    StreamData,
    StreamEvent,
    StreamGap,
    StreamOpened,
    TcpConnection,
)
from tlsstep.wire.enums import ContentType, HandshakeType
from tlsstep.wire.resync import GapSplitter, HeaderRules

# The crypto layer's entry point: key log text -> a fresh unprotector for one connection.
UnprotectorFactory = Callable[[bytes], Unprotector | None]

# Enough of a stream to tell TLS from not: a record header and a handshake type.
_SNIFF: Final = 6
# A capture that starts mid-connection: bytes looked at to find records that chain.
_MIDSTREAM_SNIFF: Final = 64 * 1024
_TLS_CONTENT_TYPES: Final = frozenset(int(t) for t in ContentType if t != ContentType.invalid)


def endpoint_text(endpoint: Endpoint) -> str:
    host, port = endpoint
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@frozen
class StreamInfo:
    """One TCP stream of the capture, numbered from 1 in order of appearance."""

    number: int
    client: Endpoint
    server: Endpoint

    def endpoint(self, side: Side) -> Endpoint:
        return self.client if side is Side.client else self.server


@frozen
class StreamFound:
    """A stream's first bytes arrived: it is TLS, or it is listed and skipped."""

    stream: StreamInfo
    tls: bool
    reason: str | None = None  # why it is skipped


@frozen
class StreamRecord:
    stream: StreamInfo
    view: RecordView


@frozen
class StreamRecords:
    """Records of application data opened in one loop (``decode_capture(runs=True)``):
    each stands for the :class:`StreamRecord` the general path gives (issue 14)."""

    stream: StreamInfo
    run: DataRun


@frozen
class StreamGapFound:
    """Bytes one side sent that the capture does not hold (from TCP sequence numbers).

    ``where`` says what the gap cut (between records, a record's header, a record's
    body); ``messages`` are handshake messages it cut that no record shows.
    """

    stream: StreamInfo
    sender: Side
    offset: int  # in the sender's byte stream
    size: int
    tcp_seq: int | None  # the TCP sequence number of the first missing byte
    where: str
    record_offset: int | None = None
    record_length: int | None = None
    messages: tuple[MessageView, ...] = ()


@frozen
class StreamNote:
    """Something about a stream worth a line: lost bytes, a partial record at its end."""

    stream: StreamInfo
    sender: Side | None
    text: str


@frozen
class StreamEnded:
    stream: StreamInfo
    reason: str
    records: int
    client_messages: tuple[str, ...] = ()
    server_messages: tuple[str, ...] = ()


@frozen
class CaptureSummary:
    """The last item: counts, and the damage that stopped reading, if any."""

    packets: int
    tcp_segments: int
    streams: int
    tls_streams: int
    keylog_lines: int
    skipped: tuple[tuple[str, int], ...] = ()  # reason, packets: what was not TCP
    error: CaptureError | None = None


CaptureItem = (
    StreamFound
    | StreamRecord
    | StreamRecords
    | StreamGapFound
    | StreamNote
    | StreamEnded
    | CaptureSummary
)


class _Stream:
    """One TCP stream's decoding (a plain slotted class: a dataclass compiles its
    methods at import, issue 14)."""

    __slots__ = (
        "decoder",
        "early",
        "early_bytes",
        "fast_keys",
        "info",
        "midstream",
        "records",
        "started",
        "tls",
    )

    def __init__(self) -> None:
        self.info: StreamInfo | None = None
        self.tls: bool | None = None  # None: not seen enough to tell
        self.decoder: Decoder | None = None
        # Before the stream is known: its bytes, and its gaps, in order.
        self.early: list[tuple[Endpoint, bytes | StreamGap]] = []
        self.early_bytes = 0
        self.records = 0
        # No SYN seen: each direction may start inside a record (issue 18).
        self.midstream = False
        self.started: set[Endpoint] = set()
        self.fast_keys: tuple[bytes, ...] = ()  # its keys in CaptureDecoder's packet loop


class _FastFlow:
    """One direction of a TLS stream as the packet loop finds it (issue 14): by the
    12 bytes of its IPv4 addresses and TCP ports as they sit in a packet."""

    __slots__ = ("conn", "flow", "peer", "sender", "side", "state")

    def __init__(self, conn: TcpConnection, state: _Stream, sender: Endpoint, side: Side) -> None:
        self.conn = conn
        self.state = state
        self.sender = sender
        self.side = side
        self.flow: Flow = conn.flows[sender]
        self.peer: Flow = conn.flows[conn.peer(sender)]


# Where a link type's frame holds its ethertype (None: there is none) and its IP packet,
# for the link types the packet loop reads itself (the others: parse_frame).
_IP_AT: Final = {
    1: (12, 14),  # Ethernet II, no VLAN tag
    113: (14, 16),  # Linux cooked
    276: (0, 20),  # Linux cooked v2
    **{raw: (None, 0) for raw in (101, 12, 14, 228, 229)},  # raw IP
}
_ETHERTYPE_IPV4: Final = b"\x08\x00"
# An IPv4 header without options and a TCP header: version and IHL, total length,
# flags and fragment offset, protocol; sequence and acknowledgement numbers, data
# offset and flags (RFC 791 §3.1, RFC 9293 §3.1). The addresses and ports (bytes 12 to
# 24) are the flow's key, read as they are.
_IPV4_TCP: Final = struct.Struct("!BxH2xHxB10x4xIIH")
_MAX_FAST_FLOWS: Final = 4096


def starts_with_record(data: bytes) -> bool:
    """Whether ``data`` starts with a plausible record header (wire/resync.py rules)."""
    return len(data) >= 5 and HeaderRules().length(data, 0) is not None


def frames_records(data: bytes) -> bool:
    """Whether records whose headers chain can be found in ``data`` (a stream's
    first bytes, when it did not start at a record: no SYN was captured)."""
    splitter = GapSplitter()
    splitter.gap(0)
    return bool(splitter.feed(data) or splitter.finish())


def looks_like_tls(data: bytes) -> bool:
    """A TLS record header: a known content type and version 3.x (RFC 8446 §5.1)."""
    return len(data) >= 3 and data[0] in _TLS_CONTENT_TYPES and data[1] == 3 and data[2] <= 4


def _hello_sender(data: bytes) -> Side | None:
    if len(data) >= _SNIFF and data[0] == ContentType.handshake:
        if data[5] == HandshakeType.client_hello:
            return Side.client
        if data[5] == HandshakeType.server_hello:
            return Side.server
    return None


class CaptureDecoder:
    """The state of one capture's decoding; :func:`decode_capture` drives it."""

    def __init__(
        self,
        *,
        keylog: bytes = b"",
        port: int | None = None,
        unprotector_factory: UnprotectorFactory | None = None,
        max_pending: int | None = None,
        runs: bool = False,
    ) -> None:
        self.keylog = bytearray(keylog)
        self.runs = runs
        self.port = port
        self.unprotector_factory = unprotector_factory
        self.reassembler = (
            Reassembler() if max_pending is None else Reassembler(max_pending=max_pending)
        )
        self._streams: dict[int, _Stream] = {}
        self.packets = 0
        self.tcp_segments = 0
        self.stream_count = 0
        self.tls_streams = 0
        self.skipped: Counter[str] = Counter()
        self._fast: dict[bytes, _FastFlow] = {}

    def packet(self, packet: Packet) -> Iterator[CaptureItem]:
        return self.frame(packet.linktype, packet.data)

    def frame(self, linktype: int, frame: bytes | memoryview) -> Iterator[CaptureItem]:
        """Decode one captured frame of ``linktype``."""
        self.packets += 1
        seg = parse_frame(linktype, frame)
        if isinstance(seg, NotTcp):
            self.skipped[seg.reason] += 1
            return
        self.tcp_segments += 1
        for event in self.reassembler.add(seg):
            yield from self._event(event)
        if self.runs:
            self._fast_flows(seg)

    # -- the packet loop's common case (issue 14) -----------------------------------
    #
    # Most packets of a capture carry the next bytes of a TLS stream whose decoding is
    # under way: IPv4, no fragment, ACK with no SYN, FIN or RST, in order, with nothing
    # waiting either way. fast() takes such a packet where it lies in the block it was
    # read in: no Packet, TcpSegment or StreamData value, no copy of its payload; the
    # reassembler and the stream's decoder are moved exactly as frame() would move them
    # (Reassembler.in_order mirrors add()). Anything else goes to frame().

    def fast(self, linktype: int, block: bytes, start: int, end: int) -> list[CaptureItem] | None:
        """Decode the frame ``block[start:end]`` if it is the common case; None (nothing
        changed) if it is not: then :meth:`frame` decodes it."""
        at = _IP_AT.get(linktype)
        if at is None:
            return None
        kind_at, ip = at
        ip += start
        if end - ip < 40:
            return None
        if kind_at is not None and block[start + kind_at : start + kind_at + 2] != _ETHERTYPE_IPV4:
            return None
        version_ihl, total, fragment, protocol, seq, ack, off_flags = _IPV4_TCP.unpack_from(
            block, ip
        )
        # IPv4 with a 20-byte header, not a fragment, TCP; ACK without SYN, FIN, RST.
        if version_ihl != 0x45 or fragment & 0x3FFF or protocol != 6 or off_flags & 0x17 != 0x10:
            return None
        stop = ip + total
        data_at = ip + 20 + (off_flags >> 12) * 4
        if stop > end or off_flags < 0x5000 or data_at > stop:
            return None  # cut by the snap length, or a header that does not fit
        found = self._fast.get(block[ip + 12 : ip + 24])
        if found is None:
            return None
        state = found.state
        if state.midstream and found.sender not in state.started:
            return None
        if not self.reassembler.in_order(
            found.conn, found.flow, found.peer, seq, ack, stop - data_at
        ):
            return None
        self.packets += 1
        self.tcp_segments += 1
        if stop == data_at:
            return []
        return self._feed(state, found.side, memoryview(block)[data_at:stop])

    def _fast_flows(self, seg: TcpSegment) -> None:
        """Let fast() find both directions of ``seg``'s connection once it is a TLS
        stream under way (IPv4 only)."""
        conn = self.reassembler.connection((seg.src, seg.sport), (seg.dst, seg.dport))
        if conn is None or ":" in seg.src:
            return
        state = self._streams.get(conn.number)
        if state is None or state.fast_keys or not state.tls or state.info is None:
            return
        if len(self._fast) >= _MAX_FAST_FLOWS:
            return  # a capture of many streams at once: the rest take the general way
        a, b = conn.endpoints
        ends = [IPv4Address(a[0]).packed, IPv4Address(b[0]).packed]
        ports = [a[1].to_bytes(2, "big"), b[1].to_bytes(2, "big")]
        keys = (ends[0] + ends[1] + ports[0] + ports[1], ends[1] + ends[0] + ports[1] + ports[0])
        state.fast_keys = keys
        for key, sender in zip(keys, (a, b), strict=True):
            self._fast[key] = _FastFlow(conn, state, sender, self._side(state.info, sender))

    def _feed(self, state: _Stream, side: Side, data: bytes | memoryview) -> list[CaptureItem]:
        """``data``'s records through :meth:`Decoder.feed_runs`, as items."""
        assert state.decoder is not None and state.info is not None
        info = state.info
        out: list[CaptureItem] = []
        for found in state.decoder.feed_runs(side, data):
            if type(found) is DataRun:
                state.records += len(found.records)
                out.append(StreamRecords(stream=info, run=found))
            else:
                state.records += 1
                out.append(StreamRecord(stream=info, view=found))  # type: ignore[arg-type]
        return out

    def secrets(self, secrets_type: int, data: bytes) -> None:
        if secrets_type == SECRETS_TLS_KEY_LOG:
            if self.keylog and not self.keylog.endswith(b"\n"):
                self.keylog += b"\n"
            self.keylog += data

    def finish(self, error: CaptureError | None) -> Iterator[CaptureItem]:
        for event in self.reassembler.finish():
            yield from self._event(event)
        yield CaptureSummary(
            packets=self.packets,
            tcp_segments=self.tcp_segments,
            streams=self.stream_count,
            tls_streams=self.tls_streams,
            keylog_lines=sum(
                1 for line in self.keylog.splitlines() if line.strip() and not line.startswith(b"#")
            ),
            skipped=tuple(sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0]))),
            error=error,
        )

    # -- stream events -----------------------------------------------------------

    def _event(self, event: StreamEvent) -> Iterator[CaptureItem]:
        conn = event.connection
        if isinstance(event, StreamOpened):
            self._streams[conn.number] = _Stream()
            return
        state = self._streams.get(conn.number)
        if state is None:
            return
        if isinstance(event, StreamData):
            yield from self._data(conn, state, event.sender, event.data)
        elif isinstance(event, StreamGap):
            if state.tls is None:
                state.early.append((event.sender, event))
                if any(isinstance(d, bytes) for _s, d in state.early):
                    yield from self._classify(conn, state, final=True)  # bytes before the hole
                return
            yield from self._gap(state, event)
        elif isinstance(event, StreamClosed):
            if state.tls is None and any(isinstance(d, bytes) for _s, d in state.early):
                yield from self._classify(conn, state, final=True)
            del self._streams[conn.number]
            for key in state.fast_keys:
                self._fast.pop(key, None)
            if state.info is None:
                return  # no byte ever crossed: not worth a line
            if state.tls and state.decoder is not None:
                yield from self._close(state.info, state, state.decoder)
            yield StreamEnded(
                stream=state.info,
                reason=event.reason,
                records=state.records,
                client_messages=tuple(state.decoder.sent_messages(Side.client))
                if state.decoder
                else (),
                server_messages=tuple(state.decoder.sent_messages(Side.server))
                if state.decoder
                else (),
            )

    def _data(
        self, conn: TcpConnection, state: _Stream, sender: Endpoint, data: bytes
    ) -> Iterator[CaptureItem]:
        if state.tls is None:
            state.early.append((sender, data))
            state.early_bytes += len(data)
            yield from self._classify(conn, state, final=False)
            return
        if not state.tls or state.decoder is None or state.info is None:
            return
        side = self._side(state.info, sender)
        if state.midstream and sender not in state.started:
            state.started.add(sender)
            if not starts_with_record(data):
                # The capture began inside a record: frame from the first one that chains.
                state.decoder.gap(side, 0)
        if not self.runs:
            for view in state.decoder.feed(side, data):
                state.records += 1
                yield StreamRecord(stream=state.info, view=view)
            return
        yield from self._feed(state, side, data)

    def _gap(self, state: _Stream, event: StreamGap) -> Iterator[CaptureItem]:
        """Report a gap where it happens and let the decoder frame across it."""
        if not state.tls or state.decoder is None or state.info is None:
            return
        side = self._side(state.info, event.sender)
        state.started.add(event.sender)
        hit, views, cut = state.decoder.gap(side, event.size)
        base = event.connection.flows[event.sender].base
        yield StreamGapFound(
            stream=state.info,
            sender=side,
            offset=event.offset,
            size=event.size,
            tcp_seq=None if base is None else (base + event.offset) % (1 << 32),
            where=hit.inside,
            record_offset=hit.record_offset,
            record_length=hit.record_length,
            messages=tuple(cut),
        )
        for view in views:
            state.records += 1
            yield StreamRecord(stream=state.info, view=view)

    def _close(self, info: StreamInfo, state: _Stream, decoder: Decoder) -> Iterator[CaptureItem]:
        for side in Side:
            for view in decoder.finish(side):
                state.records += 1
                yield StreamRecord(stream=info, view=view)
        for side in Side:
            kind, waiting = decoder.unframed(side)
            if not waiting:
                continue
            text = {
                "record": f"stream ends inside a record ({waiting} bytes of it)",
                "damaged": f"stream ends inside a damaged record ({waiting} bytes of it)",
                "search": f"the last {waiting} bytes after a gap hold no record whose "
                "headers chain: not framed",
            }[kind]
            yield StreamNote(stream=info, sender=side, text=text)

    def _classify(
        self, conn: TcpConnection, state: _Stream, *, final: bool
    ) -> Iterator[CaptureItem]:
        first_sender = next(s for s, d in state.early if isinstance(d, bytes))
        head = b"".join(d for s, d in state.early if s == first_sender and isinstance(d, bytes))
        midstream = conn.client is None and not looks_like_tls(head)
        if not final and (len(head) < _SNIFF or (midstream and len(head) < _MIDSTREAM_SNIFF)):
            return
        # No SYN and no record at its start: TLS if records that chain come further on.
        midstream = midstream and frames_records(head[:_MIDSTREAM_SNIFF])
        head = head[:_SNIFF]
        client = self._client(conn, first_sender, head)
        server = conn.peer(client)
        self.stream_count += 1
        info = StreamInfo(number=self.stream_count, client=client, server=server)
        state.info = info
        reason = None
        if self.port is not None and self.port not in (client[1], server[1]):
            reason = f"not port {self.port}"
        elif not looks_like_tls(head) and not midstream:
            reason = f"not TLS (starts with {head.hex() or 'nothing'})"
        state.tls = reason is None
        yield StreamFound(stream=info, tls=state.tls, reason=reason)
        state.midstream = conn.client is None
        if state.tls and state.midstream:
            yield StreamNote(
                stream=info,
                sender=None,
                text="no SYN: the capture starts in the middle of the connection; each "
                "direction is framed from its first record whose headers chain",
            )
        early, state.early, state.early_bytes = state.early, [], 0
        if not state.tls:
            self.reassembler.ignore(conn)  # do not keep bytes nobody will look at
            return
        self.tls_streams += 1
        unprotector = None
        if self.unprotector_factory is not None:
            unprotector = self.unprotector_factory(bytes(self.keylog))
        state.decoder = Decoder(unprotector, midstream=state.midstream)
        for sender, data in early:
            if isinstance(data, bytes):
                yield from self._data(conn, state, sender, data)
            else:
                yield from self._gap(state, data)

    def _client(self, conn: TcpConnection, first_sender: Endpoint, head: bytes) -> Endpoint:
        if conn.client is not None:
            return conn.client
        hello = _hello_sender(head)
        if hello is not None:
            return first_sender if hello is Side.client else conn.peer(first_sender)
        if self.port is not None:
            for endpoint in conn.endpoints:
                if endpoint[1] == self.port:
                    return conn.peer(endpoint)
        first, second = conn.endpoints
        if conn.client is None and not looks_like_tls(head) and first[1] != second[1]:
            # Mid-connection, nothing to go by: servers listen on the lower port
            # (well-known, registered), clients get high ephemeral ones.
            return first if first[1] > second[1] else second
        return first_sender

    @staticmethod
    def _side(info: StreamInfo, sender: Endpoint) -> Side:
        return Side.client if sender == info.client else Side.server


def decode_capture(
    file: BinaryIO,
    *,
    keylog: bytes = b"",
    port: int | None = None,
    unprotector_factory: UnprotectorFactory | None = None,
    max_pending: int | None = None,
    runs: bool = False,
) -> Iterator[CaptureItem]:
    """Decode every TLS stream of the capture in ``file``, as it is read.

    Args:
        file: a pcap or pcapng file open for binary reading.
        keylog: NSS key log text to use besides the capture's own secrets blocks.
        port: only streams with an endpoint on this port are decoded.
        unprotector_factory: the crypto layer's constructor, called with all key
            log text known when a TLS stream starts; None decodes without keys.
        max_pending: out-of-order bytes held per direction before a hole is given up.
        runs: give runs of application data records in a steady state as
            :class:`StreamRecords` (:meth:`tlsstep.decode.Decoder.feed_runs`), for a
            view that needs of each record only what a :class:`DataRun` keeps.

    Yields:
        :data:`CaptureItem` values; a :class:`CaptureSummary` always comes last,
        carrying the :class:`CaptureError` that stopped reading, if one did.
    """
    decoder = CaptureDecoder(
        keylog=keylog,
        port=port,
        unprotector_factory=unprotector_factory,
        max_pending=max_pending,
        runs=runs,
    )
    error: CaptureError | None = None
    try:
        for item in read_capture(file, raw=runs):
            if type(item) is tuple:  # a RawPacket: the common case is fast()'s
                linktype, block, start, end = item
                found = decoder.fast(linktype, block, start, end)
                if found is None:
                    yield from decoder.frame(linktype, memoryview(block)[start:end])
                else:
                    yield from found
            elif isinstance(item, Packet):
                yield from decoder.packet(item)
            elif isinstance(item, Secrets):
                decoder.secrets(item.secrets_type, item.data)
    except CaptureError as exc:
        error = exc
    yield from decoder.finish(error)
