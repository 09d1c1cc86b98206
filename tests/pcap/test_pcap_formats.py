"""File formats and link types: classic pcap in both byte orders and resolutions,
big-endian pcapng with simple/obsolete/unknown blocks, Ethernet+VLAN, Linux cooked
v1/v2, loopback, IPv6 - each built here by a small encoder and, where it matters,
read back by tshark too."""

from __future__ import annotations

import io
import ipaddress
import struct
from pathlib import Path

import pytest

from tests.pcap.helpers import decode_json, make_run, run_tool, tlsstep_cli, tool
from tlsstep.pcap.packets import (
    LinkType,
    NotTcp,
    TcpFlags,
    TcpSegment,
    build_ipv4_tcp,
    checksum,
    ethernet_frame,
    parse_frame,
)
from tlsstep.pcap.reader import Packet, Secrets, read_capture
from tlsstep.pcap.writer import PcapngWriter, session_deliveries, write_session_pcapng

CLIENT6, SERVER6 = "fd00::1", "fd00::2"


def ipv6_tcp(seg: TcpSegment, src: str, dst: str) -> bytes:
    """``seg`` again, carried by IPv6 (RFC 8200 §3; checksum per §8.1)."""
    s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    tcp = struct.pack(
        "!HHIIHHHH", seg.sport, seg.dport, seg.seq, seg.ack, (5 << 12) | seg.flags, 65535, 0, 0
    )
    body = tcp + seg.payload
    pseudo = s + d + struct.pack("!I3xB", len(body), 6)
    body = body[:16] + checksum(pseudo + body).to_bytes(2, "big") + body[18:]
    return struct.pack("!IHBB", 6 << 28, len(body), 6, 64) + s + d + body


def sll2(ip: bytes, ethertype: int) -> bytes:
    # protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address
    return struct.pack("!HHIHBB8s", ethertype, 0, 1, 1, 0, 6, b"\x02" * 6) + ip


def sll(ip: bytes, ethertype: int) -> bytes:
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x02" * 6, ethertype) + ip


def classic_pcap(frames: list[bytes], *, linktype: int, order: str, ns: bool) -> bytes:
    magic = 0xA1B23C4D if ns else 0xA1B2C3D4
    out = io.BytesIO()
    out.write(struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype))
    for i, frame in enumerate(frames):
        out.write(struct.pack(order + "IIII", 1_700_000_000, i * 7, len(frame), len(frame)))
        out.write(frame)
    return out.getvalue()


