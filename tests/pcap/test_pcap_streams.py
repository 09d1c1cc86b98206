"""TCP reassembly: order, retransmission, overlap, holes, wrap; and captures that show them."""

from __future__ import annotations

import io
import itertools
import random
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.pcap.helpers import decode_json, make_run, tlsstep_cli, transcript
from tlsstep.pcap.packets import TcpFlags, TcpSegment, build_ipv4_tcp, parse_frame
from tlsstep.pcap.reader import Packet, read_capture
from tlsstep.pcap.streams import Reassembler, StreamClosed, StreamData, StreamGap, StreamOpened
from tlsstep.pcap.writer import PcapngWriter, session_deliveries

A, B = ("10.0.0.1", 40000), ("10.0.0.2", 443)


def seg(seq: int, payload: bytes = b"", flags: TcpFlags = TcpFlags.ACK, src=A, dst=B) -> TcpSegment:
    return TcpSegment(
        src=src[0], sport=src[1], dst=dst[0], dport=dst[1], seq=seq % 2**32, ack=0,
        flags=flags, payload=payload,
    )  # fmt: skip


def stream_bytes(events: list) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, StreamData))


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=400),
    cuts=st.lists(st.tuples(st.integers(0, 399), st.integers(1, 60)), max_size=40),
    isn=st.integers(0, 2**32 - 1),
    seed=st.integers(0, 2**16),
)
def test_any_segmentation_order_and_duplication_gives_the_stream(
    data: bytes, cuts: list[tuple[int, int]], isn: int, seed: int
) -> None:
    # Windows that cover every byte, plus random overlapping ones, shuffled, some twice.
    pieces = [(i, data[i : i + 50]) for i in range(0, len(data), 50)]
    pieces += [(s, data[s : s + n]) for s, n in cuts if s < len(data)]
    rng = random.Random(seed)
    pieces += rng.sample(pieces, k=len(pieces) // 3)
    rng.shuffle(pieces)
    r = Reassembler()
    events = r.add(seg(isn, flags=TcpFlags.SYN))  # the ISN may sit just below the wrap
    for start, chunk in pieces:
        events += r.add(seg(isn + 1 + start, chunk))
    assert stream_bytes(events) == data
    assert not [e for e in events if isinstance(e, StreamGap)]
    offsets = [e.offset for e in events if isinstance(e, StreamData)]
    assert offsets == sorted(offsets)


def test_fin_both_ways_closes_and_late_copies_are_ignored() -> None:
    r = Reassembler()
    events = r.add(seg(99, flags=TcpFlags.SYN))
    events += r.add(seg(499, flags=TcpFlags.SYN | TcpFlags.ACK, src=B, dst=A))
    events += r.add(seg(100, b"hello", TcpFlags.ACK | TcpFlags.FIN))
    events += r.add(seg(500, b"", TcpFlags.ACK | TcpFlags.FIN, src=B, dst=A))
    assert isinstance(events[0], StreamOpened) and isinstance(events[-1], StreamClosed)
    assert events[-1].reason == "FIN" and events[0].connection.client == A
    assert r.open_connections == 0
    assert r.add(seg(100, b"hello")) == []  # a retransmission after the close
    assert isinstance(r.add(seg(7, flags=TcpFlags.SYN))[0], StreamOpened)  # a new connection


def test_bytes_wait_for_the_peer_bytes_their_ack_covers() -> None:
    r = Reassembler()
    events = r.add(seg(99, flags=TcpFlags.SYN))
    events += r.add(seg(499, flags=TcpFlags.SYN | TcpFlags.ACK, src=B, dst=A))
    # The server's reply is captured first, but it acknowledges the client's 5 bytes.
    reply = TcpSegment(
        src=B[0], sport=B[1], dst=A[0], dport=A[1], seq=500, ack=105,
        flags=TcpFlags.ACK, payload=b"reply",
    )  # fmt: skip
    assert [e for e in r.add(reply) if isinstance(e, StreamData)] == []
    events = r.add(seg(100, b"hello"))
    assert [(e.sender, e.data) for e in events if isinstance(e, StreamData)] == [
        (A, b"hello"),
        (B, b"reply"),
    ]


def test_a_hole_is_given_up_past_the_memory_bound() -> None:
    r = Reassembler(max_pending=1000)
    events = r.add(seg(0, flags=TcpFlags.SYN))
    events += r.add(seg(1, b"a" * 10))
    for i in range(30):  # bytes 10..19 never arrive
        events += r.add(seg(21 + i * 100, b"b" * 100))
        flow = next(iter(events[0].connection.flows.values()))
        assert flow.pending_bytes <= 1000
    gaps = [e for e in events if isinstance(e, StreamGap)]
    assert [(g.offset, g.size) for g in gaps] == [(10, 10)]
    assert stream_bytes(events) == b"a" * 10 + b"b" * 3000


def test_end_of_capture_flushes_what_waits_after_a_hole() -> None:
    r = Reassembler()
    events = r.add(seg(0, flags=TcpFlags.SYN)) + r.add(seg(11, b"later"))
    events += r.finish()
    assert [type(e).__name__ for e in events] == [
        "StreamOpened", "StreamGap", "StreamData", "StreamClosed",
    ]  # fmt: skip
    assert events[-1].reason == "end of capture"


def _packets(path: Path) -> list[Packet]:
    with path.open("rb") as f:
        return [p for p in read_capture(f) if isinstance(p, Packet)]


def _write(path: Path, frames: list[bytes], keylog: bytes) -> None:
    with path.open("wb") as f:
        w = PcapngWriter(f, start_time=1_700_000_000)
        w.secrets(keylog)
        for frame in frames:
            w.packet(frame)


def test_shuffled_duplicated_and_overlapping_capture_decodes_the_same(tmp_path: Path) -> None:
    run = make_run(tmp_path, "1.3", data=b"x" * 3000)
    clean = tmp_path / "clean.pcapng"
    with clean.open("wb") as f:
        w = PcapngWriter(f, start_time=1_700_000_000)
        w.secrets(run.keylog)
        w.connection(session_deliveries(run.session, 1), segment_size=300)
    frames = [p.data for p in _packets(clean)]
    head, rest = frames[:3], frames[3:]  # the three-way handshake stays first
    rng = random.Random(9)
    extra = rng.sample(rest, k=len(rest) // 3)  # retransmissions
    # Overlaps: segments re-cut across the boundary of two neighbours in one direction.
    segs = [parse_frame(101, f) for f in rest]
    for a, b in itertools.pairwise(segs):
        assert isinstance(a, TcpSegment) and isinstance(b, TcpSegment)
        if a.src == b.src and a.payload and b.payload and a.seq + len(a.payload) == b.seq:
            half = len(a.payload) // 2
            extra.append(
                build_ipv4_tcp(
                    src=a.src,
                    sport=a.sport,
                    dst=a.dst,
                    dport=a.dport,
                    seq=a.seq + half,
                    ack=a.ack,
                    flags=TcpFlags.ACK,
                    payload=a.payload[half:] + b.payload[:7],
                )
            )
    messy = rest + extra
    rng.shuffle(messy)
    shuffled = tmp_path / "shuffled.pcapng"
    _write(shuffled, head + messy, run.keylog)
    assert len(head + messy) > len(frames) + 10
    want = decode_json(str(clean))
    assert want["streams"][0]["records"]
    assert transcript(decode_json(str(shuffled))) == transcript(want)


def test_a_lost_segment_is_reported_and_the_rest_is_kept(tmp_path: Path) -> None:
    run = make_run(tmp_path, "1.2", data=b"y" * 2000)
    full = io.BytesIO()
    w = PcapngWriter(full, start_time=1_700_000_000)
    w.connection(session_deliveries(run.session, 1), segment_size=500)
    path = tmp_path / "full.pcapng"
    path.write_bytes(full.getvalue())
    frames = [p.data for p in _packets(path)]
    client_data = [
        i for i, f in enumerate(frames)
        if (s := parse_frame(101, f)) and isinstance(s, TcpSegment) and s.payload
        and s.sport != 443
    ]  # fmt: skip
    for lost in client_data[-2:]:  # inside the application data, and its very end
        holed = tmp_path / f"holed{lost}.pcapng"
        _write(holed, frames[:lost] + frames[lost + 1 :], b"")
        result = tlsstep_cli("decode", str(holed))
        assert result.exit_code == 0, result.output
        assert re.search(
            r"client ──▶ server +gap: \d+ bytes missing from the capture at stream offset \d+",
            result.output,
        )
        assert "ServerHelloDone" in result.output  # what came before the hole is all there
