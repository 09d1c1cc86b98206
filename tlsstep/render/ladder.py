"""The conversation as a ladder (sequence chart): client | server, one arrow per record.

:func:`build_ladder` turns session entries into plain values (:class:`Ladder`);
:func:`ladder_view` draws them in the terminal, :func:`ladder_svg` and
:func:`ladder_html` write them for slides and documents. The SVG is written by hand
(no new dependency): lifelines, one arrow per record crossing, grouped by flight
(RFC 8446 §2: a flight is what one side sends before it waits for the other),
encrypted records drawn dashed with a lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from xml.sax.saxutils import quoteattr as _quoteattr

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.text import Text

from tlsstep.decode import RecordView
from tlsstep.events import Op, Result, Side
from tlsstep.frozen import frozen
from tlsstep.outcome import Entry
from tlsstep.render.json import application_data
from tlsstep.safe_text import escape as _controls
from tlsstep.safe_text import xml as escape
from tlsstep.states.tracker import Derivation, Tracker
from tlsstep.wire.enums import ContentType


def quoteattr(text: str) -> str:
    """An XML attribute value; control characters from data escaped first."""
    return _quoteattr(_controls(text))


SVG_NS: Final = "http://www.w3.org/2000/svg"
LOCK: Final = "🔒"


@frozen
class Arrow:
    """One record that crossed."""

    sender: Side
    label: str
    encrypted: bool
    flight: int
    connection: int
    length: int
    kind: str  # the record's (inner, when known) content type name
    record_type: str = ""  # the header's (outer, on the wire) content type name; "": as kind

    @property
    def wire_type(self) -> str:
        """``application_data → handshake`` when the outer type hides the inner one."""
        outer = self.record_type or self.kind
        return outer if outer == self.kind else f"{outer} → {self.kind}"


@frozen
class Mark:
    """Something that happened on one side without crossing: an error, a tamper, a cut."""

    side: Side
    text: str
    kind: str  # "error" | "tamper" | "eof" | "closed"
    connection: int


@frozen
class States:
    """Protocol states written on the lifelines where they changed (None: unchanged).

    ``facts`` names the sides whose state came from Python-level facts, not messages.
    """

    client: str | None
    server: str | None
    connection: int
    facts: tuple[Side, ...] = ()

    def of(self, side: Side) -> str | None:
        return self.client if side is Side.client else self.server


Row = Arrow | Mark | States


@frozen
class Ladder:
    rows: tuple[Row, ...]
    title: str = "TLS conversation"

    @property
    def arrows(self) -> tuple[Arrow, ...]:
        return tuple(r for r in self.rows if isinstance(r, Arrow))


def record_label(view: RecordView) -> str:
    """What an arrow says: message names, the alert, data, or what is known of the record."""
    if view.messages:
        return ", ".join(m.name for m in view.messages)
    if view.alert is not None:
        return f"Alert {view.alert.level_name} {view.alert.description_name}"
    data = view.application_data
    if data is not None:
        shown = application_data(data)
        body = shown.get("text", shown.get("hex", ""))
        body = body if len(body) <= 24 else body[:21] + "..."
        return f"application data {body!r}"
    if view.record.content_type == ContentType.change_cipher_spec:
        return "ChangeCipherSpec"
    if view.protected:
        return f"{view.record.content_type_name} {view.record.length} B"
    return f"{view.record.content_type_name} {view.record.length} B"


def build_ladder(
    entries: Iterable[Entry],
    title: str = "TLS conversation",
    *,
    states: bool = True,
    use_openssl: bool = True,
) -> Ladder:
    """The ladder of ``entries``; with ``states``, each side's protocol state where it changes.

    The states come from a :class:`~tlsstep.states.tracker.Tracker` fed the same entries:
    every state a side passes through is marked, intermediate ones included, right after
    the call that moved it. Derived states (``use_openssl=False``, or a Python without
    ``SSLContext._msg_callback``) are moved on by the facts the events show.
    """
    rows: list[Row] = []
    flight, last_sender, connection = 0, None, 0
    tracker = Tracker(use_openssl=use_openssl)
    shown: dict[Side, str] = {}
    for entry in entries:
        e = entry.event
        if e.connection != connection:
            connection, last_sender, flight = e.connection, None, 0
            if states:
                shown = {side: "START" for side in Side}
                rows.append(States(client="START", server="START", connection=connection))
        if e.op is Op.tamper:
            rows.append(
                Mark(
                    side=e.side,
                    text=f"tampered: {e.fault!r}",
                    kind="tamper",
                    connection=connection,
                )
            )
        elif e.op is Op.eof:
            rows.append(
                Mark(
                    side=e.side.peer,
                    text="end of stream (transport cut)",
                    kind="eof",
                    connection=connection,
                )
            )
        elif e.result is Result.error and e.error is not None:
            why = e.error.reason or e.error.exception
            rows.append(Mark(side=e.side, text=f"✗ {why}", kind="error", connection=connection))
        elif e.result is Result.closed:
            rows.append(Mark(side=e.side, text="closed", kind="closed", connection=connection))
        for view in entry.records:
            if view.sender != last_sender:
                flight += 1
                last_sender = view.sender
            rows.append(
                Arrow(
                    sender=view.sender,
                    label=record_label(view),
                    encrypted=view.protected,
                    flight=flight,
                    connection=connection,
                    length=view.record.length,
                    kind=view.record.content_type_name
                    if view.inner_content_type is None
                    else _type_name(view.inner_content_type),
                    record_type=view.record.content_type_name,
                )
            )
        if states:
            rows.extend(_state_rows(tracker, entry, shown, connection))
    return Ladder(rows=tuple(rows), title=title)


def _state_rows(
    tracker: Tracker, entry: Entry, shown: dict[Side, str], connection: int
) -> list[States]:
    """A row for each state either side entered during ``entry``, in order."""
    rows: list[States] = []
    for side, move in tracker.follow([entry]):
        if str(move.target) != shown.get(side):
            shown[side] = str(move.target)
            state = shown[side]
            client, server = (state, None) if side is Side.client else (None, state)
            rows.append(States(client=client, server=server, connection=connection))
    # Derived states: Python's facts may move a side on where its messages were encrypted.
    now = {side: tracker.state(side) for side in Side}
    changed = {side: str(now[side][0]) for side in Side if str(now[side][0]) != shown.get(side)}
    if changed:
        shown.update(changed)
        rows.append(
            States(
                client=changed.get(Side.client),
                server=changed.get(Side.server),
                connection=connection,
                facts=tuple(s for s in changed if now[s][1] is Derivation.facts),
            )
        )
    return rows


def _type_name(value: int) -> str:
    from tlsstep.wire.enums import name_of

    return name_of(ContentType, value)


# -- terminal -------------------------------------------------------------------------


def _arrow_text(arrow: Arrow, inner: int) -> Text:
    label = f" {LOCK} {arrow.label} " if arrow.encrypted else f" {arrow.label} "
    body = inner - 1  # one cell for the head
    if cell_len(label) > body - 4:
        label = label[: body - 8] + "... "
    dashes = body - cell_len(label)
    left, right = dashes // 2, dashes - dashes // 2
    style = "tlsstep.protected" if arrow.encrypted else "tlsstep.message"
    line_style = f"tlsstep.{arrow.sender}"
    text = Text()
    if arrow.sender is Side.client:
        text.append("─" * left, style=line_style)
        text.append(label, style=style)
        text.append("─" * right + "▶", style=line_style)
    else:
        text.append("◀" + "─" * left, style=line_style)
        text.append(label, style=style)
        text.append("─" * right, style=line_style)
    return text


def _state_label(row: States, side: Side) -> str:
    name = row.of(side)
    if name is None:
        return ""
    return f"[{name}{'*' if side in row.facts else ''}]"


def _states_text(row: States, inner: int) -> Text:
    """State labels over the lifelines: client's from the left one, server's up to the right."""
    left, right = _state_label(row, Side.client), _state_label(row, Side.server)
    total = inner + 6  # the width of an arrow line up to and including the right lifeline
    if not left:
        left = "  │"
    gap = max(1, total - len(left) - len(right))
    if not right:
        right, gap = "│", max(1, total - len(left) - 1)
    text = Text(left, style="tlsstep.client" if left.startswith("[") else "")
    text.append(" " * gap)
    text.append(right, style="tlsstep.server" if right.startswith("[") else "")
    return text


def ladder_view(ladder: Ladder, width: int = 64) -> RenderableType:
    """The ladder as terminal lines; ``width`` is between the two lifelines' outsides."""
    inner = max(width - 6, 24)
    lines: list[Text] = []
    head = Text("client", style="tlsstep.client")
    head.append(" " * (inner - 4))  # "server" centred on the right lifeline
    head.append("server", style="tlsstep.server")
    lines.append(head)
    flight, connection = 0, 0
    for row in ladder.rows:
        if row.connection != connection:
            connection = row.connection
            if connection > 1:
                lines.append(Text(f"── connection {connection} (resuming) ──", style="tlsstep.key"))
        if isinstance(row, States):
            lines.append(_states_text(row, inner))
            continue
        line = Text("  │ ")
        if isinstance(row, Arrow):
            line.append_text(_arrow_text(row, inner))
            line.append(" │")
            if row.flight != flight:
                flight = row.flight
                line.append(f"  flight {flight}", style="tlsstep.dim")
        else:
            style = "tlsstep.error" if row.kind in ("error", "tamper") else "tlsstep.dim"
            note = row.text[: inner - 2]
            pad = inner - len(note)
            placed = note + " " * pad if row.side is Side.client else " " * pad + note
            line.append(placed, style=style)
            line.append(" │")
        lines.append(line)
    legend = Text(f"  {LOCK} = sent encrypted", style="tlsstep.dim")
    hidden = _hidden_types(ladder)
    if hidden:
        legend.append(f" (on the wire: {', '.join(hidden)})")
    if any(isinstance(r, States) and r.facts for r in ladder.rows):
        legend.append("   * = state from Python's facts (its messages are encrypted)")
    lines.append(legend)
    return Group(*lines)


