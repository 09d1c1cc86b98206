"""Pairs with a real peer on one side, made connection by connection for a session.

:class:`Dialer` is the ``pairs`` factory of a ``tlsstep connect`` session: each
connection (the first, and the one ``--resume`` makes) dials the server again, speaks
the STARTTLS preamble again, and pairs tlsstep's client (a local endpoint on the run's
one context, so that OpenSSL can resume its session) with the server behind the socket.
:class:`Acceptor` does the same for ``tlsstep serve``, one accepted client at a time.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from tlsstep.endpoint import LocalEndpoint
from tlsstep.errors import TlsstepError
from tlsstep.events import Side
from tlsstep.frozen import frozen
from tlsstep.net.carrier import Carrier
from tlsstep.net.connect_setup import ConnectSetup
from tlsstep.net.dial import Dialed, DialFailed, dial
from tlsstep.net.link import Link, NetRun, Role
from tlsstep.net.problems import NetProblem, NetProblemKind
from tlsstep.net.remote import SocketEndpoint
from tlsstep.pair import Pair

if TYPE_CHECKING:
    from tlsstep.net.starttls import Exchange


class NetworkFailure(TlsstepError):
    """A connection of the run could not be made; ``problem`` says why."""

    def __init__(self, problem: NetProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@frozen
class _Connection:
    carrier: Carrier
    remote: SocketEndpoint
    preamble: tuple[Exchange, ...]


class Dialer:
    """Dials ``setup.target`` for each connection of a session (see the module docstring)."""

    def __init__(self, setup: ConnectSetup, context: ssl.SSLContext) -> None:
        self.setup = setup
        self.context = context
        self.connections: list[_Connection] = []
        self.failed: DialFailed | None = None

    def dial(self) -> Dialed | DialFailed:
        setup = self.setup
        dialed = dial(
            setup.target,
            timeout=setup.timeout,
            starttls=setup.starttls,
            client_name=setup.sni or "tlsstep.invalid",
        )
        if isinstance(dialed, DialFailed):
            self.failed = dialed
        return dialed

    def __call__(self, number: int, session: ssl.SSLSession | None) -> Pair:
        """Connection ``number``'s pair: dial, then pair a new client with the server.

        Raises:
            NetworkFailure: the connection or its preamble failed.
        """
        dialed = self.dial()
        if isinstance(dialed, DialFailed):
            raise NetworkFailure(dialed.problem)
        local = LocalEndpoint(
            Side.client,
            self.context,
            server_hostname=self.setup.server_hostname,
            session=session,
        )
        remote = SocketEndpoint(
            Side.server,
            dialed.carrier,
            timeout=self.setup.timeout,
            peer_done=lambda: local.handshake_done,
            leftover=dialed.leftover,
        )
        self.connections.append(
            _Connection(carrier=dialed.carrier, remote=remote, preamble=dialed.preamble)
        )
        return Pair({Side.client: local, Side.server: remote}, connection=number)

    def problem(self, handshake_done: bool, tls_failed: bool = False) -> NetProblem | None:
        """The network failure that decides the run, if any (exit status 3).

        The first connection or preamble that failed; a peer that does not speak TLS;
        a broken connection; or, when the handshake neither finished nor failed in
        TLS (an alert, a certificate), the peer closing or a receive that timed out.
        """
        if self.failed is not None:
            return self.failed.problem
        for conn in self.connections:
            remote = conn.remote
            if remote.problem is not None:
                return remote.problem
            if handshake_done or tls_failed:
                continue
            if remote.closed:
                return NetProblem(
                    kind=NetProblemKind.closed,
                    during="the handshake",
                    where=conn.carrier.where,
                    detail=remote.arrived() if conn.carrier.received else "",
                )
            if remote.timed_out is not None:
                return remote.timed_out
        return None

    def net_run(self, handshake_done: bool, tls_failed: bool = False) -> NetRun:
        setup = self.setup
        return NetRun(
            role=Role.connect,
            target=str(setup.target),
            server_hostname=setup.server_hostname,
            sni=setup.sni,
            trust=setup.trust_source,
            starttls=setup.starttls,
            links=tuple(
                Link(
                    connection=number,
                    client=conn.carrier.local,
                    server=conn.carrier.remote,
                    preamble=conn.preamble,
                    client_bytes=conn.carrier.sent,
                    server_bytes=conn.carrier.received,
                )
                for number, conn in enumerate(self.connections, start=1)
            ),
            problem=self.problem(handshake_done, tls_failed),
            failed_preamble=self.failed.preamble if self.failed else (),
        )

    def close(self) -> None:
        for conn in self.connections:
            conn.carrier.close()


class Acceptor:
    """The ``pairs`` factory of one connection ``tlsstep serve`` accepted.

    tlsstep's server (a local endpoint) with the client behind ``carrier``. A served
    connection has one pair: resuming is the client's business, on a new connection.
    """

    def __init__(self, carrier: Carrier, context: ssl.SSLContext, *, timeout: float) -> None:
        self.carrier = carrier
        self.context = context
        self.timeout = timeout
        self.remote: SocketEndpoint | None = None

    def __call__(self, number: int, session: ssl.SSLSession | None) -> Pair:
        if self.remote is not None:
            raise TlsstepError(
                "a served connection cannot resume: the client resumes by connecting again"
            )
        local = LocalEndpoint(Side.server, self.context)
        self.remote = SocketEndpoint(
            Side.client,
            self.carrier,
            timeout=self.timeout,
            peer_done=lambda: local.handshake_done,
        )
        return Pair({Side.client: self.remote, Side.server: local}, connection=number)

    def net_run(self, listening: str, sni: str | None = None) -> NetRun:
        """The connection as a NetRun; ``sni``: the server name the client asked for."""
        carrier = self.carrier
        problem = self.remote.problem if self.remote is not None else None
        return NetRun(
            role=Role.serve,
            target=listening,
            sni=sni,
            links=(
                Link(
                    connection=1,
                    client=carrier.remote,
                    server=carrier.local,
                    client_bytes=carrier.received,
                    server_bytes=carrier.sent,
                ),
            ),
            problem=problem,
        )
