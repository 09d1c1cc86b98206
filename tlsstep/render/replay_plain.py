"""``tlsstep replay``'s scenario view as plain text, for a pipe (issue 14).

On a pipe :func:`tlsstep.render.out.emit` writes each line of
:func:`tlsstep.render.replay.scenario_view` as its plain text; building those lines as
rich ``Text`` objects first (an append, a span and a control-code pass per piece) cost
about as much as decoding what they show. This writes the same text without them: the
same pieces (:func:`~tlsstep.render.record_text.record_plain`, ``step_text``,
``call_text``, ``data_preview``, ``escape``), stripped of the control characters rich
strips and of trailing blanks, as ``emit`` writes them. Only the default view (no
``-v``): events, records, checks. ``tests/test_replay_plain.py`` compares it with what
``emit`` writes for ``scenario_view`` on every bundled scenario and on hostile ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tlsstep.events import Op, Side
from tlsstep.render.layout import strip_trailing_blanks
from tlsstep.render.preview import call_text, data_preview
from tlsstep.render.record_text import direction_plain, record_plain, strip_controls
from tlsstep.render.scenario_results import step_text
from tlsstep.safe_text import escape

if TYPE_CHECKING:
    from tlsstep.outcome import Entry
    from tlsstep.scenario.result import ScenarioResult, StepReport


def scenario_plain(result: ScenarioResult) -> str:
    """:func:`~tlsstep.render.replay.scenario_view` (with events) as a pipe shows it."""
    sc = result.scenario
    lines = [f"━━ {escape(sc.name)}  {escape(sc.path)}  {result.status.upper()}"]
    if sc.description:
        lines.append(escape(sc.description, keep_newlines=True))
    if result.error is not None:
        lines.append(str(result.error))
    for report in result.steps:
        lines.extend(_step_lines(result, report))
    if result.skipped:
        lines.append(f"      ({result.skipped} later step(s) not run)")
    lines.append("")
    return strip_trailing_blanks(strip_controls("\n".join(lines) + "\n"))


def _step_lines(result: ScenarioResult, report: StepReport) -> Iterator[str]:
    outcome = report.outcome
    step = outcome.step
    head = f"step {outcome.index + 1:>2}  line {step.line or '?':<4} {step_text(step)}"
    if outcome.result is not None:
        head += f" → {outcome.result}"
    if step.expect and report.passed:
        head += "  ✓ as expected"
    yield head
    if outcome.problem:
        yield f"      cannot do this: {outcome.problem}"
    for wait in outcome.stalled:
        yield f"      stalled: {wait}"
    for entry in outcome.entries:
        for line in entry_plain(entry):
            yield "    " + line
    for m in report.mismatches:
        where = f"{result.scenario.path}:{m.line}" if m.line else result.scenario.path
        yield f"      ✗ {m.message}  ({where})"


def entry_plain(entry: Entry) -> Iterator[str]:
    """:func:`~tlsstep.render.terminal.entry_lines` (no ``-v``, data previewed) as plain
    text, before control characters are stripped."""
    e = entry.event
    head = f"{e.index + 1:>3}  "
    if e.op is Op.deliver:
        left = e.queued_to_server if e.side is Side.client else e.queued_to_client
        yield (
            f"{head}{direction_plain(e.side)}  {len(e.delivered)} bytes"
            + (f", {left} still queued" if left else "")
        )
        for r in entry.records:
            yield record_plain(r)
        return
    if e.op is Op.eof:
        yield f"{head}{direction_plain(e.side)}  end of stream (transport cut, no close_notify)"
        return
    if e.op is Op.tamper and e.resized is not None:
        before, after = e.resized
        yield f"{head}tamper {e.side} queue: {e.fault!r}  ({before} → {after} bytes)"
        return
    head += f"{call_text(e)} → {e.result}"
    if e.produced:
        head += f"   {len(e.produced)} bytes out"
    if e.data is not None:
        head += f"   read {len(e.data)} bytes: {data_preview(e.data)}"
    if e.written is not None:
        head += f"   wrote {e.written} bytes"
    yield head
    if e.note:
        yield f"       {e.note}"
    if e.error:
        err = f"       {e.error.exception}: {e.error.reason or e.error.message}"
        if e.error.alert_received:
            err += f"  (peer sent alert {e.error.alert_received})"
        yield err
        if e.error.verify_message:
            yield f"       verify error {e.error.verify_code}: {e.error.verify_message}"
