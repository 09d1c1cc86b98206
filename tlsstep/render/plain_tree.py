"""Decoded-field trees as plain text on a pipe, laid out exactly as rich lays them out.

``-v``/``-vv`` print each record's messages as rich trees (render/wire_view.py) inside a
left :class:`~rich.padding.Padding`. On a terminal rich renders them, styles and all.
On a pipe there are no styles, yet rich's segment pipeline (measure, wrap, style, crop,
pad) was most of a ``handshake -vv``: about 260 of its 855 million instructions
(callgrind; issue 14). :func:`padded_trees_text` writes the same characters with rich's
own measuring and wrapping functions (``rich.cells``, ``rich._wrap``) and the same rules
as rich 13-15's ``Padding``, ``Tree`` and ``Text.wrap``: the width of the widest label
plus its indent, labels word-wrapped and folded to what is left after the guides; then,
as :class:`~tlsstep.render.terminal.SafeConsole` writes, control characters escaped and
no blank at the end of a line. tests/test_plain_tree.py compares the two on
every shape tlsstep prints.

Anything else (a label that is not one plain line of text or starts with a blank, a
hidden root, a collapsed node, an ASCII-only console, a width too narrow for the
guides) returns None and rich renders it as before.
"""

from __future__ import annotations

import itertools
import re
from typing import Final

from rich._wrap import divide_line
from rich.cells import cell_len, set_cell_size
from rich.console import Console, Group
from rich.padding import Padding
from rich.text import Text
from rich.tree import Tree

from tlsstep.render.layout import strip_trailing_blanks
from tlsstep.safe_text import escape_for_terminal

# Tree.TREE_GUIDES[0]: space, continue, fork, end (the guide style is neither bold nor
# underline2, which would pick the heavy or double lines).
SPACE, CONTINUE, FORK, END = "    ", "│   ", "├── ", "└── "
GUIDE: Final = 4  # cells of one guide

_TRAILING_SPACE: Final = re.compile(r"\s+$")


class _Unsupported(Exception):
    """A shape this module does not lay out: rich renders it."""


def padded_trees_text(console: Console, padding: Padding) -> str | None:
    """The text rich prints for ``Padding(Group(Tree, ...), (0, 0, 0, N))`` on ``console``
    when it is not a terminal, or None for a shape to leave to rich."""
    options = console.options
    if console.is_terminal or options.ascii_only or options.legacy_windows:
        return None
    if (padding.top, padding.right, padding.bottom) != (0, 0, 0) or padding.expand:
        return None
    if not isinstance(padding.renderable, Group):  # (its style: none without colour)
        return None
    trees = padding.renderable.renderables
    if not trees or not all(isinstance(t, Tree) for t in trees):
        return None
    try:
        return _render(trees, options.max_width, padding.left)  # type: ignore[arg-type]
    except _Unsupported:
        return None


def _render(trees: list[Tree], max_width: int, left: int) -> str:
    labels = [list(_walk(tree)) for tree in trees]
    # Padding measures the group (the widest tree; a tree: its widest label plus 4 cells
    # a level, each clamped to the console's width), then renders it that wide.
    widest = max(
        min(
            max(min(cell_len(text), max_width) + GUIDE * depth for depth, _, text in nodes),
            max_width,
        )
        for nodes in labels
    )
    width = min(widest + left, max_width)
    inner = width - left
    margin = " " * left
    out: list[str] = []
    for nodes in labels:
        for depth, guides, text in nodes:
            room = inner - GUIDE * depth
            if room < 1:
                raise _Unsupported
            first, rest = guides
            for i, piece in enumerate(_wrap(text, room)):
                line = (first if i == 0 else rest) + piece
                size = cell_len(line)
                if size < inner:
                    line += " " * (inner - size)
                elif size > inner:
                    line = set_cell_size(line, inner)
                out.append(margin + line + "\n")
    # As SafeConsole writes what rich rendered: control characters escaped, no line
    # ending in a blank (render/layout.py).
    return strip_trailing_blanks(escape_for_terminal("".join(out)))


def _walk(tree: Tree) -> list[tuple[int, tuple[str, str], str]]:
    """Each node as (depth, (first line's guides, later lines' guides), label text)."""
    if tree.hide_root:
        raise _Unsupported
    nodes: list[tuple[int, tuple[str, str], str]] = []

    def visit(node: Tree, depth: int, above: str, last: bool) -> None:
        if not isinstance(node.label, Text) or (node.children and not node.expanded):
            raise _Unsupported
        text = node.label.plain
        if not text or "\n" in text or "\t" in text or node.label.end != "\n":
            raise _Unsupported
        if text.startswith(" "):  # SafeConsole may wrap it with a hanging indent
            raise _Unsupported
        if node.label.justify not in (None, "default") or node.label.overflow not in (
            None,
            "fold",
        ):
            raise _Unsupported
        if node.label.no_wrap:
            raise _Unsupported
        if depth == 0:
            guides = ("", "")
            below = ""
        else:
            guides = (above + (END if last else FORK), above + (SPACE if last else CONTINUE))
            below = above + (SPACE if last else CONTINUE)
        nodes.append((depth, guides, text))
        for i, child in enumerate(node.children):
            visit(child, depth + 1, below if depth else "", i == len(node.children) - 1)

    visit(tree, 0, "", True)
    return nodes


def _wrap(text: str, width: int) -> list[str]:
    """``Text.wrap(width)`` of one line with rich's defaults (justify "default",
    overflow "fold"), as plain strings."""
    offsets = divide_line(text, width, fold=True)
    bounds = [0, *offsets, len(text)]
    lines = []
    for start, end in itertools.pairwise(bounds):
        line = text[start:end]
        if len(line) > width:  # Text.rstrip_end: compares characters, not cells
            trailing = _TRAILING_SPACE.search(line)
            if trailing is not None:
                line = line[: len(line) - min(len(trailing.group(0)), len(line) - width)]
        if cell_len(line) > width:  # Text.truncate, overflow "fold"
            line = set_cell_size(line, width)
        lines.append(line)
    return lines
