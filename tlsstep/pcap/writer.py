"""pcapng export of a run, with its TLS key log, so Wireshark opens it decrypted.

Block layouts follow draft-ietf-opsawg-pcapng (§4.1 Section Header, §4.2
Interface Description, §4.3 Enhanced Packet, §4.7 Decryption Secrets). The file
is written as it goes: packets are built and written one by one, so exporting a
long run takes no more memory than its largest delivery.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final

from tlsstep import __version__
from tlsstep.events import Op, Side
from tlsstep.pcap.packets import LinkType, ethernet_frame
from tlsstep.pcap.reader import (
    BLOCK_DSB,
    BLOCK_EPB,
    BLOCK_IDB,
    BLOCK_SHB,
    BYTE_ORDER_MAGIC,
    SECRETS_TLS_KEY_LOG,
)
from tlsstep.pcap.tcp import (
    FIRST_CLIENT_PORT,
    HTTP_ALPN,
    SERVER_PORT,
    TLS_SERVER_PORT,
    SyntheticConnection,
    TcpEndpoints,
)
from tlsstep.secrets_dir import open_secret

if TYPE_CHECKING:
    from tlsstep.pair import Pair
    from tlsstep.session import Session

OPT_ENDOFOPT: Final = 0
OPT_SHB_USERAPPL: Final = 4
OPT_IF_NAME: Final = 2
SNAPLEN: Final = 262144
_TICK_US: Final = 100  # synthetic packets are 100 µs apart


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad(value)


def _block(block_type: int, body: bytes) -> bytes:
    # Total length appears before and after the body so readers can walk both ways (§3.1).
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


class PcapngWriter:
    """Writes one pcapng section with one interface to ``file``, block by block."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        link: LinkType = LinkType.RAW,
        start_time: float | None = None,
    ) -> None:
        if link not in (LinkType.RAW, LinkType.ETHERNET):
            raise ValueError(f"the writer makes raw IP or Ethernet links, not {link!r}")
        self.file = file
        self.link = link
        self.packets = 0
        self._clock_us = int((time.time() if start_time is None else start_time) * 1_000_000)
        options = _option(OPT_SHB_USERAPPL, f"tlsstep {__version__}".encode()) + _option(
            OPT_ENDOFOPT, b""
        )
        # Section length -1: not known in advance, which a streaming writer cannot know.
        shb = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1) + options
        idb = (
            struct.pack("<HHI", link, 0, SNAPLEN)
            + _option(OPT_IF_NAME, b"tlsstep")
            + _option(OPT_ENDOFOPT, b"")
        )
        file.write(_block(BLOCK_SHB, shb) + _block(BLOCK_IDB, idb))

    def secrets(self, keylog: bytes, secrets_type: int = SECRETS_TLS_KEY_LOG) -> None:
        """A Decryption Secrets Block; put it before the packets it decrypts (§4.7)."""
        body = struct.pack("<II", secrets_type, len(keylog)) + _pad(keylog)
        self.file.write(_block(BLOCK_DSB, body))

    def packet(self, ip_packet: bytes) -> None:
        """An Enhanced Packet Block holding ``ip_packet`` (framed for the link)."""
        frame = ethernet_frame(ip_packet) if self.link == LinkType.ETHERNET else ip_packet
        ts = self._clock_us
        self._clock_us += _TICK_US
        head = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        total = 12 + len(head) + len(frame) + (-len(frame) % 4)
        self.file.write(struct.pack("<II", BLOCK_EPB, total))
        self.file.write(head)
        self.file.write(frame)  # not concatenated: a 64 KB frame is not copied again
        self.file.write(b"\0" * (-len(frame) % 4) + struct.pack("<I", total))
        self.packets += 1

    def connection(
        self,
        deliveries: Iterable[tuple[Side, bytes]],
        *,
        client_port: int = FIRST_CLIENT_PORT,
        segment_size: int = 0,
        endpoints: TcpEndpoints | None = None,
        server_port: int = SERVER_PORT,
    ) -> None:
        """One synthetic TCP connection carrying ``deliveries`` in order.

        ``endpoints``: the real addresses and ports, when the run had a real peer.
        """
        conn = SyntheticConnection(
            client_port=client_port,
            segment_size=segment_size,
            endpoints=endpoints,
            server_port=server_port,
        )
        for packet in conn.open():
            self.packet(packet)
        for sender, data in deliveries:
            for packet in conn.send(Side(sender), data):
                self.packet(packet)
        for packet in conn.close():
            self.packet(packet)


