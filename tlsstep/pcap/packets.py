"""Link, IP and TCP headers: parsed from captured frames, and built for export.

Parsing goes as far as a TCP segment and no further: everything else (UDP, ARP,
IP fragments, truncated headers) is reported as a reason, never raised, because a
real capture is full of packets tlsstep has no business with.

Building makes only what the exporter needs: IPv4 + TCP with correct checksums
(RFC 791 §3.1, RFC 9293 §3.1), optionally in an Ethernet II frame.
"""

from __future__ import annotations

import ipaddress
import struct
from enum import IntEnum, IntFlag
from typing import Final

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen


class LinkType(IntEnum, metaclass=CheapEnumType):
    """LINKTYPE_* values (tcpdump.org/linktypes.html) that tlsstep reads."""

    NULL = 0  # BSD loopback: 4-byte address family in the writer's byte order
    ETHERNET = 1
    RAW = 101  # raw IPv4 or IPv6, version from the first nibble
    LOOP = 108  # OpenBSD loopback: address family in network byte order
    LINUX_SLL = 113
    IPV4 = 228
    IPV6 = 229
    LINUX_SLL2 = 276


# DLT_RAW is 12 on most systems and 14 on OpenBSD; some pcap files carry the DLT.
_RAW_ALIASES: Final = frozenset({LinkType.RAW, 12, 14, LinkType.IPV4, LinkType.IPV6})


class TcpFlags(IntFlag):
    """TCP control bits, RFC 9293 §3.1."""

    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10
    URG = 0x20


ETHERTYPE_IPV4: Final = 0x0800
ETHERTYPE_IPV6: Final = 0x86DD
# 802.1Q, 802.1ad (QinQ) and the pre-standard QinQ tag: each adds 4 bytes.
_VLAN_TAGS: Final = frozenset({0x8100, 0x88A8, 0x9100})
# BSD address families for IPv6 differ per OS (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS).
_AF_INET: Final = 2
_AF_INET6: Final = frozenset({10, 24, 28, 30})
IPPROTO_TCP: Final = 6
# IPv6 extension headers that can precede TCP (RFC 8200 §4); fragment (44) is not walked.
_IPV6_EXTENSIONS: Final = frozenset({0, 43, 60, 51})


@frozen
class TcpSegment:
    """One TCP segment as captured: addresses as text, payload trimmed to the IP length.

    ``missing`` counts payload bytes the IP header announced but the capture did
    not keep (snaplen): the stream has a hole there.
    """

    src: str
    sport: int
    dst: str
    dport: int
    seq: int
    ack: int
    flags: TcpFlags
    payload: bytes
    missing: int = 0


@frozen
class NotTcp:
    """Why a frame yields no TCP segment (shown in counts, not per packet)."""

    reason: str


# Every combination of the six control bits, made once: an IntFlag is slow to make, and
# each captured segment needs one.
_FLAGS: Final = tuple(TcpFlags(bits) for bits in range(64))
# Addresses as text, by their bytes: a capture has few, and each segment names two.
_ADDRESSES: dict[bytes, str] = {}
_MAX_ADDRESSES: Final = 4096


def _address(packed: bytes) -> str:
    text = _ADDRESSES.get(packed)
    if text is None:
        ip = ipaddress.IPv4Address(packed) if len(packed) == 4 else ipaddress.IPv6Address(packed)
        if len(_ADDRESSES) >= _MAX_ADDRESSES:  # a capture of many hosts: keep it bounded
            _ADDRESSES.clear()
        text = _ADDRESSES[packed] = str(ip)
    return text


def parse_frame(linktype: int, frame: bytes | memoryview) -> TcpSegment | NotTcp:
    """The TCP segment inside one captured frame of ``linktype``, or why there is none."""
    view = memoryview(frame)
    if linktype == LinkType.ETHERNET:
        pos, ethertype = 12, -1
        while True:
            if len(view) < pos + 2:
                return NotTcp(reason="truncated Ethernet header")
            ethertype = int.from_bytes(view[pos : pos + 2], "big")
            if ethertype not in _VLAN_TAGS:
                break
            pos += 4  # skip the tag control information, read the next type
        return _by_ethertype(ethertype, view[pos + 2 :])
    if linktype in _RAW_ALIASES:
        return _ip(view)
    if linktype == LinkType.LINUX_SLL:
        # packet type, ARPHRD type, address length, 8 address bytes, protocol.
        if len(view) < 16:
            return NotTcp(reason="truncated Linux cooked header")
        return _by_ethertype(int.from_bytes(view[14:16], "big"), view[16:])
    if linktype == LinkType.LINUX_SLL2:
        # protocol first, then reserved, interface index, ARPHRD, packet type, address.
        if len(view) < 20:
            return NotTcp(reason="truncated Linux cooked v2 header")
        return _by_ethertype(int.from_bytes(view[0:2], "big"), view[20:])
    if linktype in (LinkType.NULL, LinkType.LOOP):
        if len(view) < 4:
            return NotTcp(reason="truncated loopback header")
        family = int.from_bytes(view[0:4], "big")
        if linktype == LinkType.NULL and family > 0xFFFF:  # written in little-endian
            family = int.from_bytes(view[0:4], "little")
        if family == _AF_INET or family in _AF_INET6:
            return _ip(view[4:])
        return NotTcp(reason=f"loopback address family {family}")
    return NotTcp(reason=f"link type {linktype}")


def _by_ethertype(ethertype: int, view: memoryview) -> TcpSegment | NotTcp:
    if ethertype in (ETHERTYPE_IPV4, ETHERTYPE_IPV6):
        return _ip(view)
    return NotTcp(reason=f"ethertype 0x{ethertype:04x}")


