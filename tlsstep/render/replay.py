"""Rich renderables for ``tlsstep replay``: each scenario as ``handshake`` shows a run, then a table.

Reads :class:`~tlsstep.scenario.ScenarioResult` values only; ``--json`` is built
from the same values by :func:`tlsstep.render.scenario_results.result_dict`.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tlsstep.render.replay_summary import (
    HEADERS,
    RESULT,
    RIGHT,
    TITLE,
    summary_rows,
    summary_total,
)
from tlsstep.render.scenario_results import step_text
from tlsstep.render.terminal import entry_lines, result_text
from tlsstep.safe_text import escape
from tlsstep.scenario.result import Mismatch, ScenarioResult, StepReport

STATUS_STYLE = {"pass": "tlsstep.ok", "fail": "tlsstep.fail", "invalid": "tlsstep.fail"}


def mismatch_line(path: str, m: Mismatch) -> Text:
    where = f"{path}:{m.line}" if m.line else path
    line = Text("      ✗ ", style="tlsstep.fail")
    line.append(m.message, style="tlsstep.fail")
    line.append(f"  ({where})", style="tlsstep.dim")
    return line


def step_lines(result: ScenarioResult, report: StepReport, *, events: bool) -> Iterator[Text]:
    outcome = report.outcome
    step = outcome.step
    head = Text(f"step {outcome.index + 1:>2}", style="tlsstep.key")
    head.append(f"  line {step.line or '?':<4} ", style="tlsstep.dim")
    head.append(step_text(step), style="tlsstep.op")
    if outcome.result is not None:
        head.append(" → ")
        head.append_text(result_text(outcome.result))
    if step.expect:
        head.append("  ✓ as expected" if report.passed else "", style="tlsstep.ok")
    yield head
    if outcome.problem:
        yield Text(f"      cannot do this: {outcome.problem}", style="tlsstep.error")
    for wait in outcome.stalled:
        yield Text(f"      stalled: {wait}", style="tlsstep.error")
    if events:
        for entry in outcome.entries:
            for line in entry_lines(entry):
                yield Text("    ") + line
    for m in report.mismatches:
        yield mismatch_line(result.scenario.path, m)


def scenario_view(result: ScenarioResult, *, events: bool = True) -> RenderableType:
    """One scenario: title, description, every step with its events and failed checks."""
    sc = result.scenario
    title = Text("━━ ", style="tlsstep.dim")
    title.append(escape(sc.name), style="tlsstep.key")  # names come from files
    title.append(f"  {escape(sc.path)}  ", style="tlsstep.dim")
    title.append(result.status.upper(), style=STATUS_STYLE[result.status])
    lines: list[RenderableType] = [title]
    if sc.description:
        lines.append(Text(escape(sc.description, keep_newlines=True), style="tlsstep.dim"))
    if result.error is not None:
        lines.append(Text(str(result.error), style="tlsstep.error"))
    for report in result.steps:
        lines.extend(step_lines(result, report, events=events))
    if result.skipped:
        lines.append(Text(f"      ({result.skipped} later step(s) not run)", style="tlsstep.dim"))
    lines.append(Text(""))
    return Group(*lines)


def summary_table(results: list[ScenarioResult], invalid: list[str]) -> RenderableType:
    """One row per scenario (and per file that could not be loaded), then the totals
    (on a pipe, :func:`tlsstep.render.replay_summary.plain_summary` writes the same)."""
    table = Table(title=TITLE, header_style="tlsstep.key", title_justify="left")
    for header, right in zip(HEADERS, RIGHT, strict=True):
        if header == HEADERS[-1]:
            table.add_column(header, overflow="fold")
        else:
            table.add_column(header, justify="right" if right else "left")
    for row in summary_rows(results, invalid):
        status = Text(row[RESULT], style=STATUS_STYLE[row[RESULT]])
        table.add_row(*row[:RESULT], status, *row[RESULT + 1 :])
    passed, failed, bad, took = summary_total(results, invalid)
    total = Text(passed, style="tlsstep.ok" if not passed.startswith("0 ") else "")
    total.append(failed, style="tlsstep.fail")
    total.append(bad, style="tlsstep.fail")
    total.append(took, style="tlsstep.dim")
    return Group(table, total)
