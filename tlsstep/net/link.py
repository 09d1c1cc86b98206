"""What a run with a real peer adds to the report: where it connected, and how.

Built once per run by the command from its carriers, and read by the JSON and
terminal renderers (``render/net_view``), so both say the same thing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tlsstep.cheap_enum import CheapEnumType
from tlsstep.frozen import frozen
from tlsstep.net.problems import NetProblem

if TYPE_CHECKING:
    from tlsstep.net.starttls import Exchange, StartTls


class Role(StrEnum, metaclass=CheapEnumType):
    connect = "connect"  # tlsstep is the client; the server is remote
    serve = "serve"  # tlsstep is the server; the client is remote


@frozen
class Link:
    """One TCP connection of the run (``--resume`` makes a second)."""

    connection: int
    client: tuple[str, int]  # address and port of the client's end
    server: tuple[str, int]
    preamble: tuple[Exchange, ...] = ()
    client_bytes: int = 0  # bytes the client sent on this connection
    server_bytes: int = 0


@frozen
class NetRun:
    """The network side of one run."""

    role: Role
    target: str  # HOST:PORT as connected to, or the address listened on
    server_hostname: str | None = None  # what the client checks the certificate against
    sni: str | None = None  # the server name the client sent (none for an IP address)
    trust: str | None = None  # where the client's trusted CAs came from
    starttls: StartTls | None = None
    links: tuple[Link, ...] = ()
    problem: NetProblem | None = None
    failed_preamble: tuple[Exchange, ...] = ()  # what crossed before a preamble failed
