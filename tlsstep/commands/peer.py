"""A run with a real peer, shown: the one path of ``connect`` and ``serve``.

Both print where the connection goes, watch the run one operation at a time when asked
(each remote delivery shown once the local side has read it: ``DecryptLater``), drive
the plan, decode again with every secret known, and show the result through
:func:`tlsstep.commands.show.show_result` with the run's ``"network"`` object. A Ctrl-C
while waiting for the peer ends the run early, and what happened is shown all the same;
one that comes while the result is being shown waits for it to be shown whole (never
half a JSON line).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import click

from tlsstep.commands.options import View
from tlsstep.frozen import frozen

if TYPE_CHECKING:
    from tlsstep.net.link import NetRun
    from tlsstep.session import Session
    from tlsstep.steps import Step
    from tlsstep.summary import Summary


@frozen
class PeerRun:
    """How a run with a real peer ended."""

    summary: Summary | None  # None: quit at a --step pause, nothing shown
    net: NetRun
    interrupted: bool  # Ctrl-C cut it short (it was shown, and written, all the same)


def run_with_peer(
    session: Session,
    view: View,
    plan: Iterable[Step],
    *,
    network: Callable[[], NetRun],
    title: str,
    compact: bool = False,
) -> PeerRun:
    """Drive ``plan`` against the peer and show the run.

    Args:
        network: the run's network side as it is now (addresses, preamble, problem).
        title: the ladder's title.
        compact: one JSON line (``serve --json`` writes JSON Lines).
    """
    from tlsstep.commands.show import show_result, watch
    from tlsstep.net.live import DecryptLater
    from tlsstep.render.net_view import net_dict

    if not view.as_json:
        from tlsstep.render.net_view import link_lines
        from tlsstep.render.terminal import make_console

        make_console().print(link_lines(network()))
    watched = None
    if view.one_by_one or view.html_path:  # as handshake: the page shows states per step
        quiet = view.as_json or not view.one_by_one
        watched = watch(session, view, quiet=quiet, wrap=DecryptLater)
    elif not view.keylog:
        # Nothing reads the records before the run ends: decode them once, after it.
        # (--keylog is exported as secrets arrive, which decoding as bytes cross does.)
        session.decode_live = False
    interrupted = False
    try:
        if not session.drive(plan):  # q at a --step pause
            return PeerRun(summary=None, net=network(), interrupted=False)
    except KeyboardInterrupt:  # while waiting for the peer: show what happened so far
        interrupted = True
    with _sigint_after() as late:
        session.redecode()  # the peer's records, now that the local side logged the secrets
        net = network()
        summary = show_result(
            session,
            view,
            step_states=watched.log if watched is not None else None,
            extra={"network": net_dict(net)},
            title=title,
            compact=compact,
        )
    return PeerRun(summary=summary, net=net, interrupted=interrupted or late.pressed)


class _Pressed:
    pressed = False


@contextlib.contextmanager
def _sigint_after() -> Iterator[_Pressed]:
    """Hold a Ctrl-C until the block is done; say whether one came."""
    seen = _Pressed()

    def hold(_signum: int, _frame: Any) -> None:
        seen.pressed = True

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def write_pcap(path: str, runs: list[tuple[Session, NetRun]]) -> str:
    """Every run's connections in one pcapng file, with the real addresses, ports and the
    key log (tlsstep.net.capture); what was written, for the user.

    Raises:
        click.BadParameter: the file cannot be written.
    """
    from tlsstep.net.capture import write_runs_pcapng

    try:
        packets = write_runs_pcapng(path, runs)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write {path}: {exc.strerror}", param_hint="--pcap"
        ) from None
    return f"wrote {path}: {packets} packets"
