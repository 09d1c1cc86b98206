"""The console every view prints to: rich, made safe for data from outside.

Apart from render/terminal.py so that a command whose output goes to a pipe
(``tlsstep decode``) can ask whether it is on a terminal without loading the run's
renderables and, through them, the session (issue 14).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from tlsstep.render.theme import theme
from tlsstep.safe_text import escape_for_terminal


class SafeConsole(Console):
    """A Console that never sends a control character from data to the terminal and
    never reads markup in a string (issue 17 items 8-9): views build ``Text`` from
    escaped strings (tlsstep.safe_text), and this is the net under them. Escape
    sequences rich makes for styles and cursor moves are written as usual."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        # A string cell (a table's, a tree's) is escaped before it is measured.
        return super().render_str(escape_for_terminal(text), **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment
            if segment.control
            else Segment(escape_for_terminal(segment.text), segment.style, segment.control)
            for segment in buffer
        )


def make_console(*, width: int | None = None, color: bool = True, file: object = None) -> Console:
    return SafeConsole(
        markup=False,  # data is never markup: '[/]' or '[link=...]' in a name stays text
        theme=theme(),  # type: ignore[arg-type]
        width=width,
        no_color=not color,
        highlight=False,
        file=file,  # type: ignore[arg-type]
        soft_wrap=False,
    )
