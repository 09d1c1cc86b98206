"""pcapng of runs with a real peer: each TCP connection with its real addresses and ports.

``connect --pcap`` writes one run (two connections with ``--resume``); ``serve --pcap``
every connection it served. The file holds the key log, so it is created 0600.
Addresses go in only for IPv4 (the writer builds IPv4 packets); an IPv6 connection
keeps the writer's synthetic addresses.
"""

from __future__ import annotations

from collections.abc import Sequence

from tlsstep.net.link import Link, NetRun
from tlsstep.pcap.tcp import FIRST_CLIENT_PORT, TcpEndpoints
from tlsstep.pcap.writer import PcapngWriter, session_deliveries, session_keylog
from tlsstep.secrets_dir import open_secret
from tlsstep.session import Session


def tcp_endpoints(link: Link | None) -> TcpEndpoints | None:
    if link is None or ":" in link.client[0] or ":" in link.server[0]:
        return None
    return TcpEndpoints(
        client=link.client[0],
        client_port=link.client[1],
        server=link.server[0],
        server_port=link.server[1],
    )


def write_runs_pcapng(path: str, runs: Sequence[tuple[Session, NetRun]]) -> int:
    """Write every connection of ``runs`` to ``path``; the number of packets.

    Raises:
        OSError: the file cannot be written.
    """
    with open_secret(path) as fh:  # 0600: it holds the key log
        writer = PcapngWriter(fh)
        keylog = session_keylog(runs[0][0]) if runs else None
        if keylog:
            writer.secrets(keylog)
        for number, (session, net) in enumerate(runs):
            links = {link.connection: link for link in net.links}
            for conn in session.connections:
                writer.connection(
                    session_deliveries(session, conn.number),
                    client_port=FIRST_CLIENT_PORT + number + conn.number - 1,
                    endpoints=tcp_endpoints(links.get(conn.number)),
                )
        return writer.packets