def _open(
    target: str | os.PathLike[str] | BinaryIO, stack: ExitStack, *, secrets: bool
) -> BinaryIO:
    """``target`` opened for writing; a file that will hold secrets is made 0600, as
    ``--keylog`` is (DESIGN.md, "habits for safety"), even if it existed with another mode."""
    if not isinstance(target, str | os.PathLike):
        return target
    if not secrets:
        return stack.enter_context(Path(target).open("wb"))
    return stack.enter_context(open_secret(target))


def write_pcapng(
    target: str | os.PathLike[str] | BinaryIO,
    deliveries: Iterable[tuple[Side, bytes]],
    keylog: bytes | None = None,
    *,
    link: LinkType = LinkType.RAW,
    start_time: float | None = None,
    segment_size: int = 0,
) -> int:
    """Write one connection's ``deliveries`` (sender, bytes), in order, as pcapng.

    Args:
        target: a path (created or truncated) or a binary file open for writing.
        deliveries: what crossed, in the order it crossed; consumed lazily.
        keylog: NSS key log text for a Decryption Secrets Block; None writes none.
        link: ``LinkType.RAW`` (IPv4 packets) or ``LinkType.ETHERNET``.
        start_time: the first packet's time (seconds since the epoch); default now.
        segment_size: largest TCP payload per packet; 0 = one packet per delivery.

    Returns:
        The number of packets written.
    """
    with ExitStack() as stack:
        writer = PcapngWriter(
            _open(target, stack, secrets=bool(keylog)), link=link, start_time=start_time
        )
        if keylog:
            writer.secrets(keylog)
        writer.connection(deliveries, segment_size=segment_size)
        return writer.packets


def session_deliveries(session: Session, connection: int) -> Iterable[tuple[Side, bytes]]:
    """The bytes each ``deliver`` of connection ``connection`` moved, as delivered.

    Tampered bytes are what the tamper made them; bytes never delivered never crossed.
    """
    for entry in session.connections[connection - 1].entries:
        if entry.event.op is Op.deliver and entry.event.delivered:
            yield entry.event.side, entry.event.delivered


def connection_randoms(session: Session) -> set[bytes]:
    """The client randoms of the session's connections, from the ClientHellos that crossed."""
    from tlsstep.wire.enums import HandshakeType

    randoms = set()
    for entry in session.entries:
        for record in entry.records:
            for message in record.messages:
                if message.message.msg_type != HandshakeType.client_hello or not message.decoded:
                    continue
                for f in message.decoded.fields:
                    if f.name == "random" and isinstance(f.value, bytes):
                        randoms.add(f.value)
    return randoms


def session_keylog(session: Session) -> bytes | None:
    """The secrets of this session's own connections, each once, as NSS key log text.

    The key log file may be shared (a replay's scenarios share one) and holds every
    secret twice (client and server both log it): only the lines whose client random
    belongs to one of ``session``'s connections go out, once each (issue 16, item 1).
    """
    path = session.crypto.keylog_path if session.crypto is not None else None
    if not path:
        return None
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return None
    from tlsstep.crypto.keylog import KeyLog

    log = KeyLog.from_text(raw.decode("ascii", "replace"))
    randoms = connection_randoms(session)
    text = log.nss_text(e for e in log.entries if e.client_random in randoms)
    return text.encode("ascii") or None


def server_port(pair: Pair) -> int:
    """443 for a connection that negotiated HTTP by ALPN, else 4433 (see pcap/tcp.py)."""
    try:
        alpn = pair.facts(Side.client).selected_alpn_protocol
    except (AttributeError, ValueError):
        alpn = None
    return SERVER_PORT if alpn in HTTP_ALPN else TLS_SERVER_PORT


def write_session_pcapng(
    target: str | os.PathLike[str] | BinaryIO,
    session: Session,
    keylog: bytes | None = None,
    *,
    link: LinkType = LinkType.RAW,
    start_time: float | None = None,
    endpoints: Mapping[int, TcpEndpoints] | None = None,
) -> int:
    """Write every connection of ``session`` (a resume makes a second one) as pcapng.

    Each connection gets its own client port (50001, 50002, ...), or the real
    addresses and ports ``endpoints`` gives for its number. ``keylog`` defaults to
    the file the session's crypto hooks wrote (``keylog_path``); b""
    writes none. A file with secrets in it is made 0600.

    Returns:
        The number of packets written.
    """
    if keylog is None:
        keylog = session_keylog(session)
    with ExitStack() as stack:
        writer = PcapngWriter(
            _open(target, stack, secrets=bool(keylog)), link=link, start_time=start_time
        )
        if keylog:
            writer.secrets(keylog)
        for conn in session.connections:
            writer.connection(
                session_deliveries(session, conn.number),
                client_port=FIRST_CLIENT_PORT + conn.number - 1,
                endpoints=(endpoints or {}).get(conn.number),
                server_port=server_port(conn.pair),
            )
        return writer.packets
