"""Both sides' states, as rich renderables and as JSON-ready dicts (same values)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from tlsstep.events import Side
from tlsstep.notes import Note
from tlsstep.render.plain_table import Grid
from tlsstep.states.machine import Move
from tlsstep.states.tracker import Derivation, SideState

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

Snapshot = Mapping[Side, SideState]


def state_text(state: SideState) -> Text:
    text = Text(str(state.state), style="tlsstep.key")
    if state.derived is Derivation.facts:
        text.append(" (from Python facts)", style="tlsstep.dim")
    elif state.derived is Derivation.messages:
        text.append(" (derived from the decoded bytes)", style="tlsstep.dim")
    return text


def states_line(snapshot: Snapshot, label: str | None = None) -> Text:
    """One line: ``⇒ client WAIT_SH, handshaking │ server START, not started``.

    A state found from Python's facts is marked ``[facts]``, one derived from the
    decoded bytes (no ``SSLContext._msg_callback``) ``[derived]``; states from
    OpenSSL's own report are unmarked.
    """
    line = Text(
        f"{label:<18}" if label else "     ⇒ ", style="tlsstep.key" if label else "tlsstep.dim"
    )
    return line.append_text(states_text(snapshot))


def states_text(snapshot: Snapshot) -> Text:
    """Both sides' states: ``client WAIT_SH, handshaking │ server START, not started``."""
    line = Text()
    for side in Side:
        s = snapshot[side]
        if side is Side.server:
            line.append(" │ ", style="tlsstep.dim")
        line.append(f"{side} ", style=f"tlsstep.{side}")
        line.append(str(s.state), style="tlsstep.key")
        if s.derived is Derivation.facts:
            line.append(" [facts]", style="tlsstep.dim")
        elif s.derived is Derivation.messages:
            line.append(" [derived]", style="tlsstep.dim")
        line.append(f", {s.python}", style="tlsstep.dim")
    return line


def states_table(snapshot: Snapshot) -> RenderableType:
    """Protocol state, Python-level state and queues of both sides."""
    from rich.console import Group
    from rich.table import Table

    table = Table(show_header=True, header_style="tlsstep.key", expand=False)
    table.add_column("")
    for side in Side:
        table.add_column(str(side), style=f"tlsstep.{side}", overflow="fold")
    c, s = snapshot[Side.client], snapshot[Side.server]
    version = c.version or s.version
    table.add_row(
        "protocol state" + (f" ({version.label})" if version else ""), state_text(c), state_text(s)
    )
    table.add_row("derived from", str(c.derived), str(s.derived))
    table.add_row("Python state", str(c.python), str(s.python))
    table.add_row("bytes queued to peer", str(c.queued), str(s.queued))
    table.add_row("bytes delivered, unread", str(c.unread), str(s.unread))
    table.add_row("last sent", c.sent[-1] if c.sent else "-", s.sent[-1] if s.sent else "-")
    table.add_row(
        "last received",
        c.received[-1] if c.received else "-",
        s.received[-1] if s.received else "-",
    )
    parts: list[RenderableType] = [table]
    for state in (c, s):
        if state.why:
            parts.append(Text(f"{state.side}: {state.why}", style="tlsstep.dim"))
        for problem in state.problems:
            parts.append(Text(problem, style="tlsstep.error"))
    return Group(*parts)


class Indented(Grid):
    """Lines under a mark in a 6-wide first column: on a terminal rich's grid, whose
    wrapped lines keep the indent; on a plain pipe the same text without importing
    ``rich.console`` and ``rich.table`` to lay it out (issue 14: the shell printed one
    after every command)."""

    def __init__(self) -> None:
        super().__init__(styles=(None, None))

    def rich_table(self) -> Table:
        from rich.table import Table

        table = Table.grid(padding=(0, self.padding))
        table.add_column(width=6, no_wrap=True)
        table.add_column()
        for row in self.rows:
            table.add_row(*row)
        return table


def notes_view(notes: Iterable[Note]) -> RenderableType:
    """Notes indented under the line they explain; wrapped lines keep the indent."""
    grid = Indented()
    for n in notes:
        text = Text(f"{n.key}: ", style="tlsstep.key")
        text.append(n.text)
        grid.add_row(Text("     ℹ", style="tlsstep.dim"), text)
    return grid


def moves_view(moves: Iterable[tuple[Side, Move]]) -> RenderableType:
    """What the messages did to the machines: ``client received ServerHello: WAIT_SH → WAIT_EE``."""
    from rich.console import Group

    lines = []
    for side, move in moves:
        item = move.input
        line = Text("     ↳ ", style="tlsstep.dim")
        line.append(f"{side} ", style=f"tlsstep.{side}")
        line.append(f"{item.direction} {item.message}: ")
        if move.problem:
            line.append(move.problem, style="tlsstep.error")
        elif move.transition is None:
            line.append(
                f"stays {move.source} (RFC 8446 Appendix D.4: ignored)", style="tlsstep.dim"
            )
        else:
            line.append(f"{move.source} → {move.target}", style="tlsstep.key")
            line.append(f"  ({move.transition.section})", style="tlsstep.dim")
        lines.append(line)
    return Group(*lines)


def moves_summary(moves: Iterable[tuple[Side, Move]]) -> RenderableType:
    """One wrapped line per side: the messages it took in, and the states they led through."""
    grid = Indented()
    for side in Side:
        mine = [m for s, m in moves if s is side]
        if not mine:
            continue
        text = Text(f"{side} ", style=f"tlsstep.{side}")
        groups: list[tuple[str, list[str]]] = []
        for m in mine:
            if groups and groups[-1][0] == m.input.direction:
                groups[-1][1].append(m.input.message)
            else:
                groups.append((str(m.input.direction), [m.input.message]))
        text.append("; ".join(f"{d} {', '.join(names)}" for d, names in groups))
        path = [str(mine[0].source)]
        for m in mine:
            if str(m.target) != path[-1]:
                path.append(str(m.target))
        text.append(": ")
        text.append(" → ".join(path), style="tlsstep.key")
        for m in mine:
            if m.problem:
                text.append(f" ({m.problem})", style="tlsstep.error")
        grid.add_row(Text("     ↳", style="tlsstep.dim"), text)
    return grid


def pause_view(
    what: Sequence[RenderableType], snapshot: Snapshot, next_line: str | None
) -> RenderableType:
    """What ``--step`` shows at a pause: what happened, the states, what comes next."""
    from rich.console import Group

    parts: list[RenderableType] = [*what, states_table(snapshot)]
    parts.append(
        Text(f"next: {next_line}", style="tlsstep.op")
        if next_line
        else Text("next: nothing, the run is over", style="tlsstep.dim")
    )
    return Group(*parts)
