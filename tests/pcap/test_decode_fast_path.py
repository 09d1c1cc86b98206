"""The decoder's fast path (issue 14) against the general path, on the same input.

``decode`` takes the common packet where it lies in the block it was read in
(``CaptureDecoder.fast``: no value per packet), opens runs of application data records
in one loop (``Decoder.feed_runs``) and writes them a run at a time; with
``TLSSTEP_DECODE_GENERAL_PATH`` set it takes every packet through the reader's values,
the frame parser and the reassembler, and every record through ``Decoder.feed``, one
value each. Both must write the same bytes, text, ``--json`` and ``--jsonl``, on
whatever capture: TLS 1.3 and 1.2, AES-GCM and ChaCha20, a KeyUpdate, padding, alerts,
records that do not open, holes, retransmissions, reordered and interleaved packets of
several streams, pure ACKs, frames cut by the snap length, every link type and file
format, a truncated last record, a wrong key log or none, and damaged files.

TLS 1.3 flows with a KeyUpdate are sealed here with ``cryptography`` (Python cannot send
one); the others are real runs of the pair (tests/pcap/holes.py).
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from tests.helpers import ROOT, tlsstep
from tests.hostile.mutator import Mutator
from tests.pcap.holes import exchange
from tests.pcap.test_pcap_formats import classic_pcap, ipv6_tcp, pcapng_big_endian, sll, sll2
from tlsstep.cli import main
from tlsstep.commands.decode import GENERAL_PATH_ENV, unprotector_factory
from tlsstep.crypto.keylog import KeyLog
from tlsstep.crypto.schedule import next_traffic_secret, traffic_keys
from tlsstep.crypto.suites import DIGEST_SIZES, SUITES
from tlsstep.crypto.unprotector import ConnectionUnprotector
from tlsstep.decode import DataRun, Decoder, RecordView
from tlsstep.events import Side
from tlsstep.pcap.capture import CaptureDecoder, CaptureSummary, StreamRecords, decode_capture
from tlsstep.pcap.packets import LinkType, TcpFlags, TcpSegment, build_ipv4_tcp, parse_frame
from tlsstep.pcap.tcp import SyntheticConnection
from tlsstep.pcap.writer import PcapngWriter
from tlsstep.wire.handshake import encode_handshake
from tlsstep.wire.records import encode_record

FORMS = ((), ("--json",), ("--jsonl",))
CR, SR = bytes(range(32)), bytes(range(32, 64))
SECRETS = {name: bytes([i]) * 48 for i, name in enumerate(("c_hs", "s_hs", "c_ap", "s_ap"), 1)}


def keylog_text(secrets: dict[str, bytes], size: int) -> bytes:
    s = {k: v[:size] for k, v in secrets.items()}
    return (
        f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {CR.hex()} {s['c_hs'].hex()}\n"
        f"SERVER_HANDSHAKE_TRAFFIC_SECRET {CR.hex()} {s['s_hs'].hex()}\n"
        f"CLIENT_TRAFFIC_SECRET_0 {CR.hex()} {s['c_ap'].hex()}\n"
        f"SERVER_TRAFFIC_SECRET_0 {CR.hex()} {s['s_ap'].hex()}\n"
    ).encode()


class Sealer:
    """One direction's TLS 1.3 records, sealed with ``cryptography`` directly."""

    def __init__(self, code: int, secret: bytes) -> None:
        self.suite = SUITES[code]
        self.secret = secret[: DIGEST_SIZES[self.suite.hash_algorithm()]]
        self.new_keys(self.secret)

    def new_keys(self, secret: bytes) -> None:
        keys = traffic_keys(self.suite, secret)
        cipher = ChaCha20Poly1305 if self.suite.name.startswith("TLS_CHACHA") else AESGCM
        self.aead, self.iv, self.seq, self.secret = cipher(keys.key), keys.iv, 0, secret

    def seal(self, inner_type: int, content: bytes, pad: int = 0, *, forge: bool = False) -> bytes:
        inner = content + bytes([inner_type]) + bytes(pad)
        header = b"\x17\x03\x03" + (len(inner) + 16).to_bytes(2, "big")
        nonce = (int.from_bytes(self.iv, "big") ^ self.seq).to_bytes(12, "big")
        self.seq += 1
        body = self.aead.encrypt(nonce, inner, header)
        return header + (bytes(len(body)) if forge else body)

    def key_update(self) -> bytes:
        record = self.seal(22, encode_handshake(24, b"\x00"))  # KeyUpdate, RFC 8446 §4.6.3
        self.new_keys(next_traffic_secret(self.suite, self.secret))
        return record


