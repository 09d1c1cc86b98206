"""How lines are laid out: hanging indents on a narrow terminal, no trailing blanks (issue 16 item 11).

A transcript line too wide for the terminal is wrapped so that its continuation lines
start under its text, never at column 0: ``  3  server.do_handshake() ...`` continues
under ``server``, ``     ↳ server received ...`` under ``server``, and a record line
(indented only by blanks) two columns deeper than the record, so the continuation is
not read as another record. Rich pads table cells and tree rows with blanks up to the
column's width; :func:`strip_trailing_blanks` takes them off every line written, on a
terminal as on a pipe, so nothing copied or piped ends in a space.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# A pipe is never wrapped (each line whole for grep): rich needs a width, so a wide one.
PIPE_WIDTH: Final = 1 << 20

# What a line's text is indented by: blanks, then a step number ("  3  ") or a marker
# ("↳ ", "⇒ ", "ℹ "). Continuation lines start where the text after it does.
_GUTTER: Final = re.compile(r" *(?:\d+ +|[↳⇒ℹ•→] +)?")
# A line indented by blanks alone continues this much deeper than its first line.
DEEPER: Final = 2
# Narrower than this after the indent, a hanging indent would only make more lines.
MIN_BODY: Final = 20

# Blanks at the end of a line, among the style changes rich writes around them (a padded
# cell is "→ ESC[0m ESC[1;35m␣␣␣␣ESC[0m": blanks on both sides of a style change).
_SGR_BODY: Final = re.compile(r"[0-9;]*")


def strip_trailing_blanks(rendered: str) -> str:
    """``rendered`` (text with SGR style sequences) without blanks at the end of its lines:
    each line that ends (before its newline) in blanks and style changes keeps the style
    changes only.

    Read from each line's end, so the work is the length of what is removed. (A regular
    expression for the blanks before a newline retried every run of padding inside a
    line to its end: a table padded to 80 columns took 70% of a piped ``handshake -vv``,
    issue 14.)"""
    if " \n" not in rendered and " \x1b[" not in rendered:
        return rendered
    lines = rendered.split("\n")
    for i in range(len(lines) - 1):  # the last piece has no newline after it
        line = lines[i]
        if line.endswith((" ", "m")):
            lines[i] = _strip_end(line)
    return "\n".join(lines)


def _strip_end(line: str) -> str:
    end = len(line)
    styles: list[str] = []
    while end:
        if line[end - 1] == " ":
            end -= 1
            continue
        start = line.rfind("\x1b[", 0, end) if line[end - 1] == "m" else -1
        if start < 0 or not _SGR_BODY.fullmatch(line, start + 2, end - 1):
            break
        styles.append(line[start:end])
        end = start
    return line[:end] + "".join(reversed(styles))


def hang_at(plain: str) -> tuple[int, int]:
    """(the indent of the line's text, the column its continuation lines start at)."""
    gutter = _GUTTER.match(plain)
    indent = gutter.end() if gutter else 0
    blanks_only = plain[:indent].strip() == ""
    return indent, indent + DEEPER if blanks_only else indent


def needs_hanging(text: Text, options: ConsoleOptions) -> bool:
    """Whether ``text`` would wrap here, as one indented line that a hanging indent helps."""
    if options.no_wrap or text.no_wrap or options.overflow == "ignore":
        return False
    if (text.justify or options.justify) not in (None, "default", "left"):
        return False
    plain = text.plain
    # Unindented text (prose, a table cell) wraps as a paragraph does.
    return plain.startswith(" ") and text.cell_len > options.max_width and "\n" not in plain


class Hanging:
    """One line of text wrapped with a hanging indent (see the module's docstring)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text, width = self.text, options.max_width
        indent, hang = hang_at(text.plain)
        if width - hang < MIN_BODY:
            hang = indent = 0
        head, body = text[:indent], text[indent:]
        lines = body.wrap(console, width - hang, overflow="fold", no_wrap=False)
        last = len(lines) - 1
        for number, line in enumerate(lines):
            line.rstrip()
            prefix = head if number == 0 else Text(" " * hang)
            # The text's own end (print(..., end="")) after its last line only.
            yield from Text.assemble(prefix, line).render(
                console, end=text.end if number == last else "\n"
            )
