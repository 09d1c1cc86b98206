"""Decoded fields as rich trees (``-v``) and with their bytes in hex (``-vv``).

Reads :class:`tlsstep.wire.messages.DecodedMessage` values and changes none; the
JSON side of the same values is :func:`tlsstep.wire.messages.to_json` (placed by
``render/json.py`` under each message's ``"fields"``), so the terminal and ``--json`` cannot disagree.

Rules for the tree: a vector's length prefix and an extension's type number are
shown only with ``-vv`` (the node's label already says them); an opaque vector
is one line; the elements of a list (cipher suites, groups) are shown by name.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from rich.tree import Tree

from tlsstep.decode import RecordView
from tlsstep.render.json import record_decoded
from tlsstep.wire.messages import DecodedMessage
from tlsstep.wire.reader import Field

# Bytes longer than this are cut at -v (all of them are shown at -vv).
SHORT_HEX = 32
# Fields that only restate framing: hidden at -v, shown at -vv.
FRAMING = frozenset({"length", "msg_type", "extension_type"})


def _hex_value(raw: bytes, *, full: bool) -> str:
    if full or len(raw) <= SHORT_HEX:
        return raw.hex()
    return f"{raw[:SHORT_HEX].hex()}…"


def _value_text(f: Field) -> str:
    if isinstance(f.value, int):
        if f.text is not None:
            return f"{f.text} (0x{f.value:0{f.length * 2}x})"
        return str(f.value)
    if isinstance(f.value, bytes):
        if f.text is not None:
            return f.text
        if not f.value:
            return "(empty)"
        return _hex_value(f.value, full=False)
    return f.text or ""


def _shown(children: tuple[Field, ...], show_bytes: bool) -> list[Field]:
    return [c for c in children if show_bytes or c.name not in FRAMING]


def _collapsed(f: Field) -> Field | None:
    """The single leaf of an opaque vector node (length + bytes), if it is one."""
    inner = [c for c in f.children if c.name != "length"]
    if len(inner) == 1 and inner[0].is_leaf and inner[0].name == f.name:
        return inner[0]
    return None


def _label(f: Field, raw: bytes, *, show_bytes: bool, in_list: bool) -> Text:
    text = Text()
    # With -vv an opaque vector is expanded (its length shown), and raw bytes
    # appear once, as the hex beside the field.
    leaf = f if f.is_leaf else (None if show_bytes else _collapsed(f))
    if leaf is not None:
        if not in_list:
            text.append(f"{f.name}: ", style="tlsstep.key")
        if not (show_bytes and isinstance(leaf.value, bytes) and leaf.text is None):
            text.append(_value_text(leaf))
        if isinstance(leaf.value, bytes) and leaf is not f and leaf.value:
            text.append(f"  ({len(leaf.value)} bytes)", style="tlsstep.dim")
    else:
        text.append(f.name, style="tlsstep.key")
        if f.is_list:
            items = [c for c in f.children if c.name != "length"]
            text.append(f"  ({len(items)})", style="tlsstep.dim")
    if show_bytes:
        text.append(f"  @{f.offset}+{f.length}", style="tlsstep.dim")
        if f.is_leaf:
            text.append(f"  {raw[f.offset : f.offset + f.length].hex()}", style="tlsstep.dim")
    return text


def _add(tree: Tree, f: Field, raw: bytes, *, show_bytes: bool, in_list: bool) -> None:
    branch = tree.add(_label(f, raw, show_bytes=show_bytes, in_list=in_list))
    if f.is_leaf:
        return
    if not show_bytes and _collapsed(f) is not None:
        return
    # The elements of a list vector are shown by their value alone.
    for child in _shown(f.children, show_bytes):
        _add(
            branch, child, raw, show_bytes=show_bytes, in_list=f.is_list and child.name != "length"
        )


def decoded_tree(decoded: DecodedMessage, *, show_bytes: bool = False) -> RenderableType:
    """One message (or CCS/Alert body) as a tree of its fields, problems last."""
    title = Text(decoded.name, style="tlsstep.message")
    if decoded.form:
        title.append(f"  ({decoded.form} form)", style="tlsstep.dim")
    if show_bytes:
        title.append(f"  {len(decoded.raw)} bytes", style="tlsstep.dim")
        start = decoded.stream_offset(0)
        if start is not None:  # known for plaintext records: field offsets add to it
            title.append(f" from stream offset {start}", style="tlsstep.dim")
            if len(decoded.pieces) > 1:
                title.append(f" in {len(decoded.pieces)} pieces", style="tlsstep.dim")
    tree = Tree(title, guide_style="tlsstep.dim")
    for f in _shown(decoded.fields, show_bytes):
        _add(tree, f, decoded.raw, show_bytes=show_bytes, in_list=False)
    for p in decoded.problems:
        tree.add(Text(f"problem: {p}", style="tlsstep.error"))
    return tree


def record_fields(view: RecordView, *, show_bytes: bool = False, indent: int = 8) -> RenderableType:
    """The decoded trees of one record, indented under its one-line summary."""
    trees = [decoded_tree(d, show_bytes=show_bytes) for d in record_decoded(view)]
    return Padding(Group(*trees), (0, 0, 0, indent), expand=False)
