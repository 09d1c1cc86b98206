"""The replay summary table: its cells once; on a pipe, written as rich lays it out.

``tlsstep replay`` ends with one row per scenario (render/replay.py's ``summary_table``
makes the rich ``Table``). On a pipe there are no styles, and importing ``rich.table``
and ``rich.console`` and running rich's measuring, wrapping and segment machinery for
every row cost more than some scenarios (issue 14). :func:`plain_summary` writes the
same characters: rich 13-15's default ``Table`` box (``HEAVY_HEAD``) with one cell of
padding each side, each column as wide as its widest cell (measured with rich's own
``cell_len``: wide characters take two cells), right-justified cells stripped of
trailing blanks first, and the console's escaping of control characters and its
stripping of trailing blanks. tests/test_replay_summary.py compares it with rich.

A shape it does not lay out returns None and rich renders it: a cell of several lines,
or a table wider than the console (rich would wrap it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from tlsstep.safe_text import escape, escape_for_terminal

if TYPE_CHECKING:
    from tlsstep.scenario.result import ScenarioResult

TITLE: Final = "replay"
HEADERS: Final = ("scenario", "steps", "ms", "result", "first problem")
RIGHT: Final = (False, True, True, False, False)  # the columns justified right
RESULT: Final = 3  # the column styled by status

Row = tuple[str, str, str, str, str]


def summary_rows(results: Sequence[ScenarioResult], invalid: Sequence[str]) -> list[Row]:
    """One row per scenario, then one per file that could not be loaded."""
    rows: list[Row] = []
    for r in results:
        first = ""
        if r.error is not None:
            first = str(r.error)
        elif r.mismatches:
            m = r.mismatches[0]
            first = f"{r.scenario.path}:{m.line}: {m.message}"
        rows.append(
            (
                escape(r.scenario.name),
                f"{len(r.steps)}/{len(r.scenario.steps)}",
                f"{r.seconds * 1000:.1f}",
                r.status,
                first,
            )
        )
    rows += [("-", "-", "-", "invalid", message) for message in invalid]
    return rows


def summary_total(results: Sequence[ScenarioResult], invalid: Sequence[str]) -> list[str]:
    """The totals line in parts (``passed``, ``failed``, ``invalid``, ``in``), "" where absent."""
    passed = sum(r.passed for r in results)
    failed = sum(r.status == "fail" for r in results)
    bad = sum(r.status == "invalid" for r in results) + len(invalid)
    return [
        f"{passed} passed",
        f", {failed} failed" if failed else "",
        f", {bad} invalid" if bad else "",
        f"  in {sum(r.seconds for r in results) * 1000:.0f} ms",
    ]


def plain_summary(
    results: Sequence[ScenarioResult], invalid: Sequence[str], max_width: int
) -> str | None:
    """The summary as rich prints it without colour on a console ``max_width`` wide,
    or None for a shape to leave to rich."""
    return plain_table(
        summary_rows(results, invalid), max_width, "".join(summary_total(results, invalid))
    )


def plain_table(rows: Sequence[Row], max_width: int, total: str) -> str | None:
    from rich.cells import cell_len  # rich's measure: the one thing to share with it

    if not rows:
        return None
    # The console escapes a string cell when it makes its Text (SafeConsole.render_str).
    cells = [HEADERS, *(tuple(escape_for_terminal(c) for c in row) for row in rows)]
    if any("\n" in c for row in cells for c in row):
        return None
    widths = [max(cell_len(row[i]) for row in cells) + 2 for i in range(len(HEADERS))]
    if sum(widths) + len(widths) + 1 > max_width:
        return None

    def line(row: Sequence[str], edge: str) -> str:
        out = []
        for cell, width, right in zip(row, widths, RIGHT, strict=True):
            if right:
                cell = cell.rstrip()  # rich's Lines.justify("right")
                out.append(" " * (width - 1 - cell_len(cell)) + cell + " ")
            else:
                out.append(" " + cell + " " * (width - 1 - cell_len(cell)))
        return edge + edge.join(out) + edge

    lines = [
        TITLE,
        "┏" + "┳".join("━" * w for w in widths) + "┓",
        line(HEADERS, "┃"),
        "┡" + "╇".join("━" * w for w in widths) + "┩",
        *(line(row, "│") for row in cells[1:]),
        "└" + "┴".join("─" * w for w in widths) + "┘",
        escape_for_terminal(total).rstrip(),
    ]
    return "\n".join(lines) + "\n"
