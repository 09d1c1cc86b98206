"""Reaching a TLS server: the TCP connection, then the plaintext preamble if one is asked for.

Each connection of a ``tlsstep connect`` run (a ``--resume`` makes a second one) is
dialed the same way, so the second connection speaks the same preamble.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlsstep.frozen import frozen
from tlsstep.net.address import Target
from tlsstep.net.carrier import Carrier
from tlsstep.net.problems import NetProblem

if TYPE_CHECKING:
    from tlsstep.net.starttls import Exchange, StartTls


@frozen
class Dialed:
    """A connection ready for TLS: the carrier, the preamble that crossed, bytes after it."""

    carrier: Carrier
    preamble: tuple[Exchange, ...] = ()
    leftover: bytes = b""


@frozen
class DialFailed:
    """The connection or its preamble failed; what crossed before is kept."""

    problem: NetProblem
    preamble: tuple[Exchange, ...] = ()


def dial(
    target: Target,
    *,
    timeout: float,
    starttls: StartTls | None = None,
    client_name: str = "tlsstep.invalid",
) -> Dialed | DialFailed:
    """Connect to ``target`` and, with ``starttls``, talk the server into TLS."""
    opened = Carrier.open(target, timeout)
    if isinstance(opened, NetProblem):
        return DialFailed(problem=opened)
    if starttls is None:
        return Dialed(carrier=opened)
    from tlsstep.net.starttls import Preamble, run_preamble  # only with --starttls

    preamble = Preamble(starttls, client_name)
    problem = run_preamble(opened, preamble, timeout)
    if problem is not None:
        opened.close()
        return DialFailed(problem=problem, preamble=tuple(preamble.exchanges))
    return Dialed(carrier=opened, preamble=tuple(preamble.exchanges), leftover=preamble.leftover)
