"""The network part of a run (``tlsstep connect``/``serve``): JSON-ready dicts and rich lines.

Formats :class:`tlsstep.net.link.NetRun`; computes nothing. ``net_dict`` imports no
rich, so ``--json`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tlsstep.net.link import NetRun
from tlsstep.net.problems import NetProblem

if TYPE_CHECKING:
    from rich.console import RenderableType

    from tlsstep.net.starttls import Exchange


def _address(pair: tuple[str, int]) -> str:
    host, port = pair
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def problem_dict(problem: NetProblem | None) -> dict[str, Any] | None:
    if problem is None:
        return None
    return {
        "kind": problem.kind.name,
        "during": problem.during,
        "where": problem.where,
        "detail": problem.detail or None,
        "received": problem.received.hex() if problem.received else None,
        "looks_like": problem.looks_like,
        "message": problem.message,
    }


def exchange_dict(exchange: Exchange) -> dict[str, Any]:
    return {"direction": str(exchange.direction), "text": exchange.text}


def net_dict(run: NetRun) -> dict[str, Any]:
    """The ``"network"`` object of a run's JSON document."""
    return {
        "role": str(run.role),
        "target": run.target,
        "server_hostname": run.server_hostname,
        "sni": run.sni,
        "trust": run.trust,
        "starttls": str(run.starttls) if run.starttls else None,
        "connections": [
            {
                "connection": link.connection,
                "client": _address(link.client),
                "server": _address(link.server),
                "preamble": [exchange_dict(e) for e in link.preamble],
                "client_bytes": link.client_bytes,
                "server_bytes": link.server_bytes,
            }
            for link in run.links
        ],
        "failed_preamble": [exchange_dict(e) for e in run.failed_preamble] or None,
        "problem": problem_dict(run.problem),
    }


def preamble_lines(exchanges: tuple[Exchange, ...], *, remote: str) -> RenderableType:
    """Each line of a STARTTLS preamble as sent or received, control characters escaped."""
    from rich.console import Group
    from rich.text import Text

    from tlsstep.net.starttls import Direction

    lines: list[Text] = []
    for exchange in exchanges:
        sent = exchange.direction is Direction.sent
        arrow = "→" if sent else "←"
        who = "client" if sent else remote
        for part in exchange.text.split("\\r\\n") if "\\r\\n" in exchange.text else [exchange.text]:
            if not part:
                continue
            line = Text("  ")
            line.append(f"{arrow} ", style=f"tlsstep.{'client' if sent else 'server'}")
            line.append(f"{who:<7}", style="tlsstep.dim")
            line.append(part)
            lines.append(line)
    return Group(*lines)


def link_lines(run: NetRun) -> RenderableType:
    """Where the run connected (or listened), what it trusts, and each preamble."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = []
    for link in run.links:
        line = Text()
        line.append(f"connection {link.connection}: ", style="tlsstep.op")
        line.append(f"client {_address(link.client)} → server {_address(link.server)}")
        if run.role == "connect" and link.connection == 1:
            line.append(f"  (SNI: {run.sni or 'none'}", style="tlsstep.dim")
            line.append(f"; trust: {run.trust or '-'})", style="tlsstep.dim")
        parts.append(line)
        if link.preamble:
            parts.append(Text(f"  {run.starttls} preamble (plaintext):", style="tlsstep.dim"))
            parts.append(preamble_lines(link.preamble, remote="server"))
    if run.failed_preamble:
        parts.append(Text(f"  {run.starttls} preamble (plaintext):", style="tlsstep.dim"))
        parts.append(preamble_lines(run.failed_preamble, remote="server"))
    return Group(*parts)
