"""A piped text shell imports only what it prints with (issue 14: its 10 MB write peaked
over 60 MB, and rich's console and table, and the JSON writers, were 3 MB of it); the
indented grid it prints after each step is what rich's grid printed, on a pipe and on a
terminal."""

from __future__ import annotations

import io

import pytest
from rich.table import Table
from rich.text import Text

from tests.helpers import modules_loaded
from tlsstep.render.console import make_console
from tlsstep.render.out import PipeOutput, emit
from tlsstep.render.states_view import Indented


def loaded_by(lines: str, *args: str) -> tuple[set[str], str]:
    """The modules a piped ``tlsstep shell ARGS`` fed ``lines`` has imported, and its output."""
    return modules_loaded("--color", "never", "shell", *args, input=lines)


HEAVY = {"rich.console", "rich.table", "tlsstep.render.json"}


def test_a_piped_text_shell_loads_no_rich_console_table_or_json_writer() -> None:
    script = "handshake\nwrite client data=ab repeat=20000\ndeliver client\nread server\n"
    loaded, out = loaded_by(script, "--explain")
    assert "↳ client sent ClientHello; received ServerHello" in out  # the moves
    assert "ℹ want read: OpenSSL cannot go on" in out  # --explain's notes
    assert "read 16384 bytes" in out
    assert not HEAVY & loaded
    # what needs them still loads them: a table, JSON
    assert "rich.table" in loaded_by(script + "show state\n")[0]
    assert "tlsstep.render.json" in loaded_by(script, "--json")[0]


def _rich_grid(rows: list[tuple[Text, Text]]) -> Table:
    """The grid moves_summary and notes_view made before (the reference)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=6, no_wrap=True)
    grid.add_column()
    for row in rows:
        grid.add_row(*row)
    return grid


ROWS = [
    [],
    [(Text("     ↳", style="tlsstep.dim"), Text("client sent ClientHello: START → WAIT_SH"))],
    [
        (Text("     ↳", style="tlsstep.dim"), Text("server " + "received Finished, " * 20)),
        (Text("     ℹ", style="tlsstep.dim"), Text("wide 😀 characters ✓ and – dashes")),
    ],
    [(Text("     ↳"), Text("two\nlines"))],  # not laid out here: rich does it
    [(Text("     ↳"), Text("an escape \x1b[31m stays escaped"))],
]


@pytest.mark.parametrize("rows", ROWS)
def test_the_indented_grid_prints_as_rich_grid_did(rows: list[tuple[Text, Text]]) -> None:
    grid = Indented()
    for row in rows:
        grid.add_row(*row)
    # a plain pipe: as rich printed the old grid there
    piped, reference = io.StringIO(), io.StringIO()
    emit(PipeOutput(piped), Text("before"), grid, Text("after"))
    emit(make_console(file=reference), Text("before"), _rich_grid(rows), Text("after"))
    assert piped.getvalue() == reference.getvalue()
    # a terminal, narrow enough to wrap: rich's own grid, the same
    for width in (12, 30, 100):
        ours, theirs = io.StringIO(), io.StringIO()
        make_console(file=ours, width=width, color=True).print(grid)
        make_console(file=theirs, width=width, color=True).print(_rich_grid(rows))
        assert ours.getvalue() == theirs.getvalue()
