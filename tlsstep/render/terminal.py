"""Rich renderables for a run. Reads the same values as render/json.py; changes none.

Lines are rich ``Text``; groups of them are :class:`~tlsstep.render.out.Lines` and the
summary a :class:`~tlsstep.render.plain_table.Grid`, which a pipe writes without
importing ``rich.console`` or ``rich.table`` (issue 14).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from rich.text import Span, Text

from tlsstep.decode import RecordView
from tlsstep.events import Op, Result, Side, SideFacts
from tlsstep.outcome import Entry
from tlsstep.render.out import Lines
from tlsstep.render.plain_table import Grid
from tlsstep.render.preview import call_text, data_preview
from tlsstep.render.record_text import ARROW, record_parts
from tlsstep.subject import peercert_subject
from tlsstep.summary import Summary

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from tlsstep.run_report import RunReport


def make_console(
    *, width: int | None = None, color: bool | None = None, file: TextIO | None = None
) -> Console:
    """render/console.py's :func:`~tlsstep.render.console.make_console`, where the views
    have always found it (imported when called: a piped run makes none)."""
    from tlsstep.render.console import make_console as make

    return make(width=width, color=color, file=file)


# What rich strips from text (rich.control.STRIP_CONTROL_CODES), as one search.
_has_control = re.compile("[\x07\x08\x0b\x0c\x0d]").search


def side_text(side: Side) -> Text:
    return Text(str(side), style=f"tlsstep.{side}")


def direction(sender: Side) -> Text:
    """Client always on the left: ``client ──▶ server`` or ``client ◀── server``."""
    text = side_text(Side.client)
    text.append(f" {ARROW[sender]} ", style="")
    text.append_text(side_text(Side.server))
    return text


def result_text(result: Result) -> Text:
    style = {
        Result.done: "tlsstep.done",
        Result.want_read: "tlsstep.want",
        Result.closed: "tlsstep.closed",
        Result.error: "tlsstep.error",
        Result.stalled: "tlsstep.stalled",
    }[result]
    return Text(str(result), style=style)


def record_line(view: RecordView) -> Text:
    """One record, styled (see :func:`record_parts`)."""
    parts = record_parts(view)
    whole = "".join([text for text, _ in parts])
    if _has_control(whole):  # rich strips them from each part: let it
        line = Text()
        for text, style in parts:
            line.append(text, style=style or None)
        return line
    # The same Text built at once: one Text and a span per styled part, instead of an
    # append (and its control-code pass) per part; a shell prints a line per record.
    line = Text(whole)
    start = 0
    for text, style in parts:
        end = start + len(text)
        if style and end > start:
            line.spans.append(Span(start, end, style))
        start = end
    return line


def entry_lines(
    entry: Entry, verbosity: int = 0, *, full_data: bool = False
) -> Iterator[RenderableType]:
    """One event's lines. Bulk data is previewed (render/preview.py) unless ``full_data``
    or ``verbosity`` >= 2."""
    full_data = full_data or verbosity >= 2
    e = entry.event
    head = Text(f"{e.index + 1:>3}  ", style="tlsstep.dim")
    if e.op is Op.deliver:
        head.append_text(direction(e.side))
        head.append(f"  {len(e.delivered)} bytes")
        left = e.queued_to_server if e.side is Side.client else e.queued_to_client
        if left:
            head.append(f", {left} still queued", style="tlsstep.dim")
        yield head
        for r in entry.records:
            yield record_line(r)
            if verbosity >= 1:  # -v: decoded fields; -vv: with their bytes
                from tlsstep.render.wire_view import record_fields

                yield record_fields(r, show_bytes=verbosity >= 2)
        return
    if e.op is Op.eof:
        head.append_text(direction(e.side))
        head.append("  end of stream (transport cut, no close_notify)")
        yield head
        return
    if e.op is Op.tamper and e.resized is not None:
        before, after = e.resized
        head.append("tamper ", style="tlsstep.alert")
        head.append_text(side_text(e.side))
        head.append(f" queue: {e.fault!r}  ({before} → {after} bytes)")
        yield head
        return
    head.append(call_text(e, full=full_data), style="tlsstep.op")
    head.append(" → ")
    head.append_text(result_text(e.result))
    if e.produced:
        head.append(f"   {len(e.produced)} bytes out", style="tlsstep.dim")
    if e.data is not None:
        head.append(f"   read {len(e.data)} bytes: {data_preview(e.data, full=full_data)}")
    if e.written is not None:
        head.append(f"   wrote {e.written} bytes")
    yield head
    if e.note:
        yield Text(f"       {e.note}", style="tlsstep.dim")
    if e.error:
        err = Text("       ", style="tlsstep.error")
        err.append(
            f"{e.error.exception}: {e.error.reason or e.error.message}", style="tlsstep.error"
        )
        if e.error.alert_received:
            err.append(f"  (peer sent alert {e.error.alert_received})", style="tlsstep.alert")
        yield err
        if e.error.verify_message:
            yield Text(
                f"       verify error {e.error.verify_code}: {e.error.verify_message}",
                style="tlsstep.error",
            )


def transcript(
    entries: Iterable[Entry], verbosity: int = 0, *, full_data: bool = False
) -> RenderableType:
    lines: list[RenderableType] = []
    connection = 0
    for entry in entries:
        if entry.event.connection != connection:
            connection = entry.event.connection
            title = "connection 1" if connection == 1 else f"connection {connection} (resuming)"
            lines.append(Text(title, style="tlsstep.key"))
        lines.extend(entry_lines(entry, verbosity, full_data=full_data))
    return Lines(*lines)


def summary_table(summary: Summary, states: Text | None = None) -> RenderableType:
    """The run's outcome, one labelled row each; ``states`` (both sides' final states) is
    the last row, so its label lines up with the others whatever their width."""
    table = Grid(styles=("tlsstep.key", None), padding=2)
    verdict = {
        "done": Text("handshake complete", style="tlsstep.ok"),
        "failed": Text("handshake failed", style="tlsstep.fail"),
        "stalled": Text("stalled: neither side can go on", style="tlsstep.fail"),
        "incomplete": Text("handshake not complete", style="tlsstep.fail"),
    }[summary.result]
    table.add_row("result", verdict)
    for wait in summary.waits:
        table.add_row("waiting", Text(str(wait), style="tlsstep.error"))
    for failure in summary.failures:
        err = failure.error
        why = err.verify_message or err.reason or err.message
        table.add_row(
            f"{failure.side} error", Text(f"{err.exception}: {why}", style="tlsstep.error")
        )
    for problem in summary.problems:
        table.add_row("problem", Text(problem, style="tlsstep.error"))
    table.add_row("version", summary.version or "-")
    table.add_row("cipher", summary.cipher or "-")
    table.add_row("ALPN", summary.alpn or "-")
    table.add_row("server name", summary.server_name or "-")
    table.add_row("session reused", "yes" if summary.session_reused else "no")
    table.add_row("peer certificate", summary.client_peer_subject or "-")
    if summary.peer_names:
        table.add_row("peer names", ", ".join(summary.peer_names))
    if summary.server_peer_subject:
        table.add_row("client certificate", summary.server_peer_subject)
    if summary.connections > 1:
        table.add_row("connections", str(summary.connections))
    if states is not None:
        table.add_row("states", states)
    return table


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def facts_table(client: SideFacts, server: SideFacts, *, full: bool = False) -> RenderableType:
    """Every SSLObject method and property, side by side."""
    from rich.table import Table

    table = Table(
        title="SSLObject facts", show_header=True, header_style="tlsstep.key", expand=False
    )
    table.add_column("method / property", style="tlsstep.key")
    table.add_column("client", overflow="fold")
    table.add_column("server", overflow="fold")

    def row(name: str, c: object, s: object) -> None:
        table.add_row(name, _fmt(c), _fmt(s))

    row("server_side", client.server_side, server.server_side)
    row("server_hostname", client.server_hostname, server.server_hostname)
    row("version()", client.version, server.version)
    row(
        "cipher()",
        " ".join(map(str, client.cipher or ())) or None,
        " ".join(map(str, server.cipher or ())) or None,
    )
    row("compression()", client.compression, server.compression)
    row("selected_alpn_protocol()", client.selected_alpn_protocol, server.selected_alpn_protocol)
    row("selected_npn_protocol()", client.selected_npn_protocol, server.selected_npn_protocol)
    row("session_reused", client.session_reused, server.session_reused)
    row("pending()", client.pending, server.pending)
    row(
        "getpeercert() subject",
        peercert_subject(client.peer_certificate),
        peercert_subject(server.peer_certificate),
    )
    row(
        "getpeercert(binary_form=True)",
        f"{len(client.peer_certificate_der)} bytes DER" if client.peer_certificate_der else None,
        f"{len(server.peer_certificate_der)} bytes DER" if server.peer_certificate_der else None,
    )

    def shared(f: SideFacts) -> str | None:
        if f.shared_ciphers is None:
            return None
        names = [c[0] for c in f.shared_ciphers]
        return ", ".join(names) if full else f"{len(names)} suites ({', '.join(names[:3])}, ...)"

    row("shared_ciphers()", shared(client), shared(server))
    row(
        "get_channel_binding()",
        client.channel_binding or client.channel_binding_note,
        server.channel_binding or server.channel_binding_note,
    )

    def sess(f: SideFacts) -> str | None:
        if f.session is None:
            return None
        s = f.session
        return f"id {s.id[:16]}…, ticket {'yes' if s.has_ticket else 'no'}, lifetime {s.ticket_lifetime_hint}s"

    row("session", sess(client), sess(server))
    row(
        "context",
        f"{client.context_protocol}, verify {client.context_verify_mode}",
        f"{server.context_protocol}, verify {server.context_verify_mode}",
    )
    row(
        "context versions",
        f"{client.context_minimum_version} .. {client.context_maximum_version}",
        f"{server.context_minimum_version} .. {server.context_maximum_version}",
    )
    for name, why in client.unavailable:
        row(f"{name}()", f"unavailable: {why}", f"unavailable: {why}")
    if not client.unavailable:
        row(
            "get_verified_chain()",
            f"{len(client.verified_chain or ())} certs",
            f"{len(server.verified_chain or ())} certs",
        )
        row(
            "get_unverified_chain()",
            f"{len(client.unverified_chain or ())} certs",
            f"{len(server.unverified_chain or ())} certs",
        )
    return table


def report_view(
    report: RunReport, *, verbosity: int = 0, full_data: bool = False, states: Text | None = None
) -> RenderableType:
    """The whole terminal output of a run: its transcript, summary (``states`` in its last
    row, so the label column holds it) and (-v) facts."""
    parts: list[RenderableType] = [
        transcript(report.entries, verbosity, full_data=full_data),
        Text(""),
        summary_table(report.summary, states),
    ]
    if verbosity >= 1:
        facts = report.facts
        parts += [
            Text(""),
            facts_table(facts[Side.client], facts[Side.server], full=verbosity >= 2),
        ]
    return Lines(*parts)
