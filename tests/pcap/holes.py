"""Captures with holes, made deterministically from real runs (issue 18).

A run through the real pair (OpenSSL both sides, its own key log) sends varied
application data both ways; the synthetic TCP connection carries it in small
segments, and a test drops the segments it chooses before writing the pcapng.
What was sent is known byte for byte, so what tlsstep decrypts after a hole is
checked against the sender's bytes, not only against tlsstep's own decoding of
the whole capture.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.pcap.helpers import KeylogHooks, decode_json
from tlsstep.config import PairConfig, SideConfig, build_contexts
from tlsstep.events import Side
from tlsstep.pcap.tcp import SyntheticConnection
from tlsstep.pcap.writer import PcapngWriter, session_deliveries
from tlsstep.session import Session
from tlsstep.steps import parse_line
from tlsstep.wire.records import RecordSplitter

# Application data sizes: small, one segment, a few segments, over one record (16 KB).
SIZES = (90, 1000, 5000, 12000, 20000)


@dataclass
class Segment:
    frame: bytes
    side: Side | None  # None: SYN/FIN/ACK without data
    offset: int  # in its side's byte stream
    length: int


@dataclass
class Exchange:
    """One run: its key log, the application data each side wrote, its segments."""

    keylog: bytes
    sent: dict[Side, bytes]
    segments: list[Segment]

    def data_segments(self, side: Side) -> list[int]:
        return [i for i, s in enumerate(self.segments) if s.side is side]

    def write(self, path: Path, drop: set[int] = frozenset(), *, keylog: bool = True) -> Path:  # type: ignore[assignment]
        out = io.BytesIO()
        writer = PcapngWriter(out, start_time=1_700_000_000)
        if keylog:
            writer.secrets(self.keylog)
        for i, seg in enumerate(self.segments):
            if i not in drop:
                writer.packet(seg.frame)
        path.write_bytes(out.getvalue())
        return path

    def lost(self, drop: set[int]) -> dict[Side, list[tuple[int, int]]]:
        """(offset, size) of the holes the dropped segments make, per side (adjacent
        segments make one hole)."""
        holes: dict[Side, list[tuple[int, int]]] = {Side.client: [], Side.server: []}
        for i in sorted(drop):
            seg = self.segments[i]
            if seg.side is None:
                continue
            mine = holes[seg.side]
            if mine and mine[-1][0] + mine[-1][1] == seg.offset:
                mine[-1] = (mine[-1][0], mine[-1][1] + seg.length)
            else:
                mine.append((seg.offset, seg.length))
        return holes


def exchange(
    tmp_path: Path,
    version: str,
    *,
    ciphers: str | None = None,
    rounds: int = 8,
    seed: int = 1,
    segment_size: int = 700,
    forge: Side | None = None,
) -> Exchange:
    """A run with varied application data both ways, cut into ``segment_size`` segments.

    ``forge``: that side's application data records keep their headers but get random
    bodies (no tag verifies: a decryptor searching for sequence numbers finds none).
    """
    keylog = tmp_path / f"keys-{version}-{ciphers}.txt"
    side_config = SideConfig(min_version=version, max_version=version, ciphers=ciphers)
    config = PairConfig(client=side_config, server=side_config)
    hooks = KeylogHooks(str(keylog))
    session = Session(config, crypto=hooks, contexts=build_contexts(config, None, str(keylog)))
    assert session.run(parse_line("handshake")).problem is None
    rng = random.Random(seed)
    sent = {Side.client: b"", Side.server: b""}
    for i in range(rounds):
        for side in Side:
            data = rng.randbytes(SIZES[(i + (side is Side.server)) % len(SIZES)])
            for line in (f"write {side} hex={data.hex()}", f"deliver {side}",
                         f"read {side.peer} size=65536", f"read {side.peer} size=65536"):  # fmt: skip
                outcome = session.run(parse_line(line))
                assert outcome.problem is None, outcome.problem
            sent[side] += data
    assert session.handshake_ok()
    conn = SyntheticConnection(segment_size=segment_size)
    segments = [Segment(frame=f, side=None, offset=0, length=0) for f in conn.open()]
    at = {Side.client: 0, Side.server: 0}
    for n, (side, data) in enumerate(session_deliveries(session, 1)):
        if side is forge and n > 4:  # past the handshake
            data = b"".join(r.header + rng.randbytes(r.length) for r in RecordSplitter().feed(data))
        for j, frame in enumerate(conn.send(side, data)):
            length = len(data[j * segment_size : (j + 1) * segment_size])
            segments.append(Segment(frame=frame, side=side, offset=at[side], length=length))
            at[side] += length
    segments += [Segment(frame=f, side=None, offset=0, length=0) for f in conn.close()]
    return Exchange(keylog=keylog.read_bytes(), sent=sent, segments=segments)


def decode(path: Path) -> dict[str, Any]:
    (stream,) = decode_json(str(path))["streams"]
    return stream  # type: ignore[no-any-return]


def records(stream: dict[str, Any], side: Side) -> list[dict[str, Any]]:
    return [r for r in stream["records"] if r["from"] == str(side) and "gap" not in r]


def gaps(stream: dict[str, Any], side: Side) -> list[tuple[int, int]]:
    return [(r["offset"], r["gap"]["size"]) for r in stream["records"]
            if r["from"] == str(side) and "gap" in r]  # fmt: skip


def plaintext(record: dict[str, Any]) -> bytes | None:
    data = record.get("application_data")
    if data is None:
        return None
    return bytes.fromhex(data["hex"]) if "hex" in data else data["text"].encode()


def framing(record: dict[str, Any]) -> tuple[Any, ...]:
    """What must be the same for a record in the whole and the holed capture."""
    return (record["offset"], record["record_content_type"], record["length"],
            record["content_type"], plaintext(record),
            [m["type"] for m in record.get("messages", ())])  # fmt: skip