def tls13_flow(code: int, seed: int = 0) -> list[tuple[Side, bytes]]:
    """Deliveries of a TLS 1.3 connection with ``code``'s suite: the hellos, Finished
    messages (made-up verify_data), then application data both ways with what the fast
    path must stop at - a KeyUpdate inside a run, padding, a record that does not open,
    an empty record, text with quotes and controls, close_notify - and a last record
    cut short."""
    rng = random.Random(seed)
    suite = code.to_bytes(2, "big")
    hello = b"\x03\x03" + CR + b"\x00\x00\x02" + suite + b"\x01\x00\x00\x00"
    versions = b"\x00\x2b\x00\x02\x03\x04"
    server_hello = b"\x03\x03" + SR + b"\x00" + suite + b"\x00" + b"\x00\x06" + versions
    c_hs, s_hs = Sealer(code, SECRETS["c_hs"]), Sealer(code, SECRETS["s_hs"])
    c_ap, s_ap = Sealer(code, SECRETS["c_ap"]), Sealer(code, SECRETS["s_ap"])
    out = [
        (Side.client, encode_record(22, 0x0301, encode_handshake(1, hello))),
        (Side.server, encode_record(22, 0x0303, encode_handshake(2, server_hello))),
        (Side.server, s_hs.seal(22, encode_handshake(20, bytes(32)))),
        (Side.client, c_hs.seal(22, encode_handshake(20, bytes(32)))),
    ]
    big = [rng.randbytes(16384) for _ in range(3)]
    server = b"".join(
        [
            s_ap.seal(22, encode_handshake(4, rng.randbytes(40))),  # NewSessionTicket
            s_ap.seal(23, b"first"),
            *(s_ap.seal(23, b) for b in big),
            s_ap.seal(23, b'say "hi" 100% \xc3\xbcber\n\tdone'),
            s_ap.seal(23, b"\x1b[31mred\x07" + bytes(100)),
            s_ap.seal(23, rng.randbytes(3000), pad=9),
            s_ap.seal(23, rng.randbytes(16384)),
            s_ap.key_update(),
            *(s_ap.seal(23, rng.randbytes(n)) for n in (16384, 1, 70, 16384)),
            s_ap.seal(23, rng.randbytes(500), forge=True),
            s_ap.seal(23, b""),
            *(s_ap.seal(23, rng.randbytes(16384)) for _ in range(2)),
            s_ap.seal(21, b"\x01\x00"),  # close_notify
        ]
    )
    client = b"".join(
        [
            c_ap.seal(23, b"GET / HTTP/1.1\r\n\r\n"),
            *(c_ap.seal(23, rng.randbytes(n)) for n in (16384, 16384, 900)),
            c_ap.key_update(),
            *(c_ap.seal(23, rng.randbytes(n)) for n in (16384, 5000)),
        ]
    )
    client += c_ap.seal(23, rng.randbytes(16384))[:9000]  # the capture ends inside it
    # Written in pieces of several records, and records across pieces.
    for side, data in ((Side.server, server), (Side.client, client)):
        at = 0
        while at < len(data):
            n = rng.choice((7000, 40000, 70000))
            out.append((side, data[at : at + n]))
            at += n
    return out