def pcapng_big_endian(frames: list[bytes], *, linktype: int, keylog: bytes) -> bytes:
    """SHB, IDB (nanosecond if_tsresol), an unknown block, DSB, then packets as EPB,
    SPB and the obsolete Packet Block in turn - all big-endian."""

    def block(kind: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        return struct.pack(">II", kind, len(body) + 12) + body + struct.pack(">I", len(body) + 12)

    opts = struct.pack(">HH", 9, 1) + b"\x09\0\0\0" + struct.pack(">HH", 0, 0)
    out = [
        block(0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1)),
        block(1, struct.pack(">HHI", linktype, 0, 0) + opts),
        block(0x0BADBEEF, b"skip me"),
        block(0x0A, struct.pack(">II", 0x544C534B, len(keylog)) + keylog),
    ]
    for i, f in enumerate(frames):
        ts = 1_700_000_000_000_000_000 + i
        if i % 3 == 0:
            body = struct.pack(">IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f
            out.append(block(6, body))
        elif i % 3 == 1:
            out.append(block(3, struct.pack(">I", len(f)) + f))
        else:
            body = struct.pack(">HHIIII", 0, 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f
            out.append(block(2, body))
    return b"".join(out)


@pytest.fixture(scope="module")
def run_frames(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    tmp = tmp_path_factory.mktemp("formats")
    run = make_run(tmp, "1.2")
    path = tmp / "run.pcapng"
    write_session_pcapng(path, run.session, start_time=1_700_000_000)
    with path.open("rb") as f:
        frames = [p.data for p in read_capture(f) if isinstance(p, Packet)]
    return run, path, frames


def records(doc: dict) -> list:
    return [s["records"] for s in doc["streams"]]


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("ns", [False, True])
def test_classic_pcap_byte_orders_and_resolutions(
    run_frames: tuple, tmp_path: Path, order: str, ns: bool
) -> None:
    run, path, frames = run_frames
    data = classic_pcap(frames, linktype=101, order=order, ns=ns)
    with io.BytesIO(data) as f:
        packets = [p for p in read_capture(f) if isinstance(p, Packet)]
    assert [p.data for p in packets] == frames
    assert packets[3].timestamp_ns == 1_700_000_000 * 10**9 + 21 * (1 if ns else 1000)
    classic = tmp_path / "c.pcap"
    classic.write_bytes(data)
    keys = tmp_path / "keys.txt"
    keys.write_bytes(run.keylog)  # classic pcap cannot carry secrets
    assert records(decode_json(str(classic), "--keylog", str(keys))) == records(
        decode_json(str(path))
    )
    # tshark agrees the file is sound and holds the same TLS records.
    assert run_tool(tool("capinfos"), "-c", "-M", str(classic)).split()[-1] == str(len(frames))


def test_big_endian_pcapng_with_every_packet_block(run_frames: tuple, tmp_path: Path) -> None:
    run, path, frames = run_frames
    be = tmp_path / "be.pcapng"
    be.write_bytes(pcapng_big_endian(frames, linktype=101, keylog=run.keylog))
    with be.open("rb") as f:
        items = list(read_capture(f))
    secrets = [i for i in items if isinstance(i, Secrets)]
    assert [s.data for s in secrets] == [run.keylog]
    packets = [i for i in items if isinstance(i, Packet)]
    assert [p.data for p in packets] == frames
    # if_tsresol 9: nanoseconds; a Simple Packet Block has no timestamp at all.
    base = 1_700_000_000_000_000_000
    assert [p.timestamp_ns for p in packets[:3]] == [base, 0, base + 2]
    assert records(decode_json(str(be))) == records(decode_json(str(path)))
    # tshark reads the hand-made file too, decrypting with its secrets block.
    out = run_tool(tool("tshark"), "-r", str(be), "-Y", "tls.handshake.type == 20")
    assert len(out.splitlines()) == 2  # both Finished messages, decrypted


@pytest.mark.parametrize(
    ("linktype", "frame_of"),
    [
        (LinkType.LINUX_SLL2, lambda ip: sll2(ip, 0x86DD)),
        (LinkType.LINUX_SLL, lambda ip: sll(ip, 0x86DD)),
        (
            LinkType.ETHERNET,  # 802.1ad outer tag, 802.1Q inner tag
            lambda ip: bytes(12) + bytes.fromhex("88a800648100006586dd") + ip,
        ),
        (LinkType.NULL, lambda ip: struct.pack("<I", 30) + ip),  # macOS AF_INET6, host order
    ],
)
def test_ipv6_on_cooked_vlan_and_loopback_links(
    run_frames: tuple, tmp_path: Path, linktype: int, frame_of: object
) -> None:
    run, path, frames = run_frames
    six = []
    for frame in frames:
        seg = parse_frame(LinkType.RAW, frame)
        assert isinstance(seg, TcpSegment)
        src, dst = (CLIENT6, SERVER6) if seg.sport >= 50000 else (SERVER6, CLIENT6)
        six.append(frame_of(ipv6_tcp(seg, src, dst)))  # type: ignore[operator]
    capture = tmp_path / "six.pcap"
    capture.write_bytes(classic_pcap(six, linktype=linktype, order="<", ns=False))
    keys = tmp_path / "keys.txt"
    keys.write_bytes(run.keylog)
    doc = decode_json(str(capture), "--keylog", str(keys))
    assert doc["streams"][0]["client"] == f"[{CLIENT6}]:50001"
    assert records(doc) == records(decode_json(str(path)))
    out = run_tool(
        tool("tshark"), "-r", str(capture), "-o", f"tls.keylog_file:{keys}",
        "-Y", "tls.handshake.type", "-T", "fields", "-e", "ipv6.src", "-e", "tcp.checksum.status",
        "-o", "tcp.check_checksum:TRUE",
    )  # fmt: skip
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows and all(r[1] == "1" for r in rows)
    assert {r[0] for r in rows} == {CLIENT6, SERVER6}


def test_frames_that_are_not_tcp() -> None:
    tcp = build_ipv4_tcp(
        src="10.0.0.1", sport=1, dst="10.0.0.2", dport=2, seq=0, ack=0, flags=TcpFlags.SYN
    )
    udp = bytearray(tcp)
    udp[9] = 17
    frag = bytearray(tcp)
    frag[6] = 0x20  # more fragments
    assert parse_frame(LinkType.RAW, bytes(udp)) == NotTcp(reason="IP protocol 17")
    assert parse_frame(LinkType.RAW, bytes(frag)) == NotTcp(reason="IPv4 fragment")
    assert parse_frame(LinkType.ETHERNET, bytes(12) + b"\x08\x06" + bytes(28)) == NotTcp(
        reason="ethertype 0x0806"
    )
    assert parse_frame(147, tcp) == NotTcp(reason="link type 147")
    assert parse_frame(LinkType.RAW, tcp[:30]) == NotTcp(reason="truncated TCP header")
    # Ethernet pads short frames to 60 bytes; the IP length says where TCP ends.
    padded = parse_frame(LinkType.ETHERNET, ethernet_frame(tcp) + bytes(6))
    assert isinstance(padded, TcpSegment) and padded.payload == b""


def test_non_tls_streams_are_listed_and_skipped_and_port_selects(tmp_path: Path) -> None:
    run = make_run(tmp_path, "1.3")
    path = tmp_path / "mixed.pcapng"
    with path.open("wb") as f:
        w = PcapngWriter(f, start_time=1_700_000_000)
        w.connection(
            [("client", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ("server", b"HTTP/1.1 200 OK\r\n")],
            client_port=50001,
        )
        w.connection(session_deliveries(run.session, 1), client_port=50002)
    doc = decode_json(str(path))
    assert [(s["tls"], s["skipped"]) for s in doc["streams"]] == [
        (False, "not TLS (starts with 474554202f20)"),
        (True, None),
    ]
    assert doc["streams"][0]["records"] == [] and doc["streams"][1]["records"]
    text = tlsstep_cli("decode", str(path)).output
    assert "stream 1: client 127.0.0.1:50001, server 127.0.0.2:443  skipped: not TLS" in text
    only = decode_json(str(path), "--port", "50002")
    assert [s["tls"] for s in only["streams"]] == [False, True]
    none = decode_json(str(path), "--port", "8443")
    assert {s["skipped"] for s in none["streams"]} == {"not port 8443"}
