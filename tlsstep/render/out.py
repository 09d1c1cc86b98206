"""Printing renderables: rich on a terminal, plain text on a pipe (issue 14).

Rich renders every line through its segment, style and wrapping machinery, about 40 µs
a line, which made piped output (a 10 MB shell write, a replay of every scenario) cost
more than the TLS work. On a pipe there are no styles to render, so a
:class:`~rich.text.Text` is written as its plain text (rich already stripped control
characters from it when it was built) and a :class:`~rich.console.Group` line by line;
anything else (tables, trees) still goes through rich. Lines are not wrapped at the
console's width on a pipe: the same content, and each line whole for grep.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.text import Text


def emit(console: Console, *renderables: RenderableType) -> None:
    """``console.print(*renderables)``, without rich's rendering when not on a terminal."""
    if console.is_terminal:
        console.print(*renderables)
        return
    for renderable in renderables:
        _emit(console, renderable)


def _emit(console: Console, renderable: RenderableType) -> None:
    if isinstance(renderable, Text):
        console.file.write(renderable.plain + "\n")
    elif isinstance(renderable, Group):
        for part in renderable.renderables:
            _emit(console, part)
    else:
        console.print(renderable)