def write_capture(
    path: Path,
    deliveries: list[tuple[Side, bytes]],
    keylog: bytes | None,
    *,
    segment_size: int = 0,
    drop: Callable[[int], bool] = lambda i: False,
    twice: Callable[[int], bool] = lambda i: False,
) -> Path:
    """A pcapng of ``deliveries`` in one TCP connection; segments ``drop`` says are
    lost, those ``twice`` says are retransmitted."""
    out = io.BytesIO()
    writer = PcapngWriter(out, start_time=1_700_000_000)
    if keylog is not None:
        writer.secrets(keylog)
    conn = SyntheticConnection(segment_size=segment_size)
    frames = list(conn.open())
    for side, data in deliveries:
        frames += conn.send(side, data)
    frames += conn.close()
    for i, frame in enumerate(frames):
        if not drop(i):
            writer.packet(frame)
            if twice(i):
                writer.packet(frame)
    path.write_bytes(out.getvalue())
    return path


def both_paths(*args: str, forms: tuple[tuple[str, ...], ...] = FORMS) -> str:
    """Run ``decode ARGS`` through the fast path and the general path in each form; the
    outputs must be the same bytes. Returns the fast path's text."""
    text = ""
    for form in forms:
        fast = CliRunner().invoke(main, ["decode", *form, *args])
        general = CliRunner().invoke(main, ["decode", *form, *args], env={GENERAL_PATH_ENV: "1"})
        assert fast.stdout_bytes == general.stdout_bytes, (form, _first_difference(fast, general))
        assert (fast.exit_code, fast.stderr) == (general.exit_code, general.stderr)
        assert fast.exception is None or isinstance(fast.exception, SystemExit), fast.exception
        text = text or fast.stdout
    return text


def _first_difference(fast: object, general: object) -> tuple[str, str]:
    a = fast.stdout.splitlines()  # type: ignore[attr-defined]
    b = general.stdout.splitlines()  # type: ignore[attr-defined]
    for x, y in zip(a, b, strict=False):
        if x != y:
            return x, y
    return f"{len(a)} lines", f"{len(b)} lines"


def runs_in(path: Path, keylog: bytes = b"") -> int:
    """Records the fast path took in ``path``."""
    with path.open("rb") as f:
        items = decode_capture(
            f, keylog=keylog, unprotector_factory=unprotector_factory(), runs=True
        )
        return sum(len(i.run.records) for i in items if isinstance(i, StreamRecords))


@pytest.mark.parametrize("code", [0x1301, 0x1302, 0x1303])
@pytest.mark.parametrize("segment_size", [0, 1000])
def test_tls13_key_update_padding_alerts_and_a_cut_record(
    tmp_path: Path, code: int, segment_size: int
) -> None:
    size = DIGEST_SIZES[SUITES[code].hash_algorithm()]
    path = write_capture(
        tmp_path / "flow.pcapng",
        tls13_flow(code),
        keylog_text(SECRETS, size),
        segment_size=segment_size,
    )
    text = both_paths(str(path))
    assert runs_in(path) >= 8  # the fast path took most of the data
    assert text.count("KeyUpdate") == 2 and "[application 1]" in text
    assert "alert warning close_notify" in text and "bad_record_mac" in text
    assert "stream ends inside a record" in text and "0 bytes of application data" in text


def test_holes_retransmissions_and_keys_wrong_or_missing(tmp_path: Path) -> None:
    flow = tls13_flow(0x1301, seed=3)
    right = keylog_text(SECRETS, 32)
    holed = write_capture(
        tmp_path / "holed.pcapng",
        flow,
        right,
        segment_size=1400,
        drop=lambda i: i in (30, 31, 60),
        twice=lambda i: i % 7 == 0,
    )
    text = both_paths(str(holed))
    assert "bytes missing" in text or "lost" in text, text[:2000]
    assert runs_in(holed) >= 5
    wrong = keylog_text({**SECRETS, "s_ap": bytes(48)}, 32)
    keyless = write_capture(tmp_path / "keyless.pcapng", flow, None, segment_size=1400)
    (tmp_path / "wrong.keys").write_bytes(wrong)
    text = both_paths(str(keyless), "--keylog", str(tmp_path / "wrong.keys"))
    assert "bad_record_mac" in text
    assert "no key log" in both_paths(str(keyless))


