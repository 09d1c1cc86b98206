"""render/plain_table.py writes a grid as rich lays it out on a pipe, byte for byte."""

from __future__ import annotations

import io

import pytest
from rich.text import Text

from tlsstep.render.out import PipeOutput, emit
from tlsstep.render.plain_table import Grid
from tlsstep.render.terminal import make_console

CELLS: list[str | Text] = [
    "",
    "-",
    "handshake complete",
    "x" * 5000,
    "日本語のサーバー名",  # wide: two cells each
    "🔒 locked",
    "e\u0301t\u0301e\u0301",  # combining accents: no cell of their own
    "\x1b[2Jcleared",  # escaped before it is measured
    "evil\u202eeulav",
    "a\ttab in a string cell",  # escaped too
    "[bold]markup[/] stays :lock: text",
    "trailing blanks   ",
    "   leading blanks",
    Text("handshake failed", style="tlsstep.fail"),
    Text("日本 wide", style="tlsstep.key"),
    Text(""),
    Text("spans ", style="tlsstep.dim").append("and more", style="tlsstep.ok"),
]


def rich_text(grid: Grid) -> str:
    out = io.StringIO()
    make_console(file=out, color=False).print(grid.rich_table())
    return out.getvalue()


def grid_of(rows: list[tuple[str | Text, ...]], *, columns: int = 2, padding: int = 2) -> Grid:
    grid = Grid(styles=["tlsstep.key", *[None] * (columns - 1)], padding=padding)
    for row in rows:
        grid.add_row(*row)
    return grid


@pytest.mark.parametrize("padding", [0, 1, 2, 3])
def test_every_cell_against_every_label(padding: int) -> None:
    labels = ["result", "peer certificate", "ALPN", "日本", "x"]
    rows: list[tuple[str | Text, ...]] = [
        (labels[i % len(labels)], cell) for i, cell in enumerate(CELLS)
    ]
    grid = grid_of(rows, padding=padding)
    assert grid.plain() == rich_text(grid)


@pytest.mark.parametrize("cell", CELLS, ids=range(len(CELLS)))
def test_each_cell_alone_and_in_three_columns(cell: str | Text) -> None:
    for grid in (
        grid_of([("label", cell)]),
        grid_of([(cell, "value")]),
        grid_of([(cell, "middle", cell), ("a", cell, "b")], columns=3, padding=1),
    ):
        assert grid.plain() == rich_text(grid)


def test_shapes_it_leaves_to_rich_still_print_as_rich_prints_them() -> None:
    """A cell of several lines, a tab, a control character inside a Text: no plain text;
    written through emit on a pipe, the output is rich's."""
    for cell in (
        "two\nlines",
        Text("a\ttab"),
        Text("bell\x1b[31m"),
        Text("right", justify="right"),
    ):
        grid = grid_of([("label", cell), ("peer certificate", "x")])
        assert grid.plain() is None
        out = io.StringIO()
        emit(PipeOutput(file=out), grid)
        assert out.getvalue() == rich_text(grid)


def test_an_empty_grid_prints_nothing() -> None:
    grid = grid_of([])
    assert grid.plain() == rich_text(grid) == ""