def _ip(view: memoryview) -> TcpSegment | NotTcp:
    if not view:
        return NotTcp(reason="empty IP packet")
    version = view[0] >> 4
    if version == 4:
        return _ipv4(view)
    if version == 6:
        return _ipv6(view)
    return NotTcp(reason=f"IP version {version}")


def _ipv4(view: memoryview) -> TcpSegment | NotTcp:
    # RFC 791 §3.1
    if len(view) < 20:
        return NotTcp(reason="truncated IPv4 header")
    ihl = (view[0] & 0x0F) * 4
    total = int.from_bytes(view[2:4], "big")
    frag = int.from_bytes(view[6:8], "big")
    if frag & 0x3FFF:  # more-fragments bit or a fragment offset
        return NotTcp(reason="IPv4 fragment")
    if view[9] != IPPROTO_TCP:
        return NotTcp(reason=f"IP protocol {view[9]}")
    if ihl < 20 or len(view) < ihl:
        return NotTcp(reason="bad IPv4 header length")
    # total == 0: TCP segmentation offload on the capturing host; trust the capture.
    end = total if total >= ihl else len(view)
    src, dst = _address(bytes(view[12:16])), _address(bytes(view[16:20]))
    return _tcp(src, dst, view[ihl:end], announced=end - ihl)


def _ipv6(view: memoryview) -> TcpSegment | NotTcp:
    # RFC 8200 §3, §4
    if len(view) < 40:
        return NotTcp(reason="truncated IPv6 header")
    payload_len = int.from_bytes(view[4:6], "big")
    nxt = view[6]
    src, dst = _address(bytes(view[8:24])), _address(bytes(view[24:40]))
    pos, end = 40, 40 + payload_len
    while nxt in _IPV6_EXTENSIONS:
        if len(view) < pos + 2:
            return NotTcp(reason="truncated IPv6 extension header")
        # AH counts in 4-byte units minus 2 (RFC 4302 §2.2); the others in 8-byte units.
        length = (view[pos + 1] + 2) * 4 if nxt == 51 else (view[pos + 1] + 1) * 8
        nxt = view[pos]
        pos += length
    if nxt != IPPROTO_TCP:
        return NotTcp(reason="IPv6 fragment" if nxt == 44 else f"IP protocol {nxt}")
    if payload_len == 0:  # jumbogram or offload: trust the capture
        end = len(view)
    return _tcp(src, dst, view[pos:end], announced=end - pos)


def _tcp(src: str, dst: str, view: memoryview, *, announced: int) -> TcpSegment | NotTcp:
    # RFC 9293 §3.1
    if len(view) < 20:
        return NotTcp(reason="truncated TCP header")
    sport, dport, seq, ack, off_flags = struct.unpack_from("!HHIIH", view)
    offset = (off_flags >> 12) * 4
    if offset < 20 or len(view) < offset:
        return NotTcp(reason="bad TCP header length")
    payload = bytes(view[offset:])
    return TcpSegment(
        src=src,
        sport=sport,
        dst=dst,
        dport=dport,
        seq=seq,
        ack=ack,
        flags=_FLAGS[off_flags & 0x3F],
        payload=payload,
        missing=max(0, announced - offset - len(payload)),
    )


# -- building ------------------------------------------------------------------

# IPv4 total length is 16 bits: 65535 - 20 (IPv4) - 20 (TCP) bytes of payload at most.
MAX_SEGMENT_PAYLOAD: Final = 65535 - 40
_ETHERNET_HEADER: Final = bytes.fromhex("020000000002020000000001") + ETHERTYPE_IPV4.to_bytes(
    2, "big"
)


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): ones' complement of the ones' complement sum.

    The 16-bit ones' complement sum of the words of ``data`` is the number the
    bytes spell, modulo 0xFFFF (2**16 is 1 modulo 0xFFFF), which Python's big
    integers compute far faster than a loop over words.
    """
    if len(data) % 2:
        data += b"\0"
    total = int.from_bytes(data, "big") % 0xFFFF
    if total == 0 and any(data):
        total = 0xFFFF  # ones' complement has two zeros; a non-zero sum ends at 0xFFFF
    return ~total & 0xFFFF


def build_ipv4_tcp(
    *,
    src: str,
    sport: int,
    dst: str,
    dport: int,
    seq: int,
    ack: int,
    flags: TcpFlags,
    payload: bytes = b"",
    ident: int = 0,
    window: int = 65535,
) -> bytes:
    """An IPv4 packet holding one TCP segment, both checksums filled in."""
    if len(payload) > MAX_SEGMENT_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes does not fit one IPv4 packet")
    src_b = ipaddress.IPv4Address(src).packed
    dst_b = ipaddress.IPv4Address(dst).packed
    tcp_len = 20 + len(payload)
    tcp = struct.pack(
        "!HHIIHHHH",
        sport,
        dport,
        seq & 0xFFFFFFFF,
        ack & 0xFFFFFFFF,
        (5 << 12) | int(flags),
        window,
        0,
        0,
    )
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, IPPROTO_TCP, tcp_len)
    tcp_sum = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + tcp_sum.to_bytes(2, "big") + tcp[18:]
    # Version 4, IHL 5; DF set (0x4000); TTL 64.
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_len, ident & 0xFFFF, 0x4000, 64, IPPROTO_TCP, 0,
        src_b, dst_b,
    )  # fmt: skip
    ip = ip[:10] + checksum(ip).to_bytes(2, "big") + ip[12:]
    return ip + tcp + payload


def ethernet_frame(ip_packet: bytes) -> bytes:
    """``ip_packet`` (IPv4) in an Ethernet II frame between two locally administered MACs."""
    return _ETHERNET_HEADER + ip_packet