@pytest.mark.parametrize(
    ("version", "ciphers"),
    [
        ("1.3", None),
        ("1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"),
        ("1.2", "ECDHE-ECDSA-AES256-GCM-SHA384"),
        ("1.2", "ECDHE-ECDSA-CHACHA20-POLY1305"),
        ("1.2", "ECDHE-ECDSA-AES256-SHA384"),  # CBC: the general path only
    ],
)
def test_real_runs_whole_and_holed(tmp_path: Path, version: str, ciphers: str | None) -> None:
    ex = exchange(tmp_path, version, ciphers=ciphers, rounds=6)
    whole = ex.write(tmp_path / "whole.pcapng")
    both_paths(str(whole))
    cbc = ciphers is not None and "GCM" not in ciphers and "CHACHA" not in ciphers
    assert (runs_in(whole) > 0) is not cbc
    seg = ex.data_segments(Side.server)
    both_paths(str(ex.write(tmp_path / "holed.pcapng", {seg[20], seg[41], seg[42]})))


def test_damaged_captures(tmp_path: Path) -> None:
    flow = tls13_flow(0x1303, seed=5)
    data = write_capture(
        tmp_path / "flow.pcapng", flow, keylog_text(SECRETS, 32), segment_size=3000
    ).read_bytes()
    mutator = Mutator(14)
    for n in range(12):
        path = tmp_path / f"mutated-{n}.pcapng"
        path.write_bytes(mutator.mutate(data))
        both_paths(str(path), forms=((), ("--jsonl",)))


def _views(decoder: Decoder, feed: str, side: Side, data: bytes) -> Iterator[RecordView]:
    """Each record's view, runs spelt out, without what a run does not keep."""
    for found in getattr(decoder, feed)(side, data):
        if isinstance(found, DataRun):
            yield from (found.view(*record) for record in found.records)
        else:
            record = dataclasses.replace(found.record, fragment=b"")
            yield dataclasses.replace(found, record=record, unprotected=None)


def test_decoder_fast_path_gives_the_same_views_in_any_chunking() -> None:
    keylog = keylog_text(SECRETS, 32).decode()
    flow = tls13_flow(0x1301, seed=9)
    streams = {side: b"".join(d for s, d in flow if s is side) for side in Side}
    mutator = Mutator(3)
    for case in range(40):
        data = dict(streams)
        if case >= 4:  # damaged streams too: the fast path must stop where they go wrong
            data[Side.server] = mutator.mutate(data[Side.server])
        seen = {}
        for feed in ("feed", "feed_runs"):
            decoder = Decoder(ConnectionUnprotector(KeyLog.from_text(keylog)))
            chunks = random.Random(case)
            views: list[RecordView] = []
            # The hellos first, then both directions in pieces of any size.
            at = {Side.client: 0, Side.server: 0}
            for side in (Side.client, Side.server, Side.server, Side.client):
                n = 310 if side is Side.client else 90 if at[side] == 0 else 200
                views += _views(decoder, feed, side, data[side][at[side] : at[side] + n])
                at[side] += n
            while any(at[s] < len(data[s]) for s in Side):
                side = chunks.choice(list(Side))
                n = chunks.choice((1, 5, 300, 16389, 40000))
                views += _views(decoder, feed, side, data[side][at[side] : at[side] + n])
                at[side] += n
            seen[feed] = views
        assert seen["feed_runs"] == seen["feed"], case


def test_the_comparison_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment variable really routes around the fast path: break the fast
    path's line, and the two outputs differ."""
    from tlsstep.render import record_text

    path = write_capture(tmp_path / "flow.pcapng", tls13_flow(0x1301), keylog_text(SECRETS, 32))
    real = record_text.run_plain
    monkeypatch.setattr(
        record_text, "run_plain", lambda run, prefix: real(run, prefix).replace(b"\n", b"!\n")
    )
    with pytest.raises(AssertionError):
        both_paths(str(path), forms=((),))


# -- the packet loop (CaptureDecoder.fast) -----------------------------------------


