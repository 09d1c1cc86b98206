"""The console every view prints to: rich, made safe for data from outside.

Apart from render/terminal.py so that a command whose output goes to a pipe
(``tlsstep decode``) can ask whether it is on a terminal without loading the run's
renderables and, through them, the session (issue 14).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TextIO

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from tlsstep.render.color import chosen, is_terminal, wants_color
from tlsstep.render.layout import PIPE_WIDTH, Hanging, needs_hanging, strip_trailing_blanks
from tlsstep.render.theme import theme
from tlsstep.safe_text import escape_for_terminal


class SafeConsole(Console):
    """A Console that never sends a control character from data to the terminal and
    never reads markup in a string (issue 17 items 8-9): views build ``Text`` from
    escaped strings (tlsstep.safe_text), and this is the net under them. Escape
    sequences rich makes for styles and cursor moves are written as usual.

    It also lays lines out (issue 16 item 11, render/layout.py): a line of text too wide
    for the terminal wraps with a hanging indent, and no line written ends in a blank."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        # A string cell (a table's, a tree's) is escaped before it is measured.
        return super().render_str(escape_for_terminal(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        if isinstance(renderable, Text) and needs_hanging(renderable, options or self.options):
            renderable = Hanging(renderable)
        return super().render(renderable, options)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return strip_trailing_blanks(
            super()._render_buffer(
                segment
                if segment.control
                else Segment(escape_for_terminal(segment.text), segment.style, segment.control)
                for segment in buffer
            )
        )


def make_console(
    *, width: int | None = None, color: bool | None = None, file: TextIO | None = None
) -> Console:
    """The console every view is printed on.

    Args:
        width: the width to lay out at; by default the terminal's, or on a pipe
            :data:`PIPE_WIDTH` (nothing wrapped).
        color: whether to write styles; by default as ``--color``, NO_COLOR and
            FORCE_COLOR decide (render/color.py).
        file: where to write (standard output, read when printing, by default).
    """
    terminal = is_terminal(sys.stdout if file is None else file)
    if color is None:
        color = wants_color(chosen(), os.environ, terminal=terminal)
    return SafeConsole(
        markup=False,  # data is never markup: '[/]' or '[link=...]' in a name stays text
        # nor an emoji code: ':lock:' in a name stays text (and rich's 3,600-entry emoji
        # table is not loaded for a table cell, issue 14)
        emoji=False,
        theme=theme(),  # type: ignore[arg-type]
        width=width if width is not None or terminal else PIPE_WIDTH,
        # Styles on a pipe need rich to think it writes to a terminal; the width above
        # still lays it out as a pipe.
        force_terminal=terminal or color,
        color_system=_color_system(os.environ) if color else None,
        no_color=not color,
        highlight=False,
        file=file,
        soft_wrap=False,
    )


def _color_system(environ: Mapping[str, str]) -> Literal["truecolor", "256", "standard"]:
    """The richest colours the terminal says it has; plain ANSI colours if it says nothing
    (``--color always`` on a pipe or a ``TERM=dumb`` terminal)."""
    if environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    if "256" in environ.get("TERM", ""):
        return "256"
    return "standard"
