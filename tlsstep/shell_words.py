"""Splitting a shell line into words, in time linear in the line (issue 17 item 4).

``shlex.split`` is quadratic on long words (it grows each token a character at a
time; a 1 MB line took 22.5 s). :func:`split` reads the same POSIX-shell quoting
that :func:`shlex.quote` writes - single quotes, double quotes with backslash
escapes, backslash outside quotes, adjacent parts joined into one word - with one
regular-expression pass, and refuses lines longer than
:data:`tlsstep.limits.MAX_SHELL_LINE` before looking at them.
"""

from __future__ import annotations

import re
from typing import Final

from tlsstep.lazy import pattern
from tlsstep.limits import MAX_SHELL_LINE

_TOKEN: Final = pattern(
    r"""(?P<space>[ \t\r\n]+)
      | '(?P<single>[^']*)'
      | "(?P<double>[^"\\]*(?:\\.[^"\\]*)*)"
      | \\(?P<escaped>.)
      | (?P<bare>[^ \t\r\n'"\\]+)
      | (?P<open>['"\\])""",
    re.VERBOSE | re.DOTALL,
)
# Inside double quotes a backslash escapes only a backslash or a quote (shlex, posix mode).
_DOUBLE_ESCAPE: Final = pattern(r'\\([\\"])')


class SplitError(ValueError):
    """A line that cannot be split: unbalanced quotes, or too long."""


def split(line: str) -> list[str]:
    """``line``'s words, as ``shlex.split`` gives them.

    Raises:
        SplitError: an unclosed quote or trailing backslash, or a line longer
            than MAX_SHELL_LINE characters.
    """
    if len(line) > MAX_SHELL_LINE:
        raise SplitError(
            f"the line is {len(line):,} characters long; a shell line may have at most "
            f"{MAX_SHELL_LINE:,}"
        )
    words: list[str] = []
    parts: list[str] = []
    started = False  # '' is a word too
    for match in _TOKEN.finditer(line):
        kind = match.lastgroup
        if kind == "space":
            if started:
                words.append("".join(parts))
                parts, started = [], False
            continue
        if kind == "open":
            quote = match.group("open")
            what = "a trailing backslash" if quote == "\\" else f"no closing quotation ({quote})"
            raise SplitError(f"{what} at character {match.start() + 1}")
        value = match.group(kind or "bare")
        if kind == "double":
            value = _DOUBLE_ESCAPE.sub(r"\1", value)
        parts.append(value)
        started = True
    if started:
        words.append("".join(parts))
    return words