def with_acks(packets: list[bytes]) -> list[bytes]:
    """``packets`` (IPv4) with a pure ACK from the peer after each one that carries data,
    as a real capture has them."""
    out: list[bytes] = []
    after: dict[tuple[str, int], int] = {}  # each endpoint's next sequence number
    for packet in packets:
        seg = parse_frame(LinkType.RAW, packet)
        assert isinstance(seg, TcpSegment)
        used = len(seg.payload) + (1 if seg.flags & (TcpFlags.SYN | TcpFlags.FIN) else 0)
        after[(seg.src, seg.sport)] = (seg.seq + used) % 2**32
        out.append(packet)
        if seg.payload and (seg.dst, seg.dport) in after:
            out.append(
                build_ipv4_tcp(
                    src=seg.dst, sport=seg.dport, dst=seg.src, dport=seg.sport,
                    seq=after[(seg.dst, seg.dport)], ack=after[(seg.src, seg.sport)],
                    flags=TcpFlags.ACK,
                )
            )  # fmt: skip
    return out


def flow_packets(client_port: int = 50001, seed: int = 0, size: int = 1400) -> list[bytes]:
    """The IPv4 packets of :func:`tls13_flow` in one TCP connection, with pure ACKs."""
    conn = SyntheticConnection(client_port=client_port, segment_size=size)
    packets = list(conn.open())
    for side, data in tls13_flow(0x1301, seed):
        packets += conn.send(side, data)
    return with_acks([*packets, *conn.close()])


