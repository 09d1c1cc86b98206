"""Streaming reader for classic pcap and pcapng files.

:func:`read_capture` is a generator: it reads one record or block at a time and
yields it, so memory does not grow with the file. Formats:

* classic pcap (libpcap's savefile format, draft-ietf-opsawg-pcap): either byte
  order, microsecond (0xA1B2C3D4) or nanosecond (0xA1B23C4D) timestamps;
* pcapng (draft-ietf-opsawg-pcapng): every section's byte order from its Section
  Header Block (§4.1), Interface Description (§4.2, with ``if_tsresol`` and
  ``if_tsoffset``), Enhanced (§4.3), Simple (§4.4) and obsolete (Appendix A)
  Packet Blocks, Decryption Secrets Blocks (§4.7); any other block is skipped by
  its length, as the format asks.

A file that breaks off or holds an impossible length raises :class:`CaptureError`
with the byte offset of the damaged record or block; everything before it has
already been yielded.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO, Final

from tlsstep.errors import DecodeError
from tlsstep.frozen import frozen

# Block types and constants of pcapng (draft-ietf-opsawg-pcapng), the writer's too:
# here, so that reading a capture does not import the writer (issue 14).
BLOCK_SHB: Final = 0x0A0D0D0A
BLOCK_IDB: Final = 0x00000001
BLOCK_SPB: Final = 0x00000003
BLOCK_EPB: Final = 0x00000006
BLOCK_DSB: Final = 0x0000000A
BYTE_ORDER_MAGIC: Final = 0x1A2B3C4D
SECRETS_TLS_KEY_LOG: Final = 0x544C534B  # "TLSK": NSS key log text (§4.7)
BLOCK_OBSOLETE_PACKET: Final = 0x00000002
PCAP_MAGIC_US: Final = 0xA1B2C3D4
PCAP_MAGIC_NS: Final = 0xA1B23C4D
OPT_IF_TSRESOL: Final = 9
OPT_IF_TSOFFSET: Final = 14
# No sane packet or block is this large; a larger length means a damaged file,
# and refusing it keeps a bad length from allocating gigabytes.
MAX_BLOCK: Final = 64 * 1024 * 1024


class CaptureError(DecodeError):
    """The capture file is damaged or not a capture; ``offset`` is where."""


@frozen
class Packet:
    """One captured frame.

    ``number`` counts from 1 like Wireshark's frame numbers; ``offset`` is where
    its record or block starts in the file; ``timestamp_ns`` is since the epoch.
    """

    number: int
    offset: int
    linktype: int
    timestamp_ns: int
    data: bytes
    original_length: int
    interface: int = 0


@frozen
class Secrets:
    """A Decryption Secrets Block: ``secrets_type`` 0x544c534b is a TLS key log."""

    offset: int
    secrets_type: int
    data: bytes


class _Interface:
    """An Interface Description Block's link type and clock (a plain slotted class: a
    dataclass compiles its methods at import, issue 14)."""

    __slots__ = ("linktype", "snaplen", "ts_divisor", "ts_offset_s")

    def __init__(self, *, linktype: int, snaplen: int) -> None:
        self.linktype = linktype
        self.snaplen = snaplen
        self.ts_divisor = 1_000_000  # units per second, from if_tsresol
        self.ts_offset_s = 0


# A packet as ``read_capture(raw=True)`` gives it: (link type, block, start, end), the
# frame being ``block[start:end]``, not copied out of the block it was read in, and no
# value made for it (issue 14: the capture decoder's packet loop reads what it needs in
# place). Only the common blocks come so; any other is a :class:`Packet` as usual.
RawPacket = tuple[int, bytes, int, int]


def read_capture(file: BinaryIO, *, raw: bool = False) -> Iterator[Packet | Secrets | RawPacket]:
    """Yield every packet and secret in ``file`` (pcap or pcapng), in file order.

    ``raw``: give packets of classic pcap records and of well-formed Enhanced Packet
    Blocks as :data:`RawPacket` tuples instead of :class:`Packet` values.

    Raises:
        CaptureError: the file is not a capture, or is damaged at ``offset``.
    """
    head = file.read(4)
    if len(head) < 4:
        raise CaptureError(f"file too short for a capture ({len(head)} bytes)", offset=0)
    magic_be = int.from_bytes(head, "big")
    if magic_be == BLOCK_SHB:
        yield from _pcapng(file, head, raw=raw)
        return
    for order in ("<", ">"):
        magic = int.from_bytes(head, "little" if order == "<" else "big")
        if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
            yield from _pcap(file, order, nanoseconds=magic == PCAP_MAGIC_NS, raw=raw)
            return
    raise CaptureError(
        f"not a pcap or pcapng file (starts with {head.hex()}; pcapng starts with "
        "0a0d0d0a, pcap with a1b2c3d4 or a1b23c4d in either byte order)",
        offset=0,
    )


def _read_exact(file: BinaryIO | _Pushback, size: int, offset: int, what: str) -> bytes:
    data = file.read(size)
    if len(data) < size:
        raise CaptureError(
            f"file ends inside {what}: {len(data)} of {size} bytes present", offset=offset
        )
    return data


# -- classic pcap ----------------------------------------------------------------


def _pcap(
    file: BinaryIO, order: str, *, nanoseconds: bool, raw: bool = False
) -> Iterator[Packet | RawPacket]:
    rest = _read_exact(file, 20, 4, "the pcap file header")
    _major, _minor, _zone, _sigfigs, snaplen, network = struct.unpack(order + "HHiIII", rest)
    # The upper bits of the link-type field carry FCS information (pcap draft §4).
    linktype = network & 0x0FFFFFFF
    record = struct.Struct(order + "IIII")
    offset, number = 24, 0
    scale = 1 if nanoseconds else 1000
    while True:
        header = file.read(16)
        if not header:
            return
        if len(header) < 16:
            raise CaptureError(
                f"file ends inside a packet record header ({len(header)} of 16 bytes)",
                offset=offset,
            )
        sec, frac, incl_len, orig_len = record.unpack(header)
        if incl_len > MAX_BLOCK:
            raise CaptureError(
                f"packet record claims {incl_len} captured bytes (snaplen {snaplen})",
                offset=offset,
            )
        data = _read_exact(file, incl_len, offset, "a packet record")
        number += 1
        if raw:
            yield linktype, data, 0, incl_len
            offset += 16 + incl_len
            continue
        yield Packet(
            number=number,
            offset=offset,
            linktype=linktype,
            timestamp_ns=sec * 1_000_000_000 + frac * scale,
            data=data,
            original_length=orig_len,
        )
        offset += 16 + incl_len


# -- pcapng ----------------------------------------------------------------------


class _Pushback:
    """A file with bytes in front of it: the first bytes of the file, already read, or
    a block the fast path read and hands back to the general reading."""

    __slots__ = ("file", "front")

    def __init__(self, file: BinaryIO, front: bytes) -> None:
        self.file = file
        self.front = front

    def read(self, size: int) -> bytes:
        front = self.front
        if not front:
            return self.file.read(size)
        data, self.front = front[:size], front[size:]
        if len(data) < size:
            data += self.file.read(size - len(data))
        return data


# The Enhanced Packet Block's type as it reads in each byte order; its fixed fields
# (interface, timestamp high and low, captured and original length), §4.3.
_EPB_TYPE: Final = {order: struct.pack(order + "I", BLOCK_EPB) for order in "<>"}
_UINT32: Final = {order: struct.Struct(order + "I") for order in "<>"}
_EPB_FIELDS: Final = {order: struct.Struct(order + "IIIII") for order in "<>"}


def _enhanced(
    src: _Pushback,
    head: bytes,
    order: str,
    interfaces: list[_Interface],
    number: int,
    offset: int,
) -> tuple[Packet | None, bytes]:
    """An Enhanced Packet Block (§4.3) whose type and length are ``head``, read in three
    pieces so that the packet's bytes are read into their own object, not copied out of
    the block's. Returns the packet, or None and the bytes read if anything about the
    block is odd, for the general reading to say what."""
    total = _UINT32[order].unpack_from(head, 4)[0]
    if not (32 <= total <= MAX_BLOCK and not total % 4):
        return None, b""
    fields = src.read(20)
    if len(fields) < 20:
        return None, fields
    iface_id, ts_hi, ts_lo, cap_len, orig_len = _EPB_FIELDS[order].unpack(fields)
    if cap_len > total - 32:
        return None, fields
    data = src.read(cap_len)
    rest = src.read(total - 28 - cap_len)  # padding, options, the trailing length
    if (
        len(data) < cap_len
        or len(rest) < total - 28 - cap_len
        or rest[-4:] != head[4:8]
        or iface_id >= len(interfaces)
    ):
        return None, fields + data + rest
    iface = interfaces[iface_id]
    ts = (ts_hi << 32) | ts_lo
    return Packet(
        number=number,
        offset=offset,
        linktype=iface.linktype,
        timestamp_ns=(ts * 1_000_000_000) // iface.ts_divisor + iface.ts_offset_s * 1_000_000_000,
        data=data,
        original_length=orig_len,
        interface=iface_id,
    ), b""


def _enhanced_raw(
    src: _Pushback, head: bytes, order: str, interfaces: list[_Interface]
) -> tuple[RawPacket | None, bytes]:
    """:func:`_enhanced` for ``read_capture(raw=True)``: the block read whole, in one
    read, its packet left in it. Returns the packet, or None and the bytes read."""
    total = _UINT32[order].unpack_from(head, 4)[0]
    if not (32 <= total <= MAX_BLOCK and not total % 4):
        return None, b""
    body = src.read(total - 8)
    if len(body) < total - 8 or body[-4:] != head[4:8]:
        return None, body
    iface_id, _ts_hi, _ts_lo, cap_len, _orig_len = _EPB_FIELDS[order].unpack_from(body)
    if cap_len > total - 32 or iface_id >= len(interfaces):
        return None, body
    return (interfaces[iface_id].linktype, body, 20, 20 + cap_len), b""


def _pcapng(
    file: BinaryIO, first: bytes, *, raw: bool = False
) -> Iterator[Packet | Secrets | RawPacket]:
    offset = 0
    order = "<"
    interfaces: list[_Interface] = []
    number = 0
    src = _Pushback(file, first)  # the 4 bytes already read of the next block
    while True:
        head = src.read(8)
        if not head:
            return
        if head[:4] == _EPB_TYPE[order] and len(head) == 8:
            # The common block (issue 14): its packet is not copied out of the block,
            # and nothing is checked twice; the general reading below takes any other.
            packet: Packet | RawPacket | None
            if raw:
                packet, read = _enhanced_raw(src, head, order, interfaces)
            else:
                packet, read = _enhanced(src, head, order, interfaces, number + 1, offset)
            if packet is not None:
                number += 1
                yield packet
                offset += _UINT32[order].unpack_from(head, 4)[0]
                continue
            src.front = head + read + src.front
            head = src.read(8)
        if len(head) < 8:
            raise CaptureError(
                f"file ends inside a block header ({len(head)} of 8 bytes)", offset=offset
            )
        block_type = int.from_bytes(head[:4], "big" if order == ">" else "little")
        if int.from_bytes(head[:4], "big") == BLOCK_SHB:  # the same in both byte orders
            magic = _read_exact(src, 4, offset, "a section header block")
            if magic == BYTE_ORDER_MAGIC.to_bytes(4, "little"):
                order = "<"
            elif magic == BYTE_ORDER_MAGIC.to_bytes(4, "big"):
                order = ">"
            else:
                raise CaptureError(
                    f"section header has byte-order magic {magic.hex()}, not 1a2b3c4d",
                    offset=offset,
                )
            total = struct.unpack(order + "I", head[4:8])[0]
            _check_length(total, offset, minimum=28)
            body = magic + _read_exact(src, total - 16, offset, "a section header block")
            interfaces = []  # interface ids are per section (§4.2)
            block_type = BLOCK_SHB
        else:
            total = struct.unpack(order + "I", head[4:8])[0]
            _check_length(total, offset, minimum=12)
            body = _read_exact(src, total - 12, offset, f"block type 0x{block_type:08x}")
        trailer = _read_exact(src, 4, offset, f"block type 0x{block_type:08x}")
        if struct.unpack(order + "I", trailer)[0] != total:
            raise CaptureError(
                f"block type 0x{block_type:08x} of {total} bytes ends with a different "
                "length: the file is damaged here",
                offset=offset,
            )
        if block_type == BLOCK_IDB:
            interfaces.append(_interface(body, order, offset))
        elif block_type in (BLOCK_EPB, BLOCK_SPB, BLOCK_OBSOLETE_PACKET):
            number += 1
            yield _packet_block(block_type, body, order, interfaces, number, offset)
        elif block_type == BLOCK_DSB:
            yield _secrets(body, order, offset)
        offset += total


def _check_length(total: int, offset: int, *, minimum: int) -> None:
    # §3.1: the total length is a multiple of 4 and covers at least the header and trailer.
    if total < minimum or total % 4 or total > MAX_BLOCK:
        raise CaptureError(f"impossible block length {total}", offset=offset)


def _options(data: bytes, order: str) -> Iterator[tuple[int, bytes]]:
    pos = 0
    while pos + 4 <= len(data):
        code, length = struct.unpack_from(order + "HH", data, pos)
        if code == 0:
            return
        yield code, data[pos + 4 : pos + 4 + length]
        pos += 4 + length + (-length % 4)


def _interface(body: bytes, order: str, offset: int) -> _Interface:
    if len(body) < 8:
        raise CaptureError("interface description block too short", offset=offset)
    linktype, _reserved, snaplen = struct.unpack_from(order + "HHI", body)
    iface = _Interface(linktype=linktype, snaplen=snaplen)
    for code, value in _options(body[8:], order):
        if code == OPT_IF_TSRESOL and len(value) >= 1:
            # §4.2: high bit set: a negative power of 2; clear: a negative power of 10.
            exp = value[0] & 0x7F
            iface.ts_divisor = 2**exp if value[0] & 0x80 else 10**exp
        elif code == OPT_IF_TSOFFSET and len(value) >= 8:
            iface.ts_offset_s = struct.unpack(order + "q", value[:8])[0]
    return iface


def _packet_block(
    block_type: int,
    body: bytes,
    order: str,
    interfaces: list[_Interface],
    number: int,
    offset: int,
) -> Packet:
    if block_type == BLOCK_SPB:
        # §4.4: interface 0; captured length is what the block holds, at most snaplen.
        if len(body) < 4:
            raise CaptureError("simple packet block too short", offset=offset)
        (orig_len,) = struct.unpack_from(order + "I", body)
        iface_id, ts, data_start = 0, 0, 4
        cap_len = min(orig_len, len(body) - 4)
        if interfaces and interfaces[0].snaplen:
            cap_len = min(cap_len, interfaces[0].snaplen)
    else:
        if block_type == BLOCK_EPB:
            fmt, data_start = order + "IIIII", 20
        else:  # obsolete Packet Block: 16-bit interface id and drops count
            fmt, data_start = order + "HHIIII", 20
        if len(body) < data_start:
            raise CaptureError("packet block too short", offset=offset)
        fields = struct.unpack_from(fmt, body)
        if block_type == BLOCK_EPB:
            iface_id, ts_hi, ts_lo, cap_len, orig_len = fields
        else:
            iface_id, _drops, ts_hi, ts_lo, cap_len, orig_len = fields
        ts = (ts_hi << 32) | ts_lo
        if data_start + cap_len > len(body):
            raise CaptureError(
                f"packet block claims {cap_len} captured bytes but holds {len(body) - data_start}",
                offset=offset,
            )
    if iface_id >= len(interfaces):
        raise CaptureError(
            f"packet on interface {iface_id}, but the section describes "
            f"{len(interfaces)} interface(s)",
            offset=offset,
        )
    iface = interfaces[iface_id]
    timestamp_ns = (ts * 1_000_000_000) // iface.ts_divisor + iface.ts_offset_s * 1_000_000_000
    return Packet(
        number=number,
        offset=offset,
        linktype=iface.linktype,
        timestamp_ns=timestamp_ns,
        data=body[data_start : data_start + cap_len],
        original_length=orig_len,
        interface=iface_id,
    )


def _secrets(body: bytes, order: str, offset: int) -> Secrets:
    if len(body) < 8:
        raise CaptureError("decryption secrets block too short", offset=offset)
    secrets_type, length = struct.unpack_from(order + "II", body)
    if 8 + length > len(body):
        raise CaptureError(
            f"decryption secrets block claims {length} bytes but holds {len(body) - 8}",
            offset=offset,
        )
    return Secrets(offset=offset, secrets_type=secrets_type, data=body[8 : 8 + length])
