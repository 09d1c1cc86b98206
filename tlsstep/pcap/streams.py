"""TCP reassembly: captured segments in, each direction's byte stream out, in order.

Per connection (4-tuple) and direction, bytes are handed on as soon as they are
contiguous with what came before (RFC 9293 §3.4, §3.10.7.4): retransmissions and
overlaps are trimmed (the first copy of a byte wins), out-of-order segments wait
in a heap until the hole before them fills. Only those waiting bytes are held, and
at most ``max_pending`` per direction: past that, once the peer acknowledges bytes
past the hole (they were received, so no copy of the hole is coming), or at the
end of the capture, the hole is declared lost (a :class:`StreamGap`) and the
stream resumes after it.

Across the two directions, bytes are handed on in causal order, not only capture
order: a segment's acknowledgement number says how much of the peer's stream its
sender had received, so its bytes wait until that much of the peer's stream has
been handed on. A capture whose packets are shuffled thus still gives the decoder
the ClientHello before the server's encrypted records, as the endpoints saw them.
If the two directions ever wait for each other (an acknowledgement the capture
cannot satisfy), the older waiting bytes go first.

Sequence numbers are 32 bits and wrap; stream offsets here are unbounded integers,
so a stream longer than 4 GiB stays in order.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict, deque
from typing import Final

from tlsstep.frozen import frozen
from tlsstep.pcap.packets import TcpFlags, TcpSegment

Endpoint = tuple[str, int]
DEFAULT_MAX_PENDING: Final = 8 * 1024 * 1024
# Segments of a connection, after the peer acknowledged bytes past a hole, before the
# hole is declared lost (a capture reordered this much is rare; a lost segment is not).
ACKED_HOLE_SEGMENTS: Final = 64
# Closed connections are remembered (without data) so that late retransmissions
# after the FINs do not look like a new connection; this many at most.
_CLOSED_MEMORY: Final = 4096
_HALF: Final = 1 << 31
_MOD: Final = 1 << 32


class Flow:
    """One direction of a connection: where its stream is and what waits to join it.

    A plain slotted class: a dataclass compiles its methods at import (issue 14)."""

    __slots__ = (
        "acked_at",
        "base",
        "delivered",
        "fin_at",
        "pending",
        "pending_bytes",
        "ready",
        "ready_bytes",
        "released",
    )

    def __init__(self) -> None:
        self.base: int | None = None  # sequence number of stream offset 0
        self.delivered = 0  # stream offset of the next byte to hand on
        self.fin_at: int | None = None  # stream offset the FIN takes
        self.pending: list[tuple[int, bytes, int]] = []  # heap: offset, data, need
        self.pending_bytes = 0
        # Contiguous bytes waiting for the peer's stream to reach ``need`` (their ACK).
        self.ready: deque[tuple[bytes, int]] = deque()
        self.ready_bytes = 0
        self.released = 0  # stream offset of the next byte given to the consumer
        # Segment count when the peer first acknowledged past a hole.
        self.acked_at: int | None = None

    @property
    def finished(self) -> bool:
        return self.fin_at is not None and self.delivered >= self.fin_at

    def offset_of(self, seq: int) -> int:
        """The stream offset of ``seq``: the one nearest to ``delivered`` (wraps handled)."""
        assert self.base is not None
        rel = (seq - self.base - self.delivered) % _MOD
        if rel >= _HALF:
            rel -= _MOD
        return self.delivered + rel


class TcpConnection:
    """One TCP connection seen in the capture."""

    __slots__ = ("client", "closed", "endpoints", "flows", "ignored", "number")

    def __init__(self, number: int, first: Endpoint, second: Endpoint) -> None:
        self.number = number
        self.endpoints = (first, second)  # as first seen: sender of the first segment first
        self.client: Endpoint | None = None  # the side that sent the SYN, when seen
        self.flows: dict[Endpoint, Flow] = {first: Flow(), second: Flow()}
        self.ignored = False  # a consumer said it does not want the bytes
        self.closed = False  # its StreamClosed was given

    def peer(self, endpoint: Endpoint) -> Endpoint:
        first, second = self.endpoints
        return second if endpoint == first else first


@frozen
class StreamOpened:
    connection: TcpConnection


@frozen
class StreamData:
    """``data`` from ``sender``, starting at ``offset`` of that direction's stream."""

    connection: TcpConnection
    sender: Endpoint
    offset: int
    data: bytes


