"""Rich renderables for ``tlsstep replay``: each scenario as ``handshake`` shows a run, then a table.

Reads :class:`~tlsstep.scenario.ScenarioResult` values only; ``--json`` is built
from the same values by :func:`tlsstep.render.scenario_results.result_dict`.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

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
    """One row per scenario (and per file that could not be loaded), then the totals."""
    table = Table(title="replay", header_style="tlsstep.key", title_justify="left")
    table.add_column("scenario")
    table.add_column("steps", justify="right")
    table.add_column("ms", justify="right")
    table.add_column("result")
    table.add_column("first problem", overflow="fold")
    for r in results:
        first = ""
        if r.error is not None:
            first = str(r.error)
        elif r.mismatches:
            m = r.mismatches[0]
            first = f"{r.scenario.path}:{m.line}: {m.message}"
        table.add_row(
            escape(r.scenario.name),
            f"{len(r.steps)}/{len(r.scenario.steps)}",
            f"{r.seconds * 1000:.1f}",
            Text(r.status, style=STATUS_STYLE[r.status]),
            first,
        )
    for message in invalid:
        table.add_row("-", "-", "-", Text("invalid", style="tlsstep.fail"), message)
    passed = sum(r.passed for r in results)
    failed = sum(r.status == "fail" for r in results)
    bad = sum(r.status == "invalid" for r in results) + len(invalid)
    total = Text(f"{passed} passed", style="tlsstep.ok" if passed else "")
    if failed:
        total.append(f", {failed} failed", style="tlsstep.fail")
    if bad:
        total.append(f", {bad} invalid", style="tlsstep.fail")
    total.append(f"  in {sum(r.seconds for r in results) * 1000:.0f} ms", style="tlsstep.dim")
    return Group(table, total)
