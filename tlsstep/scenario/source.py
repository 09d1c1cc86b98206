"""Where each key of a TOML file is written: ``tomllib`` gives values, not line numbers.

:func:`key_lines` scans the source text once and maps every key path to the line
it is written on, so a problem found in the parsed values can be reported as
``FILE:LINE``. Array-of-tables headers count: ``[[step]]`` number 3 is the path
``("step", 2)``. Keys inside an inline table (``expect = {result = "done"}``) share
the line of the key that opens it; :meth:`KeyLines.line` falls back to the
nearest written parent, so every path finds a line.

The scanner only has to follow the TOML that ``tomllib`` already accepted: it
skips comments and multi-line strings and does not re-validate anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

Path = tuple[str | int, ...]

_BARE: Final = r"[A-Za-z0-9_-]+"
_QUOTED: Final = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY: Final = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_ARRAY_HEADER: Final = re.compile(rf"^\s*\[\[\s*({_KEY})\s*\]\]")
_TABLE_HEADER: Final = re.compile(rf"^\s*\[\s*({_KEY})\s*\]")
_ASSIGN: Final = re.compile(rf"^\s*({_KEY})\s*=")
_PART: Final = re.compile(rf"{_BARE}|{_QUOTED}")
# What follows an opening quote, up to (not including) its closing quote.
_BASIC_REST: Final = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*')
_LITERAL_REST: Final = re.compile(r"[^']*")


def _parts(dotted: str) -> tuple[str, ...]:
    out: list[str] = []
    for match in _PART.finditer(dotted):
        word = match.group(0)
        out.append(word[1:-1] if word[0] in "\"'" else word)
    return tuple(out)


@dataclass(slots=True)
class KeyLines:
    """Key path -> 1-based line number."""

    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest parent that is written in the file."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


def _open_multiline(text: str) -> str | None:
    """The delimiter of a multi-line string left open at the end of ``text``, if any."""
    pos = 0
    open_with: str | None = None
    while pos < len(text):
        if open_with is not None:
            end = text.find(open_with, pos)
            if end < 0:
                return open_with
            pos = end + 3
            open_with = None
            continue
        char = text[pos]
        if char == "#":
            return None
        if text.startswith('"""', pos) or text.startswith("'''", pos):
            open_with = text[pos : pos + 3]
            pos += 3
            continue
        if char in "\"'":
            # A one-line string: skip to its closing quote (basic strings may escape it),
            # by regular expression: a long value must not cost a Python step per character.
            rest = (_BASIC_REST if char == '"' else _LITERAL_REST).match(text, pos + 1)
            pos = rest.end() if rest else len(text)
        pos += 1
    return open_with


class TooDeep(Exception):
    """A key nests deeper than the caller allows; ``line`` says where."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def key_lines(source: str, *, max_depth: int | None = None) -> KeyLines:
    """Scan TOML ``source`` and note the line of every header and key.

    Raises:
        TooDeep: a header or key of more than ``max_depth`` parts (the work of
            placing a key grows with its depth).
    """
    found = KeyLines()
    counts: dict[Path, int] = {}
    table: Path = ()
    in_string: str | None = None
    for number, text in enumerate(source.splitlines(), start=1):
        if in_string is not None:
            if in_string in text:
                in_string = _open_multiline(text[text.index(in_string) + 3 :])
            continue
        if match := _ARRAY_HEADER.match(text):
            name = _parts(match.group(1))
            _check_depth(name, (), max_depth, number)
            index = counts.get(name, 0)
            counts[name] = index + 1
            table = (*name, index)
            found.lines.setdefault(table, number)
            found.lines.setdefault(name, number)
        elif match := _TABLE_HEADER.match(text):
            _check_depth(_parts(match.group(1)), (), max_depth, number)
            table = _nest(_parts(match.group(1)), counts)
            found.lines.setdefault(table, number)
        elif match := _ASSIGN.match(text):
            key = _parts(match.group(1))
            _check_depth(key, table, max_depth, number)
            for end in range(1, len(key) + 1):
                found.lines.setdefault((*table, *key[:end]), number)
            in_string = _open_multiline(text[match.end() :])
    return found


def _check_depth(key: tuple[str, ...], table: Path, max_depth: int | None, line: int) -> None:
    if max_depth is not None and len(key) + len(table) > max_depth:
        raise TooDeep(line)


def _nest(name: tuple[str, ...], counts: dict[Path, int]) -> Path:
    """``[step.expect]`` belongs to the latest ``[[step]]``: insert its index."""
    out: list[str | int] = []
    for part in name:
        out.append(part)
        seen = counts.get(tuple(p for p in out if isinstance(p, str)))
        if seen:
            out.append(seen - 1)
    return tuple(out)
