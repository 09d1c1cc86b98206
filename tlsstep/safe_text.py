"""Strings from outside, made safe to show (issue 17 items 8-9; DESIGN.md "habits for safety").

A server name in a capture, a scenario's name, an ALPN protocol, an option's value
or a certificate subject may hold control characters: ``ESC[2J`` clears a terminal,
``ESC]0;...BEL`` sets its title, a bidirectional override reorders what follows.
Every view shows such a string through :func:`escape`, which writes each control
character as a visible escape (``\\x1b``, ``\\u202e``); JSON keeps the exact value.
:func:`plain` wraps it in a rich ``Text``, which rich never parses as markup, so
``[link=...]`` or ``[/]`` in data stays text. :func:`xml` escapes for SVG, HTML and
JUnit. Only the standard library is imported here (rich only inside :func:`plain`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from tlsstep.lazy import pattern

if TYPE_CHECKING:
    from rich.text import Text

# C0 controls, DEL, C1 controls, and the Unicode format characters that reorder or
# hide text (bidirectional overrides and isolates, zero-width joiners, BOM).
_CONTROL: Final = pattern(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
# What may reach a terminal from a segment of text: everything but controls; a
# newline stays (rich lays out lines with it).
_TERMINAL_UNSAFE: Final = pattern(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
_XML: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def _one(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control and invisible format character written as an escape
    (``keep_newlines``: all but the newline, for text written on several lines)."""
    if text.isascii() and text.isprintable():  # most text: no pattern to run (or compile)
        return text
    return (_TERMINAL_UNSAFE if keep_newlines else _CONTROL).sub(_one, text)


def has_controls(text: str) -> bool:
    if text.isascii() and text.isprintable():
        return False
    return _CONTROL.search(text) is not None


def plain(text: str, style: str = "") -> Text:
    """A rich ``Text`` of ``text``, escaped: never parsed as markup."""
    from rich.text import Text

    return Text(escape(text), style=style)


def xml(text: str) -> str:
    """``text`` escaped for XML/HTML text and attribute values, controls escaped first
    (XML 1.0 cannot hold most control characters at all)."""
    return "".join(_XML.get(c, c) for c in escape(text))


def escape_for_terminal(text: str) -> str:
    """``text`` with every control character but the newline escaped."""
    return escape(text, keep_newlines=True)