@frozen
class StreamGap:
    """Bytes ``sender`` sent that the capture does not hold."""

    connection: TcpConnection
    sender: Endpoint
    offset: int
    size: int


@frozen
class StreamClosed:
    connection: TcpConnection
    reason: str  # "FIN", "RST", "SYN of a new connection", "end of capture"


StreamEvent = StreamOpened | StreamData | StreamGap | StreamClosed


_SYN: Final = int(TcpFlags.SYN)
_ACK: Final = int(TcpFlags.ACK)
_RST: Final = int(TcpFlags.RST)
_FIN: Final = int(TcpFlags.FIN)


def _key(a: Endpoint, b: Endpoint) -> tuple[Endpoint, Endpoint]:
    return (a, b) if a <= b else (b, a)


class Reassembler:
    """Turns segments (in capture order) into per-direction stream events."""

    def __init__(self, *, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.max_pending = max_pending
        self._open: dict[tuple[Endpoint, Endpoint], TcpConnection] = {}
        self._closed: OrderedDict[tuple[Endpoint, Endpoint], None] = OrderedDict()
        self._count = 0
        self._segments = 0

    @property
    def open_connections(self) -> int:
        return len(self._open)

    def add(self, seg: TcpSegment) -> list[StreamEvent]:
        """Take one segment; return what it makes available, in order."""
        self._segments += 1
        src: Endpoint = (seg.src, seg.sport)
        dst: Endpoint = (seg.dst, seg.dport)
        key = _key(src, dst)
        flags = int(seg.flags)  # int operations: each IntFlag operation makes a new flag
        syn = bool(flags & _SYN)
        ack = flags & _ACK
        events: list[StreamEvent] = []
        conn = self._open.get(key)
        if conn is not None and syn and not ack:
            flow = conn.flows[src]
            if flow.base is not None and (seg.seq + 1) % _MOD != flow.base:
                # The same ports, a new initial sequence number: the old connection is over.
                events += self._close(conn, "SYN of a new connection")
                conn = None
        if conn is None:
            if key in self._closed and not syn:
                return events  # a late copy of a segment from a closed connection
            self._closed.pop(key, None)
            self._count += 1
            conn = TcpConnection(self._count, src, dst)
            self._open[key] = conn
            events.append(StreamOpened(connection=conn))
        flow = conn.flows[src]
        seq = seg.seq
        if syn:
            seq = (seq + 1) % _MOD  # the SYN takes one sequence number; data follows it
            if ack:
                conn.client = conn.client or dst
            else:
                conn.client = src
            if flow.base is None:
                flow.base = seq
        if flow.base is None:  # capture started mid-connection: start where we are
            flow.base = seq
        if flags & _RST:
            events += self._close(conn, "RST")
            return events
        offset = flow.offset_of(seq)
        peer = conn.flows[dst]
        if ack and peer.pending:  # (_acked: only a hole before waiting bytes matters)
            events += self._acked(conn, dst, seg.ack)
        elif ack:
            peer.acked_at = None
        if seg.payload:
            need = 0
            if ack and peer.base is not None:
                need = max(0, peer.offset_of(seg.ack))
            events += self._data(conn, src, flow, offset, seg.payload, need)
        if flags & _FIN:
            flow.fin_at = offset + len(seg.payload) + seg.missing
        if flow.fin_at is not None and all(f.finished for f in conn.flows.values()):
            events += self._close(conn, "FIN")
        return events

    def connection(self, a: Endpoint, b: Endpoint) -> TcpConnection | None:
        """The open connection between ``a`` and ``b``, if there is one."""
        return self._open.get(_key(a, b))

    def in_order(
        self, conn: TcpConnection, flow: Flow, peer: Flow, seq: int, ack: int, size: int
    ) -> bool:
        """What :meth:`add` does with a segment of ``conn`` from ``flow``'s sender whose
        only flag that matters is ACK (no SYN, FIN or RST), with ``size`` payload bytes
        all captured, when nothing waits and its bytes go on at once: the common case
        of a capture, taken by the capture decoder's packet loop without a segment value
        or an event (issue 14). Returns True when it did that, the payload's bytes now
        handed on (the caller decodes them: the :class:`StreamData` :meth:`add` gives);
        False, having changed nothing, when anything is otherwise: then :meth:`add`."""
        if conn.closed or conn.ignored or flow.base is None or peer.pending:
            return False
        if flow.fin_at is not None or peer.fin_at is not None:
            return False  # a FIN makes add() close the connection or bound ``need``
        if size:
            delivered = flow.delivered
            if (seq - flow.base - delivered) % _MOD or delivered != flow.released:
                return False  # not the next byte: a retransmission, a hole, a reordering
            if flow.pending or flow.ready or peer.ready:
                return False
            if peer.base is not None:  # the peer's bytes it acknowledges (offset_of)
                rel = (ack - peer.base - peer.delivered) % _MOD
                if rel >= _HALF:
                    rel -= _MOD
                if peer.delivered + rel > peer.released:
                    return False  # they wait for bytes of the peer that wait themselves
            flow.delivered = flow.released = delivered + size
        self._segments += 1
        peer.acked_at = None
        return True

    def ignore(self, conn: TcpConnection) -> None:
        """Stop keeping bytes for ``conn``: its consumer has no use for them."""
        conn.ignored = True
        for flow in conn.flows.values():
            flow.pending.clear()
            flow.pending_bytes = 0

    def finish(self) -> list[StreamEvent]:
        """End of capture: declare holes lost, hand on what waited, close everything."""
        events: list[StreamEvent] = []
        for conn in list(self._open.values()):
            for sender, flow in conn.flows.items():
                while flow.pending:
                    events += self._skip_gap(conn, sender, flow)
                if flow.fin_at is not None and flow.delivered < flow.fin_at:
                    # The FIN says how long the stream was: its end was never captured.
                    events += self._release(conn, force=True)
                    size = flow.fin_at - flow.delivered
                    events.append(
                        StreamGap(connection=conn, sender=sender, offset=flow.delivered, size=size)
                    )
                    flow.delivered = flow.released = flow.fin_at
            events += self._close(conn, "end of capture")
        return events

    def _close(self, conn: TcpConnection, reason: str) -> list[StreamEvent]:
        events = self._release(conn, force=True)  # nothing more will come to wait for
        conn.closed = True
        key = _key(*conn.endpoints)
        if self._open.get(key) is conn:
            del self._open[key]
            self._closed[key] = None
            if len(self._closed) > _CLOSED_MEMORY:
                self._closed.popitem(last=False)
        return [*events, StreamClosed(connection=conn, reason=reason)]

    def _data(
        self,
        conn: TcpConnection,
        sender: Endpoint,
        flow: Flow,
        offset: int,
        data: bytes,
        need: int,
    ) -> list[StreamEvent]:
        end = offset + len(data)
        if conn.ignored:
            flow.delivered = flow.released = max(flow.delivered, end)
            return []
        if end <= flow.delivered:
            return []  # a retransmission of bytes already reassembled
        if offset == flow.delivered == flow.released and not flow.pending and not flow.ready:
            # In order, nothing waiting either way, and what it acknowledges handed on
            # already: handed on at once, as _join and _release would (issue 14).
            peer = conn.flows[conn.peer(sender)]
            if peer.fin_at is not None:
                need = min(need, peer.fin_at)
            if not peer.ready and need <= peer.released:
                flow.delivered = flow.released = end
                return [StreamData(connection=conn, sender=sender, offset=offset, data=data)]
        events: list[StreamEvent] = []
        if offset > flow.delivered:
            heapq.heappush(flow.pending, (offset, data, need))
            flow.pending_bytes += len(data)
            while flow.pending_bytes > self.max_pending:
                events += self._skip_gap(conn, sender, flow)
        else:
            self._join(flow, offset, data, need)
        return events + self._release(conn)

    def _join(self, flow: Flow, offset: int, data: bytes, need: int) -> None:
        """Append contiguous bytes, then whatever waited for them."""
        if offset < flow.delivered:  # overlap: the bytes already reassembled stay
            data = data[flow.delivered - offset :]
        flow.ready.append((data, need))
        flow.ready_bytes += len(data)
        flow.delivered += len(data)
        while flow.pending and flow.pending[0][0] <= flow.delivered:
            start, chunk, chunk_need = heapq.heappop(flow.pending)
            flow.pending_bytes -= len(chunk)
            if start + len(chunk) > flow.delivered:
                chunk = chunk[flow.delivered - start :]
                flow.ready.append((chunk, chunk_need))
                flow.ready_bytes += len(chunk)
                flow.delivered += len(chunk)

    def _release(self, conn: TcpConnection, *, force: bool = False) -> list[StreamEvent]:
        """Hand on ready bytes whose acknowledged peer bytes have been handed on."""
        events: list[StreamEvent] = []
        flows = list(conn.flows.items())
        while True:
            moved = False
            for sender, flow in flows:
                peer = conn.flows[conn.peer(sender)]
                while flow.ready:
                    data, need = flow.ready[0]
                    if peer.fin_at is not None:
                        need = min(need, peer.fin_at)  # the FIN's own sequence number
                    if need > peer.released and not force and flow.ready_bytes <= self.max_pending:
                        break
                    flow.ready.popleft()
                    flow.ready_bytes -= len(data)
                    events.append(
                        StreamData(connection=conn, sender=sender, offset=flow.released, data=data)
                    )
                    flow.released += len(data)
                    moved = True
            if moved:
                continue
            waiting = [(sender, flow) for sender, flow in flows if flow.ready]
            if len(waiting) < 2:
                return events
            # Each direction waits for the other: the capture's ACKs cannot both be
            # right (a late retransmission, say). Let the direction with less waiting go.
            _sender, flow = min(waiting, key=lambda sf: sf[1].ready_bytes)
            data, _need = flow.ready[0]
            flow.ready[0] = (data, 0)

    def _acked(self, conn: TcpConnection, sender: Endpoint, ack: int) -> list[StreamEvent]:
        """The peer acknowledged ``sender``'s bytes up to ``ack``: a hole before waiting
        bytes that it acknowledged was received (RFC 9293 §3.4), so a copy of it can
        only still come if the capture itself is out of order. Once
        :data:`ACKED_HOLE_SEGMENTS` more segments of the connection came without
        filling it, it is declared lost: near where it happened, not at the end of
        the capture or after ``max_pending`` bytes waited."""
        flow = conn.flows[sender]
        if not flow.pending or flow.base is None or conn.ignored:
            flow.acked_at = None
            return []
        acked = flow.offset_of(ack)
        if flow.pending[0][0] > acked:
            return []
        if flow.acked_at is None:
            flow.acked_at = self._segments
            return []
        if self._segments - flow.acked_at < ACKED_HOLE_SEGMENTS:
            return []
        flow.acked_at = None
        events: list[StreamEvent] = []
        while flow.pending and flow.pending[0][0] <= acked:
            events += self._skip_gap(conn, sender, flow)
        return events

    def _skip_gap(self, conn: TcpConnection, sender: Endpoint, flow: Flow) -> list[StreamEvent]:
        start, chunk, need = heapq.heappop(flow.pending)
        flow.pending_bytes -= len(chunk)
        events: list[StreamEvent] = []
        if start > flow.delivered:
            # Whatever waited before the hole goes first, then the hole is declared.
            events += self._release(conn, force=True)
            events.append(
                StreamGap(
                    connection=conn,
                    sender=sender,
                    offset=flow.delivered,
                    size=start - flow.delivered,
                )
            )
            flow.delivered = flow.released = start
        if start + len(chunk) > flow.delivered:
            self._join(flow, start, chunk, need)
        return events
