"""Printing renderables: rich on a terminal, plain text on a pipe (issue 14).

Rich renders every line through its segment, style and wrapping machinery, about 40 µs
a line, which made piped output (a 10 MB shell write, a replay of every scenario) cost
more than the TLS work. On a pipe there are no styles to render, so a
:class:`~rich.text.Text` is written as its plain text (rich already stripped control
characters from it when it was built) and a :class:`~rich.console.Group` line by line;
decoded-field trees are laid out as rich would (tlsstep.render.plain_tree); anything else
(tables) still goes through rich. Lines are not wrapped at the
console's width on a pipe: the same content, and each line whole for grep.
"""

from __future__ import annotations

import weakref

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from tlsstep.render.layout import strip_trailing_blanks
from tlsstep.render.plain_tree import padded_trees_text

# Console.is_terminal reads the environment on every call; a console's answer is fixed.
_terminal: weakref.WeakKeyDictionary[Console, bool] = weakref.WeakKeyDictionary()


def emit(console: Console, *renderables: RenderableType) -> None:
    """``console.print(*renderables)``, without rich's rendering when not on a terminal."""
    terminal = _terminal.get(console)
    if terminal is None:
        terminal = _terminal[console] = console.is_terminal
    if terminal:
        console.print(*renderables)
        return
    for renderable in renderables:
        _emit(console, renderable)


def _emit(console: Console, renderable: RenderableType) -> None:
    if isinstance(renderable, Text):
        console.file.write(strip_trailing_blanks(renderable.plain + "\n"))
    elif isinstance(renderable, Group):
        for part in renderable.renderables:
            _emit(console, part)
    elif isinstance(renderable, Table) and _renders_nothing(renderable):
        pass
    elif isinstance(renderable, Padding) and (text := padded_trees_text(console, renderable)):
        console.file.write(text)  # decoded fields (-v, -vv), as rich lays them out
    else:
        console.print(renderable)


def _renders_nothing(table: Table) -> bool:
    """A table with no rows, header, title or caption (an empty grid): rich prints nothing."""
    return (
        table.row_count == 0
        and not table.show_header
        and not table.show_footer
        and table.title is None
        and table.caption is None
    )