def pcapng(frames: list[bytes], linktype: int, keylog: bytes, cut: dict[int, int]) -> bytes:
    """A little-endian pcapng: SHB, IDB of ``linktype``, the key log, an EPB per frame,
    frame ``i`` captured to ``cut[i]`` bytes only (the snap length)."""

    def block(kind: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    out = [
        block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
        block(1, struct.pack("<HHI", linktype, 0, 0)),
        block(0x0A, struct.pack("<II", 0x544C534B, len(keylog)) + keylog),
    ]
    for i, frame in enumerate(frames):
        kept = frame[: cut.get(i, len(frame))]
        out.append(block(6, struct.pack("<IIIII", 0, 0, i, len(kept), len(frame)) + kept))
    return b"".join(out)


def fast_share(path: Path, keylog: bytes = b"") -> float:
    """The share of ``path``'s packets the packet loop took."""
    taken = 0
    real = CaptureDecoder.fast

    def counting(self: CaptureDecoder, *args: object) -> object:
        nonlocal taken
        found = real(self, *args)  # type: ignore[arg-type]
        taken += found is not None
        return found

    with pytest.MonkeyPatch.context() as mp, path.open("rb") as f:
        mp.setattr(CaptureDecoder, "fast", counting)
        items = list(
            decode_capture(f, keylog=keylog, unprotector_factory=unprotector_factory(), runs=True)
        )
    summary = items[-1]
    assert isinstance(summary, CaptureSummary) and summary.packets
    return taken / summary.packets


VLAN = b"\x02" * 12 + b"\x81\x00\x00\x07\x08\x00"  # Ethernet with an 802.1Q tag


@pytest.mark.parametrize(
    ("linktype", "frame_of", "taken"),
    [
        (LinkType.ETHERNET, lambda ip: b"\x02" * 12 + b"\x08\x00" + ip, 0.9),
        (LinkType.RAW, lambda ip: ip, 0.9),
        (LinkType.LINUX_SLL, lambda ip: sll(ip, 0x0800), 0.9),
        (LinkType.LINUX_SLL2, lambda ip: sll2(ip, 0x0800), 0.9),
        (LinkType.ETHERNET, lambda ip: VLAN + ip, 0.0),  # the general path's
        (LinkType.NULL, lambda ip: struct.pack("<I", 2) + ip, 0.0),
        (LinkType.RAW, "ipv6", 0.0),
    ],
)
def test_packet_loop_on_every_link_type(
    tmp_path: Path, linktype: int, frame_of: Callable[[bytes], bytes] | str, taken: float
) -> None:
    frames = []
    for packet in flow_packets():
        if frame_of == "ipv6":
            seg = parse_frame(LinkType.RAW, packet)
            assert isinstance(seg, TcpSegment)
            ends = ("fd00::1", "fd00::2") if seg.sport == 50001 else ("fd00::2", "fd00::1")
            frames.append(ipv6_tcp(seg, *ends))
        else:
            frames.append(frame_of(packet))  # type: ignore[operator]
    path = tmp_path / "flow.pcapng"
    path.write_bytes(pcapng(frames, linktype, keylog_text(SECRETS, 32), {}))
    text = both_paths(str(path))
    assert "KeyUpdate" in text and "bad_record_mac" in text
    share = fast_share(path)
    assert share >= taken if taken else share == 0


@pytest.mark.parametrize("order", ["<", ">"])
def test_packet_loop_on_classic_pcap_and_mixed_pcapng_blocks(tmp_path: Path, order: str) -> None:
    frames = flow_packets(seed=4)
    keylog = keylog_text(SECRETS, 32)
    (tmp_path / "keys").write_bytes(keylog)
    classic = tmp_path / "flow.pcap"
    classic.write_bytes(classic_pcap(frames, linktype=LinkType.RAW, order=order, ns=False))
    both_paths(str(classic), "--keylog", str(tmp_path / "keys"))
    assert fast_share(classic, keylog) >= 0.9
    # Big-endian, the packets in Enhanced, Simple and obsolete Packet Blocks in turn:
    # only the Enhanced ones are the loop's.
    mixed = tmp_path / "mixed.pcapng"
    mixed.write_bytes(pcapng_big_endian(frames, linktype=LinkType.RAW, keylog=keylog))
    both_paths(str(mixed))
    assert 0.2 <= fast_share(mixed) <= 0.4


def test_packet_loop_with_interleaved_streams_reordering_and_retransmissions(
    tmp_path: Path,
) -> None:
    """Three streams' packets interleaved, then packets swapped, sent twice, lost, cut
    by the snap length, and a stream that is not TLS in between: the loop takes the
    packets that are in order, the general path the rest, and the output is the same."""
    rng = random.Random(7)
    streams = [flow_packets(50001 + n, seed=n, size=(1400, 700, 9000)[n]) for n in range(3)]
    plain = SyntheticConnection(client_port=50100)
    other = with_acks(
        [*plain.open(), *plain.send(Side.client, b"GET / HTTP/1.0\r\n\r\n" * 50), *plain.close()]
    )
    queues = [*streams, other]
    frames: list[bytes] = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        frames.append(queue.pop(0))
    shuffled = list(frames)
    for i in range(40, len(shuffled) - 1, 37):  # a segment overtaken by the next
        shuffled[i], shuffled[i + 1] = shuffled[i + 1], shuffled[i]
    for i in range(len(shuffled) - 30, 20, -53):  # a retransmission, a little later
        shuffled.insert(i + 5, shuffled[i])
    keylog = keylog_text(SECRETS, 32)
    cases = {
        "interleaved": (frames, {}),
        "reordered": (shuffled, {}),
        "lost and cut": ([f for i, f in enumerate(frames) if i % 97 != 50], {77: 60, 300: 1000}),
    }
    for name, (chosen, cut) in cases.items():
        path = tmp_path / f"{name}.pcapng"
        path.write_bytes(pcapng(chosen, LinkType.RAW, keylog, cut))
        text = both_paths(str(path))
        assert text.count("TLS\n") == 3 and "skipped: not TLS" in text, name
        assert fast_share(path) >= 0.6, name
    assert "bytes missing" in text or "lost" in text


def test_packet_loop_on_damaged_files(tmp_path: Path) -> None:
    data = pcapng(flow_packets(seed=6, size=3000), LinkType.RAW, keylog_text(SECRETS, 32), {})
    mutator = Mutator(21)
    for n in range(10):
        path = tmp_path / f"mutated-{n}.pcapng"
        path.write_bytes(mutator.mutate(data))
        both_paths(str(path), forms=((), ("--jsonl",)))
    for end in (len(data) - 3, len(data) // 2 + 1, 200):  # cut inside a block
        path = tmp_path / f"cut-{end}.pcapng"
        path.write_bytes(data[:end])
        both_paths(str(path), forms=((), ("--jsonl",)))


def test_the_packet_loop_comparison_can_fail(tmp_path: Path) -> None:
    """Break what the packet loop hands on (the last byte of one packet's payload), and
    the two outputs differ: the comparison sees the packet loop's work."""
    path = tmp_path / "flow.pcapng"
    path.write_bytes(pcapng(flow_packets(), LinkType.RAW, keylog_text(SECRETS, 32), {}))
    real = CaptureDecoder.fast
    broken = [0]

    def breaking(self: CaptureDecoder, linktype: int, block: bytes, start: int, end: int) -> object:
        if end - start > 1000 and not broken[0]:
            broken[0] = 1
            block = block[: end - 1] + bytes([block[end - 1] ^ 1]) + block[end:]
        return real(self, linktype, block, start, end)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(CaptureDecoder, "fast", breaking)
        with pytest.raises(AssertionError):
            both_paths(str(path), forms=((),))
    assert broken[0]


def test_text_in_an_encoding_that_is_not_utf8(tmp_path: Path) -> None:
    """Piped text is written as bytes when standard output encodes UTF-8; in any other
    encoding it goes through standard output as text, escaped as that encoding says,
    and the fast path writes what the general path writes."""
    import os
    import subprocess
    import sys

    path = write_capture(tmp_path / "flow.pcapng", tls13_flow(0x1301), keylog_text(SECRETS, 32))
    env = {**os.environ, "PYTHONIOENCODING": "ascii:backslashreplace"}
    outs = [
        subprocess.run(
            [sys.executable, "-m", "tlsstep", "decode", str(path)],
            env={**env, GENERAL_PATH_ENV: "1"} if general else env,
            capture_output=True,
            check=True,
        ).stdout
        for general in (False, True)
    ]
    assert outs[0] == outs[1]
    assert b"\\u2500\\u2500\\u25b6" in outs[0] and b"\\U0001f512" in outs[0]
    assert outs[0].isascii()


def test_runs_written_by_writev_to_a_pipe_and_a_file(tmp_path: Path) -> None:
    """A process's stdout is a descriptor: each run's JSON pieces go out by writev, after
    what was buffered. The same bytes as the general path, to a pipe and to a file."""
    path = write_capture(tmp_path / "flow.pcapng", tls13_flow(0x1301), keylog_text(SECRETS, 32))
    assert runs_in(path) >= 8
    for form in (("--json",), ("--jsonl",)):
        general = tlsstep("decode", *form, str(path), env={GENERAL_PATH_ENV: "1"})
        piped = tlsstep("decode", *form, str(path))
        assert general.returncode == piped.returncode == 0, piped.stderr
        assert piped.stdout == general.stdout, form
        with (tmp_path / "out.json").open("w") as out:
            subprocess.run(
                [sys.executable, "-m", "tlsstep", "decode", *form, str(path)],
                stdout=out,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
                check=True,
            )
        assert (tmp_path / "out.json").read_text() == general.stdout, form


@pytest.mark.parametrize("short", [False, True])
def test_write_pieces_in_order_whole_and_cut_short(
    short: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More pieces than one writev takes, after buffered bytes; a writev the kernel cut
    short (as a signal can) is finished by plain writes."""
    from tlsstep.commands import decode

    pieces = [bytes([i % 251]) * (i % 7) for i in range(3000)]
    if short:
        real = os.writev
        monkeypatch.setattr(os, "writev", lambda fd, bufs: real(fd, bufs[: len(bufs) // 2]))
    read_fd, write_fd = os.pipe()
    got = bytearray()
    reader = threading.Thread(target=lambda: got.extend(b"".join(iter_fd(read_fd))))
    reader.start()
    with open(write_fd, "wb") as out:
        out.write(b"first")
        decode._write_pieces(out, pieces)
        out.write(b"last")
    reader.join()
    assert bytes(got) == b"first" + b"".join(pieces) + b"last"
    memory = io.BytesIO()  # no descriptor: joined
    decode._write_pieces(memory, pieces)
    assert memory.getvalue() == b"".join(pieces)


def iter_fd(fd: int) -> Iterator[bytes]:
    with open(fd, "rb") as f:
        yield from iter(lambda: f.read(65536), b"")
