"""Grids of labelled values, written as plain text on a pipe as rich lays them out (issue 14).

A run's summary is a two-column ``Table.grid``. On a pipe there are no styles, yet
importing ``rich.console`` and ``rich.table`` to lay it out was a fifth of a piped
``tlsstep handshake`` (115 of 585 million instructions, callgrind). A :class:`Grid` holds
the cells; printed on a rich console (a terminal, a coloured pipe) it is the same
``Table.grid`` rich always drew, and on a plain pipe :meth:`Grid.plain` writes the
characters rich writes: each column as wide as its widest cell (measured with rich's own
``cell_len``: a wide character takes two cells) and the column's padding after it but
the last, as :class:`~tlsstep.render.console.SafeConsole` writes: a string cell escaped
before it is measured, no blank at the end of a line. tests/test_plain_table.py compares
the two, byte for byte.

A cell this module does not lay out (several lines, a tab, a control character in a
``Text`` cell, a ``Text`` justified other than left) makes :meth:`Grid.plain` return None,
and rich lays the grid out as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tlsstep.render.layout import strip_trailing_blanks
from tlsstep.safe_text import escape_for_terminal

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text


class Grid:
    """``Table.grid(padding=(0, padding))`` with one column per style in ``styles``."""

    def __init__(self, *, styles: Sequence[str | None], padding: int = 1) -> None:
        self.styles = tuple(styles)
        self.padding = padding
        self.rows: list[tuple[str | Text, ...]] = []

    def add_row(self, *cells: str | Text) -> None:
        self.rows.append(cells)

    def rich_table(self) -> Table:
        """The rich grid these cells make."""
        from rich.table import Table

        table = Table.grid(padding=(0, self.padding))
        for style in self.styles:
            table.add_column(style=style)
        for row in self.rows:
            table.add_row(*row)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Any]:
        yield self.rich_table()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return self.rich_table().__rich_measure__(console, options)

    def plain(self) -> str | None:
        """The grid as rich prints it without colour on a console too wide to wrap it
        (a pipe), or None for cells to leave to rich."""
        from rich.cells import cell_len  # rich's measure: the one thing to share with it

        columns = len(self.styles)
        rows: list[list[str]] = []
        for row in self.rows:
            texts = [_plain_cell(cell) for cell in row]
            if len(texts) > columns or any(text is None for text in texts):
                return None
            rows.append([t or "" for t in texts] + [""] * (columns - len(texts)))
        widths = [max((cell_len(row[i]) for row in rows), default=0) for i in range(columns)]
        gap = " " * self.padding
        lines = [
            gap.join(
                text + " " * (width - cell_len(text))
                for text, width in zip(row, widths, strict=True)
            )
            + "\n"
            for row in rows
        ]
        return strip_trailing_blanks("".join(lines))


def _plain_cell(cell: object) -> str | None:
    """A cell's text as rich lays it out on one line, or None."""
    if isinstance(cell, str):
        text = escape_for_terminal(cell)  # SafeConsole.render_str, before measuring
    else:
        plain = getattr(cell, "plain", None)  # a rich Text
        if not isinstance(plain, str) or getattr(cell, "justify", None) not in (
            None,
            "default",
            "left",
        ):
            return None
        if escape_for_terminal(plain) != plain:  # escaped after measuring: leave it to rich
            return None
        text = plain
    if "\n" in text or "\t" in text:
        return None
    return text