def _hidden_types(ladder: Ladder) -> list[str]:
    """Each ``outer → inner`` pair of the encrypted records, once, in order of appearance."""
    return list(dict.fromkeys(a.wire_type for a in ladder.arrows if "→" in a.wire_type))


# -- SVG and HTML ---------------------------------------------------------------------

_W: Final = 720
_X: Final = {Side.client: 150, Side.server: 570}
_TOP: Final = 70
_ROW: Final = 30
_COLORS: Final = {Side.client: "#0b7285", Side.server: "#862e9c"}


def ladder_svg(ladder: Ladder) -> str:
    """A standalone SVG document of the ladder."""
    height = _TOP + _ROW * (len(ladder.rows) + 2) + 30
    out: list[str] = [
        f'<svg xmlns="{SVG_NS}" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="13">',
        f"<title>{escape(ladder.title)}</title>",
        "<defs>",
    ]
    for side, color in _COLORS.items():
        out.append(
            f'<marker id="head-{side}" viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{color}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect width="{_W}" height="{height}" fill="white"/>')
    out.append(
        f'<text x="{_W // 2}" y="24" text-anchor="middle" font-size="16" '
        f'font-weight="bold">{escape(ladder.title)}</text>'
    )
    bottom = height - 40
    for side, x in _X.items():
        out.append(
            f'<text x="{x}" y="52" text-anchor="middle" font-weight="bold" '
            f'fill="{_COLORS[side]}">{side}</text>'
        )
        out.append(
            f'<line x1="{x}" y1="{_TOP - 10}" x2="{x}" y2="{bottom}" stroke="#888" '
            'stroke-width="2"/>'
        )
    # Flight bands first, so arrows draw over them.
    y = _TOP
    bands: dict[tuple[int, int], list[int]] = {}
    connection = 0
    ys: list[int] = []
    for row in ladder.rows:
        if row.connection != connection:
            connection = row.connection
            if connection > 1:
                y += _ROW
        ys.append(y + _ROW // 2)
        if isinstance(row, Arrow):
            bands.setdefault((row.connection, row.flight), []).append(y)
        y += _ROW
    for (_conn, flight), rows_y in bands.items():
        top, end = min(rows_y), max(rows_y) + _ROW
        fill = "#f1f3f5" if flight % 2 else "#fff9db"
        out.append(
            f'<rect class="flight" x="20" y="{top + 2}" width="{_W - 40}" '
            f'height="{end - top - 4}" rx="4" fill="{fill}"/>'
        )
        out.append(f'<text x="26" y="{top + 18}" fill="#666" font-size="11">flight {flight}</text>')
    connection = 0
    for row, mid in zip(ladder.rows, ys, strict=True):
        if row.connection != connection:
            connection = row.connection
            if connection > 1:
                out.append(
                    f'<text x="{_W // 2}" y="{mid - _ROW + 4}" text-anchor="middle" '
                    f'font-weight="bold">connection {connection} (resuming)</text>'
                )
        if isinstance(row, Arrow):
            x1, x2 = _X[row.sender], _X[row.sender.peer]
            x2 += -6 if x2 > x1 else 6
            dash = ' stroke-dasharray="6 4"' if row.encrypted else ""
            color = _COLORS[row.sender]
            out.append(
                f'<line class="arrow" x1="{x1}" y1="{mid + 6}" x2="{x2}" y2="{mid + 6}" '
                f'stroke="{color}" stroke-width="1.6"{dash} marker-end="url(#head-{row.sender})"/>'
            )
            label = f"{LOCK} {row.label}" if row.encrypted else row.label
            style = ' font-style="italic"' if row.encrypted else ""
            out.append(
                f'<text x="{(_X[Side.client] + _X[Side.server]) // 2}" y="{mid + 1}" '
                f'text-anchor="middle"{style}>{escape(label)}'
                f"<title>{escape(row.wire_type)}</title></text>"
            )
        elif isinstance(row, States):
            for side in Side:
                name = row.of(side)
                if name is None:
                    continue
                name += "*" if side in row.facts else ""
                width = 7 * len(name) + 14
                x = _X[side]
                out.append(
                    f'<rect class="state" x="{x - width // 2}" y="{mid - 8}" width="{width}" '
                    f'height="20" rx="9" fill="white" stroke="{_COLORS[side]}"/>'
                )
                out.append(
                    f'<text x="{x}" y="{mid + 6}" text-anchor="middle" font-size="11" '
                    f'font-family="monospace" fill="{_COLORS[side]}">{escape(name)}</text>'
                )
        else:
            color = "#c92a2a" if row.kind in ("error", "tamper") else "#555"
            x = _X[row.side]
            anchor = "end" if row.side is Side.client else "start"
            x += -8 if row.side is Side.client else 8
            out.append(
                f'<text class="mark" x="{x}" y="{mid + 4}" text-anchor="{anchor}" '
                f'fill="{color}" font-size="12">{escape(row.text)}</text>'
            )
    hidden = _hidden_types(ladder)
    wire = f" (on the wire: {', '.join(hidden)})" if hidden else ""
    out.append(
        f'<text x="20" y="{height - 14}" fill="#666" font-size="11">'
        f"dashed, {LOCK}: encrypted record{escape(wire)} · bands: flights · boxes: protocol "
        "states (* from Python's facts)</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def ladder_html(ladder: Ladder) -> str:
    """A standalone HTML page with the SVG inline."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(ladder.title)}</title>\n"
        "<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em}"
        "figure{margin:0}</style>\n</head>\n<body>\n"
        f"<figure aria-label={quoteattr(ladder.title)}>\n{ladder_svg(ladder)}</figure>\n"
        "</body>\n</html>\n"
    )
