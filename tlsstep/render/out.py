"""Printing renderables: rich on a terminal, plain text on a pipe (issue 14).

Rich renders every line through its segment, style and wrapping machinery, about 40 µs
a line, which made piped output (a 10 MB shell write, a replay of every scenario) cost
more than the TLS work. On a pipe there are no styles to render, so a
:class:`~rich.text.Text` is written as its plain text (rich already stripped control
characters from it when it was built) and a group line by line; decoded-field trees are
laid out as rich would (tlsstep.render.plain_tree), and so are grids
(tlsstep.render.plain_table); anything else (tables) still goes through rich. Lines are
not wrapped at the console's width on a pipe: the same content, and each line whole for
grep.

Standard output that is a pipe without colour is a :class:`PipeOutput`: it makes a rich
console only for what rich must lay out, so a piped run that prints only lines and
grids never imports ``rich.console`` (a fifth of a piped ``tlsstep handshake``).
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from rich.text import Text

from tlsstep.render.layout import strip_trailing_blanks
from tlsstep.render.plain_table import Grid

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.measure import Measurement
    from rich.table import Table

# Console.is_terminal reads the environment on every call; a console's answer is fixed.
_terminal: weakref.WeakKeyDictionary[Console, bool] = weakref.WeakKeyDictionary()


class Lines:
    """Renderables one after another: rich's ``Group``, without importing
    ``rich.console`` to make one (printed on a console, it is a ``Group``)."""

    def __init__(self, *renderables: RenderableType) -> None:
        self.renderables = list(renderables)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        from rich.console import Group

        yield Group(*self.renderables)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.console import Group

        return Group(*self.renderables).__rich_measure__(console, options)


class PipeOutput:
    """Standard output (or ``file``) when it is neither a terminal nor coloured: what
    :func:`emit` writes as plain text goes straight to the file; a rich console (the
    one :func:`~tlsstep.render.console.make_console` makes for it) is made for the rest."""

    is_terminal = False

    def __init__(self, file: TextIO | None = None) -> None:
        self._file = file
        self._console: Console | None = None

    @property
    def file(self) -> TextIO:
        return sys.stdout if self._file is None else self._file  # read when printing

    @property
    def console(self) -> Console:
        if self._console is None:
            from tlsstep.render.console import make_console

            self._console = make_console(file=self._file)
        return self._console

    def print(self, *renderables: Any, **kwargs: Any) -> None:
        self.console.print(*renderables, **kwargs)


Output = Any  # a rich Console or a PipeOutput: both have .print, .file and .is_terminal


def output(file: TextIO | None = None) -> Output:
    """Where a command prints: a :class:`PipeOutput` when ``file`` (standard output by
    default) is not a terminal and nothing asks for colour, else the rich console."""
    from tlsstep.render.color import plain_pipe

    if plain_pipe(sys.stdout if file is None else file):
        return PipeOutput(file)
    from tlsstep.render.console import make_console

    return make_console(file=file)


def emit(console: Output, *renderables: RenderableType) -> None:
    """``console.print(*renderables)``, without rich's rendering when not on a terminal."""
    terminal = False
    if not isinstance(console, PipeOutput):
        known = _terminal.get(console)
        terminal = _terminal[console] = console.is_terminal if known is None else known
    if terminal:
        console.print(*renderables)
        return
    for renderable in renderables:
        _emit(console, renderable)


def _emit(console: Output, renderable: RenderableType) -> None:
    # A rich Group, Table or Padding is only made by a module that imported rich's; the
    # isinstance checks look for the class there rather than import it (issue 14).
    group = _rich_class("rich.console", "Group")
    if isinstance(renderable, Text):
        console.file.write(strip_trailing_blanks(renderable.plain + "\n"))
    elif isinstance(renderable, Lines) or (group and isinstance(renderable, group)):
        for part in _parts(renderable):
            _emit(console, part)
    elif isinstance(renderable, Grid) and (text := renderable.plain()) is not None:
        console.file.write(text)  # the summary and other grids, as rich lays them out
    elif (table := _rich_class("rich.table", "Table")) and isinstance(renderable, table):
        if not _renders_nothing(renderable):
            console.print(renderable)
    elif (padding := _rich_class("rich.padding", "Padding")) and isinstance(renderable, padding):
        from tlsstep.render.plain_tree import padded_trees_text

        rich_console = console.console if isinstance(console, PipeOutput) else console
        if text := padded_trees_text(rich_console, renderable):
            console.file.write(text)  # decoded fields (-v, -vv), as rich lays them out
        else:
            console.print(renderable)
    else:
        console.print(renderable)


def _parts(group: Any) -> Iterable[RenderableType]:
    parts: Iterable[RenderableType] = group.renderables
    return parts


def _rich_class(module: str, name: str) -> Any:
    """``module.name`` if rich's ``module`` is loaded, else None."""
    loaded = sys.modules.get(module)
    return getattr(loaded, name, None) if loaded is not None else None


def _renders_nothing(table: Table) -> bool:
    """A table with no rows, header, title or caption (an empty grid): rich prints nothing."""
    return (
        table.row_count == 0
        and not table.show_header
        and not table.show_footer
        and table.title is None
        and table.caption is None
    )
