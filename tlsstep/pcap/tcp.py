"""A synthetic TCP connection around the bytes a run delivered (for export).

The pair has no transport, so the exporter invents the least surprising one:
client 127.0.0.1 on a high port, server 127.0.0.2:443, a three-way handshake,
one segment per delivery (split only where one IPv4 packet cannot hold it), and a
FIN from each side at the end (RFC 9293 §3.5, §3.6). Sequence and acknowledgement
numbers follow the bytes, so Wireshark's TCP analysis finds nothing to flag.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.pcap.packets import MAX_SEGMENT_PAYLOAD, TcpFlags, build_ipv4_tcp

CLIENT_ADDRESS: Final = "127.0.0.1"
SERVER_ADDRESS: Final = "127.0.0.2"
SERVER_PORT: Final = 443  # HTTPS: for a run that negotiated ALPN http/1.1 or h2
# For any other run: tshark hands data on 443 to its HTTP dissector, which shows
# echoed text as "[TLS segment of a reassembled PDU]" (issue 16 item 16); on 4433
# (openssl s_server's port) no dissector claims the data and TLS is still recognised.
TLS_SERVER_PORT: Final = 4433
HTTP_ALPN: Final = frozenset({"http/1.1", "h2"})
FIRST_CLIENT_PORT: Final = 50001
# Fixed initial sequence numbers keep exports reproducible byte for byte.
_CLIENT_ISN: Final = 0x10000000
_SERVER_ISN: Final = 0x20000000


@frozen
class TcpEndpoints:
    """The real IPv4 addresses and ports of a connection (``tlsstep connect``/``serve``)."""

    client: str
    client_port: int
    server: str
    server_port: int


class SyntheticConnection:
    """Builds the IPv4 packets of one TCP connection, one call per event."""

    def __init__(
        self,
        *,
        client_port: int = FIRST_CLIENT_PORT,
        segment_size: int = 0,
        endpoints: TcpEndpoints | None = None,
        server_port: int = SERVER_PORT,
    ) -> None:
        if endpoints is None and not 1024 <= client_port <= 65535:
            raise ValueError(f"client port {client_port} is not a high port")
        self.endpoints = endpoints or TcpEndpoints(
            client=CLIENT_ADDRESS,
            client_port=client_port,
            server=SERVER_ADDRESS,
            server_port=server_port,
        )
        self.client_port = self.endpoints.client_port
        # 0: as large as IPv4 allows; smaller sizes make captures look like a real link.
        self.segment_size = segment_size or MAX_SEGMENT_PAYLOAD
        self._next = {Side.client: _CLIENT_ISN, Side.server: _SERVER_ISN}
        self._ident = {Side.client: 1, Side.server: 1}

    def _packet(self, sender: Side, flags: TcpFlags, payload: bytes = b"") -> bytes:
        client = sender is Side.client
        ident = self._ident[sender]
        self._ident[sender] = ident + 1
        ends = self.endpoints
        packet = build_ipv4_tcp(
            src=ends.client if client else ends.server,
            sport=ends.client_port if client else ends.server_port,
            dst=ends.server if client else ends.client,
            dport=ends.server_port if client else ends.client_port,
            seq=self._next[sender],
            ack=self._next[sender.peer] if flags & TcpFlags.ACK else 0,
            flags=flags,
            payload=payload,
            ident=ident,
        )
        # SYN and FIN each take one sequence number (RFC 9293 §3.4).
        used = len(payload) + (1 if flags & (TcpFlags.SYN | TcpFlags.FIN) else 0)
        self._next[sender] = (self._next[sender] + used) & 0xFFFFFFFF
        return packet

    def open(self) -> Iterator[bytes]:
        """SYN, SYN-ACK, ACK."""
        yield self._packet(Side.client, TcpFlags.SYN)
        yield self._packet(Side.server, TcpFlags.SYN | TcpFlags.ACK)
        yield self._packet(Side.client, TcpFlags.ACK)

    def send(self, sender: Side, data: bytes) -> Iterator[bytes]:
        """The segments carrying ``data`` from ``sender``: one, unless it is too large."""
        step = self.segment_size
        for start in range(0, len(data), step):
            yield self._packet(sender, TcpFlags.PSH | TcpFlags.ACK, data[start : start + step])

    def close(self) -> Iterator[bytes]:
        """FIN from the client, FIN from the server, and the client's last ACK."""
        yield self._packet(Side.client, TcpFlags.FIN | TcpFlags.ACK)
        yield self._packet(Side.server, TcpFlags.FIN | TcpFlags.ACK)
        yield self._packet(Side.client, TcpFlags.ACK)
